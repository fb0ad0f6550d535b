package cli_test

import (
	"context"
	"os"
	"strconv"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/ipc"
)

// movedLine is what the agent logs, once, when the session it kept in
// memory reaches the keyring.
const movedLine = "session moved from memory into the OS keyring"

// lateKeyringWorld is a world whose session bus has no Secret Service yet:
// the test starts one when it wants.
func lateKeyringWorld(t *testing.T, cfg *biotsim.Options) (*world, *desktoptest.Bus) {
	t.Helper()
	w := newWorld(t, worldOptions{sim: cfg, desktop: "need"})
	bus := desktoptest.SessionBus(t)
	w.env = w.with("DBUS_SESSION_BUS_ADDRESS=" + bus.Address)
	return w, bus
}

// inKeyring waits until status says the session is in the keyring.
func (a *agentProc) inKeyring(what string) ipc.StatusResponse {
	a.w.t.Helper()
	return a.waitStatus(15*time.Second, what, func(st ipc.StatusResponse) bool {
		return st.Store.Kind == "secret-service" && st.Store.Persistent
	})
}

// inMemory waits until status says the session is kept in memory.
func (a *agentProc) inMemory(what string) ipc.StatusResponse {
	a.w.t.Helper()
	return a.waitStatus(15*time.Second, what, func(st ipc.StatusResponse) bool {
		return st.Store.Kind == "memory" && !st.Store.Persistent
	})
}

// storedToken is the refresh token kr holds for username in the world's
// environment, "" for none; it joins the secrets that must not leak.
func (w *world) storedToken(kr *desktoptest.Keyring, username string) string {
	w.t.Helper()
	items, err := kr.Items(w.ctx(), map[string]string{"service": keyringService(w.sim.URL())})
	if err != nil {
		w.t.Fatal(err)
	}
	if len(items) == 0 {
		return ""
	}
	if len(items) > 1 {
		w.t.Errorf("the keyring holds %d items for %s, want one", len(items), w.sim.URL())
	}
	tok, err := kr.SecretTool(w.ctx(), "", "lookup", "service", keyringService(w.sim.URL()), "username", username)
	if err != nil {
		w.t.Fatal(err)
	}
	w.secrets.addToken("a stored refresh token", tok)
	return tok
}

// wantLiveInKeyring fails the test unless kr holds username's live refresh
// token.
func (w *world) wantLiveInKeyring(kr *desktoptest.Keyring, username string) {
	w.t.Helper()
	tok := w.storedToken(kr, username)
	if tok == "" {
		w.t.Fatalf("the keyring holds no session for %s", username)
	}
	if !w.sim.RefreshTokenLive(tok) {
		w.t.Fatalf("the keyring holds a refresh token of %s that BioT rotated out", username)
	}
}

// wantResumedWithoutPassword starts the agent again and checks that it
// serves tokens from the keyring, BioT having seen signIns sign-ins in all.
func (w *world) wantResumedWithoutPassword(signIns int) *agentProc {
	w.t.Helper()
	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	w.wantSelf(w.token(), ana) // a token request waits for the resume
	st, res := w.status()
	wantExit(w.t, res, 0, "status after the restart")
	if st.State != ipc.StateSignedIn || st.Username != ana || st.Store.Kind != "secret-service" {
		w.t.Errorf("after the restart status is %s as %q, store %+v; want signed_in as %s from the secret-service", st.State, st.Username, st.Store, ana)
	}
	if s := w.sim.Stats(); s.ByPath[biotsim.PathLogin] != signIns || s.RefreshReuse != 0 || s.RefreshesRejected != 0 {
		t := w.t
		t.Errorf("BioT saw %d sign-ins, %d refreshes rejected (%d reused); want %d sign-ins and none rejected",
			s.ByPath[biotsim.PathLogin], s.RefreshesRejected, s.RefreshReuse, signIns)
	}
	return a
}

