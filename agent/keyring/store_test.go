package keyring

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"runtime"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/desktoptest"

	"github.com/godbus/dbus/v5"
	gokeyring "github.com/zalando/go-keyring"
)

// fixture is a store over the shared private keyring with its own metadata
// file, and an environment URL no other test uses (the keyring is shared).
type fixture struct {
	t       *testing.T
	ctx     context.Context
	desktop *desktoptest.Desktop
	store   agent.Store
	meta    string
	url     string
}

// env is the environment the tests save under unless they name another.
const env = "default"

func newFixture(t *testing.T) *fixture {
	t.Helper()
	d := desktoptest.Shared(t)
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	t.Cleanup(cancel)
	meta := filepath.Join(t.TempDir(), "state", "biot-agent", "sessions.json")
	s, err := Open(ctx, Options{MetadataPath: meta})
	if err != nil {
		t.Fatalf("Open on a working Secret Service: %v", err)
	}
	t.Cleanup(func() { removeItems(meta) })
	return &fixture{t: t, ctx: ctx, desktop: d, store: s, meta: meta, url: envURL(t, "")}
}

// removeItems deletes the keyring items the metadata file at path names:
// the keyring is shared, and a test run again (-count) reuses its URLs.
func removeItems(path string) {
	m, err := readMetadata(path)
	if err != nil {
		return
	}
	for name, e := range m.Sessions {
		_ = gokeyring.Delete(service(name, e.BaseURL), e.Username)
	}
	for url, e := range m.Legacy {
		_ = gokeyring.Delete(legacyService(url), e.Username)
	}
}

// envURL is a base URL unique to the test.
func envURL(t *testing.T, suffix string) string {
	return "https://" + strings.NewReplacer("/", "-", "_", "-").Replace(strings.ToLower(t.Name())) + suffix + ".example.test"
}

// session is user's session of environment name at url.
func session(name, url, user, token string) agent.Session {
	return agent.Session{
		Env:              name,
		BaseURL:          url,
		Username:         user,
		UserID:           "uid-" + user,
		OrganizationID:   "org-1",
		RefreshToken:     token,
		RefreshExpiresAt: time.Date(2031, 5, 6, 7, 8, 9, 0, time.UTC),
	}
}

// key names environment name at url, adopting nothing.
func key(name, url string) agent.Key { return agent.Key{Env: name, URL: url} }

// items lists the keyring items of environment name at url, as a person
// browsing the keyring would see them.
func (f *fixture) items(name, url string) []dbus.ObjectPath {
	f.t.Helper()
	return keyringItems(f.t, f.ctx, f.desktop.Keyring, service(name, url))
}

// keyringItems lists the items of kr whose service is svc.
func keyringItems(t *testing.T, ctx context.Context, kr *desktoptest.Keyring, svc string) []dbus.ObjectPath {
	t.Helper()
	items, err := kr.Items(ctx, map[string]string{"service": svc})
	if err != nil {
		t.Fatal(err)
	}
	return items
}

// secret is what secret-tool reads in the item of svc and user.
func secret(t *testing.T, ctx context.Context, kr *desktoptest.Keyring, svc, user string) string {
	t.Helper()
	out, err := kr.SecretTool(ctx, "", "lookup", "service", svc, "username", user)
	if err != nil {
		t.Fatal(err)
	}
	return out
}

func (f *fixture) save(s agent.Session) {
	f.t.Helper()
	if err := f.store.Save(f.ctx, s); err != nil {
		f.t.Fatalf("Save: %v", err)
	}
}

func (f *fixture) load(k agent.Key) agent.Session {
	f.t.Helper()
	got, err := f.store.Load(f.ctx, k)
	if err != nil {
		f.t.Fatalf("Load(%+v): %v", k, err)
	}
	return got
}

// wantNoSession fails the test unless Load(k) answers ErrNoSession, and
// not for a keyring that did not answer.
func (f *fixture) wantNoSession(k agent.Key, why string) {
	f.t.Helper()
	_, err := f.store.Load(f.ctx, k)
	var timeout *TimeoutError
	if !errors.Is(err, agent.ErrNoSession) || errors.As(err, &timeout) {
		f.t.Errorf("Load(%+v) %s: %v, want ErrNoSession", k, why, err)
	}
}

func sameSession(t *testing.T, got, want agent.Session) {
	t.Helper()
	if !got.RefreshExpiresAt.Equal(want.RefreshExpiresAt) {
		t.Errorf("refresh expiry = %v, want %v", got.RefreshExpiresAt, want.RefreshExpiresAt)
	}
	got.RefreshExpiresAt, want.RefreshExpiresAt = time.Time{}, time.Time{}
	if got != want {
		t.Errorf("loaded %+v, want %+v", got, want)
	}
}

