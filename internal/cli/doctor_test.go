package cli_test

// The doctor run as a new user would run it, with the real binary: once in
// a desktop session (a private bus with gnome-keyring, a tray host and a
// notification server) with an agent running against a simulated BioT, and
// once outside any session, with no bus and no agent. Each time the test
// checks that what it says is true of that machine.

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/doctor"
	"biot-agent/ipc"
)

// docHome is a new user's folders and environment.
type docHome struct {
	t                                    *testing.T
	home, runtime, state, config, sysXDG string
	env                                  []string
}

func newDocHome(t *testing.T, extra ...string) *docHome {
	t.Helper()
	dir, err := os.MkdirTemp("", "biot-doc-") // short: the socket path must fit
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	h := &docHome{t: t}
	for _, p := range []*string{&h.home, &h.runtime, &h.state, &h.config, &h.sysXDG} {
		*p = filepath.Join(dir, fmt.Sprint(len(h.env)))
		h.env = append(h.env, "")
		if err := os.Mkdir(*p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	h.env = append([]string{
		"HOME=" + h.home,
		"XDG_RUNTIME_DIR=" + h.runtime,
		"XDG_STATE_HOME=" + h.state,
		"XDG_CONFIG_HOME=" + h.config,
		"XDG_CONFIG_DIRS=" + h.sysXDG, // no package's autostart entry from this machine
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}, extra...)
	return h
}

func (h *docHome) socket() string { return filepath.Join(h.runtime, "biot-agent", "agent.sock") }

// run runs biot-agent and waits, at most 30 s.
func (h *docHome) run(stdin string, args ...string) (code int, stdout, stderr string) {
	h.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	cmd := exec.CommandContext(ctx, binary, args...)
	cmd.Env, cmd.Dir, cmd.Stdin = h.env, h.home, strings.NewReader(stdin)
	var out, errb bytes.Buffer
	cmd.Stdout, cmd.Stderr = &out, &errb
	err := cmd.Run()
	if ctx.Err() != nil {
		h.t.Fatalf("biot-agent %s still ran after 30s", strings.Join(args, " "))
	}
	var ee *exec.ExitError
	if err != nil && !errors.As(err, &ee) {
		h.t.Fatalf("biot-agent %s: %v", strings.Join(args, " "), err)
	}
	return cmd.ProcessState.ExitCode(), out.String(), errb.String()
}

// doctor runs "biot-agent doctor --json" and decodes the report.
func (h *docHome) doctor() (doctor.Report, int) {
	h.t.Helper()
	begin := time.Now()
	code, stdout, stderr := h.run("", "doctor", "--json")
	if took := time.Since(begin); took > 10*time.Second {
		h.t.Errorf("doctor took %v, want under 10s", took)
	}
	var r doctor.Report
	if err := json.Unmarshal([]byte(stdout), &r); err != nil {
		h.t.Fatalf("doctor --json printed no report (%v): %q; stderr %q", err, stdout, stderr)
	}
	return r, code
}

// startAgent starts "biot-agent run --headless" with args, waits until its
// socket answers, and stops it in Cleanup. It answers the process.
func (h *docHome) startAgent(args ...string) *exec.Cmd {
	h.t.Helper()
	cmd := exec.Command(binary, append([]string{"run", "--headless"}, args...)...)
	cmd.Env, cmd.Dir = h.env, h.home
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Start(); err != nil {
		h.t.Fatal(err)
	}
	exited := make(chan struct{})
	go func() { cmd.Wait(); close(exited) }()
	h.t.Cleanup(func() {
		cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-exited:
		case <-time.After(15 * time.Second):
			cmd.Process.Kill()
			<-exited
		}
	})
	c := ipc.NewClient(h.socket())
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := c.Status(ctx)
		cancel()
		if err == nil {
			return cmd
		}
		select {
		case <-exited:
			h.t.Fatalf("the agent exited at start: %s", stderr.String())
		case <-deadline.C:
			h.t.Fatalf("the agent did not answer within 20s: %s", stderr.String())
		case <-tick.C:
		}
	}
}

// wantFinding fails the test unless the report's check has level and says
// every one of says (in its message or fix).
func wantFinding(t *testing.T, r doctor.Report, check string, level doctor.Level, says ...string) doctor.Finding {
	t.Helper()
	f, ok := r.Find(check)
	if !ok {
		t.Fatalf("the report has no %s finding", check)
	}
	text := f.Message + " Fix: " + f.Fix
	if f.Level != level {
		t.Errorf("%s: %s %q, want %s", check, f.Level, text, level)
	}
	for _, s := range says {
		if !strings.Contains(text, s) {
			t.Errorf("%s says %q, want %q in it", check, text, s)
		}
	}
	return f
}

// newSim starts a simulated BioT and writes its CA where SSL_CERT_FILE can
// name it: the binary trusts it as it trusts any BioT, through the system
// roots.
func newSim(t *testing.T, users ...biotsim.User) (*biotsim.Server, string) {
	t.Helper()
	sim, err := biotsim.New(biotsim.Options{Users: users})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	ca := filepath.Join(t.TempDir(), "ca.pem")
	if err := os.WriteFile(ca, sim.CACertPEM(), 0o644); err != nil {
		t.Fatal(err)
	}
	return sim, ca
}

