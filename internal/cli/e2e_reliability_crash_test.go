package cli_test

import (
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// TestKillNineAroundRefreshesKeepsTheLiveTokenOrSaysWhy kills the real
// agent with SIGKILL 50 times in a row at random moments around refreshes
// (during the refresh a restart makes, right after BioT answered a
// background refresh, or anywhere between), with 2-second access tokens so
// refreshes come every second, and the real Secret Service as the store.
// After each kill the keyring must hold the live refresh token, unless the
// kill fell between BioT's rotation and the save (a lost rotation); a
// restart must then resume signed in, or, for a lost rotation, land in
// needs_login and say why, having spent the dead token exactly once. No
// rotated-out token is ever presented twice.
func TestKillNineAroundRefreshesKeepsTheLiveTokenOrSaysWhy(t *testing.T) {
	t.Parallel()
	const kills = 50
	cfg := anaSim()
	cfg.AccessTTL = 2 * time.Second
	w := newWorld(t, worldOptions{sim: cfg, desktop: "need"})
	seed := uint64(time.Now().UnixNano())
	t.Logf("random seed %d", seed)
	rng := rand.New(rand.NewPCG(seed, seed>>1))
	jitter := func(max time.Duration) time.Duration { return time.Duration(rng.Int64N(int64(max))) }

	a := w.startAgent()
	w.mustLogin(ana, anaPW)
	lost, duringResume := 0, 0
	settled := true // whether a has finished its resume (or sign-in) when killed
	refreshes := 0  // BioT's count of refreshes when a started
	for i := 1; i <= kills; i++ {
		switch {
		case !settled:
			// Killed while it resumes: once BioT answered its refresh, give
			// or take a few milliseconds around the save.
			a.killAfterRefresh(refreshes, jitter(30*time.Millisecond))
			duringResume++
		case rng.IntN(2) == 0:
			a.killAfterRefresh(w.sim.Stats().Refreshes, jitter(30*time.Millisecond))
		default:
			a.killAfter(jitter(1500 * time.Millisecond))
		}

		stored := w.storedRefreshToken(ana)
		if stored == "" {
			t.Fatalf("kill %d: the keyring holds no session for %s: the crash lost it", i, ana)
		}
		live := w.sim.RefreshTokenLive(stored)
		before := w.sim.Stats()
		reuseBefore := before.RefreshReuse
		refreshes = before.Refreshes
		a = w.launchAgent()
		// A live token may be killed again in the middle of its resume;
		// a lost rotation is always followed to the end, because a kill
		// between BioT's refusal and the agent's deletion of the dead token
		// would have it presented again.
		settled = !live || rng.IntN(3) != 0
		if !settled {
			continue
		}
		a.waitReady()
		// A token request waits for the resume, and for its refresh.
		_, tokErr := a.tokenNow(0)
		st := a.waitStatus(20*time.Second, "the restarted agent to settle", func(st ipc.StatusResponse) bool {
			return st.State != ipc.StateSignedIn || st.LastRefresh != nil
		})
		reused := w.sim.Stats().RefreshReuse - reuseBefore
		if live {
			if tokErr != nil || st.State != ipc.StateSignedIn || !st.LastRefresh.OK || reused != 0 {
				t.Fatalf("kill %d: the keyring held the live token, yet the restart answers %v and is %s (%q) after %d reuses; want a token, signed_in, 0",
					i, tokErr, st.State, st.Message, reused)
			}
			continue
		}
		lost++
		if errCode(tokErr) != string(ipc.CodeNeedsLogin) || st.State != ipc.StateNeedsLogin || reused != 1 {
			t.Fatalf("kill %d: the rotation was lost to the crash; the restart is %s (%q) after %d reuses, want needs_login after exactly 1",
				i, st.State, st.Message, reused)
		}
		if !strings.Contains(st.Message, "REFRESH_TOKEN_NOT_VALID") || !strings.Contains(st.Message, "sign in again") {
			t.Errorf("kill %d: needs_login says %q, want the reason (REFRESH_TOKEN_NOT_VALID) and what to do", i, st.Message)
		}
		waitFor(t, 10*time.Second, "the dead token to leave the keyring", func() bool { return len(w.keyringItems()) == 0 })
		w.mustLogin(ana, anaPW)
	}

	a.waitReady()
	if _, err := a.tokenNow(0); err != nil {
		t.Errorf("the last restart, from a live token, answers %v", err)
	}
	s := w.sim.Stats()
	t.Logf("%d kills (%d during a resume): %d rotations lost, %d refreshes, %d sign-ins, %d reuses", kills, duringResume, lost, s.Refreshes, s.ByPath[biotsim.PathLogin], s.RefreshReuse)
	if s.RefreshReuse > lost {
		t.Errorf("BioT saw %d reuses of rotated-out tokens for %d lost rotations", s.RefreshReuse, lost)
	}
	for id, n := range s.ReuseByToken {
		if n > 1 {
			t.Errorf("the rotated-out refresh token %s was presented %d times", id, n)
		}
	}
}

// launchAgent starts "biot-agent run --headless" against the world's
// simulator without waiting for its socket; Cleanup stops it.
func (w *world) launchAgent() *agentProc {
	w.t.Helper()
	a := &agentProc{proc: w.start(w.env, "", "run", "--headless", "--url", w.sim.URL()), client: ipc.NewClient(w.socket())}
	w.t.Cleanup(func() { a.stop() })
	return a
}

// killAfter sends SIGKILL after d and waits for the agent to die. The
// agent's Cleanup then expects nothing of its exit.
func (a *agentProc) killAfter(d time.Duration) {
	t := a.w.t
	t.Helper()
	timer := time.NewTimer(d)
	defer timer.Stop()
	select {
	case <-a.done:
		t.Fatalf("%s exited before it was killed: %+v", a.name, a.res)
	case <-timer.C:
	}
	a.once.Do(func() {
		_ = a.cmd.Process.Kill()
		<-a.done
	})
}

// killAfterRefresh kills the agent d after BioT answered a refresh beyond
// the first base it counted.
func (a *agentProc) killAfterRefresh(base int, d time.Duration) {
	t := a.w.t
	t.Helper()
	deadline := time.NewTimer(10 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(time.Millisecond)
	defer tick.Stop()
	for a.w.sim.Stats().Refreshes <= base {
		select {
		case <-a.done:
			t.Fatalf("%s exited while the test waited for a refresh: %+v", a.name, a.res)
		case <-deadline.C:
			t.Fatalf("no refresh within 10s to kill %s around", a.name)
		case <-tick.C:
		}
	}
	a.killAfter(d)
}

// storedRefreshToken is the refresh token the keyring holds for username,
// or "" when it holds none; it joins the secrets that must not leak.
func (w *world) storedRefreshToken(username string) string {
	w.t.Helper()
	if len(w.keyringItems()) == 0 {
		return ""
	}
	tok, err := desktop.Keyring.SecretTool(w.ctx(), "", "lookup", "service", keyringService(w.sim.URL()), "username", username)
	if err != nil {
		w.t.Fatal(err)
	}
	w.secrets.addToken("a stored refresh token", tok)
	return tok
}
