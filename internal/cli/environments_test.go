package cli_test

import (
	"bytes"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"biot-agent/internal/cli"
)

// mainIn runs biot-agent in this process, as a person would type it, with
// $XDG_CONFIG_HOME at home.
func mainIn(t *testing.T, args ...string) (code int, stdout, stderr string) {
	t.Helper()
	var out, errs bytes.Buffer
	code = cli.Main(args, strings.NewReader(""), &out, &errs)
	return code, out.String(), errs.String()
}

// TestEnvironmentsCommand adds, lists and removes environments as a person
// does, on the file alone (no agent runs). It sets XDG_CONFIG_HOME and
// BIOT_ENV, so it runs alone.
func TestEnvironmentsCommand(t *testing.T) {
	home := t.TempDir()
	t.Setenv("XDG_CONFIG_HOME", home)
	t.Setenv("BIOT_ENV", "")
	path := filepath.Join(home, "biot-agent", "config.toml")
	const dev, prod = "https://api.dev.acme.biot-med.com", "https://api.acme.biot-med.com"

	step := func(name string, args []string, code int, wantOut, wantErr []string) {
		t.Helper()
		c, out, errs := mainIn(t, args...)
		if c != code {
			t.Fatalf("%s: biot-agent %s exited %d, want %d\nstdout: %s\nstderr: %s", name, strings.Join(args, " "), c, code, out, errs)
		}
		for _, w := range wantOut {
			if !strings.Contains(out, w) {
				t.Errorf("%s: stdout %q does not say %q", name, out, w)
			}
		}
		for _, w := range wantErr {
			if !strings.Contains(errs, w) {
				t.Errorf("%s: stderr %q does not say %q", name, errs, w)
			}
		}
		if len(wantErr) == 0 && errs != "" {
			t.Errorf("%s: stderr %q, want nothing", name, errs)
		}
	}
	file := func() string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	step("nothing yet", []string{"environments"}, 0, nil, []string{"No environments in " + path, "biot-agent environments add NAME URL"})
	step("add to no file", []string{"environments", "add", "dev", dev + "/"}, 0,
		[]string{"Made " + path, "Added the environment dev (" + dev + ") to " + path}, nil)
	// dev was the default for being the only one; it stays the default,
	// so the commands that name none still act on it.
	step("add a second", []string{"environments", "add", "prod", prod}, 0,
		[]string{"Added the environment prod", `dev stays the default (default = "dev")`}, nil)
	step("list", []string{"environments"}, 0, []string{"dev   " + dev + "  default\n", "prod  " + prod + "\n"}, nil)

	step("a name that is there", []string{"environments", "add", "dev", prod}, 1, nil, []string{`the environment "dev" is there already`})
	step("a bad name", []string{"environments", "add", "Dev", dev}, 2, nil, []string{"lower-case"})
	step("a clear-text URL", []string{"environments", "add", "qa", "http://api.qa.acme.biot-med.com"}, 2, nil, []string{"is not allowed", "use https"})
	step("no URL", []string{"environments", "add", "qa"}, 2, nil, []string{"usage: biot-agent environments add NAME URL"})
	step("an unknown name", []string{"environments", "remove", "qa"}, 2, nil, []string{`unknown environment "qa"; known: dev, prod`})
	step("an unknown subcommand", []string{"environments", "rename", "dev"}, 2, nil, []string{`unknown "rename"`})

	// What the person writes stays.
	if err := os.WriteFile(path, []byte("# mine\n"+strings.Replace(file(), `default = "dev"`, `default = "prod"`, 1)+"\n# the end"), 0o600); err != nil {
		t.Fatal(err)
	}
	step("the default key", []string{"environments"}, 0, []string{"prod  " + prod + "      default\n"}, nil)
	step("remove the default", []string{"environments", "remove", "prod"}, 0,
		[]string{"Removed the environment prod (" + prod + ") from " + path, `default = "prod" is gone too`}, nil)
	if got, want := file(), "# mine\n\n[environments.dev]\nurl = \""+dev+"\"\n\n# the end"; got != want {
		t.Errorf("the file is\n%s\nwant\n%s", got, want)
	}
	step("the only one is the default", []string{"environments"}, 0, []string{"dev  " + dev + "  default\n"}, nil)

	// A file from before environments: its url moves, and stays "default".
	if err := os.WriteFile(path, []byte("url = \""+dev+"\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step("add beside a top-level url", []string{"environments", "add", "prod", prod}, 0,
		[]string{"Moved the top-level url of " + path + " into [environments.default]", `still the environment "default"`}, nil)
	step("list after the move", []string{"environments"}, 0, []string{"default  " + dev + "  default\n", "prod     " + prod + "\n"}, nil)
	if err := os.WriteFile(path, []byte(file()+"read_only = true\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step("read-only", []string{"environments"}, 0, []string{"prod     " + prod + "      read-only\n"}, nil)

	if err := os.WriteFile(path, []byte("colour = \"blue\"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	step("a file that does not parse", []string{"environments"}, 1, nil, []string{path, "unknown key colour"})
}
