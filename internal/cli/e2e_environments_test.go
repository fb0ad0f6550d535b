package cli_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"biot-agent/internal/biotsim"
)

// TestCommandsActOnTheEnvironmentThePrecedencePicks is the precedence
// table with the real binary: the agent serves every configured
// environment, and each command picks the one it acts on, in this order:
// -e/--env NAME, $BIOT_ENV, the file's default, the environment named
// "default", the only one. When none of these picks one, or a name names
// none, the command exits 2 and says which names there are.
//
// Each row runs login, token, status and logout as a person or a script
// would, starting with every environment signed out: login must sign in
// the environment the row picks and no other (status --all tells), token
// must then get that environment's token (any other is signed out, exit
// 3), and status must name it. A refused row must leave everything signed
// out, without a word sent to BioT.
func TestCommandsActOnTheEnvironmentThePrecedencePicks(t *testing.T) {
	t.Parallel()
	type row struct {
		name string
		env  []string // the command's environment variables
		args []string // after the command's name
		pick string   // the environment it must act on; "" for a refusal
		says []string // what a refusal must say
	}
	// Both environments are on one BioT: what tells them apart is which
	// one is signed in.
	dev := func(w *world) envSection { return envSection{"dev", w.sim.URL()} }
	prod := func(w *world) envSection { return envSection{"prod", w.sim.URL()} }
	for _, file := range []struct {
		name   string
		config func(w *world) string
		rows   []row
	}{
		{
			name:   "dev and prod, default = dev",
			config: func(w *world) string { return configOf("dev", dev(w), prod(w)) },
			rows: []row{
				{name: "-e before BIOT_ENV and the default", env: []string{"BIOT_ENV=dev"}, args: []string{"-e", "prod"}, pick: "prod"},
				{name: "--env", args: []string{"--env", "prod"}, pick: "prod"},
				{name: "BIOT_ENV before the default", env: []string{"BIOT_ENV=prod"}, pick: "prod"},
				{name: "the file's default", pick: "dev"},
				{name: "-e names none", args: []string{"-e", "qa"}, says: []string{`"qa"`, "dev, prod"}},
				{name: "BIOT_ENV names none", env: []string{"BIOT_ENV=qa"}, says: []string{`"qa"`, "dev, prod"}},
				{name: "a name that cannot be one", args: []string{"-e", "Prod"}, says: []string{`"Prod"`, "lower-case"}},
			},
		},
		{
			name:   "dev alone",
			config: func(w *world) string { return configOf("", dev(w)) },
			rows:   []row{{name: "the only one", pick: "dev"}},
		},
		{
			name:   "a top-level url and prod",
			config: func(w *world) string { return "url = \"" + w.sim.URL() + "\"\n" + configOf("", prod(w)) },
			rows:   []row{{name: "the one named default", pick: "default"}},
		},
		{
			name:   "dev and prod, no default",
			config: func(w *world) string { return configOf("", dev(w), prod(w)) },
			rows: []row{
				{name: "none picks one", says: []string{"dev, prod", "--env", "BIOT_ENV"}},
				{name: "-e still picks", args: []string{"-e", "dev"}, pick: "dev"},
			},
		},
	} {
		t.Run(file.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{sim: anaSim()})
			w.writeConfig(file.config(w))
			w.startAgentWith(w.env, "run", "--headless")
			allOut := w.states()
			for _, r := range file.rows {
				// In sequence: each row starts from every environment signed out.
				t.Run(r.name, func(t *testing.T) {
					env := w.with(r.env...)
					cmd := func(stdin, name string, extra ...string) result {
						t.Helper()
						args := append(append([]string{name}, r.args...), extra...)
						return w.start(env, stdin, args...).wait()
					}
					what := func(name string) string { // as a person types it
						return strings.Join(slices.Concat(r.env, []string{"biot-agent", name}, r.args), " ")
					}
					logins := w.sim.Stats().ByPath[biotsim.PathLogin]

					login := cmd(anaPW, "login", "--username", ana, "--password-stdin")
					token := cmd("", "token")
					status := cmd("", "status", "--json")
					if r.pick == "" {
						for name, res := range map[string]result{"login": login, "token": token, "status": status} {
							wantExit(t, res, 2, what(name))
							wantOneLine(t, res.stderr, what(name), r.says...)
							if res.stdout != "" {
								t.Errorf("%s printed %q on stdout, want nothing", what(name), res.stdout)
							}
						}
						if got := w.states(); fmt.Sprint(got) != fmt.Sprint(allOut) {
							t.Errorf("after the refused commands status --all says %q, want %q", got, allOut)
						}
						if n := w.sim.Stats().ByPath[biotsim.PathLogin] - logins; n != 0 {
							t.Errorf("BioT saw %d sign-ins from a refused login, want none", n)
						}
						return
					}

					wantExit(t, login, 0, what("login"))
					var want []string
					for _, line := range allOut {
						if name, _, _ := strings.Cut(line, " "); name == r.pick {
							line = r.pick + " signed_in " + ana
						}
						want = append(want, line)
					}
					if got := w.states(); fmt.Sprint(got) != fmt.Sprint(want) {
						t.Errorf("after %s, status --all says %q, want %q", what("login"), got, want)
					}
					wantExit(t, token, 0, what("token"))
					w.wantSelf(strings.TrimSpace(token.stdout), ana)
					wantExit(t, status, 0, what("status --json"))
					if !strings.Contains(status.stdout, `"env": "`+r.pick+`"`) {
						t.Errorf("%s printed\n%s\nwant \"env\": %q", what("status --json"), status.stdout, r.pick)
					}
					wantExit(t, cmd("", "logout"), 0, what("logout"))
					if got := w.states(); fmt.Sprint(got) != fmt.Sprint(allOut) {
						t.Errorf("after %s, status --all says %q, want %q", what("logout"), got, allOut)
					}
				})
			}
		})
	}
}
