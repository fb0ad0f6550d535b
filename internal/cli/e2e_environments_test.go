package cli_test

import (
	"strings"
	"testing"
)

// TestRunTakesTheEnvironmentTheFilePicks: until the agent serves several
// environments at once, run serves the one config.Resolve picks (BIOT_ENV,
// else the default), and says why when none is picked.
func TestRunTakesTheEnvironmentTheFilePicks(t *testing.T) {
	t.Parallel()
	two := func(w *world, def string) string {
		return def + "[environments.sim]\nurl = \"" + w.sim.URL() + "\"\n[environments.other]\nurl = \"https://other.invalid\"\n"
	}
	t.Run("the default key", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{sim: anaSim()})
		w.writeConfig(two(w, "default = \"sim\"\n"))
		w.startAgentWith(w.env, "run", "--headless")
		if st, _ := w.status(); st.BaseURL != w.sim.URL() {
			t.Errorf("the agent uses %q, want the default's %q", st.BaseURL, w.sim.URL())
		}
	})
	t.Run("BIOT_ENV before the default key", func(t *testing.T) {
		t.Parallel()
		w := newWorld(t, worldOptions{sim: anaSim()})
		w.writeConfig(two(w, "default = \"other\"\n"))
		w.startAgentWith(w.with("BIOT_ENV=sim"), "run", "--headless")
		if st, _ := w.status(); st.BaseURL != w.sim.URL() {
			t.Errorf("the agent uses %q, want BIOT_ENV's %q", st.BaseURL, w.sim.URL())
		}
	})
	for _, tt := range []struct {
		name string
		def  string
		env  []string
		want []string
	}{
		{"two and none chosen", "", nil, []string{"2 environments and none chosen", "BIOT_ENV", "config.toml", "known: other, sim"}},
		{"BIOT_ENV names none", "default = \"sim\"\n", []string{"BIOT_ENV=qa"}, []string{`unknown environment "qa" (from BIOT_ENV); known: other, sim`}},
	} {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{sim: anaSim()})
			w.writeConfig(two(w, tt.def))
			res := w.start(w.with(tt.env...), "", "run", "--headless").wait()
			wantExit(t, res, 2, "run")
			last := lastLine(res.stderr)
			wantOneLine(t, last, "run", tt.want...)
			if !strings.HasPrefix(last, "biot-agent") {
				t.Errorf("run ended with %q, want a line that starts with \"biot-agent\"", last)
			}
		})
	}
}
