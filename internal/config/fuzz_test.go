package config

import (
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
