package cli_test

import (
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// TestSecretsStayOutOfLogsFilesAndTheProcessList lives through a whole
// session with the real keyring (sign-in, refreshes that rotate the refresh
// token, a restart, sign-out) and collects every token it meets; the world's
// leak check then reads every output and every file of the person's home
// and XDG folders for them. On top of that, the running agent's command line
// and environment hold none, and sessions.json holds the session without its
// refresh token.
func TestSecretsStayOutOfLogsFilesAndTheProcessList(t *testing.T) {
	t.Parallel()
	cfg := anaSim()
	cfg.AccessTTL = 2 * time.Second // refreshes every 1.5 s or so
	w := newWorld(t, worldOptions{sim: cfg, desktop: "need"})
	a := w.startAgent()
	w.mustLogin(ana, anaPW)
	w.refreshTokenFromKeyring(ana)

	for i := 1; i <= 3; i++ {
		waitFor(t, 10*time.Second, "refresh "+strconv.Itoa(i), func() bool { return w.sim.Stats().Refreshes >= i })
		w.wantSelf(w.token(), ana)
		w.refreshTokenFromKeyring(ana)
	}
	if n := w.secrets.len(); n < 8 {
		t.Fatalf("the test met %d secrets, want the password and at least 3 access and 4 refresh tokens", n)
	}
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(a.pid()), f))
		if err != nil {
			t.Logf("no /proc to read the agent's %s from: %v", f, err)
			continue
		}
		if found := w.secrets.in(string(b)); len(found) > 0 {
			t.Errorf("the running agent's %s holds %s", f, strings.Join(found, ", "))
		}
	}

	meta, err := os.ReadFile(filepath.Join(w.state, "biot-agent", "sessions.json"))
	if err != nil {
		t.Fatalf("the session's metadata file: %v", err)
	}
	if !strings.Contains(string(meta), ana) || !strings.Contains(string(meta), w.sim.URL()) {
		t.Errorf("sessions.json does not name %s at %s:\n%s", ana, w.sim.URL(), meta)
	}
	if found := w.secrets.in(string(meta)); len(found) > 0 {
		t.Errorf("sessions.json holds %s", strings.Join(found, ", "))
	}

	a.stop()
	w.startAgent()
	w.wantSelf(w.token(), ana)
	w.refreshTokenFromKeyring(ana)
	wantExit(t, w.run("", "status"), 0, "status")
	wantExit(t, w.run("", "logout"), 0, "logout")
	if s := w.sim.Stats(); s.RefreshReuse != 0 {
		t.Errorf("a rotated-out refresh token was spent again %d times", s.RefreshReuse)
	}
}