func TestSaveThenLoadGivesTheSessionBack(t *testing.T) {
	f := newFixture(t)
	want := session(env, f.url, "ann@example.com", "refresh-1")
	f.save(want)
	sameSession(t, f.load(key(env, f.url)), want)

	wantKind := map[string]string{"linux": "secret-service", "darwin": "keychain", "windows": "wincred"}[runtime.GOOS]
	if info := f.store.Info(); info != (agent.StoreInfo{Kind: wantKind, Persistent: true}) {
		t.Errorf("Info = %+v, want a healthy persistent %s", info, wantKind)
	}
}

func TestSaveUpdatesTheKeyringItemInPlace(t *testing.T) {
	f := newFixture(t)
	f.save(session(env, f.url, "ann", "refresh-1"))
	before := f.items(env, f.url)
	f.save(session(env, f.url, "ann", "refresh-2"))
	after := f.items(env, f.url)

	if len(after) != 1 || len(before) != 1 || after[0] != before[0] {
		t.Errorf("items before %v, after %v: want the one same item", before, after)
	}
	if got := f.load(key(env, f.url)).RefreshToken; got != "refresh-2" {
		t.Errorf("loaded token %q, want the rotated one", got)
	}
	out, err := f.desktop.Keyring.SecretTool(f.ctx, "", "lookup", "service", service(env, f.url), "username", "ann")
	if err != nil {
		t.Fatal(err)
	}
	if out != "refresh-2" {
		t.Errorf("secret-tool sees a different secret than the one saved last")
	}
}

func TestSaveForAnotherUserReplacesThePrevious(t *testing.T) {
	f := newFixture(t)
	f.save(session(env, f.url, "ann", "refresh-ann"))
	f.save(session(env, f.url, "bob", "refresh-bob"))

	if items := f.items(env, f.url); len(items) != 1 {
		t.Errorf("the environment has %d items, want 1", len(items))
	}
	if got := f.load(key(env, f.url)); got.Username != "bob" || got.RefreshToken != "refresh-bob" {
		t.Errorf("loaded %s, want bob's session", got.Username)
	}
}

func TestDeleteForgetsTheSession(t *testing.T) {
	f := newFixture(t)
	f.save(session(env, f.url, "ann", "refresh-1"))
	if err := f.store.Delete(f.ctx, env); err != nil {
		t.Fatal(err)
	}
	if items := f.items(env, f.url); len(items) != 0 {
		t.Errorf("items after Delete = %v, want none", items)
	}
	if _, err := f.store.Load(f.ctx, key(env, f.url)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load after Delete: %v, want ErrNoSession", err)
	}
	if err := f.store.Delete(f.ctx, env); err != nil {
		t.Errorf("Delete with nothing stored: %v, want nil", err)
	}
}

func TestEnvironmentsAreKeptApart(t *testing.T) {
	f := newFixture(t)
	prod, staging := envURL(t, "-prod"), envURL(t, "-staging")
	f.save(session("prod", prod, "ann", "refresh-prod"))
	f.save(session("staging", staging, "ann", "refresh-staging"))

	if got := f.load(key("prod", prod)).RefreshToken; got != "refresh-prod" {
		t.Errorf("prod token = %q", got)
	}
	if got := f.load(key("staging", staging)).RefreshToken; got != "refresh-staging" {
		t.Errorf("staging token = %q", got)
	}
	if err := f.store.Delete(f.ctx, "prod"); err != nil {
		t.Fatal(err)
	}
	if got := f.load(key("staging", staging)).RefreshToken; got != "refresh-staging" {
		t.Errorf("staging token after deleting prod = %q", got)
	}
	if _, err := f.store.Load(f.ctx, key("prod", prod)); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("prod after Delete: %v, want ErrNoSession", err)
	}
}

func TestTrailingSlashIsTheSameEnvironment(t *testing.T) {
	f := newFixture(t)
	f.save(session(env, f.url+"/", "ann", "refresh-1"))
	if got := f.load(key(env, f.url)); got.RefreshToken != "refresh-1" || got.BaseURL != f.url {
		t.Errorf("loaded %q at %q", got.RefreshToken, got.BaseURL)
	}
}

func TestItemDeletedByThePersonIsNoSession(t *testing.T) {
	f := newFixture(t)
	f.save(session(env, f.url, "ann", "refresh-1"))
	if _, err := f.desktop.Keyring.SecretTool(f.ctx, "", "clear", "service", service(env, f.url), "username", "ann"); err != nil {
		t.Fatal(err)
	}
	_, err := f.store.Load(f.ctx, key(env, f.url))
	var timeout *TimeoutError
	if !errors.Is(err, agent.ErrNoSession) || errors.As(err, &timeout) {
		t.Errorf("Load with the item gone: %v, want ErrNoSession", err)
	}
	if p := f.store.Info().Problem; p != "" {
		t.Errorf("a missing item is not a keyring problem, got %q", p)
	}
}

