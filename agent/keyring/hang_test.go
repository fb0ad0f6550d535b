package keyring

import (
	"context"
	"errors"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/desktoptest"
)

// TestHangingKeyring runs TestHangingKeyringChild in a process of its own,
// with a bus of its own whose Secret Service never answers.
func TestHangingKeyring(t *testing.T) {
	runChild(t, "TestHangingKeyringChild")
}

// waitGoroutines waits, with a deadline, until at most n goroutines run.
func waitGoroutines(t *testing.T, n int) {
	t.Helper()
	deadline := time.After(10 * time.Second)
	tick := time.NewTicker(10 * time.Millisecond)
	defer tick.Stop()
	for runtime.NumGoroutine() > n {
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatalf("%d goroutines still run, want at most %d", runtime.NumGoroutine(), n)
		}
	}
}

func TestHangingKeyringChild(t *testing.T) {
	inChild(t)
	ctx := t.Context()
	meta := filepath.Join(t.TempDir(), "sessions.json")
	// The store keeps the default 5s limit; the first hanging call gets a
	// shorter context deadline, and the calls after it none at all, so a
	// call that waited instead of failing fast would take the full 5s.
	opts := Options{MetadataPath: meta}
	const hang = 500 * time.Millisecond
	const fast = DefaultTimeout / 2 // far more than failing fast takes, even on a loaded machine
	url := "https://hang.example.test"

	// No bus at all: the reason names the bus.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if _, err := Open(ctx, opts); err == nil || !strings.Contains(err.Error(), "D-Bus session bus") {
		t.Errorf("Open without a bus: %v, want a reason naming the session bus", err)
	}

	// A bus with no Secret Service on it: the reason says so.
	bus := desktoptest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	if _, err := Open(ctx, opts); err == nil || !strings.Contains(err.Error(), "no Secret Service on the session bus") {
		t.Errorf("Open without a Secret Service: %v, want a reason naming the Secret Service", err)
	}

	// A Secret Service that never answers: Open gives up at the deadline.
	silent := desktoptest.NewSilentSecretService(t, bus)
	before := runtime.NumGoroutine()
	hangCtx, cancel := context.WithTimeout(ctx, hang)
	defer cancel()
	start := time.Now()
	_, err := Open(hangCtx, opts)
	took := time.Since(start)
	var first *TimeoutError
	if !errors.As(err, &first) || !errors.Is(err, context.DeadlineExceeded) {
		t.Fatalf("Open on a silent Secret Service: %v, want a TimeoutError", err)
	}
	if took < hang-10*time.Millisecond || took > hang+fast {
		t.Errorf("Open gave up after %v, want about %v", took, hang)
	}
	if msg := err.Error(); !strings.Contains(msg, "keyring did not answer within") || !strings.Contains(msg, "(is it locked?)") {
		t.Errorf("message %q does not say the keyring did not answer", msg)
	}
	stuck := runtime.NumGoroutine()
	t.Logf("goroutines: %d before the hang, %d with one call stuck", before, stuck)

	// While that call hangs, every call fails at once with the stuck call's
	// own TimeoutError, and none reaches the keyring. Load and Delete need a
	// metadata entry to get as far as the keyring.
	m := emptyMetadata()
	m.Sessions[env] = sessionMeta{Env: env, BaseURL: url, Username: "ann"}
	if err := writeMetadata(meta, m); err != nil {
		t.Fatal(err)
	}
	s, err := newKeyringStore(opts)
	if err != nil {
		t.Fatal(err)
	}
	calls := map[string]func() error{
		"Save":   func() error { return s.Save(ctx, session(env, url, "ann", "refresh-1")) },
		"Load":   func() error { _, err := s.Load(ctx, key(env, url)); return err },
		"Delete": func() error { return s.Delete(ctx, env) },
		"Open":   func() error { _, err := Open(ctx, opts); return err },
	}
	for name, call := range calls {
		for range 3 {
			start := time.Now()
			err := call()
			var te *TimeoutError
			if !errors.As(err, &te) || te != first {
				t.Errorf("%s while the keyring hangs: %v, want the stuck call's TimeoutError", name, err)
			}
			if took := time.Since(start); took > fast {
				t.Errorf("%s while the keyring hangs took %v, want at once", name, took)
			}
		}
	}
	if n := silent.Calls(); n != 1 {
		t.Errorf("the Secret Service got %d calls, want only the first", n)
	}
	if n := runtime.NumGoroutine(); n > stuck {
		t.Errorf("%d goroutines after more calls, want no more than the %d of the first stuck call", n, stuck)
	}
	if p := s.Info().Problem; !strings.Contains(p, "did not answer") {
		t.Errorf("Info().Problem = %q, want the timeout", p)
	}

	// Once the keyring answers, the stuck goroutine ends.
	silent.Stop()
	waitGoroutines(t, before)

	// And when a working Secret Service takes the name, the same store
	// recovers and its problem clears.
	desktoptest.SecretService(t, bus)
	if err := s.Save(ctx, session(env, url, "ann", "refresh-2")); err != nil {
		t.Fatalf("Save on a working keyring: %v", err)
	}
	if p := s.Info().Problem; p != "" {
		t.Errorf("Info().Problem after a good save = %q, want none", p)
	}
	got, err := s.Load(ctx, key(env, url))
	if err != nil || got.RefreshToken != "refresh-2" {
		t.Errorf("Load after recovery: %v", err)
	}
	if _, err := Open(ctx, opts); err != nil {
		t.Errorf("Open on a working keyring: %v", err)
	}
}
