package cli_test

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// keyringService is the keyring service of the session the agent keeps for
// url: "biot-agent <environment> <URL>", and run's environment is "default"
// unless the person names another.
func keyringService(url string) string { return "biot-agent default " + url }

// login signs the world's agent in as a script does: the password piped in.
func (w *world) login(username, password string) result {
	w.t.Helper()
	return w.run(password, "login", "--username", username, "--password-stdin")
}

// mustLogin signs in and fails the test unless it worked.
func (w *world) mustLogin(username, password string) {
	w.t.Helper()
	res := w.login(username, password)
	wantExit(w.t, res, 0, "login")
	if !strings.Contains(res.stderr, "Signed in as "+username) {
		w.t.Fatalf("login said %q, want \"Signed in as %s\"", res.stderr, username)
	}
}

// token runs "biot-agent token" and fails the test unless it printed one.
func (w *world) token(args ...string) string {
	w.t.Helper()
	res := w.run("", append([]string{"token"}, args...)...)
	wantExit(w.t, res, 0, "token")
	tok := strings.TrimSpace(res.stdout)
	if strings.Count(tok, ".") != 2 || strings.ContainsAny(tok, " \n") {
		w.t.Fatalf("token printed %q, want a JWT alone", res.stdout)
	}
	return tok
}

// self calls BioT's /users/self with the token, as a script would, and
// answers the HTTP status and the username BioT returned.
func (w *world) self(token string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequestWithContext(w.ctx(), http.MethodGet, w.sim.URL()+biotsim.PathSelf, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := w.sim.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	body, _ := io.ReadAll(resp.Body)
	var u struct {
		Username string `json:"username"`
	}
	_ = json.Unmarshal(body, &u)
	return resp.StatusCode, u.Username
}

// wantSelf fails the test unless BioT accepts token as username's.
func (w *world) wantSelf(token, username string) {
	w.t.Helper()
	if code, who := w.self(token); code != http.StatusOK || who != username {
		w.t.Fatalf("BioT answered %d for %q to /users/self with the token, want 200 for %q", code, who, username)
	}
}

// status runs "biot-agent status --json" and decodes what it printed.
func (w *world) status() (ipc.StatusResponse, result) {
	w.t.Helper()
	res := w.run("", "status", "--json")
	var st ipc.StatusResponse
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil {
		w.t.Fatalf("status --json printed no JSON (%v): %q; stderr %q", err, res.stdout, res.stderr)
	}
	return st, res
}

// wantExit fails the test unless the command exited with code.
func wantExit(t *testing.T, res result, code int, what string) {
	t.Helper()
	if res.code != code {
		t.Fatalf("%s exited with %d, want %d\nstdout: %s\nstderr: %s", what, res.code, code, res.stdout, res.stderr)
	}
}

// wantOneLine fails the test unless s is one line holding every want.
func wantOneLine(t *testing.T, s, what string, want ...string) {
	t.Helper()
	s = strings.TrimRight(s, "\n")
	if s == "" || strings.Contains(s, "\n") {
		t.Errorf("%s printed %q on stderr, want one line", what, s)
	}
	for _, w := range want {
		if !strings.Contains(s, w) {
			t.Errorf("%s said %q, want it to say %q", what, s, w)
		}
	}
}

// waitFor polls cond until it holds, failing the test after timeout.
func waitFor(t *testing.T, timeout time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.NewTimer(timeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for !cond() {
		select {
		case <-deadline.C:
			t.Fatalf("still waiting after %v for %s", timeout, what)
		case <-tick.C:
		}
	}
}

// eventLog is every event an agent published, read from its socket as a
// tray or script would (GET /v1/events).
type eventLog struct {
	mu     sync.Mutex
	events []ipc.Event
}

// follow subscribes to the agent's events until the test ends.
func (a *agentProc) follow() *eventLog {
	t := a.w.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // registered after startAgent's: runs before the agent stops
	ch, err := a.client.Events(ctx)
	if err != nil {
		t.Fatalf("events: %v", err)
	}
	l := &eventLog{}
	go func() {
		for ev := range ch {
			l.mu.Lock()
			l.events = append(l.events, ev)
			l.mu.Unlock()
		}
	}()
	return l
}

func (l *eventLog) all() []ipc.Event {
	l.mu.Lock()
	defer l.mu.Unlock()
	return append([]ipc.Event(nil), l.events...)
}

// states lists the states the events went through, without repeats.
func (l *eventLog) states() []ipc.State {
	var out []ipc.State
	for _, ev := range l.all() {
		if len(out) == 0 || out[len(out)-1] != ev.Status.State {
			out = append(out, ev.Status.State)
		}
	}
	return out
}

// waitStatus polls the agent's status until cond holds, and returns it.
func (a *agentProc) waitStatus(timeout time.Duration, what string, cond func(ipc.StatusResponse) bool) ipc.StatusResponse {
	t := a.w.t
	t.Helper()
	var st ipc.StatusResponse
	waitFor(t, timeout, what, func() bool {
		if a.exited() {
			t.Fatalf("%s exited while the test waited for %s: %+v", a.name, what, a.res)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		st, err = a.client.Status(ctx)
		return err == nil && cond(st)
	})
	return st
}

// tokenNow asks the agent's socket for a token, recording it as a secret.
func (a *agentProc) tokenNow(minValid time.Duration) (ipc.Token, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	tok, err := a.client.Token(ctx, ipc.TokenOptions{MinValid: minValid})
	if err == nil {
		a.w.secrets.addToken("an access token", tok.Token)
	}
	return tok, err
}

// errCode is the local API's error code of err, or "".
func errCode(err error) string {
	var ie *ipc.Error
	if errors.As(err, &ie) {
		return string(ie.Code)
	}
	return ""
}
