package report

import (
	"bytes"
	"errors"
	"strconv"
	"testing"
)

func TestWriteBlocks_Order(t *testing.T) {
	for _, n := range []int{0, 1, blockSize, blockSize + 1, 10*blockSize + 7} {
		var want bytes.Buffer
		for i := range n {
			want.WriteString(strconv.Itoa(i) + "\n")
		}
		var got bytes.Buffer
		err := writeBlocks(&got, n, func(b []byte, i int) []byte {
			return append(strconv.AppendInt(b, int64(i), 10), '\n')
		})
		if err != nil {
			t.Fatalf("n=%d: %v", n, err)
		}
		if !bytes.Equal(got.Bytes(), want.Bytes()) {
			t.Fatalf("n=%d: output out of order or incomplete (%d bytes, want %d)", n, got.Len(), want.Len())
		}
	}
}

// failAfter accepts n writes and fails the rest.
type failAfter struct{ n, calls int }

var errFull = errors.New("disk full")

func (w *failAfter) Write(p []byte) (int, error) {
	w.calls++
	if w.calls > w.n {
		return 0, errFull
	}
	return len(p), nil
}

func TestWriteBlocks_WriteError(t *testing.T) {
	w := &failAfter{n: 2}
	err := writeBlocks(w, 100*blockSize, func(b []byte, i int) []byte { return append(b, 'x') })
	if !errors.Is(err, errFull) {
		t.Fatalf("err = %v, want %v", err, errFull)
	}
	if w.calls > 3 {
		t.Fatalf("%d writes after the first failure, want none", w.calls-3)
	}
}
