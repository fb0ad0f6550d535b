package cli_test

import (
	"net"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// A service user of the tests that run the agent as a server or a CI job
// does: headless, no desktop, the secret key from systemd's credential.
const (
	headlessID     = "0b7e3c1a-5d2f-4e6a-9b8c-7d6e5f4a3b2c"
	headlessSecret = "svc-H3adless-key-5e4d3c2b1a09"
)

// busTrap is a Unix socket that counts who connects to it, for an
// address a D-Bus client would dial: nobody should.
type busTrap struct {
	path  string
	calls atomic.Int32
}

func newBusTrap(t *testing.T, dir string) *busTrap {
	t.Helper()
	b := &busTrap{path: filepath.Join(dir, "bus")}
	l, err := net.Listen("unix", b.path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	go func() {
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			b.calls.Add(1)
			c.Close()
		}
	}()
	return b
}

// withoutBus is env without DBUS_SESSION_BUS_ADDRESS, as on a server.
func withoutBus(env []string) []string {
	var out []string
	for _, kv := range env {
		if !strings.HasPrefix(kv, "DBUS_SESSION_BUS_ADDRESS=") {
			out = append(out, kv)
		}
	}
	return out
}

// credentialsDir writes secret as systemd's LoadCredential= does: a
// folder of its own holding biot-service-secret, mode 0400. It is outside
// the folders the leak check reads: it is the one place the secret
// belongs.
func credentialsDir(t *testing.T, w *world, secret string) string {
	t.Helper()
	dir := filepath.Join(w.dir, "credentials")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "biot-service-secret"), []byte(secret), 0o400); err != nil {
		t.Fatal(err)
	}
	return dir
}

// desktopWords are what a log line says when it speaks of the desktop a
// server does not have.
var desktopWords = []string{"dbus", "d-bus", "session bus", "keyring", "secret service", "secret-service", "tray"}

// desktopLines are the lines of log that speak of the desktop.
func desktopLines(log string) []string {
	var out []string
	for _, line := range strings.Split(log, "\n") {
		l := strings.ToLower(line)
		for _, w := range desktopWords {
			if strings.Contains(l, w) {
				out = append(out, line)
				break
			}
		}
	}
	return out
}

// wantServiceToken fails the test unless tok is a live token BioT signed
// for service user id.
func wantServiceToken(t *testing.T, w *world, tok, id string) {
	t.Helper()
	var c serviceClaims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return w.sim.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS512"}), jwt.WithoutClaimsValidation())
	if err != nil {
		t.Fatalf("the agent served a token BioT did not sign: %v", err)
	}
	if c.Subject != id || c.TokenType != "SERVICE" {
		t.Fatalf("the agent served a token of %q (%s), want service user %s", c.Subject, c.TokenType, id)
	}
	if now := time.Now().Truncate(time.Second); c.ExpiresAt == nil || c.ExpiresAt.Before(now) {
		t.Fatalf("the agent served an expired token (exp %v, now %v)", c.ExpiresAt, time.Now())
	}
}

