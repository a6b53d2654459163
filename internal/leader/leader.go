// Package leader elects one replica of `opsloop serve` to do the work that
// must not run twice (rule evaluation, actions), with a lease in the state
// store.
//
// Every replica runs an [Elector]. The holder renews its lease every third
// of the TTL; the others try to take it on the same beat and succeed once
// it has expired, so a crashed leader is replaced within one TTL and a
// leader that stops cleanly hands over at once by releasing it. The lease
// uses the database's clock, so replicas' clocks need not agree.
package leader

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/opsloop/opsloop/internal/store"
)

// Elector campaigns for one lease.
type Elector struct {
	st     store.Store
	name   string
	holder string
	ttl    time.Duration
	log    *slog.Logger
	leader atomic.Bool
	// OnChange, when set, is called with the new state on every change.
	OnChange func(leader bool)
}

// New returns an Elector for the lease name, campaigning as holder.
func New(st store.Store, name, holder string, ttl time.Duration, log *slog.Logger) *Elector {
	if log == nil {
		log = slog.New(slog.DiscardHandler)
	}
	return &Elector{st: st, name: name, holder: holder, ttl: ttl, log: log}
}

// IsLeader reports whether this replica held the lease at its last
// renewal. It turns false as soon as a renewal fails, before the lease
// itself runs out, so that two replicas never both believe they lead.
func (e *Elector) IsLeader() bool { return e.leader.Load() }

// Holder is the identity this Elector campaigns as.
func (e *Elector) Holder() string { return e.holder }

// Run campaigns until ctx is done, then releases the lease if it holds it.
func (e *Elector) Run(ctx context.Context) {
	tick := time.NewTicker(e.ttl / 3)
	defer tick.Stop()
	for {
		e.try(ctx)
		select {
		case <-ctx.Done():
			e.release()
			return
		case <-tick.C:
		}
	}
}

func (e *Elector) try(ctx context.Context) {
	// A renewal that takes longer than a third of the TTL is as good as
	// lost.
	c, cancel := context.WithTimeout(ctx, e.ttl/3)
	defer cancel()
	held, err := e.st.AcquireLease(c, e.name, e.holder, e.ttl)
	if err != nil {
		if ctx.Err() == nil {
			e.log.Warn("leader lease renewal failed", "lease", e.name, "holder", e.holder, "err", err)
		}
		held = false
	}
	e.set(held)
}

func (e *Elector) set(held bool) {
	if e.leader.Swap(held) == held {
		return
	}
	if held {
		e.log.Info("became leader", "lease", e.name, "holder", e.holder)
	} else {
		e.log.Info("lost leadership", "lease", e.name, "holder", e.holder)
	}
	if e.OnChange != nil {
		e.OnChange(held)
	}
}

func (e *Elector) release() {
	if !e.leader.Load() {
		return
	}
	e.set(false)
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := e.st.ReleaseLease(ctx, e.name, e.holder); err != nil {
		e.log.Warn("leader lease not released; it expires on its own", "lease", e.name, "err", err)
	}
}
