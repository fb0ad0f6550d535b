package config

import (
	"strings"
	"testing"

	"biot-agent/agent/biot"
)

// urlSeeds are agent/biot's own cases for its base URL, and a few more.
var urlSeeds = []string{
	"https://api.dev.example.biot-med.com", "https://api.dev.example.biot-med.com/",
	"https://gw.example.com/biot/api//", "https://api.example.com:8443", "http://localhost:8080",
	"http://127.0.0.1:8080/", "http://[::1]:8080", "http://api.dev.example.biot-med.com",
	"http://10.0.0.5", "http://evil.localhost", "ftp://api.example.com", "https://api.example.com/?env=dev",
	"https://api.example.com/?", "https://api.example.com/#x", "https://bob:s3cret@api.example.com",
	"api.example.com", "https:///ums", "", " HTTPS://API.example.com/ ", "http://LOCALHOST.:1/",
	"https://x.example/a%2Fb/", "mailto:ana@example.com", "https://x.example/\x7f", "https://[::1",
}

// TestURLRuleIsTheClients holds CheckURL to agent/biot's client: the same
// URLs pass, in the same form, and the same are refused, in the same words.
func TestURLRuleIsTheClients(t *testing.T) {
	for _, u := range urlSeeds {
		sameAsClient(t, u)
	}
}

func FuzzURLRule(f *testing.F) {
	for _, u := range urlSeeds {
		f.Add(u)
	}
	f.Fuzz(sameAsClient)
}

func sameAsClient(t *testing.T, raw string) {
	got, err := CheckURL(raw)
	c, cerr := biot.New(raw, nil, "test")
	switch {
	case (err == nil) != (cerr == nil):
		t.Errorf("CheckURL(%q) = %q, %v; the client says %v", raw, got, err, cerr)
	case err == nil && got != c.BaseURL():
		t.Errorf("CheckURL(%q) = %q; the client's is %q", raw, got, c.BaseURL())
	case err != nil && "biot: base URL: "+err.Error() != cerr.Error():
		t.Errorf("CheckURL(%q) says %q; the client says %q", raw, err, cerr)
	case err != nil && hasUserinfo(raw) && strings.Contains(err.Error(), "s3cret"):
		// Without an "@" in the authority nothing is a password to
		// url.Parse: "//:s3cret" is a host and a port, which the error
		// shows, and so is "//:s3cret#@", whose "@" is in the fragment
		// (the fuzzer's finds, kept in testdata; the client's words are
		// the same).
		t.Errorf("CheckURL(%q) shows the password: %q", raw, err)
	}
}

// hasUserinfo reports whether raw's authority (after "//", up to the
// first "/", "?" or "#") holds an "@": a user and maybe a password.
func hasUserinfo(raw string) bool {
	_, rest, ok := strings.Cut(raw, "//")
	if !ok {
		return false
	}
	if i := strings.IndexAny(rest, "/?#"); i >= 0 {
		rest = rest[:i]
	}
	return strings.Contains(rest, "@")
}

func TestCheckName(t *testing.T) {
	for _, ok := range []string{"dev", "dev-qa", "0", "prod2", "a-", strings.Repeat("a", 32), "default"} {
		if err := CheckName(ok); err != nil {
			t.Errorf("CheckName(%q) = %v, want nil", ok, err)
		}
	}
	for _, bad := range []string{"", "-dev", "Dev", "dev_qa", "dev.qa", "dév", " dev", strings.Repeat("a", 33), "dev\n"} {
		if err := CheckName(bad); err == nil {
			t.Errorf("CheckName(%q) = nil, want a refusal", bad)
		}
	}
}

// FuzzName: a name CheckName accepts matches [a-z0-9][a-z0-9-]{0,31}, so it
// is a bare TOML key, and a file with it as a table parses back to it.
func FuzzName(f *testing.F) {
	for _, s := range []string{"dev", "dev-qa", "-", "a.b", "DEV", strings.Repeat("z", 32), "\"dev\""} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, name string) {
		err := CheckName(name)
		if err != nil {
			if !strings.Contains(err.Error(), "name") {
				t.Errorf("CheckName(%q) = %q, which does not say what is wrong", name, err)
			}
			return
		}
		if !nameRule(name) {
			t.Fatalf("CheckName accepted %q", name)
		}
		c, err := Parse("config.toml", []byte("[environments."+name+"]\nurl = \"https://x.example\"\n"))
		if err != nil {
			t.Fatalf("an accepted name %q does not parse as a table: %v", name, err)
		}
		if e, err := c.Resolve(name); err != nil || e.Name != name {
			t.Fatalf("Resolve(%q) = %+v, %v", name, e, err)
		}
	})
}

// nameRule is [a-z0-9][a-z0-9-]{0,31}, written another way than CheckName.
func nameRule(s string) bool {
	if len(s) < 1 || len(s) > 32 || s[0] == '-' {
		return false
	}
	return strings.Trim(s, "abcdefghijklmnopqrstuvwxyz0123456789-") == ""
}
