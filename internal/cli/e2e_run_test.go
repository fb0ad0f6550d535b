package cli_test

import (
	"errors"
	"io/fs"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestSecondRunOnALiveSocketExitsAtOnceAndTheFirstKeepsServing(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.startAgent()
	w.mustLogin(ana, anaPW)

	res := w.run("", "run", "--headless", "--url", w.sim.URL())
	if res.code == 0 {
		t.Fatalf("a second run exited 0, want a failure; stderr: %s", res.stderr)
	}
	if !strings.Contains(res.stderr, "already running") {
		t.Errorf("a second run said %q, want \"already running\"", res.stderr)
	}
	if res.took > 5*time.Second {
		t.Errorf("a second run took %v to give up, want at once", res.took.Round(time.Millisecond))
	}
	w.wantSelf(w.token(), ana)
}

func TestRunFindsTheBioTURL(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		env    func(w *world) []string // extra environment
		config func(w *world) string   // config.toml, if any
		args   func(w *world) []string // after "run --headless"
	}{
		{
			name: "from BIOT_URL",
			env:  func(w *world) []string { return []string{"BIOT_URL=" + w.sim.URL()} },
		},
		{
			name:   "from url in config.toml",
			config: func(w *world) string { return "url = \"" + w.sim.URL() + "\"\n" },
		},
		{
			name:   "BIOT_URL before config.toml",
			env:    func(w *world) []string { return []string{"BIOT_URL=" + w.sim.URL()} },
			config: func(*world) string { return "url = \"https://config.invalid\"\n" },
		},
		{
			name: "--url before BIOT_URL",
			env:  func(*world) []string { return []string{"BIOT_URL=https://env.invalid"} },
			args: func(w *world) []string { return []string{"--url", w.sim.URL()} },
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{sim: anaSim()})
			env := w.env
			if tt.env != nil {
				env = w.with(tt.env(w)...)
			}
			if tt.config != nil {
				w.writeConfig(tt.config(w))
			}
			args := []string{"run", "--headless"}
			if tt.args != nil {
				args = append(args, tt.args(w)...)
			}
			w.startAgentWith(env, args...)
			st, _ := w.status()
			if st.BaseURL != w.sim.URL() {
				t.Errorf("the agent uses %q, want %q", st.BaseURL, w.sim.URL())
			}
			w.mustLogin(ana, anaPW)
			w.wantSelf(w.token(), ana)
		})
	}
	t.Run("from the saved session", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
		first := w.startAgent()
		w.mustLogin(ana, anaPW)
		w.refreshTokenFromKeyring(ana)
		first.stop()

		w.startAgentWith(w.env, "run", "--headless")
		// A token first: it waits for the agent to read the saved session,
		// which a status asked at once may not see yet.
		w.wantSelf(w.token(), ana)
		st, _ := w.status()
		if st.BaseURL != w.sim.URL() || st.State != "signed_in" {
			t.Errorf("without a URL the agent resumed %q in state %q, want %q signed_in", st.BaseURL, st.State, w.sim.URL())
		}
		w.refreshTokenFromKeyring(ana)
	})
}

func TestRunRefusesABadURLOrConfig(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name   string
		args   []string
		config string
		code   int
		want   []string
	}{
		{
			name: "http is refused",
			args: []string{"--url", "http://example.com"},
			code: 2,
			want: []string{"http://example.com", "https"},
		},
		{
			name:   "an unknown key in config.toml is named",
			config: "url = \"https://api.example.com\"\ncolour = \"blue\"\n",
			code:   1,
			want:   []string{"config.toml", "unknown key", "colour"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			if tt.config != "" {
				w.writeConfig(tt.config)
			}
			res := w.run("", append([]string{"run", "--headless"}, tt.args...)...)
			wantExit(t, res, tt.code, "run")
			last := lastLine(res.stderr)
			wantOneLine(t, last, "run", tt.want...)
			if !strings.HasPrefix(last, "biot-agent") {
				t.Errorf("run ended with %q, want a line that starts with \"biot-agent\"", last)
			}
			if _, err := os.Lstat(w.socket()); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("a refused run left its socket behind (%v)", err)
			}
		})
	}
}

// TestRunWithNothingConfiguredServesAndSaysWhatToDo is the first run: the
// desktop starts the agent at login for a person who has configured
// nothing yet. It starts all the same and its socket answers; every
// command that needs an environment exits 2 saying there is none yet and
// how to add one, and status --all lists none.
func TestRunWithNothingConfiguredServesAndSaysWhatToDo(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	a := w.startAgentWith(w.env, "run", "--headless")
	if list, err := a.client.Environments(w.ctx()); err != nil || len(list.Environments) != 0 {
		t.Fatalf("the agent with nothing configured lists %+v (%v), want no environment", list, err)
	}
	for _, args := range [][]string{{"status"}, {"status", "--json"}, {"token"}} {
		what := strings.Join(args, " ")
		res := w.run("", args...)
		wantExit(t, res, 2, what)
		wantOneLine(t, res.stderr, what, "no BioT environment", "biot-agent login --url")
		if res.stdout != "" {
			t.Errorf("%s printed %q on stdout, want nothing", what, res.stdout)
		}
	}
	res := w.run("", "status", "--all")
	wantExit(t, res, 3, "status --all") // as signed out: nobody is signed in anywhere
	for _, want := range []string{"No environment yet", "biot-agent login --url"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("status --all printed %q, want it to say %q", res.stdout, want)
		}
	}
	if sts, _ := w.statusAll(); len(sts) != 0 {
		t.Errorf("status --all --json printed %+v, want an empty array", sts)
	}
}

// writeConfig writes $XDG_CONFIG_HOME/biot-agent/config.toml.
func (w *world) writeConfig(text string) {
	w.t.Helper()
	dir := filepath.Join(w.config, "biot-agent")
	if err := os.MkdirAll(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(dir, "config.toml"), []byte(text), 0o600); err != nil {
		w.t.Fatal(err)
	}
}

// lastLine is the last line of s: the error a command ends with, after any
// log lines.
func lastLine(s string) string {
	s = strings.TrimRight(s, "\n")
	return s[strings.LastIndex(s, "\n")+1:]
}
