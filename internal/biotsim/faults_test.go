package biotsim

import (
	"context"
	"encoding/json"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestFaultAnswers checks what a client sees under each fault that
// answers, on every endpoint.
func TestFaultAnswers(t *testing.T) {
	rows := []struct {
		fault       Fault
		status      int
		contentType string
		check       func(t *testing.T, body []byte)
	}{
		{Fault500, 500, "application/json", wantCode("INTERNAL_SERVER_ERROR")},
		{Fault504, 504, "application/json", wantCode("GATEWAY_TIMEOUT")},
		{FaultFirewall, 403, "text/html", wantHTML("403 Forbidden")},
		{FaultHTMLPage, 200, "text/html", wantHTML("maintenance")},
		{FaultBadGateway, 502, "text/html", wantHTML("502 Bad Gateway")},
		{FaultTruncated, 200, "application/json", func(t *testing.T, body []byte) {
			var v any
			err := json.Unmarshal(body, &v)
			var syn *json.SyntaxError
			if err == nil || (!errors.As(err, &syn) && !strings.Contains(err.Error(), "unexpected end")) {
				t.Errorf("truncated body parsed (err %v): %s", err, body)
			}
		}},
	}
	for _, row := range rows {
		t.Run(row.fault.String(), func(t *testing.T) {
			s := start(t, nil)
			l := signIn(t, s, alice)
			s.SetFault(row.fault)
			for _, c := range everyEndpoint(l) {
				r, err := send(t.Context(), s, c)
				if err != nil {
					t.Fatalf("%s %s: %v", c.Method, c.Path, err)
				}
				if r.Status != row.status {
					t.Errorf("%s: status %d, want %d", c.Path, r.Status, row.status)
				}
				if ct := r.Header.Get("Content-Type"); ct != row.contentType {
					t.Errorf("%s: Content-Type %q, want %q", c.Path, ct, row.contentType)
				}
				if _, err := http.ParseTime(r.Header.Get("Date")); err != nil {
					t.Errorf("%s: no Date header", c.Path)
				}
				row.check(t, r.Body)
			}
			st := s.Stats()
			if st.Faults != len(everyEndpoint(l)) || st.Refreshes != 0 || st.Logouts != 0 {
				t.Errorf("stats %+v: faults must answer in place of UMS", st)
			}
			// Nothing changed: the session goes on once the fault clears.
			s.SetFault(FaultNone)
			if r := refresh(t, s, l.RefreshJwt.Token); r.Status != 200 {
				t.Errorf("refresh after the fault: %d %s", r.Status, r.Body)
			}
		})
	}
}

func TestFaultDownClosesConnections(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	s.SetFault(FaultDown)
	for _, c := range everyEndpoint(l) {
		if r, err := send(t.Context(), s, c); err == nil {
			t.Errorf("%s: got an answer %d while down", c.Path, r.Status)
		}
	}
	s.SetFault(FaultNone)
	if r := refresh(t, s, l.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("refresh when up again: %d", r.Status)
	}
}

func TestFaultSlow(t *testing.T) {
	t.Run("client gives up first", func(t *testing.T) {
		s := start(t, nil) // SlowDelay stays 30s
		s.SetFault(FaultSlow)
		ctx, cancel := context.WithTimeout(t.Context(), 300*time.Millisecond)
		defer cancel()
		began := time.Now()
		_, err := send(ctx, s, loginCall(alice.Username, alice.Password))
		if !errors.Is(err, context.DeadlineExceeded) {
			t.Errorf("want the client's deadline, got %v", err)
		}
		if d := time.Since(began); d > 10*time.Second {
			t.Errorf("the client waited %v", d)
		}
		if st := s.Stats(); st.Logins != 0 {
			t.Errorf("a dropped slow request signed in: %+v", st)
		}
	})
	t.Run("answers after SlowDelay", func(t *testing.T) {
		s := start(t, nil, func(c *Options) { c.SlowDelay = 200 * time.Millisecond })
		s.SetFault(FaultSlow)
		began := time.Now()
		l := signIn(t, s, alice)
		if d := time.Since(began); d < 200*time.Millisecond {
			t.Errorf("answered after %v, before SlowDelay", d)
		}
		if l.RefreshJwt == nil {
			t.Error("no refresh token")
		}
	})
	t.Run("Close lets held requests go", func(t *testing.T) {
		s, err := New(Options{Users: []User{alice}, SlowDelay: time.Hour})
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(s.Close)
		s.SetFault(FaultSlow)
		errc := make(chan error, 1)
		go func() {
			_, err := send(context.Background(), s, call{Method: "GET", Path: PathHealth})
			errc <- err
		}()
		waitFor(t, func() bool { return s.Stats().Requests == 1 })
		closed := make(chan struct{})
		go func() { s.Close(); close(closed) }()
		select {
		case <-closed:
		case <-time.After(4 * time.Second):
			t.Fatal("Close waited for a held request")
		}
		select {
		case err := <-errc:
			if err == nil {
				t.Error("the held request got an answer")
			}
		case <-time.After(10 * time.Second):
			t.Fatal("the held request never ended")
		}
	})
}

func TestFaultNoRefreshJwt(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	s.SetFault(FaultNoRefreshJwt)

	// Login is not affected.
	if l2 := login(t, s, alice).login(t); l2.RefreshJwt == nil {
		t.Error("login lost its refresh token under FaultNoRefreshJwt")
	}
	r := refresh(t, s, l.RefreshJwt.Token)
	var raw map[string]json.RawMessage
	r.decode(t, &raw)
	if r.Status != 200 || string(raw["refreshJwt"]) != "null" {
		t.Fatalf("refresh: %d, refreshJwt %s; want 200 and null", r.Status, raw["refreshJwt"])
	}
	got := r.login(t)
	if rr := self(t, s, got.AccessJwt.Token); rr.Status != 200 {
		t.Errorf("the new access token does not work: %d", rr.Status)
	}
	// The presented refresh token stays alive: there is no newer one.
	s.SetFault(FaultNone)
	if rr := refresh(t, s, l.RefreshJwt.Token); rr.Status != 200 {
		t.Errorf("refresh token died under FaultNoRefreshJwt: %d", rr.Status)
	}
}

func TestSetFaultForScopes(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)

	s.SetFaultFor(Fault500, PathRefresh)
	wantError(t, refresh(t, s, l.RefreshJwt.Token), 500, "INTERNAL_SERVER_ERROR")
	if r := self(t, s, l.AccessJwt.Token); r.Status != 200 {
		t.Errorf("self under a refresh-only fault: %d", r.Status)
	}

	// A path fault wins over the global one.
	s.SetFault(FaultFirewall)
	s.SetFaultFor(FaultNone, PathHealth)
	if r := do(t, s, call{Method: "GET", Path: PathHealth}); r.Status != 200 {
		t.Errorf("health check exempted from the fault: %d", r.Status)
	}
	if r, err := send(t.Context(), s, refreshCall(l.RefreshJwt.Token)); err != nil || r.Status != 403 || r.Header.Get("Content-Type") != "text/html" {
		t.Errorf("refresh under the global firewall: %v %d", err, r.Status)
	}

	// SetFault clears the path faults.
	s.SetFault(FaultNone)
	if r := refresh(t, s, l.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("refresh after clearing: %d", r.Status)
	}
}

