package logs

import (
	"container/heap"
	"sync"
	"time"

	"go.opentelemetry.io/collector/pdata/plog"
)

// Defaults for [Options].
const (
	// DefaultMaxBytes is the default budget for stored records: 128 MiB.
	DefaultMaxBytes = 128 << 20
	// DefaultMaxAge is how long a record is kept after its time by
	// default.
	DefaultMaxAge = 24 * time.Hour
)

// Options configures a [Store]. The zero value is usable: every field has
// a default.
type Options struct {
	// MaxBytes is the budget for stored records, in estimated bytes. When
	// it is exceeded, the records ingested first are evicted first. Zero
	// or negative means DefaultMaxBytes.
	MaxBytes int64
	// MaxAge is how long a record is kept after its time. Zero or
	// negative means DefaultMaxAge.
	MaxAge time.Duration
	// Now is the clock, for tests. Nil means time.Now.
	Now func() time.Time
}

// Stats describes what a [Store] holds and what it has dropped.
type Stats struct {
	// Records is the number of log records stored now.
	Records int
	// Bytes is the estimated size of the stored records.
	Bytes int64
	// Evicted is the number of records evicted (by MaxBytes or MaxAge)
	// since the store was created; Rejected the number refused by Add.
	Evicted, Rejected int64
}

// entry is one stored record with its places in the store's indexes.
type entry struct {
	rec  Record
	size int64
	time int64  // rec.Time in Unix nanoseconds, for cheap comparisons
	seq  uint64 // arrival number: among records of equal time, the later is newer

	prev, next *entry // ingestion order (oldest at Store.head)
	heapIdx    int    // position in Store.byTime
}

// Store is a bounded in-memory store of log records. Create one with
// [New].
type Store struct {
	maxBytes int64
	maxAge   time.Duration
	now      func() time.Time

	mu sync.RWMutex // guards the following fields
	// +checklocks:mu
	head, tail *entry // ingestion order: head is the oldest
	// +checklocks:mu
	byTime timeHeap // min-heap by record time, for MaxAge
	// +checklocks:mu
	seq uint64 // arrival number of the last record stored
	// +checklocks:mu
	bytes int64
	// +checklocks:mu
	evicted, rejected int64
}

// New returns an empty store configured by opts.
func New(opts Options) *Store {
	s := &Store{
		maxBytes: opts.MaxBytes,
		maxAge:   opts.MaxAge,
		now:      opts.Now,
	}
	if s.maxBytes <= 0 {
		s.maxBytes = DefaultMaxBytes
	}
	if s.maxAge <= 0 {
		s.maxAge = DefaultMaxAge
	}
	if s.now == nil {
		s.now = time.Now
	}
	return s
}

// Add stores the log records of ld. A record with neither a body nor
// attributes of its own (resource attributes do not count) is rejected
// and not stored; Add returns how many records were rejected and a
// message naming the first problem (empty when none was), as OTLP's
// partial_success wants.
//
// A record already older than MaxAge is accepted and evicted at once, and
// so counted in Stats.Evicted. Add does not keep a reference to ld.
func (s *Store) Add(ld plog.Logs) (rejected int64, message string) {
	batch, rejected, message := convert(ld, s.now())
	s.mu.Lock()
	defer s.mu.Unlock()
	s.rejected += rejected
	for _, e := range batch {
		s.insertLocked(e)
	}
	s.expireLocked()
	for s.bytes > s.maxBytes && s.head != nil {
		s.removeLocked(s.head)
		s.evicted++
	}
	return rejected, message
}

// Sweep evicts every record whose time is older than now-MaxAge. Callers
// run it periodically so that an idle store still ages out.
func (s *Store) Sweep() {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.expireLocked()
}

// Stats reports what the store holds now and what it has dropped.
func (s *Store) Stats() Stats {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return Stats{
		Records:  len(s.byTime),
		Bytes:    s.bytes,
		Evicted:  s.evicted,
		Rejected: s.rejected,
	}
}

// insertLocked adds e to every index.
func (s *Store) insertLocked(e *entry) {
	s.seq++
	e.seq = s.seq
	e.prev = s.tail
	if s.tail != nil {
		s.tail.next = e
	} else {
		s.head = e
	}
	s.tail = e
	heap.Push(&s.byTime, e)
	s.bytes += e.size
}

// removeLocked takes e out of every index.
func (s *Store) removeLocked(e *entry) {
	if e.prev != nil {
		e.prev.next = e.next
	} else {
		s.head = e.next
	}
	if e.next != nil {
		e.next.prev = e.prev
	} else {
		s.tail = e.prev
	}
	e.prev, e.next = nil, nil
	heap.Remove(&s.byTime, e.heapIdx)
	s.bytes -= e.size
}

// expireLocked evicts the records whose time is before now-MaxAge.
func (s *Store) expireLocked() {
	cutoff := s.now().Add(-s.maxAge).UnixNano()
	for len(s.byTime) > 0 && s.byTime[0].time < cutoff {
		s.removeLocked(s.byTime[0])
		s.evicted++
	}
}

// timeHeap is a min-heap of entries by record time; each entry knows its
// index so that it can be removed from the middle.
type timeHeap []*entry

func (h timeHeap) Len() int           { return len(h) }
func (h timeHeap) Less(i, j int) bool { return h[i].time < h[j].time }
func (h timeHeap) Swap(i, j int) {
	h[i], h[j] = h[j], h[i]
	h[i].heapIdx = i
	h[j].heapIdx = j
}

func (h *timeHeap) Push(x any) {
	e := x.(*entry)
	e.heapIdx = len(*h)
	*h = append(*h, e)
}

func (h *timeHeap) Pop() any {
	old := *h
	n := len(old) - 1
	e := old[n]
	old[n] = nil
	*h = old[:n]
	e.heapIdx = -1
	return e
}
