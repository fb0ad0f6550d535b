package keyring

import (
	"context"
	"errors"
	"log/slog"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"
)

// movedLine is what a Fallback logs when the sessions it kept in memory
// reach the keyring.
const movedLine = "session moved from memory into the OS keyring"

// fallbackFixture is a Fallback with its own metadata file, and its log.
type fallbackFixture struct {
	t    *testing.T
	ctx  context.Context
	f    *Fallback
	meta string
	log  *testkit.SyncBuffer
	url  string
}

func newFallbackFixture(t *testing.T, meta string) *fallbackFixture {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	t.Cleanup(cancel)
	log := &testkit.SyncBuffer{}
	f, err := NewFallback(Options{MetadataPath: meta}, slog.New(slog.NewTextHandler(log, nil)))
	if err != nil {
		t.Fatal(err)
	}
	return &fallbackFixture{t: t, ctx: ctx, f: f, meta: meta, log: log, url: envURL(t, "")}
}

func (x *fallbackFixture) save(token string) {
	x.t.Helper()
	if err := x.f.Save(x.ctx, session(env, x.url, "ann", token)); err != nil {
		x.t.Fatalf("Save: %v, want nil: a session the keyring does not take stays in memory", err)
	}
}

// wantToken fails the test unless Load gives the session with token.
func (x *fallbackFixture) wantToken(token string) {
	x.t.Helper()
	got, err := x.f.Load(x.ctx, key(env, x.url))
	if err != nil || got.RefreshToken != token {
		x.t.Fatalf("Load = %q, %v; want %q", got.RefreshToken, err, token)
	}
}

// wantStore fails the test unless Info names kind (and, for memory, a
// problem holding why).
func (x *fallbackFixture) wantStore(kind, why string) {
	x.t.Helper()
	info := x.f.Info()
	persistent := kind != "memory" && kind != "opening"
	if info.Kind != kind || info.Persistent != persistent || !strings.Contains(info.Problem, why) {
		x.t.Fatalf("Info = %+v, want %s (persistent %v) with a problem saying %q", info, kind, persistent, why)
	}
}

// wantLogged fails the test unless the log holds n lines with each of want.
func (x *fallbackFixture) wantLogged(n int, want ...string) {
	x.t.Helper()
	got := 0
	for _, line := range strings.Split(x.log.String(), "\n") {
		all := line != ""
		for _, w := range want {
			all = all && strings.Contains(line, w)
		}
		if all {
			got++
		}
	}
	if got != n {
		x.t.Errorf("the log holds %d lines with %q, want %d:\n%s", got, want, n, x.log)
	}
}

