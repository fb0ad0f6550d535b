package cli_test

import (
	"context"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/godbus/dbus/v5"

	"biot-agent/internal/dbusname"
	"biot-agent/internal/desktoptest"
	"biot-agent/ipc"
)

// socketLatency is the slowest a status call to the agent may answer while
// its keyring is stuck: the socket never waits for the keyring.
const socketLatency = 2 * time.Second

// TestKeyringThatNeverAnswersCostsNoWaitOnTheSocket starts the real agent on
// a session bus whose Secret Service takes every call and answers none, as
// one waiting for an unlock prompt nobody sees. The socket answers at once
// from the start, status soon says the keyring did not answer and that the
// session is kept in memory, a sign-in works and its tokens flow, and the
// agent still stops cleanly.
func TestKeyringThatNeverAnswersCostsNoWaitOnTheSocket(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
	bus := desktoptest.SessionBus(t)
	desktoptest.NewSilentSecretService(t, bus)
	env := w.with("DBUS_SESSION_BUS_ADDRESS=" + bus.Address)
	w.env = env // every command of this world uses the stuck bus

	begin := time.Now()
	a := w.startAgentWith(env, "run", "--headless", "--url", w.sim.URL())
	if took := time.Since(begin); took > 4*time.Second {
		t.Errorf("the socket first answered %v after start, want at once: the keyring probe must not hold it", took.Round(time.Millisecond))
	}
	watch := a.watchLatency()

	st := a.waitStatus(15*time.Second, "status to report the keyring", func(st ipc.StatusResponse) bool {
		return strings.Contains(st.Store.Problem, "did not answer")
	})
	if st.Store.Kind != "memory" || st.Store.Persistent {
		t.Errorf("with the keyring stuck the store is %+v, want memory, not persistent", st.Store)
	}
	res := w.run("", "status")
	wantExit(t, res, 3, "status, signed out")
	for _, want := range []string{"memory", "keyring did not answer"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("status printed\n%s\nwant it to say %q", res.stdout, want)
		}
	}

	w.mustLogin(ana, anaPW)
	for range 3 {
		w.wantSelf(w.token(), ana)
	}
	watch.check(t)
}

// TestKeyringLockedMidSessionKeepsTokensFlowingFromMemory signs the real
// agent in with a working gnome-keyring, then locks the login keyring, as a
// screen locker does. Every refresh after that rotates the refresh token
// and cannot save it: the agent keeps the session in memory and goes on
// serving fresh tokens, status names the store's problem, and no status
// call waits on the keyring.
func TestKeyringLockedMidSessionKeepsTokensFlowingFromMemory(t *testing.T) {
	t.Parallel()
	cfg := anaSim()
	cfg.AccessTTL = 8 * time.Second // the locked keyring takes seconds to refuse each save
	w := newWorld(t, worldOptions{sim: cfg, desktop: "need"})
	bus := desktoptest.SessionBus(t)
	desktoptest.SecretService(t, bus)
	w.env = w.with("DBUS_SESSION_BUS_ADDRESS=" + bus.Address)
	a := w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
	w.mustLogin(ana, anaPW)
	st, _ := w.status()
	if st.Store.Kind != "secret-service" || st.Store.Problem != "" {
		t.Fatalf("before the lock the store is %+v, want a healthy secret-service", st.Store)
	}

	lockLoginKeyring(t, bus)
	watch := a.watchLatency()
	refreshes := w.sim.Stats().Refreshes
	st = a.waitStatus(30*time.Second, "status to report the locked keyring", func(st ipc.StatusResponse) bool {
		return st.Store.Problem != ""
	})
	t.Logf("store problem: %s", st.Store.Problem)
	if !strings.Contains(st.Store.Problem, "keyring") {
		t.Errorf("the store problem %q does not name the keyring", st.Store.Problem)
	}
	// Two more rotations, saved nowhere but in memory: the tokens still
	// work.
	waitFor(t, 30*time.Second, "two refreshes after the lock", func() bool { return w.sim.Stats().Refreshes >= refreshes+2 })
	w.wantSelf(w.token(), ana)
	st, res := w.status()
	wantExit(t, res, 0, "status with the keyring locked")
	if st.State != ipc.StateSignedIn || st.Store.Problem == "" {
		t.Errorf("with the keyring locked status is %s, store %+v; want signed_in and the store's problem", st.State, st.Store)
	}
	if s := w.sim.Stats(); s.RefreshReuse != 0 || s.RefreshesRejected != 0 {
		t.Errorf("BioT rejected %d refreshes (%d reuses), want none", s.RefreshesRejected, s.RefreshReuse)
	}
	watch.check(t)
}

// lockLoginKeyring locks gnome-keyring's login collection over the bus.
func lockLoginKeyring(t *testing.T, bus *desktoptest.Bus) {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	conn, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	login := dbus.ObjectPath(dbusname.LoginCollectionPath)
	var locked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	err = conn.Object(dbusname.Secrets, dbusname.SecretsPath).
		CallWithContext(ctx, dbusname.SecretService+".Lock", 0, []dbus.ObjectPath{login}).Store(&locked, &prompt)
	if err != nil || len(locked) != 1 {
		t.Fatalf("locking the login keyring: %v (locked %v, prompt %s)", err, locked, prompt)
	}
}

// latencyWatch asks the agent for its status every 50 ms and keeps the
// slowest answer.
type latencyWatch struct {
	cancel context.CancelFunc
	done   chan struct{}

	mu      sync.Mutex
	calls   int
	slowest time.Duration
	errs    []string
}

func (a *agentProc) watchLatency() *latencyWatch {
	ctx, cancel := context.WithCancel(context.Background())
	l := &latencyWatch{cancel: cancel, done: make(chan struct{})}
	c := ipc.NewClient(a.w.socket())
	a.w.t.Cleanup(l.stop)
	go func() {
		defer close(l.done)
		tick := time.NewTicker(50 * time.Millisecond)
		defer tick.Stop()
		for {
			cctx, ccancel := context.WithTimeout(ctx, 10*time.Second)
			begin := time.Now()
			_, err := c.Status(cctx)
			took := time.Since(begin)
			ccancel()
			l.mu.Lock()
			if ctx.Err() == nil {
				l.calls++
				l.slowest = max(l.slowest, took)
				if err != nil {
					l.errs = append(l.errs, err.Error())
				}
			}
			l.mu.Unlock()
			select {
			case <-ctx.Done():
				return
			case <-tick.C:
			}
		}
	}()
	return l
}

func (l *latencyWatch) stop() {
	l.cancel()
	<-l.done
}

// check stops the watch and fails the test if a status call failed or
// waited.
func (l *latencyWatch) check(t *testing.T) {
	t.Helper()
	l.stop()
	l.mu.Lock()
	defer l.mu.Unlock()
	t.Logf("%d status calls, the slowest took %v", l.calls, l.slowest.Round(time.Millisecond))
	if l.slowest > socketLatency {
		t.Errorf("a status call took %v while the keyring was stuck, want under %v", l.slowest.Round(time.Millisecond), socketLatency)
	}
	for _, e := range l.errs {
		t.Errorf("a status call failed: %s", e)
	}
}