// TestHeadlessServiceUsersNeedNoDBus runs the agent as on a server:
// `run --headless` with only a service environment, its secret key from
// systemd's credential. Twice: with no DBUS_SESSION_BUS_ADDRESS at all,
// and with one naming a socket that counts who connects. Each time the
// agent serves the service user's token, never connects to the bus, and
// its log says nothing of D-Bus, a keyring, a Secret Service or a tray;
// status says why nothing is kept across restarts.
func TestHeadlessServiceUsersNeedNoDBus(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: headlessID, Secret: headlessSecret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", headlessSecret)
	trap := newBusTrap(t, w.dir)
	w.writeConfig("[environments.svc]\nurl = \"" + w.sim.URL() + "\"\nservice_user_id = \"" + headlessID + "\"\n")
	creds := credentialsDir(t, w, headlessSecret)

	for i, bus := range []struct{ what, env string }{
		{"no DBUS_SESSION_BUS_ADDRESS", ""},
		{"DBUS_SESSION_BUS_ADDRESS naming a socket that counts callers", "DBUS_SESSION_BUS_ADDRESS=unix:path=" + trap.path},
	} {
		env := withoutBus(w.with("CREDENTIALS_DIRECTORY=" + creds))
		if bus.env != "" {
			env = append(env, bus.env)
		}
		a := w.startAgentWith(env, "run", "--headless")
		tok := w.token() // the one environment is the default
		wantServiceToken(t, w, tok, headlessID)

		st := a.waitEnvStatus("svc", 10*time.Second, "signed in", func(st ipc.StatusResponse) bool { return st.State == ipc.StateSignedIn })
		if st.Store.Kind != "memory" || st.Store.Persistent || !strings.Contains(st.Store.Problem, "service user's token is never kept") {
			t.Errorf("%s: status says the store is %+v, want memory, saying a service user's token is never kept", bus.what, st.Store)
		}
		res := w.run("", "status")
		wantExit(t, res, 0, "status")
		if !strings.Contains(res.stdout, "signs in again at start") {
			t.Errorf("%s: status does not say why nothing is kept across restarts:\n%s", bus.what, res.stdout)
		}

		res = a.stop()
		if lines := desktopLines(res.stderr); len(lines) > 0 {
			t.Errorf("%s: the agent of a service user spoke of the desktop it does not need:\n%s", bus.what, strings.Join(lines, "\n"))
		}
		if !strings.Contains(res.stderr, "biot-agent serving") {
			t.Errorf("%s: the agent's log lacks its \"biot-agent serving\" line:\n%s", bus.what, res.stderr)
		}
		if n := w.sim.Stats().ServiceSignIns; n != i+1 {
			t.Errorf("%s: %d service sign-ins after %d runs, want one per run", bus.what, n, i+1)
		}
	}
	if n := trap.calls.Load(); n != 0 {
		t.Errorf("the agent connected %d times to the D-Bus session bus it was given", n)
	}
}

// TestAPersonAddedToAServiceAgentIsKeptInMemoryUntilRestart: an agent
// that started with service users alone opened no keyring. When the
// config file gains a person's environment, that person signs in and gets
// tokens as anywhere; the session is kept in memory until the agent
// restarts, which the log says once and status says from then on.
func TestAPersonAddedToAServiceAgentIsKeptInMemoryUntilRestart(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		Users:        []biotsim.User{{Username: ana, Password: anaPW}},
		ServiceUsers: []biotsim.ServiceUser{{ID: headlessID, Secret: headlessSecret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", headlessSecret)
	w.env = withoutBus(w.env)
	svc := "[environments.svc]\nurl = \"" + w.sim.URL() + "\"\nservice_user_id = \"" + headlessID + "\"\n"
	w.writeConfig("default = \"svc\"\n" + svc)
	creds := credentialsDir(t, w, headlessSecret)
	a := w.startAgentWith(w.with("CREDENTIALS_DIRECTORY="+creds), "run", "--headless")
	wantServiceToken(t, w, w.token(), headlessID)

	w.writeConfig("default = \"svc\"\n" + svc + "\n[environments.ana]\nurl = \"" + w.sim.URL() + "\"\n")
	a.waitEnvStatus("ana", reloadWait, "served after the config file gained it", func(ipc.StatusResponse) bool { return true })
	w.loginTo("ana", ana, anaPW)
	w.wantSelf(w.token("-e", "ana"), ana)
	st := a.waitEnvStatus("ana", 10*time.Second, "signed in", func(st ipc.StatusResponse) bool { return st.State == ipc.StateSignedIn })
	if st.Store.Persistent || !strings.Contains(st.Store.Problem, "kept in memory") || !strings.Contains(st.Store.Problem, "until the agent restarts") {
		t.Errorf("status -e ana says the store is %+v, want memory until the agent restarts", st.Store)
	}
	wantServiceToken(t, w, w.token("-e", "svc"), headlessID)

	res := a.stop()
	var said []string
	for _, line := range strings.Split(res.stderr, "\n") {
		if strings.Contains(line, "kept in memory") {
			said = append(said, line)
		}
	}
	if len(said) != 1 || !strings.Contains(said[0], "env=ana") {
		t.Errorf("the log says %d times that a session is kept in memory, want once, for ana:\n%s", len(said), strings.Join(said, "\n"))
	}
}
