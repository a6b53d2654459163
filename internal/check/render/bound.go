package render

import (
	"context"
	"errors"
	"fmt"
	"time"
)

// Limits shared by the renderers.
const (
	// DefaultTimeout bounds one render. Neither Helm nor Kustomize can be
	// interrupted, so a render that runs past it is abandoned, not
	// stopped: its goroutine runs on until it ends.
	DefaultTimeout = 2 * time.Minute
	// DefaultMaxOutput bounds the bytes one render may produce.
	DefaultMaxOutput = 64 << 20
)

// ErrTooLarge is returned when a render produces more than its limit.
var ErrTooLarge = errors.New("rendered output is too large")

// bounded runs fn on a goroutine of its own and waits for it, for ctx, or
// for timeout, whichever comes first. A panic in fn is returned as an
// error. When ctx ends first, fn is left to finish on its own.
func bounded[T any](ctx context.Context, timeout time.Duration, fn func() (T, error)) (T, error) {
	if timeout > 0 {
		var cancel context.CancelFunc
		ctx, cancel = context.WithTimeout(ctx, timeout)
		defer cancel()
	}
	type result struct {
		v   T
		err error
	}
	done := make(chan result, 1)
	go func() {
		defer func() {
			if p := recover(); p != nil {
				done <- result{err: fmt.Errorf("renderer panicked: %v", p)}
			}
		}()
		v, err := fn()
		done <- result{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
		var zero T
		if errors.Is(ctx.Err(), context.DeadlineExceeded) && timeout > 0 {
			return zero, fmt.Errorf("rendering did not finish within %s (does a template loop forever?): %w", timeout, ctx.Err())
		}
		return zero, ctx.Err()
	}
}

// checkSize returns ErrTooLarge when size is over limit.
func checkSize(size, limit int64) error {
	if limit > 0 && size > limit {
		return fmt.Errorf("%w: over %d bytes (a template or generator may repeat without bound)", ErrTooLarge, limit)
	}
	return nil
}
