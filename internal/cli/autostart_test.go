package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"biot-agent/internal/autostart"
)

// TestAutostartCommand runs "biot-agent autostart" as a new user would, in
// a home of its own. The systemctl it may run is the machine's: with the
// test's own XDG_RUNTIME_DIR it reaches no service manager, and works on
// the files under the test's HOME, or is missing and biot-agent links the
// unit itself.
func TestAutostartCommand(t *testing.T) {
	h := newDocHome(t)
	entry := filepath.Join(h.config, "autostart", "biot-agent.desktop")
	unit := filepath.Join(h.config, "systemd", "user", "biot-agent.service")
	link := filepath.Join(h.config, "systemd", "user", "graphical-session.target.wants", "biot-agent.service")

	status := func() autostart.State {
		t.Helper()
		code, stdout, stderr := h.run("", "autostart", "status", "--json")
		if code != 0 {
			t.Fatalf("autostart status exited %d: %s", code, stderr)
		}
		var st autostart.State
		if err := json.Unmarshal([]byte(stdout), &st); err != nil {
			t.Fatalf("autostart status --json: %v: %q", err, stdout)
		}
		return st
	}
	mustRun := func(want string, args ...string) {
		t.Helper()
		code, stdout, stderr := h.run("", args...)
		if code != 0 || !strings.Contains(stdout, want) {
			t.Fatalf("biot-agent %s exited %d, printed %q (stderr %q), want %q", strings.Join(args, " "), code, stdout, stderr, want)
		}
	}

	if st := status(); st.Enabled {
		t.Fatalf("a new user's autostart is %+v, want off", st)
	}
	mustRun("Autostart on: xdg-autostart ("+entry+", made by biot-agent)", "autostart", "enable")
	b, err := os.ReadFile(entry)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(b), "Exec="+binary+" run\n") {
		t.Errorf("the entry does not run this binary by its absolute path:\n%s", b)
	}

	mustRun("Autostart on: systemd-user ("+unit, "autostart", "enable", "--systemd")
	if target, err := os.Readlink(link); err != nil || target != unit {
		t.Errorf("the unit is not enabled: %s -> %q (%v)", link, target, err)
	}
	if _, err := os.Stat(entry); !os.IsNotExist(err) {
		t.Errorf("the XDG entry is still there beside the unit (%v): the agent would start twice", err)
	}
	if st := status(); st.Mechanism != autostart.SystemdUser || len(st.Active()) != 1 {
		t.Errorf("status = %+v, want the systemd unit alone", st)
	}

	mustRun("Autostart off", "autostart", "disable")
	for _, p := range []string{entry, unit, link} {
		if _, err := os.Lstat(p); !os.IsNotExist(err) {
			t.Errorf("%s is left after disable (%v)", p, err)
		}
	}
	if code, _, stderr := h.run("", "autostart", "frobnicate"); code != 2 || !strings.Contains(stderr, "enable, disable or status") {
		t.Errorf("autostart frobnicate exited %d: %q, want usage (2)", code, stderr)
	}
}
