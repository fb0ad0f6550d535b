package cli_test

import (
	"strings"
	"testing"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

const (
	ana   = "ana@example.com"
	anaPW = "ana-password-4f9e2c"
)

func anaSim() *biotsim.Options {
	return &biotsim.Options{Users: []biotsim.User{{Username: ana, Password: anaPW}}}
}

func TestSignInServesTokensAndSignOutForgetsTheKeyringItem(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
	w.startAgent()

	w.mustLogin(ana, anaPW)
	tok := w.token()
	w.wantSelf(tok, ana)

	res := w.run("", "status")
	wantExit(t, res, 0, "status")
	for _, want := range []string{"signed in", ana, w.sim.URL(), "secret-service"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("status printed\n%s\nwant it to mention %q", res.stdout, want)
		}
	}
	st, res := w.status()
	wantExit(t, res, 0, "status --json")
	if st.State != ipc.StateSignedIn || st.Username != ana || st.Store.Kind != "secret-service" || !st.Store.Persistent {
		t.Errorf("status --json = state %q, user %q, store %+v; want signed_in, %s, a persistent secret-service", st.State, st.Username, st.Store, ana)
	}
	if n := len(w.keyringItems()); n != 1 {
		t.Fatalf("the keyring holds %d items for %s after sign-in, want 1", n, w.sim.URL())
	}
	w.refreshTokenFromKeyring(ana)

	res = w.run("", "logout")
	wantExit(t, res, 0, "logout")
	wantOneLine(t, res.stderr, "logout", "Signed out")

	res = w.run("", "token")
	wantExit(t, res, 3, "token after logout")
	wantOneLine(t, res.stderr, "token after logout", "not signed in", "biot-agent")
	if res.stdout != "" {
		t.Errorf("token after logout printed %q on stdout, want nothing", res.stdout)
	}
	if items := w.keyringItems(); len(items) != 0 {
		t.Errorf("the keyring still holds %v after logout, want nothing", items)
	}
	st, res = w.status()
	wantExit(t, res, 3, "status --json after logout")
	if st.State != ipc.StateSignedOut {
		t.Errorf("status after logout = %q, want signed_out", st.State)
	}
	if s := w.sim.Stats(); s.Logouts != 1 {
		t.Errorf("BioT saw %d logouts, want 1", s.Logouts)
	}
}

func TestRestartResumesFromTheKeyringWithoutAPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
	first := w.startAgent()
	w.mustLogin(ana, anaPW)
	w.wantSelf(w.token(), ana)
	w.refreshTokenFromKeyring(ana)
	first.stop()

	w.startAgent()
	// No login: the new agent found the session in the keyring.
	tok := w.token()
	w.wantSelf(tok, ana)
	st, res := w.status()
	wantExit(t, res, 0, "status after the restart")
	if st.State != ipc.StateSignedIn || st.Username != ana {
		t.Errorf("after the restart status = %q as %q, want signed_in as %s", st.State, st.Username, ana)
	}
	w.refreshTokenFromKeyring(ana)

	s := w.sim.Stats()
	if s.ByPath[biotsim.PathLogin] != 1 || s.Refreshes < 1 || s.RefreshReuse != 0 || s.RefreshesRejected != 0 {
		t.Errorf("BioT saw %d logins, %d refreshes (%d rejected, %d reused), want 1 login, refreshes only, none rejected or reused",
			s.ByPath[biotsim.PathLogin], s.Refreshes, s.RefreshesRejected, s.RefreshReuse)
	}
}

// keyringItems lists the keyring items of the world's BioT environment.
func (w *world) keyringItems() []string {
	w.t.Helper()
	items, err := desktop.Keyring.Items(w.ctx(), map[string]string{"service": keyringService(w.sim.URL())})
	if err != nil {
		w.t.Fatal(err)
	}
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = string(p)
	}
	return out
}

// refreshTokenFromKeyring reads the refresh token the agent stored, with
// secret-tool as a person would, and adds it to the secrets that must not
// leak.
func (w *world) refreshTokenFromKeyring(username string) {
	w.t.Helper()
	tok, err := desktop.Keyring.SecretTool(w.ctx(), "", "lookup", "service", keyringService(w.sim.URL()), "username", username)
	if err != nil {
		w.t.Fatal(err)
	}
	if strings.Count(tok, ".") != 2 {
		w.t.Fatalf("the keyring item of %s holds no JWT (%d bytes)", username, len(tok))
	}
	w.secrets.addToken("the refresh token of "+username, tok)
}
