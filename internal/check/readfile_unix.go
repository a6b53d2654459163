//go:build unix

package check

import (
	"io"
	"os"
	"syscall"
)

// readRegular reads the regular file at path with plain system calls,
// skipping what os.File adds for pollable files (a fcntl and a poller
// registration per open), which shows at thousands of small files. ok is
// false, with nothing read, when path is not a regular file or is over
// limit; the caller then reads it the general way.
func readRegular(path string, limit int64) (data []byte, ok bool, err error) {
	var fd int
	for {
		fd, err = syscall.Open(path, syscall.O_RDONLY|syscall.O_CLOEXEC|syscall.O_NONBLOCK, 0)
		if err != syscall.EINTR {
			break
		}
	}
	if err != nil {
		return nil, true, &os.PathError{Op: "open", Path: path, Err: err}
	}
	defer syscall.Close(fd)
	var st syscall.Stat_t
	if err := syscall.Fstat(fd, &st); err != nil || st.Mode&syscall.S_IFMT != syscall.S_IFREG || st.Size >= limit {
		return nil, false, nil
	}
	data, err = readSized(fdReader(fd), int(st.Size)+1, limit)
	return data, true, err
}

// fdReader reads a file descriptor.
type fdReader int

func (fd fdReader) Read(b []byte) (int, error) {
	for {
		n, err := syscall.Read(int(fd), b)
		switch {
		case err == syscall.EINTR:
			continue
		case err != nil:
			return 0, err
		case n == 0 && len(b) > 0:
			return 0, io.EOF
		}
		return n, nil
	}
}
