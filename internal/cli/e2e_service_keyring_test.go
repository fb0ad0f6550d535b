package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// TestServiceUserSecretInTheKeyring runs the README's recipe for a
// desktop or a server with a keyring, over real gnome-keyring: `login
// --service-user-id --secret-stdin` with no agent running stores the key
// as one item a person recognises in Seahorse and adds the environment;
// the agent started then signs in with it. With the agent running, a
// rotated key given to login is used at once; a wrong one is refused by
// BioT once, in one line with BioT's code, and never sent again; the right
// one after it signs in again.
func TestServiceUserSecretInTheKeyring(t *testing.T) {
	const (
		id      = "5a4b3c2d-1e0f-4a9b-8c7d-6e5f4a3b2c1d"
		first   = "svc-K3yring-first-0a1b2c3d4e"
		rotated = "svc-K3yring-rotated-5f6e7d8c"
		wrong   = "svc-K3yring-wrong-9a8b7c6d5e"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: first, AccessTokenExpirationInMinutes: 10}}}, desktop: "need"})
	for label, s := range map[string]string{"the first key": first, "the rotated key": rotated, "a wrong key": wrong} {
		w.secrets.add(label, s)
	}
	item := "biot-agent service ci " + w.sim.URL()
	t.Cleanup(func() { _, _ = w.secretService().SecretTool(w.ctx(), "", "clear", "service", item) })

	// No agent yet: the key is stored and the environment added.
	res := w.run(first, "login", "-e", "ci", "--url", w.sim.URL(), "--service-user-id", id, "--secret-stdin")
	wantExit(t, res, 0, "login --service-user-id --secret-stdin, no agent running")
	for _, s := range []string{"Stored the secret key of service user " + id, "Added the service environment ci", "No agent is running"} {
		if !strings.Contains(res.stderr, s) {
			t.Errorf("login said\n%s\nwant it to say %q", res.stderr, s)
		}
	}
	items, err := w.secretService().Items(w.ctx(), map[string]string{"service": item, "username": id})
	if err != nil || len(items) != 1 {
		t.Fatalf("%d keyring items named %q (%v), want 1", len(items), item, err)
	}
	if label, err := w.secretService().Label(w.ctx(), items[0]); err != nil || !strings.Contains(label, item) || !strings.Contains(label, id) {
		t.Errorf("the item's label is %q (%v), want it to name %q and %s", label, err, item, id)
	}
	cfg, err := os.ReadFile(filepath.Join(w.config, "biot-agent", "config.toml"))
	if err != nil || !strings.Contains(string(cfg), `service_user_id = "`+id+`"`) {
		t.Fatalf("config.toml reads %q (%v), want service_user_id = %q", cfg, err, id)
	}

	a := w.startAgentWith(w.env, "run", "--headless")
	w.token("-e", "ci")
	if st := w.sim.Stats(); st.ServiceSignIns != 1 || st.ServiceRejected != 0 {
		t.Fatalf("the agent's start: %d sign-ins, %d refused; want 1, 0", st.ServiceSignIns, st.ServiceRejected)
	}

	// The key rotated at BioT, then given to login: used at once.
	w.sim.SetServiceSecret(id, rotated)
	res = w.run(rotated, "login", "-e", "ci", "--secret-stdin")
	wantExit(t, res, 0, "login --secret-stdin with the rotated key, agent running")
	if !strings.Contains(res.stderr, "Signed in as service user "+id+" to ci") {
		t.Errorf("login said\n%s\nwant it to say it signed in", res.stderr)
	}
	if st := w.sim.Stats(); st.ServiceSignIns != 2 || st.ServiceRejected != 0 {
		t.Errorf("after the rotation: %d sign-ins, %d refused; want 2, 0", st.ServiceSignIns, st.ServiceRejected)
	}

	// A wrong key: BioT refuses it once, login says so, token exits 3.
	res = w.run(wrong, "login", "-e", "ci", "--secret-stdin")
	wantExit(t, res, 3, "login --secret-stdin with a wrong key")
	lines := strings.Split(strings.TrimSpace(res.stderr), "\n")
	wantOneLine(t, lines[len(lines)-1], "login with a wrong key", "BioT refused the secret key of service user "+id, "LOGIN_FAILED")
	wantExit(t, w.run("", "token", "-e", "ci"), 3, "token -e ci after a refused key")
	a.waitEnvStatus("ci", 5*time.Second, "needs_login", func(st ipc.StatusResponse) bool { return st.State == ipc.StateNeedsLogin })

	// Other programs' items change the keyring too (so do the agent's
	// own saves): none sends the refused key again. Counted at the end,
	// after the signals of this change and the next one have been heard.
	if _, err := w.secretService().SecretTool(w.ctx(), "unrelated", "store", "--label", "another program", "service", "not-biot "+w.sim.URL(), "username", "x"); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _, _ = w.secretService().SecretTool(w.ctx(), "", "clear", "service", "not-biot "+w.sim.URL()) })
	a.waitEnvStatus("ci", time.Second, "still needs_login", func(st ipc.StatusResponse) bool { return st.State == ipc.StateNeedsLogin })

	// The right key again: signed in.
	res = w.run(rotated, "login", "-e", "ci", "--secret-stdin")
	wantExit(t, res, 0, "login --secret-stdin with the right key after a wrong one")
	w.token("-e", "ci")
	if st := w.sim.Stats(); st.ServiceRejected != 1 || st.ServiceSignIns != 3 {
		t.Errorf("at the end: %d refused, %d granted; want 1 (the wrong key, once), 3", st.ServiceRejected, st.ServiceSignIns)
	}
}

