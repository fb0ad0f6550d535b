package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// svcSecretFile writes secret into a new file of the world's secrets
// folder, private, and returns its path: the administrator's place for it,
// outside the folders the leak check walks. A second call with the same
// name replaces the file the way an editor or a deploy does: a new file
// renamed over the old one.
func (w *world) svcSecretFile(name, secret string) string {
	w.t.Helper()
	dir := filepath.Join(w.dir, "secrets")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	path := filepath.Join(dir, name)
	tmp := path + ".new"
	if err := os.WriteFile(tmp, []byte(secret+"\n"), 0o600); err != nil {
		w.t.Fatal(err)
	}
	if err := os.Rename(tmp, path); err != nil {
		w.t.Fatal(err)
	}
	return path
}

// svcSection is a service environment's table in config.toml.
func svcSection(name, url, id, file string) string {
	s := "[environments." + name + "]\nurl = \"" + url + "\"\nservice_user_id = \"" + id + "\"\n"
	if file != "" {
		s += "secret_file = \"" + file + "\"\n"
	}
	return s + "\n"
}

// hangUp sends the agent SIGHUP, as `systemctl reload` or `kill -HUP` does.
func (a *agentProc) hangUp() {
	a.w.t.Helper()
	if err := a.cmd.Process.Signal(syscall.SIGHUP); err != nil {
		a.w.t.Fatal(err)
	}
}

// TestServiceUserRefusedOrLockedIsTriedOnce runs two service environments
// that BioT turns away: one whose secret key is wrong (403 LOGIN_FAILED),
// one whose service user is locked (401 SERVICE_LOCKED). Each is tried
// exactly once: status says needs_login with BioT's code and message,
// `token` exits 3, and over several token lifetimes and token requests
// BioT hears nothing more. Once the administrator puts the right key in
// the file and unlocks the service user, SIGHUP signs both in; and a key
// swapped at BioT and in the file together is used at the next sign-in
// with no refusal.
func TestServiceUserRefusedOrLockedIsTriedOnce(t *testing.T) {
	const (
		refusedID = "0b8e2f4a-1c3d-4e5f-8a9b-7c6d5e4f3a21"
		lockedID  = "9d7c6b5a-4e3f-4a1b-8c2d-1e0f9a8b7c6d"
		right     = "svc-R1ght-key-5e6f7a8b9c0d"
		wrong     = "svc-Wr0ng-key-1a2b3c4d5e6f"
		locked    = "svc-L0cked-key-abcdef012345"
		swapped   = "svc-Sw4pped-key-13579bdf2468"
		ttl       = 2 * time.Second
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{ServiceUsers: []biotsim.ServiceUser{
		{ID: refusedID, Secret: right, TokenTTL: ttl},
		{ID: lockedID, Secret: locked, TokenTTL: ttl, Locked: true},
	}}})
	for label, s := range map[string]string{"the right key": right, "a wrong key": wrong, "the locked user's key": locked, "the swapped key": swapped} {
		w.secrets.add(label, s)
	}
	refusedFile := w.svcSecretFile("refused.secret", wrong)
	lockedFile := w.svcSecretFile("locked.secret", locked)
	w.writeConfig(svcSection("refused", w.sim.URL(), refusedID, refusedFile) + svcSection("locked", w.sim.URL(), lockedID, lockedFile))
	a := w.startAgentWith(w.env, "run", "--headless")

	wantRefused := map[string][]string{
		"refused": {"needs_login", "LOGIN_FAILED", "Login failed: wrong service user id or secret key", "BioT refused the secret key of service user " + refusedID},
		"locked":  {"needs_login", "SERVICE_LOCKED", "Service user is locked", "service user " + lockedID + " is locked"},
	}
	for env, says := range wantRefused {
		a.waitEnvStatus(env, 10*time.Second, "needs_login", func(st ipc.StatusResponse) bool { return st.State == ipc.StateNeedsLogin })
		res := w.run("", "status", "-e", env, "--json")
		for _, s := range says {
			if !strings.Contains(res.stdout, s) {
				t.Errorf("status -e %s --json printed\n%s\nwant it to say %q", env, res.stdout, s)
			}
		}
	}

	// Token requests over three lifetimes: each exits 3 in one line, and
	// BioT hears of neither service user again.
	deadline := time.Now().Add(3 * ttl)
	tick := time.NewTicker(ttl / 4)
	defer tick.Stop()
	requests := 0
	for time.Now().Before(deadline) {
		for env, says := range wantRefused {
			res := w.run("", "token", "-e", env)
			wantExit(t, res, 3, "token -e "+env)
			wantOneLine(t, res.stderr, "token -e "+env, says[1])
			requests++
		}
		<-tick.C
	}
	if st := w.sim.Stats(); st.ServiceRejected != 2 || st.ServiceSignIns != 0 {
		t.Fatalf("after %d token requests over %v: BioT refused %d service sign-ins and granted %d; want 2 refused (one each), 0 granted",
			requests, 3*ttl, st.ServiceRejected, st.ServiceSignIns)
	}

	// The administrator fixes both; nothing happens until SIGHUP.
	w.svcSecretFile("refused.secret", right)
	w.sim.LockServiceUser(lockedID, false)
	a.hangUp()
	for env := range wantRefused {
		a.waitEnvStatus(env, 10*time.Second, "signed in after SIGHUP", func(st ipc.StatusResponse) bool { return st.State == ipc.StateSignedIn })
		w.token("-e", env)
	}
	if st := w.sim.Stats(); st.ServiceRejected != 2 || st.ServiceSignIns != 2 {
		t.Errorf("after SIGHUP: %d refused, %d granted; want 2 refused still, 2 granted", st.ServiceRejected, st.ServiceSignIns)
	}
	for env := range wantRefused {
		if !strings.Contains(a.stderr.String(), "SIGHUP") || !strings.Contains(a.stderr.String(), "env="+env) {
			t.Errorf("the agent's log does not say it signed %s in again on SIGHUP:\n%s", env, a.stderr.String())
		}
	}

	// A key swapped at BioT and in the file together: the next sign-in,
	// due within a lifetime, uses the new file, with no refusal.
	granted := w.sim.Stats().ServiceSignIns
	w.sim.SetServiceSecret(refusedID, swapped)
	w.svcSecretFile("refused.secret", swapped)
	waitFor(t, 3*ttl, "a sign-in with the swapped key", func() bool { return w.sim.Stats().ServiceSignIns > granted+1 })
	w.token("-e", "refused")
	if st := w.sim.Stats(); st.ServiceRejected != 2 {
		t.Errorf("after the swap: %d refused, want 2 still: the next sign-in must read the new file", st.ServiceRejected)
	}
}