func TestFaultNames(t *testing.T) {
	if FaultFirewall.String() != "firewall" || Fault(99).String() != "Fault(99)" {
		t.Errorf("names: %s, %s", FaultFirewall, Fault(99))
	}
}

// everyEndpoint is one well-formed call per endpoint.
func everyEndpoint(l loginResponse) []call {
	return []call{
		loginCall(alice.Username, alice.Password),
		mfaCall(l.AccessJwt.Token, "123456"),
		{Method: "POST", Path: PathMFAResend, Bearer: l.AccessJwt.Token},
		refreshCall(l.RefreshJwt.Token),
		logoutCall(l.RefreshJwt.Token),
		{Method: "GET", Path: PathSelf, Bearer: l.AccessJwt.Token},
		{Method: "GET", Path: PathHealth},
		{Method: "GET", Path: PathPublicKey},
	}
}

func wantCode(code string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		var e errorResponse
		if err := json.Unmarshal(body, &e); err != nil || e.Code != code || e.ServiceName != "ums" {
			t.Errorf("body %s, want BioT's error %s", body, code)
		}
	}
}

func wantHTML(text string) func(*testing.T, []byte) {
	return func(t *testing.T, body []byte) {
		t.Helper()
		if !strings.Contains(string(body), text) || !strings.HasPrefix(strings.TrimSpace(string(body)), "<") {
			t.Errorf("body %q, want an HTML page with %q", body, text)
		}
		var v map[string]any
		if json.Unmarshal(body, &v) == nil {
			t.Errorf("an HTML page parsed as JSON: %s", body)
		}
	}
}

// waitFor polls cond until it holds or five seconds pass; the simulator
// has no event to wait on for "a request arrived".
func waitFor(t *testing.T, cond func() bool) {
	t.Helper()
	deadline := time.After(5 * time.Second)
	tick := time.NewTicker(5 * time.Millisecond)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline:
			t.Fatal("condition not met within 5s")
		case <-tick.C:
		}
	}
}
