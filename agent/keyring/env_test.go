package keyring

import (
	"bytes"
	"encoding/json"
	"errors"
	"os"
	"strings"
	"testing"

	"biot-agent/agent"
)

// onDisk is the metadata file as documented (version 2), read apart from
// the package's own types so that a change of format shows here.
type onDisk struct {
	Version  int    `json:"version"`
	Last     string `json:"last"`
	Sessions map[string]struct {
		Env      string `json:"env"`
		BaseURL  string `json:"baseURL"`
		Username string `json:"username"`
		UserID   string `json:"userId"`
	} `json:"sessions"`
	Legacy map[string]struct {
		BaseURL  string `json:"baseURL"`
		Username string `json:"username"`
	} `json:"legacy"`
}

func readOnDisk(t *testing.T, path string) onDisk {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var d onDisk
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatalf("%s: %v", path, err)
	}
	return d
}

func TestTwoAccountsOnOneURLAreTwoEnvironments(t *testing.T) {
	f := newFixture(t)
	ann := session("dev", f.url, "ann", "refresh-ann")
	bob := session("dev-qa", f.url, "bob", "refresh-bob")
	f.save(ann)
	f.save(bob)

	for _, s := range []agent.Session{ann, bob} {
		if items := f.items(s.Env, f.url); len(items) != 1 {
			t.Errorf("%s has %d keyring items, want 1", s.Env, len(items))
		}
		if got := secret(t, f.ctx, f.desktop.Keyring, service(s.Env, f.url), s.Username); got != s.RefreshToken {
			t.Errorf("the keyring item of %s holds another token", s.Env)
		}
		sameSession(t, f.load(key(s.Env, f.url)), s)
	}
	d := readOnDisk(t, f.meta)
	if d.Version != 2 || len(d.Sessions) != 2 {
		t.Fatalf("the metadata file has version %d and %d entries, want version 2 and 2", d.Version, len(d.Sessions))
	}
	for _, s := range []agent.Session{ann, bob} {
		e := d.Sessions[s.Env]
		if e.Env != s.Env || e.BaseURL != f.url || e.Username != s.Username || e.UserID != s.UserID {
			t.Errorf("the metadata entry of %s = %+v", s.Env, e)
		}
	}

	if err := f.store.Delete(f.ctx, "dev"); err != nil {
		t.Fatal(err)
	}
	f.wantNoSession(key("dev", f.url), "after its Delete")
	if items := f.items("dev", f.url); len(items) != 0 {
		t.Errorf("dev's items after its Delete = %v, want none", items)
	}
	sameSession(t, f.load(key("dev-qa", f.url)), bob)
}

func TestAnotherURLUnderTheSameNameIsNotAnswered(t *testing.T) {
	f := newFixture(t)
	old, moved := envURL(t, "-old"), envURL(t, "-new")
	f.save(session("dev", old, "ann", "refresh-old"))
	before, err := os.ReadFile(f.meta)
	if err != nil {
		t.Fatal(err)
	}

	f.wantNoSession(key("dev", moved), "for another URL")
	f.wantNoSession(agent.Key{Env: "dev", URL: moved, Adopt: true}, "for another URL, adopting")
	after, err := os.ReadFile(f.meta)
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.Equal(before, after) {
		t.Errorf("a Load for another URL changed the metadata file:\n%s\nwas:\n%s", after, before)
	}
	if got := f.load(key("dev", old)).RefreshToken; got != "refresh-old" {
		t.Errorf("the session for the old URL = %q, want it left alone", got)
	}
}

func TestSaveForAnotherURLReplacesThePrevious(t *testing.T) {
	f := newFixture(t)
	old, moved := envURL(t, "-old"), envURL(t, "-new")
	f.save(session("dev", old, "ann", "refresh-old"))
	want := session("dev", moved, "ann", "refresh-new")
	f.save(want)

	if items := f.items("dev", old); len(items) != 0 {
		t.Errorf("the old URL's item is still there: %v", items)
	}
	if items := f.items("dev", moved); len(items) != 1 {
		t.Errorf("the new URL has %d items, want 1", len(items))
	}
	f.wantNoSession(key("dev", old), "for the URL replaced")
	sameSession(t, f.load(key("dev", moved)), want)
	if d := readOnDisk(t, f.meta); len(d.Sessions) != 1 || d.Sessions["dev"].BaseURL != moved {
		t.Errorf("metadata entries %+v, want dev's alone, at %s", d.Sessions, moved)
	}
}

// TestItemLabelNamesTheEnvironment reads the label as a keyring browser
// shows it: it names the environment, its URL and the user, and follows a
// change of user.
func TestItemLabelNamesTheEnvironment(t *testing.T) {
	f := newFixture(t)
	label := func(user string) string {
		t.Helper()
		items := f.items("dev-qa", f.url)
		if len(items) != 1 {
			t.Fatalf("dev-qa has %d items, want 1", len(items))
		}
		got, err := f.desktop.Keyring.Label(f.ctx, items[0])
		if err != nil {
			t.Fatal(err)
		}
		for _, part := range []string{"dev-qa", f.url, user} {
			if !strings.Contains(got, part) {
				t.Errorf("label %q does not name %q", got, part)
			}
		}
		return got
	}

	f.save(session("dev-qa", f.url, "bob@example.com", "refresh-1"))
	if got, want := label("bob@example.com"), "Password for 'bob@example.com' on 'biot-agent dev-qa "+f.url+"'"; got != want {
		t.Errorf("label = %q, want %q", got, want)
	}
	f.save(session("dev-qa", f.url, "bob@example.com", "refresh-2"))
	label("bob@example.com")
	f.save(session("dev-qa", f.url, "carol@example.com", "refresh-3"))
	label("carol@example.com")
}

func TestSaveRefusesWhatIsNotAnEnvironmentName(t *testing.T) {
	f := newFixture(t)
	for _, name := range []string{"", "Dev", "dev qa", "-dev", "dev/qa", "https://x", strings.Repeat("a", 33)} {
		if err := f.store.Save(f.ctx, session(name, f.url, "ann", "refresh-1")); err == nil {
			t.Errorf("Save under %q succeeded, want an error", name)
		}
		if _, err := f.store.Load(f.ctx, agent.Key{Env: name, URL: f.url, Adopt: true}); !errors.Is(err, agent.ErrNoSession) {
			t.Errorf("Load of %q: %v, want ErrNoSession", name, err)
		}
	}
	if _, err := os.Stat(f.meta); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("a refused save wrote the metadata file (%v)", err)
	}
	for _, name := range []string{"a", "0", "dev-qa-2", strings.Repeat("a", 32)} {
		f.save(session(name, f.url, "ann", "refresh-"+name))
	}
}
