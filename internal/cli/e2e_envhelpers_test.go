package cli_test

import (
	"context"
	"encoding/json"
	"net/http"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/ipc"
)

// Helpers for worlds with several BioT environments: more than one
// simulated BioT, commands aimed at one environment with -e, and the
// keyring items and event streams of each.

// addSim starts another simulated BioT, at a URL of its own, which every
// program of the world trusts as it trusts the first (its certificate
// authority joins SSL_CERT_FILE). Call it before starting the agent: a
// process reads the trusted certificates once.
func (w *world) addSim(cfg *biotsim.Options) *biotsim.Server {
	w.t.Helper()
	if w.sim == nil {
		w.t.Fatal("addSim: the world has no first simulator, so no SSL_CERT_FILE to add to")
	}
	sim, err := biotsim.New(*cfg)
	if err != nil {
		w.t.Fatal(err)
	}
	w.t.Cleanup(sim.Close)
	f, err := os.OpenFile(filepath.Join(w.dir, "ca.pem"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		w.t.Fatal(err)
	}
	_, err = f.Write(sim.CACertPEM())
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		w.t.Fatal(err)
	}
	for _, u := range cfg.Users {
		w.secrets.add("the password of "+u.Username, u.Password)
	}
	return sim
}

// envSection is one [environments.NAME] table of a config file.
type envSection struct{ name, url string }

// configOf writes a config file: def (if any) as the default, then a table
// per environment.
func configOf(def string, envs ...envSection) string {
	var b strings.Builder
	if def != "" {
		b.WriteString("default = \"" + def + "\"\n")
	}
	for _, e := range envs {
		b.WriteString("\n[environments." + e.name + "]\nurl = \"" + e.url + "\"\n")
	}
	return b.String()
}

// loginTo signs env in as username, the password piped in, and fails the
// test unless it worked.
func (w *world) loginTo(env, username, password string) {
	w.t.Helper()
	res := w.run(password, "login", "-e", env, "--username", username, "--password-stdin")
	wantExit(w.t, res, 0, "login -e "+env)
	if !strings.Contains(res.stderr, "Signed in as "+username) {
		w.t.Fatalf("login -e %s said %q, want \"Signed in as %s\"", env, res.stderr, username)
	}
}

// selfAt calls /users/self of sim with token, as a script would, and
// answers the HTTP status and the username BioT returned.
func (w *world) selfAt(sim *biotsim.Server, token string) (int, string) {
	w.t.Helper()
	req, err := http.NewRequestWithContext(w.ctx(), http.MethodGet, sim.URL()+biotsim.PathSelf, nil)
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Authorization", "Bearer "+token)
	resp, err := sim.Client().Do(req)
	if err != nil {
		w.t.Fatal(err)
	}
	defer resp.Body.Close()
	var u struct {
		Username string `json:"username"`
	}
	_ = json.NewDecoder(resp.Body).Decode(&u)
	return resp.StatusCode, u.Username
}

// wantSelfAt fails the test unless sim accepts token as username's.
func (w *world) wantSelfAt(sim *biotsim.Server, token, username string) {
	w.t.Helper()
	if code, who := w.selfAt(sim, token); code != http.StatusOK || who != username {
		w.t.Fatalf("%s answered %d for %q to /users/self with the token, want 200 for %q", sim.URL(), code, who, username)
	}
}

// statusAll runs "biot-agent status --all --json" and decodes the array
// it printed.
func (w *world) statusAll() ([]ipc.Status, result) {
	w.t.Helper()
	res := w.run("", "status", "--all", "--json")
	var sts []ipc.Status
	if err := json.Unmarshal([]byte(res.stdout), &sts); err != nil {
		w.t.Fatalf("status --all --json printed no JSON array (%v): %q; stderr %q", err, res.stdout, res.stderr)
	}
	return sts, res
}

// states reads "status --all --json" as a line per environment, "name
// state", and who while there is a session, sorted by name: what a person
// compares at a glance.
func (w *world) states() []string {
	w.t.Helper()
	sts, _ := w.statusAll()
	var out []string
	for _, st := range sts {
		line := st.Env + " " + string(st.State)
		if st.State != ipc.StateSignedOut {
			line += " " + st.Username
		}
		out = append(out, line)
	}
	slices.Sort(out)
	return out
}

// envKeyringService is the keyring service of env's session at url.
func envKeyringService(env, url string) string { return "biot-agent " + env + " " + url }

// secretService is the keyring the world's programs use: the shared
// desktop's, unless the world has a bus of its own.
func (w *world) secretService() *desktoptest.Keyring {
	if w.keyring != nil {
		return w.keyring
	}
	return desktop.Keyring
}

// envKeyringItems counts the keyring items of env's session at url.
func (w *world) envKeyringItems(env, url string) int {
	w.t.Helper()
	items, err := w.secretService().Items(w.ctx(), map[string]string{"service": envKeyringService(env, url)})
	if err != nil {
		w.t.Fatal(err)
	}
	return len(items)
}

// envRefreshToken reads the refresh token the agent stored for env, with
// secret-tool as a person would, and adds it to the secrets that must not
// leak.
func (w *world) envRefreshToken(env, url, username string) {
	w.t.Helper()
	tok, err := w.secretService().SecretTool(w.ctx(), "", "lookup", "service", envKeyringService(env, url), "username", username)
	if err != nil {
		w.t.Fatalf("the keyring item of %s: %v", env, err)
	}
	if strings.Count(tok, ".") != 2 {
		w.t.Fatalf("the keyring item of %s holds no JWT (%d bytes)", env, len(tok))
	}
	w.secrets.addToken("the refresh token of "+username+" in "+env, tok)
}

// clientOf is a client of the agent's socket for env, as a Go program that
// names its environment would make.
func (a *agentProc) clientOf(env string) *ipc.Client {
	c := ipc.NewClient(a.w.socket())
	c.Env = env
	a.w.t.Cleanup(c.HTTP.CloseIdleConnections)
	return c
}

// waitEnvStatus polls env's status on the agent's socket until cond holds,
// and returns it.
func (a *agentProc) waitEnvStatus(env string, timeout time.Duration, what string, cond func(ipc.StatusResponse) bool) ipc.StatusResponse {
	t := a.w.t
	t.Helper()
	c := a.clientOf(env)
	var st ipc.StatusResponse
	waitFor(t, timeout, env+": "+what, func() bool {
		if a.exited() {
			t.Fatalf("%s exited while the test waited for %s: %+v", a.name, what, a.res)
		}
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		var err error
		st, err = c.Status(ctx)
		return err == nil && cond(st)
	})
	return st
}

// followEnv subscribes to env's events until the test ends, as a tray or a
// script would (GET /v1/events?env=NAME).
func (a *agentProc) followEnv(env string) *eventLog {
	t := a.w.t
	t.Helper()
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel) // registered after startAgent's: runs before the agent stops
	ch, err := a.clientOf(env).Events(ctx)
	if err != nil {
		t.Fatalf("events of %s: %v", env, err)
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

// since lists the states of the events after the first n, in order.
func (l *eventLog) since(n int) []ipc.State {
	var out []ipc.State
	for _, ev := range l.all()[n:] {
		out = append(out, ev.Status.State)
	}
	return out
}

// mark is how many events the log holds now, for since.
func (l *eventLog) mark() int { return len(l.all()) }
