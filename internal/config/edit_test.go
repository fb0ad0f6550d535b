package config

import (
	"errors"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const issueExample = `# my environments
default = "dev"

[environments.dev]
url = "https://api.dev.acme.biot-med.com"

[environments.dev-qa]  # the QA account
url = "https://api.dev.acme.biot-med.com"
# read_only = true

[environments.prod]
url = "https://api.acme.biot-med.com"
read_only = true
`

func TestAddText(t *testing.T) {
	tests := []struct {
		name, text string
		env, url   string
		want       string
		moved      bool
	}{
		{"to nothing", "", "dev", devURL,
			"[environments.dev]\nurl = \"https://api.dev.acme.biot-med.com\"\n", false},
		{"after a last line with no newline", "notify_before = \"5m\" # short", "dev", devURL,
			"notify_before = \"5m\" # short\n\n[environments.dev]\nurl = \"https://api.dev.acme.biot-med.com\"\n", false},
		{"after a blank line, none added", "# hi\n\n", "dev", devURL,
			"# hi\n\n[environments.dev]\nurl = \"https://api.dev.acme.biot-med.com\"\n", false},
		{"the URL as the client has it", "", "local", " HTTP://127.0.0.1:8080/biot/ ",
			"[environments.local]\nurl = \"http://127.0.0.1:8080/biot\"\n", false},
		{"beside the issue's example", issueExample, "staging", "https://api.staging.acme.biot-med.com",
			issueExample + "\n[environments.staging]\nurl = \"https://api.staging.acme.biot-med.com\"\n", false},
		{"beside quoted headers", "[environments.\"dev\"]\nurl = \"" + devURL + "\"\n", "prod", prodURL,
			// dev was the default for being the only one: it stays so.
			"default = \"dev\"\n\n[environments.\"dev\"]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
		{"the only environment stays the default, named after the top-level keys",
			"# mine\nnotify_before = \"1m\"\n\n[environments.dev]\nurl = \"" + devURL + "\"\n", "prod", prodURL,
			"# mine\nnotify_before = \"1m\"\ndefault = \"dev\"\n\n[environments.dev]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
		{"a default named already is left alone",
			"default = \"dev\"\n[environments.dev]\nurl = \"" + devURL + "\"\n", "prod", prodURL,
			"default = \"dev\"\n[environments.dev]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
		{"CRLF stays CRLF", "# windows\r\nnotify_before = \"1m\"\r\n", "dev", devURL,
			"# windows\r\nnotify_before = \"1m\"\r\n\r\n[environments.dev]\r\nurl = \"https://api.dev.acme.biot-med.com\"\r\n", false},
		{"a top-level url moves into [environments.default]",
			"# where BioT is\nurl = \"https://api.dev.acme.biot-med.com/\"  # dev, for now\nnotify_before = \"5m\"\n",
			"prod", prodURL,
			"# where BioT is\nnotify_before = \"5m\"\n\n[environments.default]\nurl = \"https://api.dev.acme.biot-med.com/\"  # dev, for now\n\n[environments.prod]\nurl = \"https://api.acme.biot-med.com\"\n", true},
		{"a multi-line top-level url moves whole, with no newline at its end",
			"url = \"\"\"\nhttps://api.dev.acme.biot-med.com\"\"\"", "prod", prodURL,
			"[environments.default]\nurl = \"\"\"\nhttps://api.dev.acme.biot-med.com\"\"\"\n\n[environments.prod]\nurl = \"https://api.acme.biot-med.com\"\n", true},
		{"a string that looks like a header is a string",
			"url = \"\"\"https://x.example/a\\\n[environments.prod]\"\"\"\n", "prod", prodURL,
			"[environments.default]\nurl = \"\"\"https://x.example/a\\\n[environments.prod]\"\"\"\n\n[environments.prod]\nurl = \"https://api.acme.biot-med.com\"\n", true},
		{"a byte order mark stays first", "\ufeffurl = \"" + devURL + "\"\n", "prod", prodURL,
			"\ufeff[environments.default]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", true},
		{"after dotted keys in [environments]", "[environments]\ndev.url = \"" + devURL + "\"\n", "prod", prodURL,
			"default = \"dev\"\n\n[environments]\ndev.url = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, c, err := addText("config.toml", []byte(tt.text), tt.env, tt.url)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("the file became\n%s\nwant\n%s", got, tt.want)
			}
			if c.Environment.Name != tt.env || c.MovedTopURL != tt.moved {
				t.Errorf("Change = %+v, want %s added, moved %v", c, tt.env, tt.moved)
			}
		})
	}
}

func TestAddTextRefuses(t *testing.T) {
	tests := []struct {
		name, text string
		env, url   string
		want       string
	}{
		{"a name that is there", issueExample, "dev-qa", devURL, `the environment "dev-qa" is there already (https://api.dev.acme.biot-med.com)`},
		{"a name that is there, quoted", "[environments.\"dev\"]\nurl = \"" + devURL + "\"\n", "dev", devURL, `"dev" is there already`},
		{"default, when a top-level url is it", "url = \"" + devURL + "\"\n", "default", prodURL, `"default" is there already`},
		{"a bad name", "", "Dev", devURL, "lower-case"},
		{"a bad URL", "", "dev", "http://api.dev.acme.biot-med.com", "url: http://api.dev.acme.biot-med.com is not allowed"},
		{"a URL that is not UTF-8", "", "dev", "https://x.example/\xff", "UTF-8"},
		{"a file that does not parse", "colour = \"blue\"\n", "dev", devURL, "unknown key colour"},
		{"an inline table of environments", "environments = { dev = { url = \"" + devURL + "\" } }\n", "prod", prodURL, "inline table, which a table cannot be added to; add prod to it by hand"},
		{"a file that would grow too large", strings.Repeat("#\n", maxSize/2-5), "dev", devURL, "larger than"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := addText("config.toml", []byte(tt.text), tt.env, tt.url)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("addText = %v, want an error saying %q; the file would be\n%s", err, tt.want, got)
			}
		})
	}
}

