package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
)

// FuzzParseConfig: no input makes the parser panic or hang, and what it
// accepts has a sane shape.
func FuzzParseConfig(f *testing.F) {
	f.Add(`url = "https://api.dev.acme.biot-med.com"` + "\nnotify_before = \"10m\"\n")
	f.Add("[table]\nkey = 1\n")
	f.Add(`notify_before = "9223372036854775807ns"`)
	f.Add("url = '''\nmulti\n'''")
	f.Add("default = \"dev\"\n[environments.dev]\nurl = \"https://a.example\"\n[environments.\"prod\"]\nurl = \"https://b.example\"\nread_only = true\n")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse("config.toml", []byte(text))
		if err != nil {
			return
		}
		if c.NotifyBefore < 0 {
			t.Errorf("accepted a negative notify_before from %q", text)
		}
		for n, e := range c.Environments {
			if e.Name != n || CheckName(n) != nil {
				t.Errorf("accepted the environment %q (named %q) from %q", n, e.Name, text)
			}
			if u, err := CheckURL(e.URL); err != nil || u != e.URL {
				t.Errorf("accepted the url %q of %q from %q: %v", e.URL, n, text, err)
			}
		}
		if c.Default != "" {
			if _, ok := c.Environments[c.Default]; !ok {
				t.Errorf("accepted default = %q, which names no environment, from %q", c.Default, text)
			}
		}
	})
}

// FuzzEdit: an edit of any file either makes it say exactly what was meant
// (the file's environments, plus the one added or without the one
// removed, and all else as it was) while keeping the person's lines, or
// is refused and leaves the file as it was, byte for byte, with nothing
// beside it.
func FuzzEdit(f *testing.F) {
	seeds := []string{
		"", issueExample, "url = \"https://api.dev.acme.biot-med.com\"\nnotify_before = \"5m\"",
		"# x\r\n[environments.\"dev\"] # mine\r\nurl = 'https://a.example/'\r\n",
		"default = \"default\"\nurl = \"\"\"\nhttps://x.example\"\"\"\n[environments.p]\nurl = \"https://p.example\"\n",
		"url = \"\"\"https://x.example/a\\\n[environments.prod]\"\"\"\n[environments.prod]\nurl = \"https://p.example\"\n",
		"\ufeff# bom\n[environments.x]\nurl = \"https://x.example\"\n",
		"[environments]\ndev = { url = \"https://d.example\" }\nqa.url = \"https://q.example\"\n[environments.prod]\nurl = \"https://p.example\"\nread_only = true\n",
	}
	for _, s := range seeds {
		f.Add(s, false, "", "https://api.new.example/", uint8(0))
		f.Add(s, false, "new", "https://api.new.example/", uint8(1))
		f.Add(s, true, "", "", uint8(2))
	}
	dir := f.TempDir()
	path := filepath.Join(dir, "config.toml")
	f.Fuzz(func(t *testing.T, text string, remove bool, name, url string, pick uint8) {
		if err := os.WriteFile(path, []byte(text), 0o600); err != nil {
			t.Fatal(err)
		}
		old, perr := Parse(path, []byte(text))
		if name == "" && perr == nil && len(old.Environments) > 0 {
			// Name one that is there, to reach the edits more often.
			name = old.Names()[int(pick)%len(old.Environments)]
			if !remove {
				name += "-2"
			}
		}
		var err error
		if remove {
			_, err = Remove(path, name)
		} else {
			_, err = Add(path, name, url)
		}
		b, rerr := os.ReadFile(path)
		if rerr != nil {
			t.Fatal(rerr)
		}
		if entries, _ := os.ReadDir(dir); len(entries) != 1 {
			t.Fatalf("the edit left %d files in the folder", len(entries))
		}
		if err != nil {
			if string(b) != text {
				t.Fatalf("a refused edit (%v) changed the file from %q to %q", err, text, b)
			}
			return
		}
		if perr != nil {
			t.Fatalf("an edit of a file that does not parse (%v) was made: %q", perr, b)
		}
		got, err := Parse(path, b)
		if err != nil {
			t.Fatalf("the edit of %q made %q, which does not parse: %v", text, b, err)
		}
		want := old.clone()
		if remove {
			delete(want.Environments, name)
			if want.Default == name {
				want.Default = ""
			}
			if name == DefaultName {
				want.topURL = false
			}
			if !subsequence(lines(string(b)), lines(text)) {
				t.Errorf("removing %s from %q made %q, which is not the old lines less some", name, text, b)
			}
		} else {
			u, _ := CheckURL(url)
			want.Environments[name] = Environment{Name: name, URL: u}
			only := old.DefaultEnvironment()
			kept := old.Default == "" && len(old.Environments) == 1 && only != DefaultName && name != DefaultName
			switch {
			case kept:
				// default = "ONLY" joins, as the only environment was the
				// default for being the only one; every old line stays.
				want.Default = only
				bare := func(s string) []string { return lines(strings.TrimPrefix(s, "\ufeff")) }
				if !subsequence(bare(text), bare(string(b))) {
					t.Errorf("adding %s to %q made %q, which is not the old lines and some more", name, text, b)
				}
			case !old.topURL && !strings.HasPrefix(string(b), text):
				t.Errorf("adding %s to %q made %q, which does not start with the old text", name, text, b)
			}
			want.topURL = false
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("the edit of %q made %q, which says %+v, want %+v", text, b, got, want)
		}
	})
}

// lines splits s after each "\n", with a last line without one too.
func lines(s string) []string {
	l := strings.SplitAfter(s, "\n")
	if l[len(l)-1] == "" {
		l = l[:len(l)-1]
	}
	return l
}

// subsequence: a is b with some lines taken out.
func subsequence(a, b []string) bool {
	i := 0
	for _, line := range b {
		if i < len(a) && a[i] == line {
			i++
		}
	}
	return i == len(a)
}
