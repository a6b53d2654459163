// Package logs keeps recent log records in memory so that operators and
// detectors can search them by service, severity, trace, text and time.
//
// A [Store] takes OTLP logs as decoded by the collector's pdata packages
// ([Store.Add]) and flattens each log record into a [Record]. Records are
// kept within two bounds:
//
//   - MaxBytes: an estimate of the memory the stored records use (a fixed
//     overhead per record plus the lengths of its strings and
//     attributes). When a batch takes the store over the budget, the
//     records ingested first are evicted first.
//   - MaxAge: a record whose time is older than now-MaxAge is evicted, on
//     every Add and on every [Store.Sweep], which callers run
//     periodically.
//
// A record's time is its Timestamp, or its ObservedTimestamp when
// Timestamp is zero, or the time Add received it when both are zero.
// Bodies are cut at MaxBody bytes and attribute values at
// MaxAttributeValue bytes, so that one record cannot take the budget.
// Every record evicted or rejected is counted in [Store.Stats].
//
// There is no persistence: a restart loses every record. As of 2026-11 a
// write-ahead log is planned; until then the store is a cache of recent
// traffic, not a record. Log records carry no identity, so a batch that
// an exporter retries is stored twice.
//
// # Usage
//
//	s := logs.New(logs.Options{MaxBytes: 64 << 20, MaxAge: 6 * time.Hour})
//	rejected, msg := s.Add(ld) // feeds OTLP partial_success
//	found, err := s.Search(logs.Query{Service: "checkout", MinSeverity: 17, Text: "timeout"})
//
// # Costs
//
// Add is O(records in the batch · log records stored). Search scans every
// stored record and keeps the newest Limit matches in a heap, so it is
// O(records stored · log Limit) plus the cost of the text match; the
// store is bounded, so so is that cost.
//
// # Concurrency properties
//
// A Store is safe for concurrent use. It holds one sync.RWMutex: Add and
// Sweep take it for writing, and only after a batch has been converted
// outside it; Search and Stats take it for reading and do not block one
// another. Values returned to callers are copies and may be kept and
// modified freely.
package logs
