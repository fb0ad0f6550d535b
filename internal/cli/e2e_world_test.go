package cli_test

import (
	"context"
	"encoding/base64"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"
)

// commandTimeout bounds every command a test runs; the longest waits in
// these tests are far shorter.
const commandTimeout = 45 * time.Second

// world is one person's machine: a home, XDG folders, the environment every
// biot-agent process of the test gets, and the simulated BioT they talk to.
// It records every output and every secret it sees, and at the end checks
// that no secret leaked (see e2e_leaks_test.go).
type world struct {
	t   *testing.T
	sim *biotsim.Server // nil for a world without BioT (the demo brings its own)
	// dir is short, so the socket path stays far below the 108-byte limit
	// whatever the test's name.
	dir                               string
	home, runtime, state, config, tmp string
	env                               []string
	secrets                           *secretSet
	// keyring is the Secret Service on the bus the world's programs use,
	// when it is not the shared desktop's (see startTrayAgent).
	keyring *desktoptest.Keyring
	mu      sync.Mutex
	outputs []output // what commands and agents printed
}

// output is one stream a biot-agent process printed, for the leak check.
type output struct {
	what string // "agent stderr", "status stdout", ...
	text func() string
}

type worldOptions struct {
	sim *biotsim.Options // nil: no simulator
	// desktop: "need" skips (or fails, in CI) without the private keyring;
	// "" uses it when there is one, else the agent keeps the session in
	// memory.
	desktop string
}

