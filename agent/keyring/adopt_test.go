package keyring

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"biot-agent/agent"

	gokeyring "github.com/zalando/go-keyring"
)

// previous is a session as the release before named environments saved it.
type previous struct{ url, user, token string }

// oldService is that release's keyring service, spelled here as it did,
// apart from the package's own legacyService.
func oldService(url string) string { return "biot-agent " + url }

// writePrevious writes what the previous release left: for each session a
// keyring item (go-keyring, service "biot-agent <URL>", the username as
// user), unless its token is "", and a version 1 metadata file, byte for
// byte as that release wrote it, with last as its last saved URL.
func writePrevious(t *testing.T, path, last string, sessions ...previous) {
	t.Helper()
	entries := make([]string, 0, len(sessions))
	for _, s := range sessions {
		entries = append(entries, fmt.Sprintf(`    %q: {
      "baseURL": %q,
      "username": %q,
      "userId": "uid-%s",
      "organizationId": "org-1",
      "refreshExpiresAt": "2031-05-06T07:08:09Z"
    }`, s.url, s.url, s.user, s.user))
		if s.token == "" {
			continue
		}
		if err := gokeyring.Set(oldService(s.url), s.user, s.token); err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { _ = gokeyring.Delete(oldService(s.url), s.user) })
	}
	file := fmt.Sprintf("{\n  \"version\": 1,\n  \"last\": %q,\n  \"sessions\": {\n%s\n  }\n}\n", last, strings.Join(entries, ",\n"))
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(file), 0o600); err != nil {
		t.Fatal(err)
	}
}

func adopting(name, url string) agent.Key { return agent.Key{Env: name, URL: url, Adopt: true} }

// wantMetadata fails the test unless the metadata file holds the sessions
// of envs and the legacy entries of legacy, no more.
func (f *fixture) wantMetadata(envs, legacy []string) {
	f.t.Helper()
	d := readOnDisk(f.t, f.meta)
	if len(d.Sessions) != len(envs) || len(d.Legacy) != len(legacy) {
		f.t.Errorf("metadata has sessions %v and legacy %v, want %v and %v", d.Sessions, d.Legacy, envs, legacy)
	}
	for _, e := range envs {
		if _, ok := d.Sessions[e]; !ok {
			f.t.Errorf("metadata lacks the session of %s", e)
		}
	}
	for _, u := range legacy {
		if _, ok := d.Legacy[u]; !ok {
			f.t.Errorf("metadata lacks the legacy session of %s", u)
		}
	}
}

// TestPreviousReleasesSessionIsAdoptedOnce starts from what the previous
// release left: two sessions, at a and b. Nothing but an adopting Load of
// a's environment touches a's; it takes it over once, with its token and
// everything the file said, and the old item and entry are gone after.
func TestPreviousReleasesSessionIsAdoptedOnce(t *testing.T) {
	f := newFixture(t)
	a, b, c := envURL(t, "-a"), envURL(t, "-b"), envURL(t, "-c")
	writePrevious(t, f.meta, b, previous{a, "ann", "refresh-a"}, previous{b, "bob", "refresh-b"})
	before, err := os.ReadFile(f.meta)
	if err != nil {
		t.Fatal(err)
	}

	if got, err := LastBaseURL(f.meta); err != nil || got != b {
		t.Errorf("LastBaseURL over the previous release's file = %q, %v; want %q", got, err, b)
	}
	f.wantNoSession(key("dev", a), "without Adopt")
	f.wantNoSession(adopting("dev", c), "adopting a URL the previous release did not save")
	if after, err := os.ReadFile(f.meta); err != nil || !bytes.Equal(before, after) {
		t.Errorf("a Load that adopts nothing changed the file (%v):\n%s", err, after)
	}

	// A save of this release keeps the previous release's sessions.
	f.save(session("prod", c, "carl", "refresh-c"))
	f.wantMetadata([]string{"prod"}, []string{a, b})
	if d := readOnDisk(t, f.meta); d.Version != 2 {
		t.Errorf("the file has version %d after a save, want 2", d.Version)
	}

	want := session("dev", a, "ann", "refresh-a")
	sameSession(t, f.load(adopting("dev", a)), want)
	if items := keyringItems(t, f.ctx, f.desktop.Keyring, oldService(a)); len(items) != 0 {
		t.Errorf("the previous release's item is still there after its adoption: %v", items)
	}
	if got := secret(t, f.ctx, f.desktop.Keyring, service("dev", a), "ann"); got != "refresh-a" {
		t.Error("dev's item does not hold the adopted token")
	}
	f.wantMetadata([]string{"prod", "dev"}, []string{b})
	if p := f.store.Info().Problem; p != "" {
		t.Errorf("Problem after an adoption = %q, want none", p)
	}

	// Once only: another environment finds nothing left; dev's is its own.
	f.wantNoSession(adopting("dev-qa", a), "once dev adopted it")
	sameSession(t, f.load(adopting("dev", a)), want)
	sameSession(t, f.load(key("dev", a)), want)

	// b's, which nobody adopted, is as the previous release left it.
	if got := secret(t, f.ctx, f.desktop.Keyring, oldService(b), "bob"); got != "refresh-b" {
		t.Error("the previous release's item of b changed")
	}
	f.wantMetadata([]string{"prod", "dev"}, []string{b})
	if got, err := LastBaseURL(f.meta); err != nil || got != c {
		t.Errorf("LastBaseURL after this release saved = %q, %v; want %q", got, err, c)
	}
}