// TestServiceUserPerEnvironmentNames serves two service environments from
// one agent, each with its own key under its own name: systemd's
// biot-service-secret.<env> wins over the plain biot-service-secret, and
// BIOT_SERVICE_USER_SECRET_KEY_<ENV> over BIOT_SERVICE_USER_SECRET_KEY.
func TestServiceUserPerEnvironmentNames(t *testing.T) {
	const (
		idA, idB = "1a2b3c4d-5e6f-4a7b-8c9d-0e1f2a3b4c5d", "6f5e4d3c-2b1a-4f0e-9d8c-7b6a5f4e3d2c"
		keyA     = "svc-EnvA-key-0123456789ab"
		keyB     = "svc-EnvB-key-ba9876543210"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{ServiceUsers: []biotsim.ServiceUser{
		{ID: idA, Secret: keyA, AccessTokenExpirationInMinutes: 10},
		{ID: idB, Secret: keyB, AccessTokenExpirationInMinutes: 10},
	}}})
	w.secrets.add("the key of ci-a", keyA)
	w.secrets.add("the key of ci-b", keyB)
	w.writeConfig(svcSection("ci-a", w.sim.URL(), idA, "") + svcSection("ci-b", w.sim.URL(), idB, ""))
	both := func(what string, signIns int) {
		t.Helper()
		for _, env := range []string{"ci-a", "ci-b"} {
			w.token("-e", env)
		}
		if st := w.sim.Stats(); st.ServiceSignIns != signIns || st.ServiceRejected != 0 {
			t.Fatalf("%s: %d sign-ins, %d refused; want %d, 0", what, st.ServiceSignIns, st.ServiceRejected, signIns)
		}
	}

	// systemd's credentials: ci-a's own, and the plain one for ci-b.
	creds := filepath.Join(w.dir, "credentials")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	for name, key := range map[string]string{"biot-service-secret.ci-a": keyA, "biot-service-secret": keyB} {
		if err := os.WriteFile(filepath.Join(creds, name), []byte(key), 0o400); err != nil {
			t.Fatal(err)
		}
	}
	a := w.startAgentWith(w.with("CREDENTIALS_DIRECTORY="+creds), "run", "--headless")
	both("with the credentials", 2)
	a.stop()

	// The variables: ci-a's own, and the plain one for ci-b.
	w.startAgentWith(w.with("BIOT_SERVICE_USER_SECRET_KEY_CI_A="+keyA, "BIOT_SERVICE_USER_SECRET_KEY="+keyB), "run", "--headless")
	both("with the variables", 4)
}