// newWorld makes the folders and environment and, when asked, the simulator.
func newWorld(t *testing.T, o worldOptions) *world {
	t.Helper()
	dir, err := os.MkdirTemp("", "biot-e2e-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	w := &world{t: t, dir: dir, secrets: &secretSet{}}
	w.home, w.runtime = filepath.Join(dir, "home"), filepath.Join(dir, "run")
	w.state, w.config = filepath.Join(dir, "state"), filepath.Join(dir, "config")
	w.tmp = filepath.Join(dir, "tmp") // the temporary folder of every process of the world
	for _, p := range []string{w.home, w.runtime, w.state, w.config, w.tmp} {
		if err := os.Mkdir(p, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	bus := "unix:path=/nonexistent/biot-agent-e2e/bus" // no desktop: the agent says "memory only"
	if o.desktop == "need" {
		desktoptest.Shared(t) // skips, saying what is missing, or fails in CI
	}
	if desktop != nil {
		bus = desktop.Bus.Address
	}
	w.env = []string{
		"HOME=" + w.home,
		"XDG_RUNTIME_DIR=" + w.runtime,
		"XDG_STATE_HOME=" + w.state,
		"XDG_CONFIG_HOME=" + w.config,
		"TMPDIR=" + w.tmp,
		"DBUS_SESSION_BUS_ADDRESS=" + bus,
		"PATH=" + binDir + string(os.PathListSeparator) + os.Getenv("PATH"),
		"LANG=C.UTF-8",
	}
	if raceEnabled {
		// The race runtime sleeps a second at exit to catch late reports;
		// a short command would take that second every time.
		w.env = append(w.env, "GORACE=atexit_sleep_ms=20")
	}
	if o.sim != nil {
		cfg := *o.sim
		sim, err := biotsim.New(cfg)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(sim.Close)
		w.sim = sim
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, sim.CACertPEM(), 0o644); err != nil {
			t.Fatal(err)
		}
		// The binary trusts the simulator the way it trusts any BioT: through
		// the system roots, which SSL_CERT_FILE replaces.
		w.env = append(w.env, "SSL_CERT_FILE="+ca)
		for _, u := range cfg.Users {
			w.secrets.add("the password of "+u.Username, u.Password)
		}
	}
	// Registered after the folder's removal, so it runs before it; agents
	// started later stop before it runs.
	t.Cleanup(w.checkNoLeaks)
	return w
}

// socket is where the world's agent listens.
func (w *world) socket() string {
	return filepath.Join(w.runtime, "biot-agent", "agent.sock")
}

// with returns the world's environment with extra KEY=value entries.
func (w *world) with(extra ...string) []string {
	return append(append([]string(nil), w.env...), extra...)
}

// result is how a command ended.
type result struct {
	code           int
	stdout, stderr string
	took           time.Duration
}

// run runs biot-agent with args and stdin in the world's environment and
// waits for it.
func (w *world) run(stdin string, args ...string) result {
	w.t.Helper()
	return w.start(w.env, stdin, args...).wait()
}

// sh runs a shell line in the world's environment, as a person types it.
func (w *world) sh(line string) result {
	w.t.Helper()
	return w.startCmd("sh -c "+line, exec.Command("sh", "-c", line), w.env, "").wait()
}

// proc is a started command.
type proc struct {
	w              *world
	name           string // what a person would type
	cmd            *exec.Cmd
	args           []string // after the program
	stdout, stderr *testkit.SyncBuffer
	begin          time.Time
	done           chan struct{}
	res            result
}

// start starts biot-agent with args without waiting for it.
func (w *world) start(env []string, stdin string, args ...string) *proc {
	w.t.Helper()
	return w.startCmd("biot-agent "+strings.Join(args, " "), exec.Command(binary, args...), env, stdin)
}

func (w *world) startCmd(name string, cmd *exec.Cmd, env []string, stdin string) *proc {
	w.t.Helper()
	p := &proc{w: w, name: name, cmd: cmd, args: cmd.Args[1:], stdout: &testkit.SyncBuffer{}, stderr: &testkit.SyncBuffer{}, done: make(chan struct{})}
	cmd.Env = env
	cmd.Dir = w.home
	cmd.Stdin = strings.NewReader(stdin)
	cmd.Stdout, cmd.Stderr = p.stdout, p.stderr
	cmd.WaitDelay = time.Second
	p.begin = time.Now()
	if err := cmd.Start(); err != nil {
		w.t.Fatalf("start %s: %v", name, err)
	}
	go func() {
		err := cmd.Wait()
		p.res = result{code: cmd.ProcessState.ExitCode(), stdout: p.stdout.String(), stderr: p.stderr.String(), took: time.Since(p.begin)}
		var ee *exec.ExitError
		if err != nil && !errors.As(err, &ee) {
			p.res.code = -1
			p.res.stderr += "\n(wait: " + err.Error() + ")"
		}
		close(p.done)
	}()
	// A token printed by "token" is the one output allowed to hold a
	// secret; everything else goes to the leak check.
	stdout := p.stdout.String
	if p.printsToken() {
		stdout = func() string {
			if isAccessToken(p.stdout.String()) {
				return ""
			}
			return p.stdout.String()
		}
	}
	w.mu.Lock()
	w.outputs = append(w.outputs, output{name + ": stdout", stdout})
	w.outputs = append(w.outputs, output{name + ": stderr", p.stderr.String})
	w.mu.Unlock()
	return p
}

// wait waits for the command, for at most commandTimeout.
func (p *proc) wait() result {
	p.w.t.Helper()
	timer := time.NewTimer(commandTimeout)
	defer timer.Stop()
	select {
	case <-p.done:
	case <-timer.C:
		_ = p.cmd.Process.Kill()
		<-p.done
		p.w.t.Fatalf("%s: still running after %v; stderr: %s", p.name, commandTimeout, p.stderr)
	}
	if p.printsToken() && isAccessToken(p.res.stdout) {
		p.w.secrets.addToken(fmt.Sprintf("access token #%d", p.w.secrets.len()+1), strings.TrimSpace(p.res.stdout))
	}
	return p.res
}

// printsToken reports whether the command is "biot-agent token", whose
// token on stdout is the one output allowed to hold a secret.
func (p *proc) printsToken() bool {
	return p.cmd.Path == binary && len(p.args) > 0 && p.args[0] == "token"
}

// isAccessToken reports whether s is one BioT access token on a line of
// its own: a JWT whose tokenType claim is USER or SERVICE (a refresh
// token says REFRESH, and must never be printed).
func isAccessToken(s string) bool {
	s = strings.TrimSuffix(s, "\n")
	parts := strings.Split(s, ".")
	if len(parts) != 3 || strings.ContainsAny(s, " \n") {
		return false
	}
	payload, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		return false
	}
	var claims struct {
		TokenType string `json:"tokenType"`
	}
	return json.Unmarshal(payload, &claims) == nil && (claims.TokenType == "USER" || claims.TokenType == "SERVICE")
}

// exited reports whether the command has ended.
func (p *proc) exited() bool {
	select {
	case <-p.done:
		return true
	default:
		return false
	}
}

// ctx is a context for a test's own calls, under a deadline.
func (w *world) ctx() context.Context {
	ctx, cancel := context.WithTimeout(context.Background(), commandTimeout)
	w.t.Cleanup(cancel)
	return ctx
}
