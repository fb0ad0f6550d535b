package cli_test

import (
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"testing"

	"biot-agent/internal/biotsim"
)

func TestExecGivesTheChildTheTokenAndPassesItsExitCode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.startAgent()
	w.mustLogin(ana, anaPW)

	res := w.run("", "exec", "--", "sh", "-c", `echo "$BIOT_API_URL"; test -n "$BIOT_TOKEN"`)
	wantExit(t, res, 0, "exec")
	if res.stdout != w.sim.URL()+"\n" {
		t.Errorf("the child printed BIOT_API_URL %q, want %q", res.stdout, w.sim.URL())
	}
	// The child holds the token the agent serves, without printing it.
	res = w.run("", "exec", "--", "sh", "-c", `test "$BIOT_TOKEN" = "$(biot-agent token)"`)
	wantExit(t, res, 0, "exec comparing BIOT_TOKEN with biot-agent token")

	res = w.run("", "exec", "--", "sh", "-c", "exit 7")
	wantExit(t, res, 7, "exec of a child that exits 7")
	if res.stderr != "" {
		t.Errorf("exec added %q on stderr to the child's exit, want nothing", res.stderr)
	}

	wantExit(t, w.run("", "logout"), 0, "logout")
	res = w.run("", "exec", "--", "sh", "-c", "echo the child ran")
	wantExit(t, res, 3, "exec signed out")
	wantOneLine(t, res.stderr, "exec signed out", "not signed in", "biot-agent login")
	if res.stdout != "" {
		t.Errorf("exec signed out ran the child anyway: %q", res.stdout)
	}
}

func TestEnvPointsToolsAtTheAgentsSocket(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.startAgent()
	w.mustLogin(ana, anaPW)

	res := w.run("", "env")
	wantExit(t, res, 0, "env")
	if want := "export BIOT_AGENT_SOCK=" + w.socket() + "\n"; res.stdout != want {
		t.Errorf("env printed %q, want %q", res.stdout, want)
	}
	// A shell that evaluated it finds the agent without XDG_RUNTIME_DIR.
	res = w.sh(`eval "$(biot-agent env)" && unset XDG_RUNTIME_DIR && biot-agent token >/dev/null`)
	wantExit(t, res, 0, `eval "$(biot-agent env)", then token without XDG_RUNTIME_DIR`)
}

// TestScriptsLearnWhichEnvironmentTheyActOn: with two environments on two
// BioTs, exec gives its child the environment it took the token from in
// BIOT_ENV (named with -e, by BIOT_ENV, or the default), so the child's
// own biot-agent calls act there too; status --json names its environment
// in "env", and status --all --json is an array of every environment.
func TestScriptsLearnWhichEnvironmentTheyActOn(t *testing.T) {
	t.Parallel()
	const bo, boPW = "bo@example.com", "bo-password-prod-5e1"
	w := newWorld(t, worldOptions{sim: anaSim()})
	prodSim := w.addSim(&biotsim.Options{Users: []biotsim.User{{Username: bo, Password: boPW}}})
	w.writeConfig(configOf("dev", envSection{"dev", w.sim.URL()}, envSection{"prod", prodSim.URL()}))
	w.startAgentWith(w.env, "run", "--headless")
	w.loginTo("dev", ana, anaPW)
	w.loginTo("prod", bo, boPW)

	// The child prints where it is, and checks that its own token request
	// gets the token it was given.
	const child = `echo "$BIOT_ENV $BIOT_API_URL"; test "$BIOT_TOKEN" = "$(biot-agent token)"`
	for _, tt := range []struct {
		name string
		env  []string
		args []string
		want string // the environment
		url  string
	}{
		{"-e", nil, []string{"-e", "prod"}, "prod", prodSim.URL()},
		{"BIOT_ENV", []string{"BIOT_ENV=prod"}, nil, "prod", prodSim.URL()},
		{"the default", nil, nil, "dev", w.sim.URL()},
	} {
		args := slices.Concat([]string{"exec"}, tt.args, []string{"--", "sh", "-c", child})
		res := w.start(w.with(tt.env...), "", args...).wait()
		wantExit(t, res, 0, "exec with "+tt.name)
		if want := tt.want + " " + tt.url + "\n"; res.stdout != want {
			t.Errorf("exec with %s: the child printed %q, want %q", tt.name, res.stdout, want)
		}
	}

	var st map[string]any
	res := w.run("", "status", "--json")
	wantExit(t, res, 0, "status --json")
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil || st["env"] != "dev" || st["username"] != ana {
		t.Errorf("status --json printed %s (%v), want \"env\": \"dev\" and ana", res.stdout, err)
	}
	res = w.run("", "status", "-e", "prod", "--json")
	wantExit(t, res, 0, "status -e prod --json")
	if err := json.Unmarshal([]byte(res.stdout), &st); err != nil || st["env"] != "prod" || st["username"] != bo {
		t.Errorf("status -e prod --json printed %s (%v), want \"env\": \"prod\" and bo", res.stdout, err)
	}

	sts, res := w.statusAll()
	wantExit(t, res, 0, "status --all --json")
	want := []string{"dev signed_in " + ana + " " + w.sim.URL(), "prod signed_in " + bo + " " + prodSim.URL()}
	var got []string
	for _, st := range sts {
		got = append(got, strings.Join([]string{st.Env, string(st.State), st.Username, st.BaseURL}, " "))
	}
	if fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("status --all --json printed %q, want %q", got, want)
	}
	res = w.run("", "status", "--all")
	wantExit(t, res, 0, "status --all")
	for _, want := range []string{"dev (default)\n", "prod\n", ana, bo, prodSim.URL()} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("status --all printed\n%s\nwant it to say %q", res.stdout, want)
		}
	}
}
