package keyring

import (
	"context"
	"errors"
	"fmt"
	"sync/atomic"
	"testing"
	"time"
)

func TestTimeoutErrorReadsAsADeadline(t *testing.T) {
	err := fmt.Errorf("keyring: could not save the session: %w", &TimeoutError{After: DefaultTimeout})
	if got, want := (&TimeoutError{After: DefaultTimeout}).Error(), "keyring did not answer within 5s (is it locked?)"; got != want {
		t.Errorf("message = %q, want %q", got, want)
	}
	if !errors.Is(err, context.DeadlineExceeded) {
		t.Error("a wrapped TimeoutError is not a context.DeadlineExceeded")
	}
}

// blockingOp stands in for a keyring call that hangs until released; the
// real hang, over D-Bus, is TestHangingKeyring's.
type blockingOp struct {
	calls   atomic.Int32
	started chan struct{} // gets a value each time the op starts, if room
	release chan struct{}
}

func newBlockingOp() *blockingOp {
	return &blockingOp{started: make(chan struct{}, 1), release: make(chan struct{})}
}

func (b *blockingOp) run() error {
	b.calls.Add(1)
	select {
	case b.started <- struct{}{}:
	default:
	}
	<-b.release
	return nil
}

// waitUnstuck waits, with a deadline, until g has no stuck call.
func waitUnstuck(t *testing.T, g *guard) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for {
		g.mu.Lock()
		stuck := g.stuck
		g.mu.Unlock()
		if stuck == nil {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal("the released call still counts as stuck")
		}
	}
}

func TestGuardLetsOnlyOneCallHang(t *testing.T) {
	g := newGuard()
	op := newBlockingOp()
	ctx := context.Background()

	err := g.do(ctx, 50*time.Millisecond, op.run)
	var first *TimeoutError
	if !errors.As(err, &first) {
		t.Fatalf("first call: %v, want a TimeoutError", err)
	}
	for i := range 5 {
		start := time.Now()
		err := g.do(ctx, 10*time.Second, op.run)
		if err != first {
			t.Errorf("call %d while stuck: %v, want the stuck call's own error", i, err)
		}
		// Waiting would take the full 10s; failing fast takes far less than
		// half of it even on a loaded machine.
		if took := time.Since(start); took > 5*time.Second {
			t.Errorf("call %d while stuck took %v, want at once", i, took)
		}
	}
	if n := op.calls.Load(); n != 1 {
		t.Errorf("the keyring was called %d times while stuck, want 1", n)
	}

	close(op.release)
	waitUnstuck(t, g)
	if err := g.do(ctx, time.Second, op.run); err != nil {
		t.Errorf("call after the keyring answered: %v", err)
	}
}

func TestGuardDeadline(t *testing.T) {
	tests := []struct {
		name      string
		ctxWait   time.Duration
		limit     time.Duration
		wantAfter time.Duration
	}{
		{"a sooner context deadline wins", 40 * time.Millisecond, 10 * time.Second, 40 * time.Millisecond},
		{"the limit caps a longer context", 10 * time.Second, 40 * time.Millisecond, 40 * time.Millisecond},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			g := newGuard()
			op := newBlockingOp()
			defer close(op.release)
			ctx, cancel := context.WithTimeout(context.Background(), tt.ctxWait)
			defer cancel()
			start := time.Now()
			err := g.do(ctx, tt.limit, op.run)
			took := time.Since(start)
			var te *TimeoutError
			if !errors.As(err, &te) {
				t.Fatalf("got %v, want a TimeoutError", err)
			}
			if te.After > tt.wantAfter || te.After < tt.wantAfter-5*time.Millisecond {
				t.Errorf("TimeoutError.After = %v, want about %v", te.After, tt.wantAfter)
			}
			// The op never returns by itself: returning at all is the
			// deadline at work; the bound is loose for loaded machines.
			if took > tt.wantAfter+5*time.Second {
				t.Errorf("the call returned after %v", took)
			}
		})
	}
}

func TestGuardCancelIsNotATimeout(t *testing.T) {
	g := newGuard()
	op := newBlockingOp()
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		<-op.started // cancel once the call is under way
		cancel()
	}()
	err := g.do(ctx, 10*time.Second, op.run)
	var te *TimeoutError
	if !errors.Is(err, context.Canceled) || errors.As(err, &te) {
		t.Errorf("cancelled call: %v, want context.Canceled", err)
	}
	close(op.release)
	if err := g.do(context.Background(), 5*time.Second, op.run); err != nil {
		t.Errorf("call after the cancelled one returned: %v", err)
	}
}

// gnome-keyring now and then answers a call "not implemented" under load
// (it could not open its session for the caller): the call is made once
// more, and only for that answer; any other failure is the answer.
func TestGuardMakesACallAgainAfterAKeyringHiccup(t *testing.T) {
	g := newGuard()
	hiccup := errors.New("Method SearchItems is not implemented on interface org.freedesktop.Secret.Service")
	calls := 0
	err := g.do(context.Background(), time.Second, func() error {
		calls++
		if calls == 1 {
			return hiccup
		}
		return nil
	})
	if err != nil || calls != 2 {
		t.Errorf("after a hiccup: err %v after %d calls, want nil after 2", err, calls)
	}
	calls = 0
	other := errors.New("The name org.freedesktop.secrets was not provided by any .service files")
	err = g.do(context.Background(), time.Second, func() error { calls++; return other })
	if !errors.Is(err, other) || calls != 1 {
		t.Errorf("another failure: err %v after %d calls, want it after 1", err, calls)
	}
	calls = 0
	err = g.do(context.Background(), time.Second, func() error { calls++; return hiccup })
	if !errors.Is(err, hiccup) || calls != 2 {
		t.Errorf("two hiccups: err %v after %d calls, want the hiccup after 2", err, calls)
	}
}
