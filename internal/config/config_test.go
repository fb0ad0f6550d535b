package config

import (
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const (
	devURL  = "https://api.dev.acme.biot-med.com"
	prodURL = "https://api.acme.biot-med.com"
)

func TestParse(t *testing.T) {
	env := func(name, url string) Environment { return Environment{Name: name, URL: url} }
	tests := []struct {
		name, text string
		envs       []Environment
		def        string
		notify     time.Duration
	}{
		{"empty", "", nil, "", DefaultNotifyBefore},
		{"top-level url is the environment default", `url = "` + devURL + `"`, []Environment{env("default", devURL)}, "", DefaultNotifyBefore},
		{"an empty top-level url is none", `url = ""`, nil, "", DefaultNotifyBefore},
		{"notify_before", "notify_before = \"15m\"\n", nil, "", 15 * time.Minute},
		{"notify off", `notify_before = "0"`, nil, "", 0},
		{"comments", "# mine\nurl = \"https://x.example\" # dev\n", []Environment{env("default", "https://x.example")}, "", DefaultNotifyBefore},
		{"the issue's example", `
default = "dev"
[environments.dev]
url = "` + devURL + `"
[environments.dev-qa]
url = "` + devURL + `"
[environments.prod]
url = "` + prodURL + `"
read_only = true
`, []Environment{env("dev", devURL), env("dev-qa", devURL), {Name: "prod", URL: prodURL, ReadOnly: true}}, "dev", DefaultNotifyBefore},
		{"quoted table names", `[environments."dev"]` + "\nurl = \"" + devURL + "\"\n['environments'.'prod']\nurl = \"" + prodURL + "\"\n",
			[]Environment{env("dev", devURL), env("prod", prodURL)}, "", DefaultNotifyBefore},
		{"dotted keys and inline tables", "environments.dev.url = \"" + devURL + "\"\n[environments]\nprod = { url = \"" + prodURL + "\" }\n",
			[]Environment{env("dev", devURL), env("prod", prodURL)}, "", DefaultNotifyBefore},
		{"top-level url beside environments", "url = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n",
			[]Environment{env("default", devURL), env("prod", prodURL)}, "", DefaultNotifyBefore},
		{"urls are normalized as the client does", "[environments.dev]\nurl = \" HTTPS://api.dev.acme.biot-med.com/ \"\n[environments.local]\nurl = \"http://127.0.0.1:8080/biot/\"\n",
			[]Environment{env("dev", devURL), env("local", "http://127.0.0.1:8080/biot")}, "", DefaultNotifyBefore},
		{"a service user", "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = \"2F6B3B5E-7a0e-4c1d-9a8b-1c2d3e4f5a6b\"\nsecret_file = \"/etc/biot/secret\"\n",
			[]Environment{{Name: "svc", URL: devURL, ServiceUserID: "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b", SecretFile: "/etc/biot/secret"}}, "", DefaultNotifyBefore},
		{"a service user with no secret_file", "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = \"2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b\"\n",
			[]Environment{{Name: "svc", URL: devURL, ServiceUserID: "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b"}}, "", DefaultNotifyBefore},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c, err := Parse("config.toml", []byte(tt.text))
			if err != nil {
				t.Fatal(err)
			}
			want := map[string]Environment{}
			for _, e := range tt.envs {
				want[e.Name] = e
			}
			if !reflect.DeepEqual(c.Environments, want) {
				t.Errorf("environments = %+v, want %+v", c.Environments, want)
			}
			if c.Default != tt.def || c.NotifyBefore != tt.notify || c.Path != "config.toml" {
				t.Errorf("default, notify_before, path = %q, %v, %q; want %q, %v, config.toml", c.Default, c.NotifyBefore, c.Path, tt.def, tt.notify)
			}
		})
	}
}

