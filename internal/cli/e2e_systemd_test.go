package cli_test

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/ipc"
)

// serverUnit is the systemd unit packaging/ ships for servers.
var serverUnit = filepath.Join("..", "..", "packaging", "biot-agent-service.service")

// installedBinary is where the packages put the program, as the unit's
// ExecStart names it.
const installedBinary = "/usr/bin/biot-agent"

// skipOrFail skips the test saying why, or, where CI demands every part
// (BIOT_AGENT_REQUIRE_DESKTOP=1, and .ci/run installs systemd), fails it.
func skipOrFail(t *testing.T, format string, args ...any) {
	t.Helper()
	if desktoptest.Required() {
		t.Fatalf(format+" ("+desktoptest.RequireEnv+"=1)", args...)
	}
	t.Skipf(format, args...)
}

// unitFile is a systemd unit's settings, section by section, in order.
type unitFile map[string][]unitSetting

type unitSetting struct{ key, value string }

// readUnit parses the unit at path as systemd does for what it holds: one
// Key=Value a line, comments (# and ;) and blank lines ignored. It fails
// the test on a continued line, which it does not read.
func readUnit(t *testing.T, path string) unitFile {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	u := unitFile{}
	section := ""
	sc := bufio.NewScanner(f)
	for n := 1; sc.Scan(); n++ {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || line[0] == '#' || line[0] == ';':
		case strings.HasSuffix(line, `\`):
			t.Fatalf("%s:%d: a continued line, which this test does not read", path, n)
		case line[0] == '[' && line[len(line)-1] == ']':
			section = line[1 : len(line)-1]
		default:
			k, v, ok := strings.Cut(line, "=")
			if !ok || section == "" {
				t.Fatalf("%s:%d: %q is no Key=Value in a section", path, n, line)
			}
			u[section] = append(u[section], unitSetting{strings.TrimSpace(k), strings.TrimSpace(v)})
		}
	}
	if err := sc.Err(); err != nil {
		t.Fatal(err)
	}
	return u
}

// all answers every value of key in section, in order.
func (u unitFile) all(section, key string) []string {
	var out []string
	for _, s := range u[section] {
		if s.key == key {
			out = append(out, s.value)
		}
	}
	return out
}

// one answers the one value of key in section, failing the test unless
// there is exactly one.
func (u unitFile) one(t *testing.T, section, key string) string {
	t.Helper()
	v := u.all(section, key)
	if len(v) != 1 {
		t.Fatalf("the unit has %d %s= in [%s], want one", len(v), key, section)
	}
	return v[0]
}

// unitRoots is where a unit's specifiers point: %E the configuration
// folder's root, %t the runtime folder's root.
type unitRoots struct{ config, runtime string }

// expand replaces the specifiers the unit uses, and fails the test on any
// other: the test must know what each means.
func (r unitRoots) expand(t *testing.T, v string) string {
	t.Helper()
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '%' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 'E':
			b.WriteString(r.config)
		case 't':
			b.WriteString(r.runtime)
		case '%':
			b.WriteByte('%')
		default:
			t.Fatalf("the unit uses the specifier %%%c, which this test does not know", v[i])
		}
	}
	return b.String()
}

// environment answers the unit's Environment= lines, expanded, as
// KEY=value. Each line here holds one assignment, unquoted.
func (u unitFile) environment(t *testing.T, r unitRoots) []string {
	t.Helper()
	var out []string
	for _, v := range u.all("Service", "Environment") {
		if strings.ContainsAny(v, "\" '") {
			t.Fatalf("Environment=%s: one unquoted KEY=value a line, please: this test reads no more", v)
		}
		out = append(out, r.expand(t, v))
	}
	return out
}

// TestServerUnitVerifies checks the shipped unit with systemd-analyze
// verify, the way systemd reads it, with this build in place of
// /usr/bin/biot-agent: no error, no warning. It also holds the unit to
// what the README promises: the agent run headless, the secret key as the
// credential the agent reads, and the hardening.
func TestServerUnitVerifies(t *testing.T) {
	t.Parallel()
	u := readUnit(t, serverUnit)
	if got, want := u.one(t, "Service", "ExecStart"), installedBinary+" run --headless"; got != want {
		t.Errorf("ExecStart=%s, want %s", got, want)
	}
	if got, want := u.one(t, "Service", "LoadCredential"), "biot-service-secret:/etc/biot-agent/service-secret"; got != want {
		t.Errorf("LoadCredential=%s, want %s (the credential's name is the one the agent reads)", got, want)
	}
	for key, want := range map[string]string{
		"NoNewPrivileges": "yes", "ProtectSystem": "strict", "ProtectHome": "yes", "PrivateTmp": "yes",
		"RuntimeDirectory": "biot-agent", "RuntimeDirectoryMode": "0700", "LimitCORE": "0",
	} {
		if got := u.one(t, "Service", key); got != want {
			t.Errorf("%s=%s, want %s", key, got, want)
		}
	}

	if _, err := exec.LookPath("systemd-analyze"); err != nil {
		skipOrFail(t, "no systemd-analyze to verify %s with (apt-get install systemd): %v", serverUnit, err)
	}
	b, err := os.ReadFile(serverUnit)
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	unit := filepath.Join(dir, "biot-agent-service.service")
	if err := os.WriteFile(unit, []byte(strings.ReplaceAll(string(b), installedBinary, binary)), 0o644); err != nil {
		t.Fatal(err)
	}
	// A unit known to be good first: systemd-analyze that cannot run here
	// (no /run/systemd, no manager) says so on it too.
	probe := filepath.Join(dir, "probe.service")
	if err := os.WriteFile(probe, []byte("[Unit]\nDescription=probe\n[Service]\nExecStart=/bin/true\n"), 0o644); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	if out, err := exec.CommandContext(ctx, "systemd-analyze", "verify", probe).CombinedOutput(); err != nil || len(out) > 0 {
		skipOrFail(t, "systemd-analyze verify cannot run here, even on a good unit: %v: %s", err, out)
	}
	out, err := exec.CommandContext(ctx, "systemd-analyze", "verify", unit).CombinedOutput()
	if err != nil || len(out) > 0 {
		t.Errorf("systemd-analyze verify %s (with %s as ExecStart): %v\n%s", serverUnit, binary, err, out)
	}
}

// serviceWorld is a world with one service environment, svc, in its
// config file, and the secret key in a file of the administrator's
// (outside the folders the leak check reads).
func serviceWorld(t *testing.T, id, secret string) (*world, string) {
	t.Helper()
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", secret)
	w.writeConfig("[environments.svc]\nurl = \"" + w.sim.URL() + "\"\nservice_user_id = \"" + id + "\"\n")
	dir := filepath.Join(w.dir, "etc")
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "service-secret")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o600); err != nil {
		t.Fatal(err)
	}
	return w, file
}

// TestServerUnitsCommandServesAToken starts the agent exactly as the
// shipped unit's ExecStart does, with the environment systemd gives it:
// the unit's Environment= lines (read from the file, so this test breaks
// when the unit changes), its credential in $CREDENTIALS_DIRECTORY (0400,
// as systemd writes it), its runtime folder made 0700, and nothing of a
// desktop: no XDG_RUNTIME_DIR, no D-Bus. A job finds the socket as the
// unit's comment says, with BIOT_AGENT_SOCK, and gets the service user's
// token.
func TestServerUnitsCommandServesAToken(t *testing.T) {
	t.Parallel()
	const (
		id     = "5c4b3a29-1807-4f6e-8d5c-4b3a29180706"
		secret = "svc-Un1t-key-7f6e5d4c3b2a"
	)
	w, secretFile := serviceWorld(t, id, secret)
	u := readUnit(t, serverUnit)
	roots := unitRoots{config: w.config, runtime: w.runtime}

	// What systemd does before ExecStart: the runtime folder, the
	// credential.
	rd := u.one(t, "Service", "RuntimeDirectory")
	mode, err := strconv.ParseUint(u.one(t, "Service", "RuntimeDirectoryMode"), 8, 32)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Mkdir(filepath.Join(w.runtime, rd), fs.FileMode(mode)); err != nil {
		t.Fatal(err)
	}
	name, from, _ := strings.Cut(u.one(t, "Service", "LoadCredential"), ":")
	if from != "/etc/biot-agent/service-secret" {
		t.Fatalf("LoadCredential reads %s, want /etc/biot-agent/service-secret as the README says", from)
	}
	creds := filepath.Join(w.dir, "credentials")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	b, err := os.ReadFile(secretFile)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, name), b, 0o400); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(creds, 0o500); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = os.Chmod(creds, 0o700) })

	exe := strings.Fields(u.one(t, "Service", "ExecStart"))
	if exe[0] != installedBinary {
		t.Fatalf("ExecStart runs %s, want %s", exe[0], installedBinary)
	}
	env := append(u.environment(t, roots),
		"CREDENTIALS_DIRECTORY="+creds,
		"RUNTIME_DIRECTORY="+filepath.Join(w.runtime, rd),
		"HOME="+w.home,
		"LANG=C.UTF-8",
		"PATH="+binDir+":/usr/local/bin:/usr/bin:/bin",
		"SSL_CERT_FILE="+filepath.Join(w.dir, "ca.pem"), // the one addition: trust the simulator
	)
	if raceEnabled {
		env = append(env, "GORACE=atexit_sleep_ms=20")
	}
	a := w.startAgentWith(env, exe[1:]...)

	// A job of the same user, as the unit's comment shows it.
	sock := ""
	for _, kv := range env {
		if v, ok := strings.CutPrefix(kv, "BIOT_AGENT_SOCK="); ok {
			sock = v
		}
	}
	if sock != w.socket() {
		t.Fatalf("the unit puts the socket at %s, want %%t/biot-agent/agent.sock (%s)", sock, w.socket())
	}
	job := []string{"BIOT_AGENT_SOCK=" + sock, "PATH=" + binDir + ":/usr/bin:/bin", "SSL_CERT_FILE=" + filepath.Join(w.dir, "ca.pem")}
	res := w.start(job, "", "token").wait()
	wantExit(t, res, 0, "BIOT_AGENT_SOCK="+sock+" biot-agent token")
	wantServiceToken(t, w, strings.TrimSpace(res.stdout), id)

	res = a.stop()
	if lines := desktopLines(res.stderr); len(lines) > 0 {
		t.Errorf("the agent started as the unit does spoke of the desktop it does not need:\n%s", strings.Join(lines, "\n"))
	}
}

// userManager is a systemd user manager the test can start units in:
// the one of the session the tests run in, else one of the test's own.
type userManager struct {
	env  []string // what systemctl and systemd-run need to reach it
	args []string // "--user", or none for the system manager
	// runtime is the root of its units' runtime folders: %t.
	runtime string
}

// systemctl runs systemctl against the manager.
func (m userManager) systemctl(ctx context.Context, args ...string) (string, error) {
	cmd := exec.CommandContext(ctx, "systemctl", append(append([]string(nil), m.args...), args...)...)
	cmd.Env = append(os.Environ(), m.env...)
	out, err := cmd.CombinedOutput()
	return strings.TrimSpace(string(out)), err
}

// canApply runs /bin/true under the manager with the unit setting prop:
// some sandboxing needs what a container may not allow (exit status 226,
// NAMESPACE, for ProtectHome= where /home cannot be remounted). As a
// oneshot unit, so that systemd-run returns once /bin/true has run; and
// without --wait, which needs a bus: a user manager of the test's own may
// have none, and systemd-run talks to it on its private socket.
func (m userManager) canApply(ctx context.Context, prop string) error {
	unit := fmt.Sprintf("biot-agent-probe-%d-%d.service", os.Getpid(), time.Now().UnixNano())
	args := append(append([]string(nil), m.args...), "--quiet", "--unit="+unit,
		"-p", "Type=oneshot", "-p", "RemainAfterExit=yes", "-p", prop, "/bin/true")
	cmd := exec.CommandContext(ctx, "systemd-run", args...)
	cmd.Env = append(os.Environ(), m.env...)
	out, runErr := cmd.CombinedOutput()
	state, _ := m.systemctl(ctx, "show", "--property=ActiveState,SubState,ExecMainStatus", unit)
	_, _ = m.systemctl(ctx, "stop", unit)
	_, _ = m.systemctl(ctx, "reset-failed", unit)
	if runErr != nil || !strings.Contains(state, "SubState=exited") || !strings.Contains(state, "ExecMainStatus=0") {
		return fmt.Errorf("/bin/true under it: %s; systemd-run: %v %s", strings.ReplaceAll(state, "\n", ", "), runErr, strings.TrimSpace(string(out)))
	}
	return nil
}

// findManager answers a running systemd manager to start a unit in: the
// session's user manager, else the system's (as root), else a user
// manager of the test's own. It skips the test, saying why, where there
// is none.
func findManager(t *testing.T) userManager {
	t.Helper()
	for _, p := range []string{"systemctl", "systemd-run"} {
		if _, err := exec.LookPath(p); err != nil {
			skipOrFail(t, "no %s here (apt-get install systemd): %v", p, err)
		}
	}
	ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
	defer cancel()
	running := func(m userManager) (string, bool) {
		state, _ := m.systemctl(ctx, "is-system-running")
		return state, state == "running" || state == "degraded"
	}
	user := userManager{args: []string{"--user"}, runtime: os.Getenv("XDG_RUNTIME_DIR")}
	userState, ok := running(user)
	if ok && user.runtime != "" {
		return user
	}
	system := userManager{runtime: "/run"}
	systemState, ok := running(system)
	if ok && os.Getuid() == 0 {
		return system
	}
	m, err := startUserManager(t)
	if err != nil {
		skipOrFail(t, "no systemd manager to start a unit in: systemctl --user is-system-running says %q, systemctl is-system-running %q, and a user manager of the test's own did not start: %v",
			userState, systemState, err)
	}
	return m
}

// startUserManager starts /lib/systemd/systemd --user as a child of the
// test, with a runtime folder of its own, and stops it in Cleanup. systemd
// runs as a user manager only where the system was booted with systemd
// (/run/systemd/system exists): in a container without it, the manager
// runs in a mount namespace of its own where a private /run/systemd has
// that folder, and its runtime folder is a shared mount there, so the
// credentials systemd mounts for a unit reach the unit. That takes root;
// the host's mounts are untouched.
func startUserManager(t *testing.T) (userManager, error) {
	t.Helper()
	if os.Getuid() != 0 {
		return userManager{}, errors.New("it needs root (a mount namespace of its own), and the tests run as uid " + strconv.Itoa(os.Getuid()))
	}
	systemd := ""
	for _, p := range []string{"/lib/systemd/systemd", "/usr/lib/systemd/systemd"} {
		if _, err := os.Stat(p); err == nil {
			systemd = p
			break
		}
	}
	if systemd == "" {
		return userManager{}, errors.New("no /lib/systemd/systemd (apt-get install systemd)")
	}
	if _, err := exec.LookPath("unshare"); err != nil {
		return userManager{}, fmt.Errorf("no unshare (apt-get install util-linux): %w", err)
	}
	dir, err := os.MkdirTemp("", "biot-um-")
	if err != nil {
		return userManager{}, err
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	rt := filepath.Join(dir, "run")
	if err := os.Mkdir(rt, 0o700); err != nil {
		return userManager{}, err
	}
	script := `set -e
mount -t tmpfs -o mode=0755 tmpfs /run/systemd
mkdir /run/systemd/system
mount --bind "$XDG_RUNTIME_DIR" "$XDG_RUNTIME_DIR"
mount --make-shared "$XDG_RUNTIME_DIR"
exec "$1" --user
`
	log := filepath.Join(dir, "manager.log")
	lf, err := os.Create(log)
	if err != nil {
		return userManager{}, err
	}
	defer lf.Close()
	cmd := exec.Command("unshare", "--mount", "--propagation", "private", "sh", "-c", script, "sh", systemd)
	cmd.Env = []string{"XDG_RUNTIME_DIR=" + rt, "PATH=/usr/sbin:/usr/bin:/sbin:/bin", "HOME=" + dir}
	cmd.Stdout, cmd.Stderr = lf, lf
	if err := cmd.Start(); err != nil {
		return userManager{}, err
	}
	done := make(chan struct{})
	go func() { _ = cmd.Wait(); close(done) }()
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGTERM)
		select {
		case <-done:
		case <-time.After(30 * time.Second):
			_ = cmd.Process.Kill()
			<-done
			t.Errorf("the test's systemd user manager ignored SIGTERM for 30s and was killed")
		}
	})
	m := userManager{env: []string{"XDG_RUNTIME_DIR=" + rt}, args: []string{"--user"}, runtime: rt}
	deadline := time.NewTimer(20 * time.Second)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		_, err := m.systemctl(ctx, "show", "--property=Version")
		cancel()
		if err == nil {
			return m, nil
		}
		select {
		case <-done:
			b, _ := os.ReadFile(log)
			return userManager{}, fmt.Errorf("%s --user exited at once: %s", systemd, strings.TrimSpace(string(b)))
		case <-deadline.C:
			b, _ := os.ReadFile(log)
			return userManager{}, fmt.Errorf("%s --user did not answer within 20s (%v): %s", systemd, err, strings.TrimSpace(string(b)))
		case <-tick.C:
		}
	}
}

// notCarried are the unit's [Service] settings the smoke test does not
// hand to systemd-run as they are: it gives its own command, credential
// file, environment and log; the user the unit names does not exist here;
// the config folder is the test's; a private /tmp would hide the test's
// folders from the agent; and a test unit is not restarted.
var notCarried = map[string]bool{
	"Type": true, "ExecStart": true, "LoadCredential": true, "Environment": true, "User": true,
	"ConfigurationDirectory": true, "PrivateTmp": true,
	"Restart": true, "RestartSec": true, "RestartPreventExitStatus": true,
}

// TestServerUnitUnderSystemdRun is the smoke test of the real thing: the
// agent started by a systemd manager with systemd-run, with the unit's
// settings (its hardening and runtime folder among them, where the manager
// is root's and can apply them), its secret key as a LoadCredential=
// credential and the unit's own Environment= lines; a job gets the service
// user's token through the socket; the unit stops cleanly. Where no
// manager runs it starts a user manager of its own (see
// startUserManager), and skips, saying why, where it cannot.
func TestServerUnitUnderSystemdRun(t *testing.T) {
	t.Parallel()
	const (
		id     = "7e6d5c4b-3a29-4180-9f6e-5d4c3b2a1908"
		secret = "svc-Systemd-run-key-0a1b2c3d4e"
	)
	m := findManager(t)
	w, secretFile := serviceWorld(t, id, secret)
	u := readUnit(t, serverUnit)
	roots := unitRoots{config: w.config, runtime: m.runtime}

	unit := fmt.Sprintf("biot-agent-test-%d-%d.service", os.Getpid(), time.Now().UnixNano())
	logFile := filepath.Join(w.dir, "unit.log")
	args := append([]string(nil), m.args...)
	args = append(args, "--unit="+unit,
		"-p", "LoadCredential="+credentialNameOf(t, u)+":"+secretFile,
		"-p", "StandardOutput=file:"+logFile, "-p", "StandardError=file:"+logFile)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	defer cancel()
	var carried, cannot []string
	for _, st := range u["Service"] {
		if notCarried[st.key] || (os.Getuid() != 0 && st.key != "RuntimeDirectory" && st.key != "RuntimeDirectoryMode") {
			continue
		}
		prop := st.key + "=" + roots.expand(t, st.value)
		if err := m.canApply(ctx, prop); err != nil {
			cannot = append(cannot, prop+" ("+err.Error()+")")
			continue
		}
		args = append(args, "-p", prop)
		carried = append(carried, st.key)
	}
	t.Logf("the unit's settings given to systemd-run: %s", strings.Join(carried, " "))
	if len(cannot) > 0 {
		t.Logf("left out, since this machine's systemd cannot apply them even to /bin/true: %s", strings.Join(cannot, "; "))
	}
	var sock string
	for _, kv := range u.environment(t, roots) {
		args = append(args, "--setenv="+kv)
		if v, ok := strings.CutPrefix(kv, "BIOT_AGENT_SOCK="); ok {
			sock = v
		}
	}
	if want := filepath.Join(m.runtime, u.one(t, "Service", "RuntimeDirectory"), "agent.sock"); sock != want {
		t.Fatalf("the unit puts the socket at %s, want it in its RuntimeDirectory: %s", sock, want)
	}
	args = append(args, "--setenv=SSL_CERT_FILE="+filepath.Join(w.dir, "ca.pem"))
	if raceEnabled {
		args = append(args, "--setenv=GORACE=atexit_sleep_ms=20")
	}
	exe := strings.Fields(u.one(t, "Service", "ExecStart"))
	args = append(append(args, binary), exe[1:]...)

	run := exec.CommandContext(ctx, "systemd-run", args...)
	run.Env = append(os.Environ(), m.env...)
	if out, err := run.CombinedOutput(); err != nil {
		t.Fatalf("systemd-run %s: %v\n%s", strings.Join(args, " "), err, out)
	}
	stopped := false
	stop := func() {
		if stopped {
			return
		}
		stopped = true
		if out, err := m.systemctl(ctx, "stop", unit); err != nil {
			t.Errorf("systemctl stop %s: %v: %s", unit, err, out)
		}
		_, _ = m.systemctl(ctx, "reset-failed", unit)
	}
	t.Cleanup(stop)
	w.mu.Lock()
	w.outputs = append(w.outputs, output{"the unit's log", func() string { b, _ := os.ReadFile(logFile); return string(b) }})
	w.mu.Unlock()

	c := ipc.NewClient(sock)
	defer c.HTTP.CloseIdleConnections()
	waitFor(t, readyTimeout, "the unit's agent to answer on "+sock, func() bool {
		if state, _ := m.systemctl(ctx, "is-active", unit); state == "failed" || state == "inactive" {
			b, _ := os.ReadFile(logFile)
			how, _ := m.systemctl(ctx, "show", "--property=Result,ExecMainCode,ExecMainStatus", unit)
			t.Fatalf("the unit is %s before it served (%s); its log:\n%s", state, strings.ReplaceAll(how, "\n", ", "), b)
		}
		sctx, scancel := context.WithTimeout(ctx, time.Second)
		defer scancel()
		_, err := c.Status(sctx)
		return err == nil
	})
	job := []string{"BIOT_AGENT_SOCK=" + sock, "PATH=" + binDir + ":/usr/bin:/bin"}
	res := w.start(job, "", "token").wait()
	wantExit(t, res, 0, "biot-agent token from the unit's agent")
	wantServiceToken(t, w, strings.TrimSpace(res.stdout), id)
	if state, _ := m.systemctl(ctx, "is-active", unit); state != "active" {
		t.Errorf("systemctl is-active %s says %q, want active", unit, state)
	}

	stop()
	if _, err := os.Lstat(sock); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("the socket %s is still there after systemctl stop (%v)", sock, err)
	}
	b, _ := os.ReadFile(logFile)
	if lines := desktopLines(string(b)); len(lines) > 0 {
		t.Errorf("the unit's agent spoke of the desktop it does not need:\n%s", strings.Join(lines, "\n"))
	}
	if !strings.Contains(string(b), "biot-agent stopped") {
		t.Errorf("the unit's log does not end with \"biot-agent stopped\":\n%s", b)
	}
	if strings.Contains(string(b), "DATA RACE") {
		t.Errorf("the race detector fired in the unit's agent:\n%s", b)
	}
}

// credentialNameOf is the name of the unit's credential.
func credentialNameOf(t *testing.T, u unitFile) string {
	t.Helper()
	name, _, _ := strings.Cut(u.one(t, "Service", "LoadCredential"), ":")
	return name
}
