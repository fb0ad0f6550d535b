package ipc

import (
	"context"
	"strings"
	"testing"
	"time"
)

type tokenResult struct {
	tok Token
	err error
}

// waitToken starts a client Token call with a wait and returns once the
// server is waiting (it has subscribed to the backend).
func (ta *testAgent) waitToken(t *testing.T, ctx context.Context, wait time.Duration) <-chan tokenResult {
	t.Helper()
	res := make(chan tokenResult, 1)
	go func() {
		tok, err := ta.client.Token(ctx, TokenOptions{Wait: wait})
		res <- tokenResult{tok, err}
	}()
	waitFor(t, ta.fb.subscribed, "the server to start waiting")
	return res
}

func result(t *testing.T, res <-chan tokenResult) tokenResult {
	t.Helper()
	select {
	case r := <-res:
		return r
	case <-time.After(10 * time.Second):
		t.Fatal("the token wait did not end")
		return tokenResult{}
	}
}

func TestWaitAnsweredBySignIn(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	res := ta.waitToken(t, t.Context(), time.Minute)
	ta.fb.signIn("carol@example.com")
	r := result(t, res)
	if r.err != nil || r.tok.Token != fakeToken {
		t.Fatalf("token = %+v, %v; want the token once signed in", r.tok, r.err)
	}
}

func TestWaitSurvivesEventsThatKeepTheState(t *testing.T) {
	// While signed out, someone signs in with MFA: the state stays
	// signed_out through the MFA step, and the waiting client must keep
	// waiting for the token rather than be told "signed_out".
	ta := startAgent(t, StateSignedOut)
	res := ta.waitToken(t, t.Context(), time.Minute)
	if err := ta.client.Login(t.Context(), "mfa@example.com", fakePassword); codeOf(err) != "mfa_required" {
		t.Fatalf("login: %v", err)
	}
	if err := ta.client.SubmitMFA(t.Context(), fakeCode); err != nil {
		t.Fatal(err)
	}
	if r := result(t, res); r.err != nil || r.tok.Token != fakeToken {
		t.Fatalf("token = %+v, %v", r.tok, r.err)
	}
}

func TestWaitEndedByStateChange(t *testing.T) {
	tests := []struct {
		name   string
		from   State
		change func(*fakeBackend)
		code   Code
	}{
		{"logout while offline answers signed_out", StateOffline, func(fb *fakeBackend) { _ = fb.Logout(context.Background()) }, "signed_out"},
		{"rejected refresh answers needs_login", StateOffline, func(fb *fakeBackend) { fb.setState(StateNeedsLogin) }, "needs_login"},
		{"logout while needs_login answers signed_out", StateNeedsLogin, func(fb *fakeBackend) { fb.setState(StateSignedOut) }, "signed_out"},
	}
	for _, tt := range tests {
		// The change comes while the server waits, or in the window right
		// after the server subscribed to the session's changes, before it
		// read where the session stood: either way the waiting client is
		// answered at once.
		for _, window := range []bool{false, true} {
			name := tt.name
			if window {
				name += " (in the window after subscribing)"
			}
			t.Run(name, func(t *testing.T) {
				ta := startAgent(t, tt.from)
				if window {
					ta.fb.mu.Lock()
					ta.fb.afterSubscribe = tt.change
					ta.fb.mu.Unlock()
				}
				start := time.Now()
				res := ta.waitToken(t, t.Context(), 5*time.Minute)
				if !window {
					tt.change(ta.fb)
				}
				r := result(t, res)
				apiErr(t, r.err, tt.code, 401)
				if took := time.Since(start); took > time.Minute {
					t.Errorf("the wait took %v; it should end at the change", took)
				}
			})
		}
	}
}

func TestWaitTimesOut(t *testing.T) {
	ta := startAgent(t, StateOffline)
	_, err := ta.client.Token(t.Context(), TokenOptions{Wait: 50 * time.Millisecond})
	e := apiErr(t, err, CodeWaitTimeout, 504)
	if !strings.Contains(e.Message, "BioT cannot be reached") {
		t.Errorf("wait_timeout message %q does not say why there was no token", e.Message)
	}
	waitFor(t, ta.fb.unsubscribed, "the wait to end its subscription")
}

func TestWaitReturnsATokenAtHandAtOnce(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	start := time.Now()
	_, err := ta.client.Token(t.Context(), TokenOptions{Wait: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if time.Since(start) > 30*time.Second {
		t.Error("a token at hand was delayed by wait")
	}
}

func TestWaitEndsWhenClientGoesAway(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	ctx, cancel := context.WithCancel(t.Context())
	res := ta.waitToken(t, ctx, 5*time.Minute)
	cancel()
	if r := result(t, res); r.err == nil {
		t.Fatal("a cancelled wait returned a token")
	}
	waitFor(t, ta.fb.unsubscribed, "the server to drop the waiting request")
}

func TestWaitEndsAtShutdown(t *testing.T) {
	ta := startAgent(t, StateOffline)
	res := ta.waitToken(t, t.Context(), 5*time.Minute)
	ta.stop(t)
	r := result(t, res)
	apiErr(t, r.err, "offline", 503)
}

func TestLongRequestsOutlastReadTimeout(t *testing.T) {
	// ReadTimeout counts from the start of the request; a long poll or a
	// slow sign-in must still be answered after it passed.
	shortRead := func(s *Server) { s.readTimeout = 100 * time.Millisecond }

	t.Run("token wait", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut, shortRead)
		res := ta.waitToken(t, t.Context(), time.Minute)
		select {
		case r := <-res:
			t.Fatalf("the wait ended early: %v", r.err)
		case <-time.After(400 * time.Millisecond):
		}
		ta.fb.signIn("dave@example.com")
		if r := result(t, res); r.err != nil {
			t.Fatalf("token after a wait longer than ReadTimeout: %v", r.err)
		}
	})
	t.Run("slow sign-in", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut, shortRead)
		ta.fb.loginDelay = 400 * time.Millisecond
		if err := ta.client.Login(t.Context(), "erin@example.com", fakePassword); err != nil {
			t.Fatalf("sign-in longer than ReadTimeout: %v", err)
		}
	})
}
