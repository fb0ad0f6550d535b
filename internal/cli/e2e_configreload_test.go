package cli_test

import (
	"context"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// reloadWait bounds how long the agent may take to serve what the config
// file says after a change: the file's watch ticks at once, and a reload
// reads a few lines.
const reloadWait = 20 * time.Second

// TestConfigFileChangesAreServedWithoutARestart: while the agent runs,
// "biot-agent environments add prod URL" adds an environment, which the
// agent serves without a restart: it can be signed in to and serves its
// token. "environments remove prod" takes it away: the agent signs it out
// (at BioT and in the keyring) and commands that name it are told it is
// unknown; added again, it starts signed out. dev is served throughout,
// with the session it had.
func TestConfigFileChangesAreServedWithoutARestart(t *testing.T) {
	t.Parallel()
	const bo, boPW = "bo@example.com", "bo-password-prod-93a"
	w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
	prodBioT := w.addSim(&biotsim.Options{Users: []biotsim.User{{Username: bo, Password: boPW}}})
	w.writeConfig(configOf("dev", envSection{"dev", w.sim.URL()}))
	a := w.startAgentWith(w.env, "run", "--headless")
	w.loginTo("dev", ana, anaPW)
	dev := a.followEnv("dev")
	waitFor(t, 10*time.Second, "dev's first event", func() bool { return dev.mark() > 0 })

	res := w.run("", "environments", "add", "prod", prodBioT.URL())
	wantExit(t, res, 0, "environments add prod")
	st := a.waitEnvStatus("prod", reloadWait, "served after environments add", func(ipc.StatusResponse) bool { return true })
	if st.State != ipc.StateSignedOut || st.BaseURL != prodBioT.URL() {
		t.Errorf("the added prod is %s at %s, want signed_out at %s", st.State, st.BaseURL, prodBioT.URL())
	}
	w.loginTo("prod", bo, boPW)
	w.wantSelfAt(prodBioT, w.token("-e", "prod"), bo)
	w.wantSelf(w.token(), ana) // dev is still the default
	if n := w.envKeyringItems("prod", prodBioT.URL()); n != 1 {
		t.Fatalf("the keyring holds %d items for prod after its sign-in, want 1", n)
	}
	w.envRefreshToken("prod", prodBioT.URL(), bo)

	res = w.run("", "environments", "remove", "prod")
	wantExit(t, res, 0, "environments remove prod")
	c := a.clientOf("prod")
	waitFor(t, reloadWait, "prod to be unknown after environments remove", func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_, err := c.Status(ctx)
		return errCode(err) == string(ipc.CodeUnknownEnvironment)
	})
	for _, cmd := range []string{"status", "token"} {
		res := w.run("", cmd, "-e", "prod")
		wantExit(t, res, 2, cmd+" -e prod after its removal")
		wantOneLine(t, res.stderr, cmd+" -e prod after its removal", `"prod"`, "dev")
	}
	waitFor(t, 10*time.Second, "the removed prod's keyring item to go", func() bool {
		return w.envKeyringItems("prod", prodBioT.URL()) == 0
	})
	waitFor(t, 10*time.Second, "prod's BioT to hear of the sign-out", func() bool { return prodBioT.Stats().Logouts == 1 })

	// Added again, it has no session: the old one was ended, not hidden.
	wantExit(t, w.run("", "environments", "add", "prod", prodBioT.URL()), 0, "environments add prod again")
	st = a.waitEnvStatus("prod", reloadWait, "served after it is added again", func(ipc.StatusResponse) bool { return true })
	if st.State != ipc.StateSignedOut {
		t.Errorf("prod added again is %s, want signed_out", st.State)
	}

	// dev never noticed: the same session, no new sign-in.
	w.wantSelf(w.token("-e", "dev"), ana)
	if s := w.sim.Stats(); s.ByPath[biotsim.PathLogin] != 1 || s.Logouts != 0 {
		t.Errorf("dev's BioT saw %d sign-ins and %d sign-outs, want 1 and none", s.ByPath[biotsim.PathLogin], s.Logouts)
	}
	for _, s := range dev.since(0) {
		if s != ipc.StateSignedIn {
			t.Errorf("dev's events went through %v while prod came and went, want signed_in throughout", dev.since(0))
			break
		}
	}
}
