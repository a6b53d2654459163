package report

import (
	"io"
	"runtime"
	"sync/atomic"
)

// blockSize is how many items writeBlocks encodes in one piece.
const blockSize = 512

// writeBlocks writes encode's output for items 0 … n-1 to w, in order.
// Blocks of items are encoded on all cores while earlier blocks are being
// written, with at most a few blocks in memory at a time, so a report of
// any size costs about its largest block in memory and about one core's
// share of the encoding in time. encode appends item i to b; it must not
// depend on anything but i.
func writeBlocks(w io.Writer, n int, encode func(b []byte, i int) []byte) error {
	workers := runtime.GOMAXPROCS(0)
	if n <= blockSize || workers == 1 {
		var b []byte
		for i := range n {
			b = encode(b, i)
			if len(b) >= 64<<10 {
				if _, err := w.Write(b); err != nil {
					return err
				}
				b = b[:0]
			}
		}
		_, err := w.Write(b)
		return err
	}
	type block struct {
		buf  []byte
		done chan struct{}
	}
	// pending holds the blocks in order; its capacity and that of free
	// bound the memory in flight.
	pending := make(chan *block, 2*workers)
	free := make(chan []byte, 3*workers)
	running := make(chan struct{}, workers)
	var stop atomic.Bool
	go func() {
		defer close(pending)
		for start := 0; start < n && !stop.Load(); start += blockSize {
			b := &block{done: make(chan struct{})}
			select {
			case b.buf = <-free:
			default:
			}
			running <- struct{}{}
			pending <- b
			go func() {
				defer func() { <-running; close(b.done) }()
				for i := start; i < min(start+blockSize, n); i++ {
					b.buf = encode(b.buf, i)
				}
			}()
		}
	}()
	var err error
	for b := range pending {
		<-b.done
		if err == nil {
			if _, err = w.Write(b.buf); err != nil {
				stop.Store(true)
			}
		}
		select {
		case free <- b.buf[:0]:
		default:
		}
	}
	return err
}