func TestRemoveText(t *testing.T) {
	tests := []struct {
		name, text, env string
		want            string
		dropped         bool
	}{
		{"a table between others, with its comments", issueExample, "dev-qa",
			`# my environments
default = "dev"

[environments.dev]
url = "https://api.dev.acme.biot-med.com"

[environments.prod]
url = "https://api.acme.biot-med.com"
read_only = true
`, false},
		{"the default, and its default line", issueExample, "dev",
			`# my environments

[environments.dev-qa]  # the QA account
url = "https://api.dev.acme.biot-med.com"
# read_only = true

[environments.prod]
url = "https://api.acme.biot-med.com"
read_only = true
`, true},
		{"the last, with no newline at the end", "[environments.dev]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"",
			"prod", "[environments.dev]\nurl = \"" + devURL + "\"\n", false},
		{"a quoted header with a comment", "[ environments . \"dev\" ] # mine\nurl = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n",
			"dev", "[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
		{"the only one", "[environments.dev]\nurl = \"" + devURL + "\"\n", "dev", "", false},
		{"the top-level url", "# mine\nurl = \"" + devURL + "\" # old\nnotify_before = \"1m\"\n", "default",
			"# mine\nnotify_before = \"1m\"\n", false},
		{"the top-level url named as default", "default = \"default\"\nurl = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n", "default",
			"[environments.prod]\nurl = \"" + prodURL + "\"\n", true},
		{"a string that looks like a header is a string",
			"[environments.dev]\nurl = \"\"\"https://x.example/a\\\n[environments.prod]\"\"\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n", "prod",
			"[environments.dev]\nurl = \"\"\"https://x.example/a\\\n[environments.prod]\"\"\"\n", false},
		{"comments go with the table they touch",
			"# file\n[environments.dev]\nurl = \"" + devURL + "\"\n# dev's note\n\n# prod, careful\n[environments.prod]\n# the url\nurl = \"" + prodURL + "\"\n# about qa\n[environments.qa]\nurl = \"" + devURL + "\"\n", "prod",
			"# file\n[environments.dev]\nurl = \"" + devURL + "\"\n# dev's note\n\n# about qa\n[environments.qa]\nurl = \"" + devURL + "\"\n", false},
		{"a comment that opens the file stays", "# file\n[environments.dev]\nurl = \"" + devURL + "\"\n# dev's note\n", "dev", "# file\n", false},
		{"a byte order mark stays first", "\ufeff[environments.dev]\nurl = \"" + devURL + "\"\n\n[environments.prod]\nurl = \"" + prodURL + "\"\n", "dev",
			"\ufeff[environments.prod]\nurl = \"" + prodURL + "\"\n", false},
		{"CRLF", "[environments.dev]\r\nurl = \"" + devURL + "\"\r\n\r\n[environments.prod]\r\nurl = \"" + prodURL + "\"\r\n", "dev",
			"[environments.prod]\r\nurl = \"" + prodURL + "\"\r\n", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, c, err := removeText("config.toml", []byte(tt.text), tt.env)
			if err != nil {
				t.Fatal(err)
			}
			if string(got) != tt.want {
				t.Errorf("the file became\n%s\nwant\n%s", got, tt.want)
			}
			if c.Environment.Name != tt.env || c.DroppedDefault != tt.dropped {
				t.Errorf("Change = %+v, want %s removed, default dropped %v", c, tt.env, tt.dropped)
			}
		})
	}
}

