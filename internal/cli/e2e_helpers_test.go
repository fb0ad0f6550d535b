package cli_test

import (
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"testing"
	"time"

	"biot-agent/agent/biotsim"
	"biot-agent/ipc"
)

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