func TestDoctorInADesktopSession(t *testing.T) {
	const user, password = "ana@example.com", "correct horse battery"
	bus := desktoptest.SessionBus(t)
	desktoptest.SecretService(t, bus)
	desktoptest.NewWatcher(t, bus)
	desktoptest.NewNotificationServer(t, bus, "actions", "body")
	sim, ca := newSim(t, biotsim.User{Username: user, Password: password})
	h := newDocHome(t, "DBUS_SESSION_BUS_ADDRESS="+bus.Address, "SSL_CERT_FILE="+ca)

	agent := h.startAgent("--url", sim.URL())
	r, code := h.doctor()
	wantFinding(t, r, doctor.CheckAgent, doctor.OK,
		fmt.Sprintf("(pid %d) answers on %s", agent.Process.Pid, h.socket()), "socket 0600 and folder 0700, both yours")
	wantFinding(t, r, doctor.CheckSession, doctor.Warn, "nobody is signed in", "biot-agent login")
	wantFinding(t, r, doctor.CheckBus, doctor.OK, busShown(bus.Address)+" answers")
	wantFinding(t, r, doctor.CheckSecrets, doctor.OK, "gnome-keyring-daemon (pid", "the login keyring is unlocked")
	wantFinding(t, r, doctor.CheckTray, doctor.OK, "hosts tray icons")
	wantFinding(t, r, doctor.CheckNotifications, doctor.OK, "with buttons")
	wantFinding(t, r, doctor.CheckAutostart, doctor.Warn, "off", "biot-agent autostart enable")
	wantFinding(t, r, doctor.CheckURL, doctor.OK, sim.URL()+" (from the running agent) answers /ums/system/healthCheck", "certificate is trusted")
	wantFinding(t, r, doctor.CheckClock, doctor.OK)
	if code != 0 || !r.OK {
		t.Errorf("doctor exited %d (ok=%v) with warnings only, want 0", code, r.OK)
	}

	// Signed in, with autostart on: all is well, and the URL now comes from
	// the session saved in the keyring, as "run" would find it.
	if code, _, stderr := h.run(password, "login", "--username", user, "--password-stdin"); code != 0 {
		t.Fatalf("login exited %d: %s", code, stderr)
	}
	if code, stdout, stderr := h.run("", "autostart", "enable"); code != 0 || !strings.Contains(stdout, "Autostart on: xdg-autostart") {
		t.Fatalf("autostart enable exited %d: %s %s", code, stdout, stderr)
	}
	code, stdout, _ := h.run("", "doctor")
	t.Logf("biot-agent doctor printed:\n%s", stdout)
	if code != 0 || !strings.Contains(stdout, "biot-agent doctor: all is well") {
		t.Errorf("doctor exited %d, printed:\n%s\nwant all is well", code, stdout)
	}
	r, _ = h.doctor()
	wantFinding(t, r, doctor.CheckSession, doctor.OK, "signed in as "+user+" to "+sim.URL())
	wantFinding(t, r, doctor.CheckAutostart, doctor.OK, "on: xdg-autostart ("+filepath.Join(h.config, "autostart", "biot-agent.desktop"))
	wantFinding(t, r, doctor.CheckURL, doctor.OK, sim.URL()+" (from the last session)")

	// The agent stops: doctor says so, and fails.
	agent.Process.Signal(syscall.SIGTERM)
	agent.Process.Wait()
	r, code = h.doctor()
	wantFinding(t, r, doctor.CheckAgent, doctor.Fail, "not running", "biot-agent run")
	if code != 1 {
		t.Errorf("doctor exited %d with the agent gone, want 1", code)
	}
}

func TestDoctorOutsideAnySession(t *testing.T) {
	sim, ca := newSim(t)
	for _, tt := range []struct {
		name  string
		env   []string
		check func(t *testing.T, r doctor.Report)
	}{
		{
			name: "nothing configured",
			check: func(t *testing.T, r doctor.Report) {
				wantFinding(t, r, doctor.CheckURL, doctor.Warn, "no BioT environment yet", "login --url")
				wantFinding(t, r, doctor.CheckClock, doctor.Skip, "no BioT URL")
			},
		},
		{
			name: "with BIOT_URL",
			env:  []string{"BIOT_URL=" + sim.URL(), "SSL_CERT_FILE=" + ca},
			check: func(t *testing.T, r doctor.Report) {
				wantFinding(t, r, doctor.CheckURL, doctor.OK, sim.URL()+" (from BIOT_URL) answers")
				wantFinding(t, r, doctor.CheckClock, doctor.OK)
			},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			h := newDocHome(t, tt.env...) // no DBUS_SESSION_BUS_ADDRESS, no agent
			r, code := h.doctor()
			wantFinding(t, r, doctor.CheckAgent, doctor.Fail, "not running: no socket at "+h.socket(), "biot-agent run")
			wantFinding(t, r, doctor.CheckSession, doctor.Skip, "the agent is not running")
			if _, err := os.Stat(fmt.Sprintf("/run/user/%d/bus", os.Getuid())); err == nil {
				t.Logf("this machine has a bus at /run/user/%d/bus, as a logged-in user would: not checking the bus findings", os.Getuid())
			} else {
				wantFinding(t, r, doctor.CheckBus, doctor.Fail, "no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set")
				for _, c := range []string{doctor.CheckSecrets, doctor.CheckTray, doctor.CheckNotifications} {
					wantFinding(t, r, c, doctor.Skip, "no session bus")
				}
			}
			wantFinding(t, r, doctor.CheckAutostart, doctor.Warn, "off")
			tt.check(t, r)
			if code != 1 || r.OK {
				t.Errorf("doctor exited %d (ok=%v), want 1", code, r.OK)
			}
		})
	}
}

