package cli_test

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

func TestTokenExitCodesTellScriptsWhatToDo(t *testing.T) {
	t.Parallel()
	t.Run("4 when no agent runs, saying how to start it", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{})
		res := w.run("", "token")
		wantExit(t, res, 4, "token with no agent")
		wantOneLine(t, res.stderr, "token with no agent", "not running", "biot-agent run")
	})
	t.Run("3 when signed out", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{sim: anaSim()})
		w.startAgent()
		res := w.run("", "token")
		wantExit(t, res, 3, "token signed out")
		wantOneLine(t, res.stderr, "token signed out", "not signed in", "biot-agent login")
	})
	t.Run("2 for bad usage", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{})
		res := w.run("", "token", "--min-valid", "bogus")
		wantExit(t, res, 2, "token --min-valid bogus")
		for _, want := range []string{"min-valid", "bogus", "usage: biot-agent token"} {
			if !strings.Contains(res.stderr, want) {
				t.Errorf("token --min-valid bogus said %q, want it to mention %q", res.stderr, want)
			}
		}
	})
	for _, fault := range []biotsim.Fault{biotsim.FaultDown, biotsim.Fault500} {
		t.Run("5 when BioT is "+fault.String()+" and the token ran out", func(t *testing.T) {
			t.Parallel()
			cfg := anaSim()
			cfg.AccessTTL = 2 * time.Second // so the token runs out soon
			w := newWorld(t, worldOptions{sim: cfg})
			a := w.startAgent()
			w.mustLogin(ana, anaPW)
			w.sim.SetFault(fault)
			a.waitTokenError("offline")

			res := w.run("", "token")
			wantExit(t, res, 5, "token while BioT is "+fault.String())
			wantOneLine(t, res.stderr, "token while offline", "unreachable")
		})
	}
}

func TestWaitingClients(t *testing.T) {
	t.Parallel()
	t.Run("hear at once that the session was rejected", func(t *testing.T) {
		t.Parallel()
		cfg := anaSim()
		cfg.AccessTTL = 3 * time.Second
		cfg.SlowDelay = time.Second
		w := newWorld(t, worldOptions{sim: cfg})
		a := w.startAgent()
		w.mustLogin(ana, anaPW)

		// An administrator ends the session while BioT cannot be reached: the
		// agent goes offline and, once the token runs out, has none to give.
		w.sim.RevokeRefreshTokens(ana)
		w.sim.SetFaultFor(biotsim.FaultDown, biotsim.PathRefresh)
		a.waitTokenError("offline")

		waiting := w.start(w.env, "", "token", "--wait", "30s")
		waitConnected(t, waiting)
		// BioT answers again (a second late, so the waiting client is surely
		// in its wait when the answer comes): the refresh token is rejected.
		w.sim.SetFaultFor(biotsim.FaultSlow, biotsim.PathRefresh)

		res := waiting.wait()
		wantExit(t, res, 3, "token --wait 30s when the session is rejected")
		wantOneLine(t, res.stderr, "token --wait 30s", "sign in again")
		if res.took > 15*time.Second {
			t.Errorf("the waiting client heard after %v, want long before its 30s were up", res.took.Round(time.Millisecond))
		}
		st, _ := w.status()
		if st.State != "needs_login" {
			t.Errorf("state after the rejected refresh = %q, want needs_login", st.State)
		}
	})
	t.Run("get a token as soon as someone signs in", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{sim: anaSim()})
		w.startAgent()
		waiting := w.start(w.env, "", "token", "--wait", "30s")
		waitConnected(t, waiting)
		if waiting.exited() {
			t.Fatalf("token --wait 30s ended before anyone signed in: %+v", waiting.wait())
		}
		signIn := time.Now()
		w.mustLogin(ana, anaPW)

		res := waiting.wait()
		wantExit(t, res, 0, "token --wait 30s")
		if after := time.Since(signIn); after > 5*time.Second {
			t.Errorf("the waiting client got its token %v after the sign-in, want at once", after.Round(time.Millisecond))
		}
		w.wantSelf(strings.TrimSpace(res.stdout), ana)
	})
}

// waitTokenError polls the agent's socket until a token request fails with
// code, collecting the tokens served meanwhile.
func (a *agentProc) waitTokenError(code string) {
	t := a.w.t
	t.Helper()
	waitFor(t, 20*time.Second, "a token request to fail with "+code, func() bool {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		tok, err := a.client.Token(ctx, ipc.TokenOptions{})
		if err == nil {
			a.w.secrets.addToken("an access token", tok.Token)
			return false
		}
		var ie *ipc.Error
		return errors.As(err, &ie) && string(ie.Code) == code
	})
}