// TestServiceLoginWithoutAKeyringWritesNothing: with no Secret Service to
// keep it, login --secret-stdin refuses in one line that says what to use
// instead, and writes no config file.
func TestServiceLoginWithoutAKeyringWritesNothing(t *testing.T) {
	const (
		id     = "3c4d5e6f-7a8b-4c9d-8e0f-1a2b3c4d5e6f"
		secret = "svc-N0keyring-key-a1b2c3d4"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret}}}})
	w.secrets.add("the service user's secret key", secret)
	w.env = w.with("DBUS_SESSION_BUS_ADDRESS=unix:path=" + filepath.Join(w.dir, "no-bus"))
	res := w.run(secret, "login", "-e", "ci", "--url", w.sim.URL(), "--service-user-id", id, "--secret-stdin")
	if res.code == 0 {
		t.Fatalf("login stored a secret key with no keyring:\n%s", res.stderr)
	}
	wantOneLine(t, res.stderr, "login --secret-stdin without a keyring", "keyring", "nothing was written", "secret_file", "LoadCredential=biot-service-secret.ci")
	if _, err := os.Stat(filepath.Join(w.config, "biot-agent", "config.toml")); !os.IsNotExist(err) {
		t.Errorf("a config file is there after the refusal (%v)", err)
	}
	if st := w.sim.Stats(); st.ServiceSignIns+st.ServiceRejected != 0 {
		t.Errorf("BioT heard %d service sign-ins from a refused login", st.ServiceSignIns+st.ServiceRejected)
	}
}