func TestAdoptionOfAnItemThePersonDeletedIsNoSession(t *testing.T) {
	f := newFixture(t)
	writePrevious(t, f.meta, f.url, previous{f.url, "ann", ""})
	f.wantNoSession(adopting(env, f.url), "with the previous release's item gone")
	f.wantMetadata(nil, nil)
	if got, err := LastBaseURL(f.meta); err != nil || got != f.url {
		t.Errorf("LastBaseURL = %q, %v; want %q: it stays the place to sign in", got, err, f.url)
	}
	if p := f.store.Info().Problem; p != "" {
		t.Errorf("a missing item is not a keyring problem, got %q", p)
	}
}

// TestInterruptedAdoptionEndsAtTheNextAdoptingLoad starts where an adoption
// stopped after saving the environment's session (a crash, or a keyring
// that failed to delete the old item): the old item and entry go at the
// next adopting Load, not before, and the old session is never adopted
// again, even after a sign-out.
func TestInterruptedAdoptionEndsAtTheNextAdoptingLoad(t *testing.T) {
	tests := []struct {
		name    string
		signOut bool
		want    string // the adopting Load's token, "" for ErrNoSession
	}{
		{"the environment's own session is answered", false, "refresh-new"},
		{"after a sign-out nothing is", true, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f := newFixture(t)
			writePrevious(t, f.meta, f.url, previous{f.url, "ann", "refresh-old"})
			m, err := readMetadata(f.meta)
			if err != nil {
				t.Fatal(err)
			}
			if err := gokeyring.Set(service(env, f.url), "ann", "refresh-new"); err != nil {
				t.Fatal(err)
			}
			adopted := m.Legacy[f.url]
			adopted.Env = env
			m.Sessions[env], m.Legacy[f.url] = adopted, adopted
			if err := writeMetadata(f.meta, m); err != nil {
				t.Fatal(err)
			}

			if got := f.load(key(env, f.url)).RefreshToken; got != "refresh-new" {
				t.Errorf("Load = %q, want the environment's own token", got)
			}
			f.wantMetadata([]string{env}, []string{f.url})
			if tt.signOut {
				if err := f.store.Delete(f.ctx, env); err != nil {
					t.Fatal(err)
				}
				f.wantMetadata(nil, []string{f.url})
			}

			got, err := f.store.Load(f.ctx, adopting(env, f.url))
			switch {
			case tt.want == "" && !errors.Is(err, agent.ErrNoSession):
				t.Errorf("adopting Load = %q, %v; want ErrNoSession", got.RefreshToken, err)
			case tt.want != "" && (err != nil || got.RefreshToken != tt.want):
				t.Errorf("adopting Load = %q, %v; want %q", got.RefreshToken, err, tt.want)
			}
			if tt.want == "" {
				f.wantMetadata(nil, nil)
			} else {
				f.wantMetadata([]string{env}, nil)
			}
			if items := keyringItems(t, f.ctx, f.desktop.Keyring, oldService(f.url)); len(items) != 0 {
				t.Errorf("the previous release's item outlived the adoption: %v", items)
			}
		})
	}
}

func TestNewerMetadataIsLeftAlone(t *testing.T) {
	f := newFixture(t)
	if err := os.MkdirAll(filepath.Dir(f.meta), 0o700); err != nil {
		t.Fatal(err)
	}
	newer := []byte(`{"version": 3, "sessions": {}}` + "\n")
	if err := os.WriteFile(f.meta, newer, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := f.store.Save(f.ctx, session(env, f.url, "ann", "refresh-1")); err == nil || !strings.Contains(err.Error(), "newer biot-agent") {
		t.Errorf("Save over a newer release's file: %v, want an error naming it", err)
	}
	if _, err := LastBaseURL(f.meta); err == nil {
		t.Error("LastBaseURL over a newer release's file succeeded, want an error")
	}
	if got, err := os.ReadFile(f.meta); err != nil || !bytes.Equal(got, newer) {
		t.Errorf("the newer release's file changed (%v):\n%s", err, got)
	}
}