// busShown is the bus address as doctor prints it, without the guid.
func busShown(addr string) string {
	shown, _, _ := strings.Cut(addr, ",guid=")
	return shown
}

// TestDoctorSaysWhereServiceSecretsComeFrom configures three service
// environments outside any session: one with a private secret_file, one
// whose secret_file others can read, one whose key is in a variable.
// doctor names each one's source and never its key, fails the readable
// file (run would refuse to start) and warns about the variable.
func TestDoctorSaysWhereServiceSecretsComeFrom(t *testing.T) {
	const (
		filed  = "svc-Doctor-filed-0a1b2c3d"
		open   = "svc-Doctor-open-4e5f6a7b"
		inVar  = "svc-Doctor-var-8c9d0e1f"
		idBase = "-1c2d-4e3f-8a4b-5c6d7e8f9a0b"
	)
	h := newDocHome(t, "DBUS_SESSION_BUS_ADDRESS=unix:path=/nonexistent/biot-doctor/bus", "BIOT_SERVICE_USER_SECRET_KEY_BY_VAR="+inVar)
	write := func(name, secret string, mode os.FileMode) string {
		path := filepath.Join(h.home, name)
		if err := os.WriteFile(path, []byte(secret), mode); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(path, mode); err != nil {
			t.Fatal(err)
		}
		return path
	}
	filedPath, openPath := write("filed.secret", filed, 0o600), write("open.secret", open, 0o640)
	env := func(name, id, file string) string {
		s := "[environments." + name + "]\nurl = \"https://127.0.0.1:1\"\nservice_user_id = \"" + id + "\"\n"
		if file != "" {
			s += "secret_file = \"" + file + "\"\n"
		}
		return s + "\n"
	}
	cfg := "default = \"filed\"\n\n" + env("filed", "aaaaaaaa"+idBase, filedPath) + env("open", "bbbbbbbb"+idBase, openPath) + env("by-var", "cccccccc"+idBase, "")
	if err := os.MkdirAll(filepath.Join(h.config, "biot-agent"), 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(h.config, "biot-agent", "config.toml"), []byte(cfg), 0o600); err != nil {
		t.Fatal(err)
	}

	r, code := h.doctor()
	if code != 1 || r.OK {
		t.Errorf("doctor exited %d (ok %v) with a readable secret file, want 1, not ok", code, r.OK)
	}
	want := map[string]struct {
		level doctor.Level
		says  []string
	}{
		"filed":  {doctor.OK, []string{"secret_file " + filedPath}},
		"open":   {doctor.Fail, []string{openPath, "chmod 600"}},
		"by-var": {doctor.Warn, []string{"BIOT_SERVICE_USER_SECRET_KEY_BY_VAR", "/proc/PID/environ", "LoadCredential=biot-service-secret.by-var"}},
	}
	seen := 0
	for _, f := range r.Findings {
		if f.Check != "service-secret" {
			continue
		}
		seen++
		w, ok := want[f.Detail["env"]]
		if !ok {
			t.Errorf("a finding for %q: %+v", f.Detail["env"], f)
			continue
		}
		text := f.Message + " " + f.Fix
		if f.Level != w.level {
			t.Errorf("%s: level %s, want %s: %s", f.Detail["env"], f.Level, w.level, text)
		}
		for _, s := range w.says {
			if !strings.Contains(text, s) {
				t.Errorf("%s: doctor said %q, want it to say %q", f.Detail["env"], text, s)
			}
		}
	}
	if seen != 3 {
		t.Errorf("%d service-secret findings, want 3", seen)
	}
	_, stdout, stderr := h.run("", "doctor")
	for _, out := range []string{stdout, stderr} {
		for _, s := range []string{filed, open, inVar} {
			if strings.Contains(out, s) {
				t.Errorf("doctor printed a secret key:\n%s", out)
			}
		}
	}
	if !strings.Contains(stdout, "service secret") {
		t.Errorf("doctor's text report has no service secret line:\n%s", stdout)
	}
}