func TestParseRefuses(t *testing.T) {
	tests := []struct {
		name, text string
		want       []string // all in the error, beside the file's name
	}{
		{"unknown top-level key", `uri = "https://x"`, []string{"unknown key uri", "known: default, url, notify_before, environments"}},
		{"unknown key in an environment", "[environments.dev]\nurl = \"" + devURL + "\"\nreadonly = true\n",
			[]string{"unknown key readonly in [environments.dev]", "known: url, read_only, service_user_id, secret_file"}},
		{"secret_file without service_user_id", "[environments.svc]\nurl = \"" + devURL + "\"\nsecret_file = \"/etc/s\"\n",
			[]string{`environment "svc"`, "secret_file is only for a service user", "service_user_id"}},
		{"service_user_id not a UUID", "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = \"robot\"\n",
			[]string{`environment "svc"`, `service_user_id "robot" is not a UUID`}},
		{"service_user_id a UUID without dashes", "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = \"2f6b3b5e7a0e4c1d9a8b1c2d3e4f5a6b\"\n",
			[]string{`environment "svc"`, "service_user_id", "not a UUID"}},
		{"service_user_id not a string", "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = 5\n", []string{"service_user_id"}},
		{"a sub-table of an environment", "[environments.dev]\nurl = \"" + devURL + "\"\n[environments.dev.x]\ny = 1\n",
			[]string{"unknown key x in [environments.dev]"}},
		{"bad duration", `notify_before = "soon"`, []string{"not a duration"}},
		{"negative duration", `notify_before = "-1m"`, []string{"negative"}},
		{"url not a string", `url = 5`, []string{"config"}},
		{"not toml", `url: https://x`, []string{"config"}},
		{"both a top-level url and [environments.default]", "url = \"" + devURL + "\"\n[environments.default]\nurl = \"" + prodURL + "\"\n",
			[]string{"both a top-level url and [environments.default]", "keep one"}},
		{"upper-case name", "[environments.Dev]\nurl = \"" + devURL + "\"\n", []string{"[environments.Dev]", "lower-case"}},
		{"name with a dot", "[environments.\"a.b\"]\nurl = \"" + devURL + "\"\n", []string{`[environments."a.b"]`, "lower-case"}},
		{"name starting with -", "[environments.-dev]\nurl = \"" + devURL + "\"\n", []string{"starting with a letter or digit"}},
		{"name too long", "[environments." + strings.Repeat("a", 33) + "]\nurl = \"" + devURL + "\"\n", []string{"too long"}},
		{"no url", "[environments.dev]\nread_only = true\n", []string{`environment "dev": url is missing`}},
		{"http off loopback", "[environments.dev]\nurl = \"http://api.dev.acme.biot-med.com\"\n",
			[]string{`environment "dev": url: http://api.dev.acme.biot-med.com is not allowed`, "use https"}},
		{"ftp", "[environments.dev]\nurl = \"ftp://x.example\"\n", []string{`environment "dev"`, `scheme "ftp" is not supported`}},
		{"password in the url", "[environments.dev]\nurl = \"https://ana:hunter2@x.example\"\n", []string{"must not hold a username or password"}},
		{"bad top-level url", `url = "api.dev.acme.biot-med.com"`, []string{`url (the environment "default")`, "needs a scheme and a host"}},
		{"default names nothing", "default = \"qa\"\n[environments.dev]\nurl = \"" + devURL + "\"\n", []string{`default = "qa" names no environment`, "known: dev"}},
		{"default in an empty file", `default = "dev"`, []string{"none is configured"}},
		{"read_only not a bool", "[environments.dev]\nurl = \"" + devURL + "\"\nread_only = \"yes\"\n", []string{"read_only"}},
		{"environments not a table", `environments = 5`, []string{"config"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			_, err := Parse("config.toml", []byte(tt.text))
			if err == nil {
				t.Fatal("Parse accepted it")
			}
			for _, w := range append(tt.want, "config.toml") {
				if !strings.Contains(err.Error(), w) {
					t.Errorf("Parse = %q, want it to say %q", err, w)
				}
			}
			if strings.Contains(err.Error(), "hunter2") {
				t.Errorf("the error %q holds the password", err)
			}
		})
	}
}

func TestRelativeSecretFileIsFromTheConfigDir(t *testing.T) {
	text := "[environments.svc]\nurl = \"" + devURL + "\"\nservice_user_id = \"2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b\"\nsecret_file = \"svc.secret\"\n"
	c, err := Parse("/home/ana/.config/biot-agent/config.toml", []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	if got, want := c.Environments["svc"].SecretFile, "/home/ana/.config/biot-agent/svc.secret"; got != want {
		t.Errorf("secret_file = %q, want %q", got, want)
	}
	if !c.Environments["svc"].IsService() {
		t.Error("IsService = false")
	}
}

func TestMissingFileIsEmpty(t *testing.T) {
	path := filepath.Join(t.TempDir(), "nope.toml")
	c, err := Load(path)
	if err != nil || len(c.Environments) != 0 || c.Path != path || c.NotifyBefore != DefaultNotifyBefore {
		t.Errorf("Load of a missing file = %+v, %v", c, err)
	}
}

func TestOversizedFileIsRefused(t *testing.T) {
	path := filepath.Join(t.TempDir(), "config.toml")
	if err := os.WriteFile(path, []byte(strings.Repeat("# x\n", maxSize)), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Load(path); err == nil {
		t.Error("a huge config file was read")
	}
}

func TestPath(t *testing.T) {
	t.Setenv("XDG_CONFIG_HOME", "/home/ana/.cfg")
	if p, err := Path(); err != nil || p != "/home/ana/.cfg/biot-agent/config.toml" {
		t.Errorf("Path() = %q, %v", p, err)
	}
}
