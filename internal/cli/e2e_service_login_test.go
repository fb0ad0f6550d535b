package cli_test

import (
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// TestLoginSignsAServiceUserInAgain: BioT refused a service user's key; the
// administrator puts the right one in its secret_file and runs
// `biot-agent login -e svc`, no flag: the agent signs in with the key as it
// is now, once, and says so. A person's environment asked the same way on
// the socket ({"service":true}) answers 400 in words.
func TestLoginSignsAServiceUserInAgain(t *testing.T) {
	const (
		id    = "4a5b6c7d-8e9f-4a0b-9c1d-2e3f4a5b6c7d"
		right = "svc-Right-key-7a8b9c0d1e2f"
		wrong = "svc-Wrong-key-3c4d5e6f7a8b"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: right, AccessTokenExpirationInMinutes: 10}},
		Users:        []biotsim.User{{Username: "ana@example.com", Password: "ana-Passw0rd-x"}},
	}})
	w.secrets.add("the right key", right)
	w.secrets.add("a wrong key", wrong)
	w.secrets.add("ana's password", "ana-Passw0rd-x")
	file := w.svcSecretFile("svc.secret", wrong)
	w.writeConfig("default = \"svc\"\n\n" + svcSection("svc", w.sim.URL(), id, file) + "[environments.dev]\nurl = \"" + w.sim.URL() + "\"\n")
	a := w.startAgentWith(w.env, "run", "--headless")
	a.waitEnvStatus("svc", 10*time.Second, "needs_login", func(st ipc.StatusResponse) bool { return st.State == ipc.StateNeedsLogin })

	w.svcSecretFile("svc.secret", right)
	res := w.run("", "login", "-e", "svc")
	wantExit(t, res, 0, "login -e svc")
	wantOneLine(t, res.stderr, "login -e svc", "Signed in as "+id+" to svc")
	if tok := w.token("-e", "svc"); tok == "" {
		t.Error("no token after the service user signed in again")
	}
	if st := w.sim.Stats(); st.ServiceRejected != 1 || st.ServiceSignIns != 1 {
		t.Errorf("BioT saw %d refused and %d good sign-ins; want 1 and 1: each key once", st.ServiceRejected, st.ServiceSignIns)
	}

	// Who signs in where, as status and environments say it.
	res = w.run("", "status", "-e", "svc")
	wantExit(t, res, 0, "status -e svc")
	if !strings.Contains(res.stdout, "Service user:  "+id) {
		t.Errorf("status -e svc printed\n%s\nwant a line Service user: %s", res.stdout, id)
	}
	res = w.run("", "environments")
	wantExit(t, res, 0, "environments")
	for _, l := range strings.Split(strings.TrimSpace(res.stdout), "\n") {
		if service := strings.HasPrefix(l, "svc "); service != strings.HasSuffix(l, "service user") {
			t.Errorf("environments printed %q: the service environment, and it alone, should say service user", l)
		}
	}

	// A person's environment: no service user to sign in.
	status, _, raw := w.postLogin(socketClient(w.socket()), `{"env":"dev","service":true}`)
	if status != 400 || !strings.Contains(raw, "signs a person in") {
		t.Errorf(`{"service":true} for dev answered %d %s; want 400 saying dev signs a person in`, status, raw)
	}
}
