package keyring

import (
	"context"
	"fmt"
	"sync"
	"time"
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
// libraries take no context, so a call that hangs cannot be stopped: guard
// lets it hang alone and answers the callers that come after it with the
// same TimeoutError, at once, until it returns.
type guard struct {
	slot chan struct{} // holds one token while a keyring call runs

	mu    sync.Mutex
	stuck *stuckCall // the call abandoned by its caller, until it returns
}

type stuckCall struct {
	finished bool
	err      *TimeoutError
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
	timer := time.NewTimer(wait)
	defer timer.Stop()

	// Wait for the call before us; it shares our deadline.
	select {
	case g.slot <- struct{}{}:
	case <-timer.C:
		return timeout
	case <-ctx.Done():
		return ctxErr(ctx, timeout)
	}

	call := &stuckCall{err: timeout}
	done := make(chan error, 1)
	go func() {
		err := op()
		g.mu.Lock()
		call.finished = true
		if g.stuck == call {
			g.stuck = nil
		}
		g.mu.Unlock()
		<-g.slot
		done <- err
	}()
	select {
	case err := <-done:
		return err
	case <-timer.C:
		return g.abandon(call, done)
	case <-ctx.Done():
		if ctx.Err() == context.DeadlineExceeded {
			return g.abandon(call, done)
		}
		return ctxErr(ctx, timeout)
	}
}

// abandon leaves call running and marks it stuck, unless it finished in the
// meantime, in which case its answer wins.
func (g *guard) abandon(call *stuckCall, done <-chan error) error {
	g.mu.Lock()
	finished := call.finished
	if !finished {
		g.stuck = call
	}
	g.mu.Unlock()
	if finished {
		return <-done
	}
	return call.err
}

// ctxErr is the error for a context that ended: a deadline is a timeout, a
// cancellation is the caller's own doing.
func ctxErr(ctx context.Context, timeout *TimeoutError) error {
	if ctx.Err() == context.DeadlineExceeded {
		return timeout
	}
	return fmt.Errorf("keyring call abandoned: %w", ctx.Err())
}
