package desktoptest

import (
	"bytes"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"time"
)

// stopGrace is how long a daemon gets to exit after SIGTERM before SIGKILL.
const stopGrace = 5 * time.Second

// daemon is a started background program and what it said on stderr.
type daemon struct {
	name   string
	cmd    *exec.Cmd
	stderr *tailBuffer
	exited chan struct{} // closed once the process has been reaped
	err    error         // Wait's answer, valid after exited is closed
	once   sync.Once
}

// startDaemon starts cmd, keeping the end of its stderr for error messages.
func startDaemon(name string, cmd *exec.Cmd) (*daemon, error) {
	d := &daemon{name: name, cmd: cmd, stderr: &tailBuffer{max: 4096}, exited: make(chan struct{})}
	cmd.Stderr = d.stderr
	setParentDeathSignal(cmd)
	if err := cmd.Start(); err != nil {
		return nil, fmt.Errorf("desktoptest: start %s: %w", name, err)
	}
	go func() {
		d.err = cmd.Wait()
		close(d.exited)
	}()
	return d, nil
}

// died describes an early exit, with the daemon's last words.
func (d *daemon) died() error {
	return fmt.Errorf("desktoptest: %s exited early (%v): %s", d.name, d.err, d.stderr.String())
}

// stop ends the daemon: SIGTERM, then SIGKILL if it lingers. It is safe to
// call more than once.
func (d *daemon) stop() error {
	var err error
	d.once.Do(func() {
		select {
		case <-d.exited:
			return // already gone; nothing to stop
		default:
		}
		_ = d.cmd.Process.Signal(syscall.SIGTERM)
		timer := time.NewTimer(stopGrace)
		defer timer.Stop()
		select {
		case <-d.exited:
		case <-timer.C:
			_ = d.cmd.Process.Kill()
			<-d.exited
			err = fmt.Errorf("desktoptest: %s ignored SIGTERM and was killed", d.name)
		}
	})
	return err
}

// tailBuffer keeps the last max bytes written to it; safe for concurrent use.
type tailBuffer struct {
	mu  sync.Mutex
	max int
	buf bytes.Buffer
}

func (b *tailBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.buf.Write(p)
	if over := b.buf.Len() - b.max; over > 0 {
		b.buf.Next(over)
	}
	return len(p), nil
}

func (b *tailBuffer) String() string {
	b.mu.Lock()
	defer b.mu.Unlock()
	return strings.TrimSpace(b.buf.String())
}

// withEnv returns base with each key=value of set replacing any earlier value
// of that key, and each key in unset removed.
func withEnv(base []string, set []string, unset ...string) []string {
	drop := map[string]bool{}
	for _, kv := range set {
		k, _, _ := strings.Cut(kv, "=")
		drop[k] = true
	}
	for _, k := range unset {
		drop[k] = true
	}
	out := make([]string, 0, len(base)+len(set))
	for _, kv := range base {
		k, _, _ := strings.Cut(kv, "=")
		if !drop[k] {
			out = append(out, kv)
		}
	}
	return append(out, set...)
}

// shortTempDir makes a private folder with a short path: a Unix socket path
// must fit in 108 bytes, which a t.TempDir named after a long test may not.
func shortTempDir(prefix string) (string, error) {
	dir, err := os.MkdirTemp("", prefix)
	if err != nil {
		return "", fmt.Errorf("desktoptest: %w", err)
	}
	if err := os.Chmod(dir, 0o700); err != nil {
		return "", errors.Join(fmt.Errorf("desktoptest: %w", err), os.RemoveAll(dir))
	}
	return dir, nil
}
