package bench

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"syscall"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// World is one person's machine for the child processes of a benchmark:
// a home, the XDG folders and the environment every process gets.
type World struct {
	Dir    string
	Env    []string
	Socket string // where an agent of this world listens
}

// NewWorld makes the folders under a new temporary folder. sim, when not
// nil, is trusted through SSL_CERT_FILE, as any BioT is through the system
// roots; bus is the D-Bus address, "" for none.
func NewWorld(sim *biotsim.Server, bus string) (*World, error) {
	dir, err := TempDir()
	if err != nil {
		return nil, err
	}
	w := &World{Dir: dir}
	vars := map[string]string{}
	for _, sub := range []struct{ env, name string }{
		{"HOME", "home"}, {"XDG_RUNTIME_DIR", "run"}, {"XDG_CONFIG_HOME", "config"},
		{"XDG_STATE_HOME", "state"}, {"XDG_DATA_HOME", "data"}, {"XDG_CACHE_HOME", "cache"},
	} {
		p := filepath.Join(dir, sub.name)
		if err := os.Mkdir(p, 0o700); err != nil {
			removeAll(dir)
			return nil, err
		}
		vars[sub.env] = p
	}
	if bus == "" {
		bus = "unix:path=/nonexistent/biot-bench/bus" // no desktop: no keyring, no tray
	}
	w.Env = []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "DBUS_SESSION_BUS_ADDRESS=" + bus}
	for k, v := range vars {
		w.Env = append(w.Env, k+"="+v)
	}
	if sim != nil {
		ca := filepath.Join(dir, "ca.pem")
		if err := os.WriteFile(ca, sim.CACertPEM(), 0o644); err != nil {
			removeAll(dir)
			return nil, err
		}
		w.Env = append(w.Env, "SSL_CERT_FILE="+ca)
	}
	w.Socket = filepath.Join(vars["XDG_RUNTIME_DIR"], "biot-agent", "agent.sock")
	return w, nil
}

// Close removes the world's folders.
func (w *World) Close() { removeAll(w.Dir) }

// Proc is a child process of a benchmark.
type Proc struct {
	Cmd    *exec.Cmd
	Begin  time.Time // just before exec
	stderr *lockedBuffer
	done   chan struct{}
	err    error
}

// Start starts bin with args in the world.
func (w *World) Start(bin string, args ...string) (*Proc, error) {
	cmd := exec.Command(bin, args...)
	cmd.Env = w.Env
	cmd.Dir = w.Dir
	p := &Proc{Cmd: cmd, stderr: &lockedBuffer{}, done: make(chan struct{})}
	cmd.Stderr = p.stderr
	p.Begin = time.Now()
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("start %s: %w", filepath.Base(bin), err)
	}
	go func() { p.err = cmd.Wait(); close(p.done) }()
	return p, nil
}

// PID is the process id.
func (p *Proc) PID() int { return p.Cmd.Process.Pid }

// Stderr is what the process wrote on standard error so far.
func (p *Proc) Stderr() string { return p.stderr.String() }

// Stop sends SIGTERM and waits up to 10 s, then kills.
func (p *Proc) Stop() error {
	select {
	case <-p.done:
		return nil
	default:
	}
	_ = p.Cmd.Process.Signal(syscall.SIGTERM)
	t := time.NewTimer(10 * time.Second)
	defer t.Stop()
	select {
	case <-p.done:
		return nil
	case <-t.C:
		_ = p.Cmd.Process.Kill()
		<-p.done
		return fmt.Errorf("%s did not stop within 10 s of SIGTERM", p.Cmd.Path)
	}
}

// Exited reports whether the process has ended, and how.
func (p *Proc) Exited() (bool, error) {
	select {
	case <-p.done:
		return true, p.err
	default:
		return false, nil
	}
}

// WaitSocket polls the agent of p on socket until it answers its status,
// for at most d. It answers when it did.
func (p *Proc) WaitSocket(ctx context.Context, socket string, d time.Duration) (time.Time, error) {
	c := ipc.NewClient(socket)
	defer c.HTTP.CloseIdleConnections()
	deadline := time.Now().Add(d)
	for {
		_, err := c.Status(ctx)
		if err == nil {
			return time.Now(), nil
		}
		if !errors.Is(err, ipc.ErrAgentNotRunning) {
			return time.Time{}, err
		}
		if done, werr := p.Exited(); done {
			return time.Time{}, fmt.Errorf("the agent exited (%v): %s", werr, p.Stderr())
		}
		if time.Now().After(deadline) {
			return time.Time{}, fmt.Errorf("the agent's socket did not answer within %v: %s", d, p.Stderr())
		}
		select {
		case <-ctx.Done():
			return time.Time{}, ctx.Err()
		case <-time.After(200 * time.Microsecond):
		}
	}
}

// lockedBuffer is a bytes.Buffer a child's output can be copied into while
// it is read.
type lockedBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.Write(p)
}

func (b *lockedBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.b.String()
}

// signIn signs the agent on socket in, through its socket, as `biot-agent
// login` does, and closes the connection.
func signIn(ctx context.Context, socket string) error {
	c := ipc.NewClient(socket)
	defer c.HTTP.CloseIdleConnections()
	if err := c.Login(ctx, benchUser, benchPassword); err != nil {
		return fmt.Errorf("sign in: %w", err)
	}
	return nil
}