func TestMetadataFileHoldsNoToken(t *testing.T) {
	f := newFixture(t)
	const token = "refresh-token-that-must-stay-in-the-keyring"
	f.save(session(env, f.url, "ann", token))

	b, err := os.ReadFile(f.meta)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Contains(string(b), token) {
		t.Fatal("the metadata file holds the refresh token")
	}
	if !strings.Contains(string(b), "ann") || !strings.Contains(string(b), f.url) {
		t.Errorf("the metadata file lacks the username or base URL:\n%s", b)
	}
	if runtime.GOOS != "windows" {
		for path, want := range map[string]os.FileMode{f.meta: 0o600, filepath.Dir(f.meta): 0o700} {
			st, err := os.Stat(path)
			if err != nil {
				t.Fatal(err)
			}
			if got := st.Mode().Perm(); got != want {
				t.Errorf("%s has mode %o, want %o", path, got, want)
			}
		}
	}
	entries, err := os.ReadDir(filepath.Dir(f.meta))
	if err != nil {
		t.Fatal(err)
	}
	if len(entries) != 1 {
		t.Errorf("the state folder holds %d files, want only sessions.json (no temp file left)", len(entries))
	}
}

func TestLastBaseURLFollowsSaves(t *testing.T) {
	f := newFixture(t)
	a, b := envURL(t, "-a"), envURL(t, "-b")
	steps := []struct {
		name string
		do   func() error
		want string
	}{
		{"nothing saved yet", func() error { return nil }, ""},
		{"after saving a", func() error { return f.store.Save(f.ctx, session("a", a, "ann", "t-a")) }, a},
		{"after saving b", func() error { return f.store.Save(f.ctx, session("b", b, "ann", "t-b")) }, b},
		{"after saving a again", func() error { return f.store.Save(f.ctx, session("a", a, "ann", "t-a2")) }, a},
		{"after deleting a, a stays the place to sign in", func() error { return f.store.Delete(f.ctx, "a") }, a},
	}
	for _, st := range steps {
		if err := st.do(); err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		got, err := LastBaseURL(f.meta)
		if err != nil {
			t.Fatalf("%s: %v", st.name, err)
		}
		if got != st.want {
			t.Errorf("%s: LastBaseURL = %q, want %q", st.name, got, st.want)
		}
	}
}

func TestTokenSizeLimit(t *testing.T) {
	f := newFixture(t)
	tests := []struct {
		name    string
		size    int
		wantErr error
	}{
		{"the Windows maximum is saved", MaxTokenBytes, nil},
		{"one byte more is refused", MaxTokenBytes + 1, ErrTokenTooLarge},
	}
	for i, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			url := envURL(t, string(rune('a'+i)))
			s := session(env, url, "ann", strings.Repeat("x", tt.size))
			err := f.store.Save(f.ctx, s)
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Save: %v, want %v", err, tt.wantErr)
			}
			if tt.wantErr != nil {
				if len(f.items(env, url)) != 0 {
					t.Error("a refused token reached the keyring")
				}
				return
			}
			if got := f.load(key(env, url)).RefreshToken; got != s.RefreshToken {
				t.Errorf("loaded a token of %d bytes, want %d", len(got), tt.size)
			}
		})
	}
}

func TestProblemShowsUntilTheNextSuccess(t *testing.T) {
	f := newFixture(t)
	// A file where the state folder should be makes the metadata unwritable,
	// even for root.
	dir := filepath.Dir(f.meta)
	if err := os.MkdirAll(filepath.Dir(dir), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(dir, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Save(f.ctx, session(env, f.url, "ann", "refresh-1")); err == nil {
		t.Fatal("Save succeeded without a metadata folder")
	}
	if p := f.store.Info().Problem; !strings.Contains(p, "could not save the session") {
		t.Errorf("Problem after a failed save = %q", p)
	}

	if err := os.Remove(dir); err != nil {
		t.Fatal(err)
	}
	f.save(session(env, f.url, "ann", "refresh-1"))
	if p := f.store.Info().Problem; p != "" {
		t.Errorf("Problem after a good save = %q, want none", p)
	}
}

func TestCorruptMetadataIsReplacedBySave(t *testing.T) {
	f := newFixture(t)
	if err := os.MkdirAll(filepath.Dir(f.meta), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(f.meta, []byte("{not json"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.Load(f.ctx, key(env, f.url)); err == nil || errors.Is(err, agent.ErrNoSession) {
		t.Errorf("Load over a corrupt file: %v, want a read error", err)
	}
	f.save(session(env, f.url, "ann", "refresh-1"))
	if got := f.load(key(env, f.url)).RefreshToken; got != "refresh-1" {
		t.Errorf("token after replacing the corrupt file = %q", got)
	}
}
