package keyring

import (
	"context"
	"fmt"
	"strings"
	"sync"
	"time"

	"biot-agent/internal/bounded"
)

// DefaultTimeout bounds every keyring call whose context allows longer.
const DefaultTimeout = 5 * time.Second

// TimeoutError says the keyring did not answer in time. errors.Is(err,
// context.DeadlineExceeded) holds for it.
type TimeoutError struct {
	// After is how long the call that got stuck waited.
	After time.Duration
}

func (e *TimeoutError) Error() string {
	return fmt.Sprintf("keyring did not answer within %v (is it locked?)", e.After)
}

// Unwrap makes a timeout a context.DeadlineExceeded for errors.Is.
func (e *TimeoutError) Unwrap() error { return context.DeadlineExceeded }

// guard runs keyring calls one at a time under a deadline. The keyring
// libraries take no context, so a call that hangs cannot be stopped, only
// left behind (package bounded waits for it): guard lets it hang alone and
// answers the callers that come after it with the same TimeoutError, at
// once, until it returns.
type guard struct {
	slot chan struct{} // holds one token while a keyring call runs

	mu    sync.Mutex
	stuck *stuckCall // the call abandoned by its caller, until it returns
}

type stuckCall struct {
	finished bool
	answer   error         // op's, once finished
	err      *TimeoutError // what callers get while it is stuck
}

func newGuard() *guard { return &guard{slot: make(chan struct{}, 1)} }

// processGuard is shared by every keyring store: the OS keyring and the
// D-Bus connection under it are one per process, so the one-stuck-call rule
// is too.
var processGuard = newGuard()

// do runs op under ctx and at most limit. op runs on its own goroutine, of
// which there is never more than one.
func (g *guard) do(ctx context.Context, limit time.Duration, op func() error) error {
	g.mu.Lock()
	stuck := g.stuck
	g.mu.Unlock()
	if stuck != nil {
		return stuck.err
	}
	wait := limit
	if dl, ok := ctx.Deadline(); ok {
		wait = min(wait, time.Until(dl))
	}
	timeout := &TimeoutError{After: wait.Round(time.Millisecond)}
	if wait <= 0 {
		return timeout
	}
	wctx, cancel := context.WithTimeout(ctx, wait)
	defer cancel()

	// Wait for the call before us; it shares our deadline.
	select {
	case g.slot <- struct{}{}:
	case <-wctx.Done():
		return ended(ctx, timeout)
	}

	call := &stuckCall{err: timeout}
	err := bounded.Do(wctx, func() error {
		err := op()
		if hiccup(err) {
			err = op()
		}
		g.mu.Lock()
		call.finished, call.answer = true, err
		if g.stuck == call {
			g.stuck = nil
		}
		g.mu.Unlock()
		<-g.slot
		return err
	})
	g.mu.Lock()
	defer g.mu.Unlock()
	switch {
	case call.finished:
		// It answered, perhaps just as the wait ended: the answer wins.
		return call.answer
	case ctx.Err() == context.Canceled:
		// The caller's own doing: the call runs on, holding the slot, and
		// the next caller waits for it under its own deadline.
		return fmt.Errorf("keyring call abandoned: %w", err)
	default:
		g.stuck = call
		return timeout
	}
}

// hiccup reports whether err is gnome-keyring's answer to a caller it does
// not know yet: "Method SearchItems is not implemented on interface
// org.freedesktop.Secret.Service". It learns of a new connection by asking
// the bus for its process, and a call that it handles before the answer
// comes finds no session and bails out, which GDBus words so; seen under
// load. By the time the same call comes again the answer is in, so do
// makes it once more.
func hiccup(err error) bool {
	return err != nil && strings.Contains(err.Error(), "is not implemented on interface org.freedesktop.Secret.")
}

// ended is the error for a wait that ended before the keyring's turn came:
// a cancellation is the caller's own doing, a deadline is a timeout.
func ended(ctx context.Context, timeout *TimeoutError) error {
	if ctx.Err() == context.Canceled {
		return fmt.Errorf("keyring call abandoned: %w", ctx.Err())
	}
	return timeout
}
