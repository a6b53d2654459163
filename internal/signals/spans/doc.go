// Package spans keeps recent trace spans in memory so that operators and
// detectors can look a trace up by ID, search for traces, and draw the
// service graph of who calls whom.
//
// A [Store] takes OTLP traces as decoded by the collector's pdata packages
// ([Store.Add]), flattens each span into a [Span], and indexes it by trace.
// Spans are kept within two bounds:
//
//   - MaxBytes: an estimate of the memory the stored spans use (a fixed
//     overhead per span plus the lengths of its strings and attributes).
//     When a batch takes the store over the budget, the spans ingested
//     first are evicted first.
//   - MaxAge: a span whose end time is older than now-MaxAge is evicted,
//     on every Add and on every [Store.Sweep], which callers run
//     periodically.
//
// Every span evicted or rejected is counted in [Store.Stats]. The byte
// estimate errs high: for a typical span with a handful of attributes it
// was about 1.4 times the Go heap actually held (1,039 estimated against
// 749 measured bytes per span, 2026-11).
//
// There is no persistence: a restart loses every span. As of 2026-11 a
// write-ahead log is planned; until then the store is a cache of recent
// traffic, not a record.
//
// # Usage
//
//	s := spans.New(spans.Options{MaxBytes: 64 << 20, MaxAge: 6 * time.Hour})
//	rejected, msg := s.Add(td) // feeds OTLP partial_success
//	trace := s.Trace("4bf92f3577b34da6a3ce929d0e0e4736") // sorted by start
//	found, err := s.Search(spans.Query{Service: "checkout", Status: "error"})
//	g := s.ServiceGraph(time.Now().Add(-time.Hour), time.Now())
//
// # Costs
//
// Add is O(spans in the batch · log spans stored). Trace is O(spans in
// the trace). Search and ServiceGraph scan every stored span; the store is
// bounded, so so is their cost.
//
// # Concurrency properties
//
// A Store is safe for concurrent use. It holds one sync.RWMutex: Add and
// Sweep take it for writing, and only after a batch has been converted
// outside it; Trace, Search, ServiceGraph and Stats take it for reading
// and do not block one another. Values returned to callers are copies and
// may be kept and modified freely.
package spans
