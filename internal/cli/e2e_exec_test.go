package cli_test

import (
	"testing"
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