// TestKeyringThatAppearsAfterSignInTakesTheSessionBeforeAKillNine starts
// the real agent on a session bus with no Secret Service, as at a desktop
// login that starts the agent before gnome-keyring. The person signs in:
// the session is kept in memory, and status says so. Then gnome-keyring
// takes its name on the bus: with no refresh or sign-in to save anything,
// the agent moves the session into it at once, logs that in one line, and
// status says the keyring holds it. A kill -9 right then loses nothing:
// the restart resumes signed in without a password.
func TestKeyringThatAppearsAfterSignInTakesTheSessionBeforeAKillNine(t *testing.T) {
	t.Parallel()
	w, bus := lateKeyringWorld(t, anaSim()) // 15-minute tokens: no refresh saves anything here
	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	st := a.inMemory("status to say the session is kept in memory")
	if !strings.Contains(st.Store.Problem, "no Secret Service") {
		t.Errorf("with no keyring the store's problem is %q, want it to say there is no Secret Service", st.Store.Problem)
	}
	w.mustLogin(ana, anaPW)
	w.wantSelf(w.token(), ana)
	st, _ = w.status()
	if st.State != ipc.StateSignedIn || st.Store.Kind != "memory" {
		t.Fatalf("signed in with no keyring, status is %s, store %+v; want signed_in in memory", st.State, st.Store)
	}
	before := w.sim.Stats()

	kr := desktoptest.SecretService(t, bus)
	appeared := time.Now()
	a.inKeyring("the session to move into the keyring that appeared")
	t.Logf("the session was in the keyring %v after gnome-keyring owned its name", time.Since(appeared).Round(time.Millisecond))
	a.killAfter(0)

	if after := w.sim.Stats(); after.Refreshes != before.Refreshes || after.ByPath[biotsim.PathLogin] != 1 {
		t.Errorf("BioT saw %d refreshes and %d sign-ins before the kill, want %d and 1: the keyring's name alone must move the session",
			after.Refreshes, after.ByPath[biotsim.PathLogin], before.Refreshes)
	}
	if n := strings.Count(a.res.stderr, movedLine); n != 1 {
		t.Errorf("the agent logged %q %d times, want once:\n%s", movedLine, n, a.res.stderr)
	}
	w.wantLiveInKeyring(kr, ana)
	w.wantResumedWithoutPassword(1)
}

// TestKeyringDaemonRestartTakesTheSessionSavedMeanwhile signs the real
// agent in with gnome-keyring running, then stops the daemon: the next
// refresh rotates the refresh token and cannot save it, so the agent keeps
// it in memory and status says so. When the daemon starts again (same
// files, unlocked as at a login) the agent moves the live token into it at
// once; a kill -9 then loses nothing.
func TestKeyringDaemonRestartTakesTheSessionSavedMeanwhile(t *testing.T) {
	t.Parallel()
	cfg := anaSim()
	cfg.AccessTTL = 8 * time.Second // a refresh every 6 s or so
	w, bus := lateKeyringWorld(t, cfg)
	kr := desktoptest.SecretService(t, bus)
	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	w.mustLogin(ana, anaPW)
	a.inKeyring("the sign-in to be saved in the keyring")
	w.wantLiveInKeyring(kr, ana)

	if err := kr.Stop(); err != nil {
		t.Fatal(err)
	}
	refreshes := w.sim.Stats().Refreshes
	waitFor(t, 20*time.Second, "a refresh with the keyring gone", func() bool { return w.sim.Stats().Refreshes > refreshes })
	st := a.inMemory("status to say the rotated session is kept in memory")
	t.Logf("store with the daemon gone: %s", st.Store.Problem)
	w.wantSelf(w.token(), ana)

	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := kr.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	a.inKeyring("the session to move into the restarted keyring")
	a.killAfter(0)
	if n := strings.Count(a.res.stderr, movedLine); n != 1 {
		t.Errorf("the agent logged %q %d times, want once:\n%s", movedLine, n, a.res.stderr)
	}
	w.wantLiveInKeyring(kr, ana)
	w.wantResumedWithoutPassword(1)
}

