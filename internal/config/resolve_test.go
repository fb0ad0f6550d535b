package config

import (
	"errors"
	"reflect"
	"strings"
	"testing"
)

// TestResolve holds the order that picks an environment: the name given,
// $BIOT_ENV, the default key, the environment "default", the only one.
// It sets BIOT_ENV, so it runs alone.
func TestResolve(t *testing.T) {
	three := "default = \"dev\"\n[environments.dev]\nurl = \"" + devURL + "\"\n[environments.dev-qa]\nurl = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n"
	two := "[environments.dev]\nurl = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n"
	tests := []struct {
		name       string
		file       string
		flag, env  string // --env, $BIOT_ENV
		want       string // the environment picked
		wantErr    error
		errSays    []string
		wantKnown  []string
		wantFromIn string // UnknownEnvironmentError.From
	}{
		{name: "the flag beats all", file: three, flag: "prod", env: "dev-qa", want: "prod"},
		{name: "BIOT_ENV beats the default", file: three, env: "dev-qa", want: "dev-qa"},
		{name: "the default key", file: three, want: "dev"},
		{name: "the environment default, beside others", file: "url = \"" + devURL + "\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n", want: "default"},
		{name: "the default key beats the environment default", file: "url = \"" + devURL + "\"\ndefault = \"prod\"\n[environments.prod]\nurl = \"" + prodURL + "\"\n", want: "prod"},
		{name: "the only one", file: "[environments.prod]\nurl = \"" + prodURL + "\"\n", want: "prod"},
		{name: "a top-level url alone", file: "url = \"" + devURL + "\"\n", want: "default"},
		{name: "none chosen among two", file: two, wantErr: ErrNoEnvironment,
			errSays: []string{"2 environments and none chosen", "--env", "BIOT_ENV", `default = "NAME"`, "config.toml", "known: dev, prod"}, wantKnown: []string{"dev", "prod"}},
		{name: "none configured", file: "", wantErr: ErrNoEnvironment,
			errSays: []string{"no BioT environment is configured", "biot-agent environments add NAME URL", "config.toml"}},
		{name: "unknown, from the flag", file: three, flag: "qa", env: "dev", wantErr: ErrUnknownEnvironment,
			errSays: []string{`unknown environment "qa"; known: dev, dev-qa, prod`}, wantKnown: []string{"dev", "dev-qa", "prod"}},
		{name: "unknown, from BIOT_ENV", file: three, env: "qa", wantErr: ErrUnknownEnvironment,
			errSays: []string{`unknown environment "qa" (from BIOT_ENV); known: dev, dev-qa, prod`}, wantKnown: []string{"dev", "dev-qa", "prod"}, wantFromIn: "BIOT_ENV"},
		{name: "unknown, none configured", file: "", flag: "dev", wantErr: ErrUnknownEnvironment,
			errSays: []string{`unknown environment "dev"; none is configured`}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv(EnvVar, tt.env)
			c, err := Parse("config.toml", []byte(tt.file))
			if err != nil {
				t.Fatal(err)
			}
			e, err := c.Resolve(tt.flag)
			if tt.wantErr == nil {
				if err != nil || e.Name != tt.want || e != c.Environments[tt.want] {
					t.Fatalf("Resolve(%q) = %+v, %v; want %s", tt.flag, e, err, tt.want)
				}
				return
			}
			if !errors.Is(err, tt.wantErr) {
				t.Fatalf("Resolve(%q) = %+v, %v; want %v", tt.flag, e, err, tt.wantErr)
			}
			for _, s := range tt.errSays {
				if !strings.Contains(err.Error(), s) {
					t.Errorf("the error %q does not say %q", err, s)
				}
			}
			var known []string
			var none *NoEnvironmentError
			var unknown *UnknownEnvironmentError
			switch {
			case errors.As(err, &none):
				known = none.Known
			case errors.As(err, &unknown):
				known = unknown.Known
				if unknown.From != tt.wantFromIn {
					t.Errorf("From = %q, want %q", unknown.From, tt.wantFromIn)
				}
			default:
				t.Fatalf("the error %T is neither typed error", err)
			}
			if len(known)+len(tt.wantKnown) > 0 && !reflect.DeepEqual(known, tt.wantKnown) {
				t.Errorf("Known = %q, want %q", known, tt.wantKnown)
			}
		})
	}
}

func TestWithURL(t *testing.T) {
	t.Setenv(EnvVar, "")
	c, err := Parse("config.toml", []byte("default = \"prod\"\n[environments.default]\nurl = \"https://old.example\"\n[environments.prod]\nurl = \""+prodURL+"\"\n"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := c.WithURL("https://api.dev.acme.biot-med.com/", "--url")
	if err != nil {
		t.Fatal(err)
	}
	if e, err := got.Resolve(""); err != nil || e != (Environment{Name: "default", URL: devURL}) {
		t.Errorf("after WithURL, Resolve picks %+v, %v; want the URL given, as the environment default", e, err)
	}
	if e, err := got.Resolve("prod"); err != nil || e.URL != prodURL {
		t.Errorf("after WithURL, prod is %+v, %v", e, err)
	}
	if c.Environments["default"].URL != "https://old.example" || c.Default != "prod" {
		t.Errorf("WithURL changed the config it was called on: %+v", c)
	}
	empty, err := Load(t.TempDir() + "/none.toml")
	if err != nil {
		t.Fatal(err)
	}
	if got, err := empty.WithURL(devURL, "BIOT_URL"); err != nil || len(got.Environments) != 1 || got.DefaultEnvironment() != "default" {
		t.Errorf("WithURL on an empty config = %+v, %v", got, err)
	}
	if _, err := c.WithURL("http://api.example.com", "BIOT_URL"); err == nil || !strings.HasPrefix(err.Error(), "BIOT_URL: http://api.example.com is not allowed") {
		t.Errorf("WithURL of a clear-text URL = %v, want an error naming BIOT_URL", err)
	}
}