func TestFallbackOverAWorkingKeyringIsTheKeyring(t *testing.T) {
	d := desktoptest.Shared(t)
	x := newFallbackFixture(t, filepath.Join(t.TempDir(), "sessions.json"))
	x.wantStore("opening", "has not answered yet")
	back, err := x.f.Retry(x.ctx)
	if err != nil || back {
		t.Fatalf("Retry on a working keyring = %v, %v; want false, nil", back, err)
	}
	x.wantStore("secret-service", "")

	x.save("refresh-1")
	x.save("refresh-2")
	x.wantToken("refresh-2")
	if out, err := d.Keyring.SecretTool(x.ctx, "", "lookup", "service", service(env, x.url), "username", "ann"); err != nil || out != "refresh-2" {
		t.Errorf("the keyring item holds another token than the one saved last (%v)", err)
	}
	if last, err := LastBaseURL(x.meta); err != nil || last != x.url {
		t.Errorf("LastBaseURL = %q, %v; want %q", last, err, x.url)
	}
	if err := x.f.Delete(x.ctx, env); err != nil {
		t.Fatal(err)
	}
	if _, err := x.f.Load(x.ctx, key(env, x.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load after Delete: %v, want ErrNoSession", err)
	}
	if items, err := d.Keyring.Items(x.ctx, map[string]string{"service": service(env, x.url)}); err != nil || len(items) != 0 {
		t.Errorf("keyring items after Delete: %v, %v; want none", items, err)
	}
	if big := session(env, x.url, "ann", strings.Repeat("x", MaxTokenBytes+1)); !errors.Is(x.f.Save(x.ctx, big), ErrTokenTooLarge) {
		t.Error("Save of a too large token did not fail with ErrTokenTooLarge")
	}
	x.wantStore("secret-service", "")
	if s := x.log.String(); s != "" {
		t.Errorf("a keyring that answers all along is no news, yet the log says:\n%s", s)
	}
}

// TestFallbackKeepsInMemoryWhatTheKeyringCannotTake makes the keyring
// refuse saves (its metadata cannot be written) for a while: every save
// succeeds, memory holds the newest session, Info says memory and why, and
// the log says so once. Once the keyring can take it, Retry moves the
// newest session into it, and the log says so once.
func TestFallbackKeepsInMemoryWhatTheKeyringCannotTake(t *testing.T) {
	desktoptest.Shared(t)
	dir := filepath.Join(t.TempDir(), "state")
	x := newFallbackFixture(t, filepath.Join(dir, "sessions.json"))
	if _, err := x.f.Retry(x.ctx); err != nil {
		t.Fatal(err)
	}
	// A file where the state folder should be: no metadata can be written.
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	for _, tok := range []string{"refresh-1", "refresh-2", "refresh-3"} {
		x.save(tok)
	}
	x.wantToken("refresh-3")
	x.wantStore("memory", "could not save the session")
	x.wantLogged(1, "WARN", "kept in memory")

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	back, err := x.f.Retry(x.ctx)
	if err != nil || !back {
		t.Fatalf("Retry once the keyring can take the session = %v, %v; want true, nil", back, err)
	}
	x.wantStore("secret-service", "")
	x.wantLogged(1, "INFO", movedLine, "sessions=1")

	// What a restart finds.
	y := newFallbackFixture(t, x.meta)
	if _, err := y.f.Retry(y.ctx); err != nil {
		t.Fatal(err)
	}
	y.wantToken("refresh-3")
	if err := y.f.Delete(y.ctx, env); err != nil {
		t.Fatal(err)
	}
}

// TestFallbackWithALateKeyring runs TestFallbackWithALateKeyringChild in a
// process of its own, whose session bus comes late and gets its Secret
// Service later still.
func TestFallbackWithALateKeyring(t *testing.T) {
	runChild(t, "TestFallbackWithALateKeyringChild")
}

func TestFallbackWithALateKeyringChild(t *testing.T) {
	inChild(t)
	x := newFallbackFixture(t, filepath.Join(t.TempDir(), "sessions.json"))
	const fast = DefaultTimeout / 2 // failing for want of a bus takes milliseconds

	// No bus at all: memory, said once, and every save is quick.
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if back, err := x.f.Retry(x.ctx); err == nil || back || !strings.Contains(err.Error(), "D-Bus session bus") {
		t.Fatalf("Retry with no bus = %v, %v; want false and a reason naming the bus", back, err)
	}
	x.wantStore("memory", "D-Bus session bus")
	if _, err := x.f.Load(x.ctx, key(env, x.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load with no bus and nothing saved: %v, want ErrNoSession", err)
	}
	for _, tok := range []string{"refresh-1", "refresh-2"} {
		begin := time.Now()
		x.save(tok)
		if took := time.Since(begin); took > fast {
			t.Errorf("a save with no bus took %v, want at once", took)
		}
	}
	x.wantToken("refresh-2")

	// A bus with no Secret Service on it yet.
	bus := desktoptest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	x.save("refresh-3")
	x.wantStore("memory", "no Secret Service")
	x.wantLogged(1, "WARN")

	// The Secret Service appears: Retry moves the newest session into it.
	kr := desktoptest.SecretService(t, bus)
	back, err := x.f.Retry(x.ctx)
	if err != nil || !back {
		t.Fatalf("Retry once the keyring is there = %v, %v; want true, nil", back, err)
	}
	x.wantStore("secret-service", "")
	x.wantLogged(1, "INFO", movedLine, "sessions=1")
	if out, err := kr.SecretTool(x.ctx, "", "lookup", "service", service(env, x.url), "username", "ann"); err != nil || out != "refresh-3" {
		t.Fatalf("the keyring does not hold the newest session (%v)", err)
	}
	if back, err := x.f.Retry(x.ctx); err != nil || back {
		t.Errorf("Retry with the keyring answering and nothing to move = %v, %v; want false, nil", back, err)
	}
	restarted := newFallbackFixture(t, x.meta)
	restarted.wantToken("refresh-3")

	// The daemon stops: a rotation is kept in memory; a sign-out cannot
	// reach the keyring, says so, and is carried out when it answers again.
	if err := kr.Stop(); err != nil {
		t.Fatal(err)
	}
	x.save("refresh-4")
	x.wantStore("memory", "no Secret Service")
	x.wantLogged(2, "WARN")
	if err := x.f.Delete(x.ctx, env); err == nil {
		t.Error("Delete with the keyring gone and a session in it = nil, want the reason")
	}
	if _, err := x.f.Load(x.ctx, key(env, x.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load after a Delete that waits for the keyring: %v, want ErrNoSession", err)
	}
	if err := kr.Restart(x.ctx); err != nil {
		t.Fatal(err)
	}
	if back, err := x.f.Retry(x.ctx); err != nil || !back {
		t.Fatalf("Retry once the keyring is back = %v, %v; want true, nil", back, err)
	}
	items, err := kr.Items(x.ctx, map[string]string{"service": service(env, x.url)})
	if err != nil || len(items) != 0 {
		t.Errorf("keyring items once the sign-out reached it: %v, %v; want none", items, err)
	}
	if _, err := restarted.f.Load(x.ctx, key(env, x.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("a restart after the sign-out loads %v, want ErrNoSession", err)
	}
	x.wantLogged(1, "INFO", movedLine)
	x.wantLogged(1, "INFO", "answers")
}

// TestFallbackNewestSessionWinsOverRacingRetries saves rotation after
// rotation, one at a time as the agent does, while retries come from
// another goroutine, as from the bus watch, and the keyring refuses every
// save for the first half: the keyring ends with the newest session.
func TestFallbackNewestSessionWinsOverRacingRetries(t *testing.T) {
	d := desktoptest.Shared(t)
	dir := filepath.Join(t.TempDir(), "state")
	x := newFallbackFixture(t, filepath.Join(dir, "sessions.json"))
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	const saves = 40
	stop := make(chan struct{})
	retried := make(chan int)
	go func() {
		n := 0
		defer func() { retried <- n }()
		for {
			select {
			case <-stop:
				return
			default:
			}
			_, _ = x.f.Retry(x.ctx)
			n++
		}
	}()
	for i := 1; i <= saves; i++ {
		if i == saves/2 {
			if err := os.Remove(dir); err != nil {
				t.Fatal(err)
			}
		}
		x.save("refresh-" + strconv.Itoa(i))
	}
	close(stop)
	t.Logf("%d retries raced %d saves", <-retried, saves)
	want := "refresh-" + strconv.Itoa(saves)
	x.wantStore("secret-service", "")
	x.wantToken(want)
	if out, err := d.Keyring.SecretTool(x.ctx, "", "lookup", "service", service(env, x.url), "username", "ann"); err != nil || out != want {
		t.Errorf("the keyring holds another token than the newest (%v)", err)
	}
	if err := x.f.Delete(x.ctx, env); err != nil {
		t.Fatal(err)
	}
}

// TestFallbackAdoptsThePreviousReleasesSession: the Fallback's Load is the
// keyring store's, adoption included.
func TestFallbackAdoptsThePreviousReleasesSession(t *testing.T) {
	d := desktoptest.Shared(t)
	x := newFallbackFixture(t, filepath.Join(t.TempDir(), "sessions.json"))
	writePrevious(t, x.meta, x.url, previous{x.url, "ann", "refresh-old"})
	if _, err := x.f.Load(x.ctx, key(env, x.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load without Adopt: %v, want ErrNoSession", err)
	}
	got, err := x.f.Load(x.ctx, agent.Key{Env: env, URL: x.url, Adopt: true})
	if err != nil || got.RefreshToken != "refresh-old" || got.Env != env {
		t.Fatalf("adopting Load = %+v, %v; want the previous release's session under %s", got, err, env)
	}
	if items := keyringItems(t, x.ctx, d.Keyring, oldService(x.url)); len(items) != 0 {
		t.Errorf("the previous release's item outlived the adoption: %v", items)
	}
	x.wantToken("refresh-old")
	if err := x.f.Delete(x.ctx, env); err != nil {
		t.Fatal(err)
	}
}

// TestFallbackWithALateKeyringAndTwoEnvironments runs
// TestFallbackWithALateKeyringAndTwoEnvironmentsChild in a process of its
// own, whose session bus comes late and gets its Secret Service later
// still.
func TestFallbackWithALateKeyringAndTwoEnvironments(t *testing.T) {
	runChild(t, "TestFallbackWithALateKeyringAndTwoEnvironmentsChild")
}

// TestFallbackWithALateKeyringAndTwoEnvironmentsChild holds two
// environments on one URL (two accounts) in memory until the keyring comes,
// then moves both; while the keyring is away again, one is rotated, the
// other signed out of and a third saved, and each change reaches the
// keyring when it answers.
func TestFallbackWithALateKeyringAndTwoEnvironmentsChild(t *testing.T) {
	inChild(t)
	x := newFallbackFixture(t, filepath.Join(t.TempDir(), "sessions.json"))
	prodURL := envURL(t, "-prod")
	save := func(s agent.Session) {
		t.Helper()
		if err := x.f.Save(x.ctx, s); err != nil {
			t.Fatalf("Save of %s: %v, want nil", s.Env, err)
		}
	}
	wantToken := func(f *Fallback, k agent.Key, token string) {
		t.Helper()
		got, err := f.Load(x.ctx, k)
		switch {
		case token == "" && !errors.Is(err, agent.ErrNoSession):
			t.Errorf("Load(%+v) = %q, %v; want ErrNoSession", k, got.RefreshToken, err)
		case token != "" && (err != nil || got.RefreshToken != token || got.Env != k.Env):
			t.Errorf("Load(%+v) = %s %q, %v; want %q", k, got.Env, got.RefreshToken, err, token)
		}
	}

	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(t.TempDir(), "no-bus"))
	if _, err := x.f.Retry(x.ctx); err == nil {
		t.Fatal("Retry with no bus = nil, want the reason")
	}
	save(session("dev", x.url, "ann", "dev-1"))
	save(session("dev-qa", x.url, "bob", "qa-1"))
	x.wantStore("memory", "D-Bus session bus")
	wantToken(x.f, key("dev", x.url), "dev-1")
	wantToken(x.f, key("dev-qa", x.url), "qa-1")
	wantToken(x.f, key("dev", prodURL), "")

	bus := desktoptest.SessionBus(t)
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", bus.Address)
	kr := desktoptest.SecretService(t, bus)
	if back, err := x.f.Retry(x.ctx); err != nil || !back {
		t.Fatalf("Retry once the keyring is there = %v, %v; want true, nil", back, err)
	}
	x.wantStore("secret-service", "")
	x.wantLogged(1, "INFO", movedLine, "sessions=2")
	for _, s := range []struct{ env, user, token string }{{"dev", "ann", "dev-1"}, {"dev-qa", "bob", "qa-1"}} {
		if got := secret(t, x.ctx, kr, service(s.env, x.url), s.user); got != s.token {
			t.Errorf("the keyring item of %s holds another token than %q", s.env, s.token)
		}
	}
	restarted := newFallbackFixture(t, x.meta)
	wantToken(restarted.f, key("dev", x.url), "dev-1")
	wantToken(restarted.f, key("dev-qa", x.url), "qa-1")

	// The keyring goes away: a rotation, a sign-out and a new environment
	// wait in memory.
	if err := kr.Stop(); err != nil {
		t.Fatal(err)
	}
	save(session("dev", x.url, "ann", "dev-2"))
	if err := x.f.Delete(x.ctx, "dev-qa"); err == nil {
		t.Error("Delete of dev-qa with the keyring gone = nil, want the reason")
	}
	save(session("prod", prodURL, "ann", "prod-1"))
	x.wantStore("memory", "no Secret Service")
	wantToken(x.f, key("dev", x.url), "dev-2")
	wantToken(x.f, key("dev-qa", x.url), "")
	wantToken(x.f, key("prod", prodURL), "prod-1")

	if err := kr.Restart(x.ctx); err != nil {
		t.Fatal(err)
	}
	if back, err := x.f.Retry(x.ctx); err != nil || !back {
		t.Fatalf("Retry once the keyring is back = %v, %v; want true, nil", back, err)
	}
	x.wantLogged(2, "INFO", movedLine, "sessions=2")
	if items := keyringItems(t, x.ctx, kr, service("dev-qa", x.url)); len(items) != 0 {
		t.Errorf("dev-qa's items once the sign-out reached the keyring: %v, want none", items)
	}
	if got := secret(t, x.ctx, kr, service("dev", x.url), "ann"); got != "dev-2" {
		t.Error("dev's item does not hold the rotation made while the keyring was away")
	}
	again := newFallbackFixture(t, x.meta)
	wantToken(again.f, key("dev", x.url), "dev-2")
	wantToken(again.f, key("dev-qa", x.url), "")
	wantToken(again.f, key("prod", prodURL), "prod-1")
	if last, err := LastBaseURL(x.meta); err != nil || last != prodURL {
		t.Errorf("LastBaseURL = %q, %v; want %q, saved last", last, err, prodURL)
	}
}
