package config

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestConfigFile(t *testing.T) {
	tests := []struct {
		name, text string
		url        string
		notify     time.Duration // -1: not set
		err        string
	}{
		{"empty", "", "", -1, ""},
		{"url", `url = "https://api.dev.acme.biot-med.com"`, "https://api.dev.acme.biot-med.com", -1, ""},
		{"notify_before", "notify_before = \"15m\"\n", "", 15 * time.Minute, ""},
		{"notify off", `notify_before = "0"`, "", 0, ""},
		{"comments", "# mine\nurl = \"https://x.example\" # dev\n", "https://x.example", -1, ""},
		{"unknown key", `uri = "https://x"`, "", -1, "unknown key uri"},
		{"bad duration", `notify_before = "soon"`, "", -1, "not a duration"},
		{"negative duration", `notify_before = "-1m"`, "", -1, "negative"},
		{"url not a string", `url = 5`, "", -1, "config"},
		{"not toml", `url: https://x`, "", -1, "config"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("config.toml", []byte(tt.text))
			if tt.err != "" {
				if err == nil || !strings.Contains(err.Error(), tt.err) {
					t.Fatalf("ParseConfig = %v, want an error saying %q", err, tt.err)
				}
				if !strings.Contains(err.Error(), "config.toml") {
					t.Errorf("the error %q does not name the file", err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if c.URL != tt.url {
				t.Errorf("url = %q, want %q", c.URL, tt.url)
			}
			got := time.Duration(-1)
			if c.NotifyBefore != nil {
				got = c.NotifyBefore.Duration
			}
			if got != tt.notify {
				t.Errorf("notify_before = %v, want %v", got, tt.notify)
			}
		})
	}
}

func TestMissingConfigFileIsEmpty(t *testing.T) {
	c, err := Load(filepath.Join(t.TempDir(), "nope.toml"))
	if err != nil || c.URL != "" {
		t.Errorf("LoadConfig of a missing file = %+v, %v", c, err)
	}
}

func TestOversizedConfigFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(strings.Repeat("# x\n", maxConfigSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil {
		t.Error("a huge config file was read")
	}
}

// FuzzParseConfig: no input makes the parser panic or hang, and what it
// accepts has a sane shape.
func FuzzParse(f *testing.F) {
	f.Add(`url = "https://api.dev.acme.biot-med.com"` + "\nnotify_before = \"10m\"\n")
	f.Add("[table]\nkey = 1\n")
	f.Add(`notify_before = "9223372036854775807ns"`)
	f.Add("url = '''\nmulti\n'''")
	f.Fuzz(func(t *testing.T, text string) {
		c, err := Parse("config.toml", []byte(text))
		if err != nil {
			return
		}
		if c.NotifyBefore != nil && c.NotifyBefore.Duration < 0 {
			t.Errorf("accepted a negative notify_before from %q", text)
		}
	})
}