// TestSessionInAKeyringThatAppearsLateIsResumed saves a session in
// gnome-keyring, stops the agent and the keyring, and starts the agent
// again: it finds no keyring and is signed out. When the keyring comes
// back, the agent resumes the saved session on its own, without a password.
func TestSessionInAKeyringThatAppearsLateIsResumed(t *testing.T) {
	t.Parallel()
	w, bus := lateKeyringWorld(t, anaSim())
	kr := desktoptest.SecretService(t, bus)
	first := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	w.mustLogin(ana, anaPW)
	first.inKeyring("the sign-in to be saved in the keyring")
	first.stop()
	if err := kr.Stop(); err != nil {
		t.Fatal(err)
	}

	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	st := a.inMemory("status to say there is no keyring")
	if st.State != ipc.StateSignedOut {
		t.Fatalf("with the keyring gone the agent is %s, want signed_out", st.State)
	}
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := kr.Restart(ctx); err != nil {
		t.Fatal(err)
	}
	st = a.waitStatus(15*time.Second, "the agent to resume the session of the keyring that came back", func(st ipc.StatusResponse) bool {
		return st.State == ipc.StateSignedIn && st.LastRefresh != nil
	})
	if !st.LastRefresh.OK || st.Username != ana || st.Store.Kind != "secret-service" {
		t.Errorf("after the keyring came back status is %+v, want %s signed in from the secret-service", st, ana)
	}
	w.wantSelf(w.token(), ana)
	if s := w.sim.Stats(); s.ByPath[biotsim.PathLogin] != 1 {
		t.Errorf("BioT saw %d sign-ins, want the first one only", s.ByPath[biotsim.PathLogin])
	}
	a.killAfter(0)
	w.wantLiveInKeyring(kr, ana)
	w.wantResumedWithoutPassword(1)
}

// TestWithoutASessionBusTheKeyringIsTriedQuietly runs the real agent
// where there is no session bus at all, as over ssh or on a server: the
// session is kept in memory, status says why, the log says so once (not at
// each of the refreshes, which each try the keyring), and the agent does
// not spin looking for one.
func TestWithoutASessionBusTheKeyringIsTriedQuietly(t *testing.T) {
	t.Parallel()
	cfg := anaSim()
	cfg.AccessTTL = 2 * time.Second // a refresh, and a save, every 1.5 s or so
	w := newWorld(t, worldOptions{sim: cfg})
	w.env = w.with("DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/biot-agent-e2e/no-bus")
	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	w.mustLogin(ana, anaPW)

	cpu0 := cpuTime(t, a.pid())
	refreshes := w.sim.Stats().Refreshes
	waitFor(t, 30*time.Second, "five refreshes", func() bool { return w.sim.Stats().Refreshes >= refreshes+5 })
	used := cpuTime(t, a.pid()) - cpu0
	w.wantSelf(w.token(), ana)
	st, _ := w.status()
	if st.State != ipc.StateSignedIn || st.Store.Kind != "memory" || st.Store.Persistent || !strings.Contains(st.Store.Problem, "D-Bus session bus") {
		t.Errorf("without a bus status is %s, store %+v; want signed_in, in memory because there is no D-Bus session bus", st.State, st.Store)
	}
	res := a.stop()
	var keyringLines []string
	for _, line := range strings.Split(res.stderr, "\n") {
		if strings.Contains(strings.ToLower(line), "keyring") {
			keyringLines = append(keyringLines, line)
		}
	}
	if len(keyringLines) != 1 || !strings.Contains(keyringLines[0], "no OS keyring") {
		t.Errorf("the log speaks of the keyring in %d lines, want one saying there is none:\n%s", len(keyringLines), strings.Join(keyringLines, "\n"))
	}
	// Five refreshes over HTTPS, under the race detector, cost far less
	// than a second of CPU; a loop that looked for a keyring would take
	// the whole time.
	t.Logf("the agent used %v of CPU over five refreshes (%v before them)", used, cpu0)
	if used > 2*time.Second {
		t.Errorf("the agent used %v of CPU over five refreshes, want little: is it looking for a keyring in a loop?", used)
	}
}

// cpuTime is the user and system CPU time process pid has used, read from
// /proc; the test is skipped where there is none.
func cpuTime(t *testing.T, pid int) time.Duration {
	t.Helper()
	b, err := os.ReadFile("/proc/" + strconv.Itoa(pid) + "/stat")
	if err != nil {
		t.Skipf("no /proc to read the agent's CPU time: %v", err)
	}
	// The command name, in parentheses, may hold spaces: count from after it.
	fields := strings.Fields(string(b[strings.LastIndexByte(string(b), ')')+1:]))
	if len(fields) < 13 {
		t.Fatalf("/proc/%d/stat: %d fields after the name", pid, len(fields))
	}
	var ticks int64
	for _, f := range fields[11:13] { // utime, stime: fields 14 and 15 of the line
		n, err := strconv.ParseInt(f, 10, 64)
		if err != nil {
			t.Fatalf("/proc/%d/stat: %v", pid, err)
		}
		ticks += n
	}
	return time.Duration(ticks) * time.Second / 100 // USER_HZ is 100 on Linux
}