func TestRemoveTextRefuses(t *testing.T) {
	tests := []struct {
		name, text, env string
		want            string
	}{
		{"an unknown name", issueExample, "qa", `unknown environment "qa"; known: dev, dev-qa, prod`},
		{"an unknown name, none there", "", "qa", `unknown environment "qa"; none is configured`},
		{"an inline table", "[environments]\nprod = { url = \"" + prodURL + "\" }\n", "prod", "not written as a table of its own, [environments.prod]; remove it by hand"},
		{"dotted keys", "environments.prod.url = \"" + prodURL + "\"\n", "prod", "not written as a table of its own"},
		{"a table with keys elsewhere too", "[environments.dev]\nurl = \"" + devURL + "\"\n[environments]\ndev.read_only = true\n", "dev", "edit the file by hand"},
		{"a file that does not parse", "[environments.dev]\nurl = \"" + devURL + "\"\nreadonly = true\n", "dev", "unknown key readonly"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _, err := removeText("config.toml", []byte(tt.text), tt.env)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Fatalf("removeText = %v, want an error saying %q; the file would be\n%s", err, tt.want, got)
			}
		})
	}
	_, _, err := removeText("config.toml", []byte(issueExample), "qa")
	var unknown *UnknownEnvironmentError
	if !errors.As(err, &unknown) || !errors.Is(err, ErrUnknownEnvironment) || !reflect.DeepEqual(unknown.Known, []string{"dev", "dev-qa", "prod"}) {
		t.Errorf("removing an unknown name = %#v, want an *UnknownEnvironmentError with the known names", err)
	}
}

// TestAddAndRemoveOnDisk: the file and its folder are made when missing,
// private; a link stays a link; the file is replaced whole.
func TestAddAndRemoveOnDisk(t *testing.T) {
	dir := filepath.Join(t.TempDir(), "cfg", "biot-agent")
	path := filepath.Join(dir, "config.toml")
	c, err := Add(path, "dev", devURL)
	if err != nil {
		t.Fatal(err)
	}
	if !c.Created || c.Path != path || c.Environment != (Environment{Name: "dev", URL: devURL}) {
		t.Errorf("Add = %+v", c)
	}
	wantMode(t, dir, 0o700|os.ModeDir)
	wantMode(t, filepath.Dir(dir), 0o700|os.ModeDir)
	wantMode(t, path, 0o600)
	if c, err = Add(path, "prod", prodURL); err != nil || c.Created {
		t.Fatalf("a second Add = %+v, %v", c, err)
	}
	cfg, err := Load(path)
	if err != nil || !reflect.DeepEqual(cfg.Names(), []string{"dev", "prod"}) {
		t.Fatalf("after two adds the file holds %v (%v)", cfg.Names(), err)
	}

	// A file that is a link into, say, a dotfiles repository stays one.
	real := filepath.Join(t.TempDir(), "dotfiles.toml")
	if err := os.Rename(path, real); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(real, path); err != nil {
		t.Fatal(err)
	}
	if c, err = Remove(path, "dev"); err != nil || c.Environment.Name != "dev" {
		t.Fatalf("Remove through a link = %+v, %v", c, err)
	}
	if fi, err := os.Lstat(path); err != nil || fi.Mode()&os.ModeSymlink == 0 {
		t.Errorf("the link is gone: %v, %v", fi, err)
	}
	if cfg, err := Load(real); err != nil || !reflect.DeepEqual(cfg.Names(), []string{"prod"}) {
		t.Errorf("the file the link points to holds %v (%v), want prod alone", cfg.Names(), err)
	}
	entries, _ := os.ReadDir(dir)
	if len(entries) != 1 {
		t.Errorf("the folder holds %d entries, want the link alone (no temporary file left)", len(entries))
	}
}

// TestRefusalLeavesTheFileAlone: not a byte, not a time, no file beside.
func TestRefusalLeavesTheFileAlone(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "config.toml")
	text := "[environments]\nprod = { url = \"" + prodURL + "\" }\n"
	if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
		t.Fatal(err)
	}
	then := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, then, then); err != nil {
		t.Fatal(err)
	}
	for _, edit := range []func() error{
		func() error { _, err := Remove(path, "prod"); return err },
		func() error { _, err := Remove(path, "qa"); return err },
		func() error { _, err := Add(path, "prod", prodURL); return err },
		func() error { _, err := Add(path, "BAD", prodURL); return err },
	} {
		if err := edit(); err == nil {
			t.Fatal("the edit was made")
		}
	}
	b, err := os.ReadFile(path)
	fi, _ := os.Stat(path)
	if err != nil || string(b) != text || !fi.ModTime().Equal(then) || fi.Mode() != 0o644 {
		t.Errorf("after refusals the file is %q, %v, %v (%v)", b, fi.ModTime(), fi.Mode(), err)
	}
	if entries, _ := os.ReadDir(dir); len(entries) != 1 {
		t.Errorf("refusals left %d files in the folder, want the file alone", len(entries))
	}
}

// TestAnEditRacedIsRefused: a file changed between the read and the write
// is not overwritten.
func TestAnEditRacedIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte("# two\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	if err := writeFile(path, []byte("# one\n"), true, []byte("# three\n")); err == nil || !strings.Contains(err.Error(), "changed while it was being edited") {
		t.Errorf("writeFile over a changed file = %v", err)
	}
	if err := writeFile(path, nil, false, []byte("# three\n")); err == nil {
		t.Error("writeFile over a file made meanwhile succeeded")
	}
	if b, _ := os.ReadFile(path); string(b) != "# two\n" {
		t.Errorf("the file became %q", b)
	}
}

func wantMode(t *testing.T, path string, mode os.FileMode) {
	t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode() != mode {
		t.Errorf("%s is %v, want %v", path, fi.Mode(), mode)
	}
}
