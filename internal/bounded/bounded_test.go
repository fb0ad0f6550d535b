package bounded

import (
	"context"
	"errors"
	"testing"
	"testing/synctest"
	"time"
)

// The tests run in synctest bubbles: time there moves only when every
// goroutine of the bubble waits, so "at once" and "after exactly an hour"
// can be said exactly; and synctest.Test fails when a goroutine of the
// bubble is still blocked at its end, which is how a call left behind
// would leak if its result had nowhere to go.

var errOwn = errors.New("the call's own error")

func TestCallAnswersWhatTheCallAnswers(t *testing.T) {
	tests := []struct {
		name    string
		v       int
		err     error
		wantErr error
	}{
		{"a value", 42, nil, nil},
		{"an error", 0, errOwn, errOwn},
		{"a value and an error", 7, errOwn, errOwn},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			v, err := Call(t.Context(), func() (int, error) { return tt.v, tt.err })
			if v != tt.v || err != tt.wantErr {
				t.Errorf("Call = %d, %v; want %d, %v", v, err, tt.v, tt.wantErr)
			}
			if err := Do(t.Context(), func() error { return tt.err }); err != tt.wantErr {
				t.Errorf("Do = %v, want %v", err, tt.wantErr)
			}
		})
	}
}

func TestCallStopsWaitingAtTheDeadline(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithTimeout(t.Context(), time.Hour)
		defer cancel()
		hang := make(chan struct{})
		start := time.Now()
		v, err := Call(ctx, func() (int, error) { <-hang; return 42, nil })
		if v != 0 || !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("Call = %d, %v; want 0, context.DeadlineExceeded", v, err)
		}
		if took := time.Since(start); took != time.Hour {
			t.Errorf("Call returned after %v, want the deadline's hour", took)
		}
		// The call answers after all; nobody reads it, and its goroutine
		// must end anyway (else the bubble fails).
		close(hang)
	})
}

func TestCallReturnsAtOnceOnCancel(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		started, hang := make(chan struct{}), make(chan struct{})
		go func() {
			<-started
			cancel()
		}()
		start := time.Now()
		err := Do(ctx, func() error {
			close(started)
			<-hang
			return errOwn
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Do = %v, want context.Canceled", err)
		}
		if took := time.Since(start); took != 0 {
			t.Errorf("Do returned after %v, want at once", took)
		}
		close(hang)
	})
}

func TestCallRunsUnderAnEndedContext(t *testing.T) {
	synctest.Test(t, func(t *testing.T) {
		ctx, cancel := context.WithCancel(t.Context())
		cancel()
		ran := make(chan struct{})
		hang := make(chan struct{})
		err := Do(ctx, func() error {
			close(ran)
			<-hang
			return nil
		})
		if !errors.Is(err, context.Canceled) {
			t.Errorf("Do = %v, want context.Canceled", err)
		}
		synctest.Wait()
		select {
		case <-ran:
		default:
			t.Error("f did not run")
		}
		close(hang)
	})
}

func TestCallReleaseFreesALateResult(t *testing.T) {
	tests := []struct {
		name        string
		err         error
		wantRelease bool
	}{
		{"a late result is released", nil, true},
		{"a late error has nothing to release", errOwn, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			synctest.Test(t, func(t *testing.T) {
				ctx, cancel := context.WithTimeout(t.Context(), time.Minute)
				defer cancel()
				hang := make(chan struct{})
				released := make(chan string, 1)
				v, err := CallRelease(ctx,
					func() (string, error) { <-hang; return "conn", tt.err },
					func(s string) { released <- s })
				if v != "" || !errors.Is(err, context.DeadlineExceeded) {
					t.Errorf("CallRelease = %q, %v; want \"\", context.DeadlineExceeded", v, err)
				}
				synctest.Wait()
				if len(released) != 0 {
					t.Fatal("released before the call answered")
				}
				close(hang)
				synctest.Wait()
				switch {
				case tt.wantRelease && len(released) == 0:
					t.Error("the late result was not released")
				case tt.wantRelease:
					if got := <-released; got != "conn" {
						t.Errorf("released %q, want conn", got)
					}
				case len(released) != 0:
					t.Errorf("released %q after an error", <-released)
				}
			})
		})
	}
}

func TestCallReleaseKeepsATimelyResult(t *testing.T) {
	released := false
	v, err := CallRelease(t.Context(),
		func() (string, error) { return "conn", nil },
		func(string) { released = true })
	if v != "conn" || err != nil || released {
		t.Errorf("CallRelease = %q, %v (released %v); want conn, nil, not released", v, err, released)
	}
}
