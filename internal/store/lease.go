package store

import (
	"fmt"
	"time"
)

// MinLeaseTTL is the shortest TTL [Store.AcquireLease] accepts; backends
// keep lease expiry with millisecond precision.
const MinLeaseTTL = time.Millisecond

// ValidateLeaseName reports whether name may name a lease: it is set,
// valid UTF-8 without NUL bytes and at most [MaxFieldLen] bytes. The error
// wraps [ErrInvalidArgument].
func ValidateLeaseName(name string) error {
	if name == "" {
		return fmt.Errorf("%w: lease name is empty", ErrInvalidArgument)
	}
	return checkText("lease name", name, MaxFieldLen)
}

// ValidateLease reports whether name and holder may be passed to
// [Store.AcquireLease] and [Store.ReleaseLease]: name passes
// [ValidateLeaseName] and holder is set, valid UTF-8 without NUL bytes
// and at most [MaxFieldLen] bytes. The error wraps [ErrInvalidArgument].
func ValidateLease(name, holder string) error {
	if err := ValidateLeaseName(name); err != nil {
		return err
	}
	if holder == "" {
		return fmt.Errorf("%w: lease holder is empty", ErrInvalidArgument)
	}
	return checkText("lease holder", holder, MaxFieldLen)
}

// ValidateLeaseTTL reports whether ttl may be passed to
// [Store.AcquireLease]: it is at least [MinLeaseTTL]. The error wraps
// [ErrInvalidArgument].
func ValidateLeaseTTL(ttl time.Duration) error {
	if ttl < MinLeaseTTL {
		return fmt.Errorf("%w: lease ttl is %v; it must be at least %v", ErrInvalidArgument, ttl, MinLeaseTTL)
	}
	return nil
}
