package cli_test

import (
	"context"
	"errors"
	"io/fs"
	"os"
	"strings"
	"sync"
	"syscall"
	"time"

	"biot-agent/ipc"
)

// Bounds of an agent's start and stop.
const (
	readyTimeout = 20 * time.Second
	stopTimeout  = 15 * time.Second
	pollEvery    = 20 * time.Millisecond
)

// agentProc is a running "biot-agent run" (or "demo").
type agentProc struct {
	*proc
	client *ipc.Client // talks to its socket, as a Go program would
	once   sync.Once
}

// startAgent starts "biot-agent run --headless --url <simulator>" and waits
// until its socket answers; Cleanup stops it.
func (w *world) startAgent() *agentProc {
	w.t.Helper()
	return w.startAgentWith(w.env, "run", "--headless", "--url", w.sim.URL())
}

// startAgentWith starts biot-agent with env and args, waits until its
// socket answers, and stops it in Cleanup, checking that it exits cleanly.
func (w *world) startAgentWith(env []string, args ...string) *agentProc {
	w.t.Helper()
	a := &agentProc{proc: w.start(env, "", args...), client: ipc.NewClient(w.socket())}
	w.t.Cleanup(func() { a.stop() })
	a.waitReady()
	return a
}

// waitReady polls the socket until the agent answers, or fails the test
// with what the agent said if it exits or takes too long.
func (a *agentProc) waitReady() {
	t := a.w.t
	t.Helper()
	deadline := time.NewTimer(readyTimeout)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery)
	defer tick.Stop()
	for {
		ctx, cancel := context.WithTimeout(context.Background(), time.Second)
		_, err := a.client.Status(ctx)
		cancel()
		// An error of the agent's own (no environment is the default, or
		// none is configured yet) is an answer too.
		var ie *ipc.Error
		if err == nil || errors.As(err, &ie) {
			return
		}
		select {
		case <-a.done:
			t.Fatalf("%s exited with %d before it served; stderr:\n%s", a.name, a.res.code, a.res.stderr)
		case <-deadline.C:
			t.Fatalf("%s: socket %s not answering after %v (%v); stderr:\n%s", a.name, a.w.socket(), readyTimeout, err, a.stderr)
		case <-tick.C:
		}
	}
}

// stop sends SIGTERM and checks what a person would: the agent exits 0,
// promptly, without a race report, and takes its socket file with it. It
// is safe to call more than once; later calls do nothing.
func (a *agentProc) stop() result {
	t := a.w.t
	t.Helper()
	a.once.Do(func() {
		a.client.HTTP.CloseIdleConnections()
		if !a.exited() {
			_ = a.cmd.Process.Signal(syscall.SIGTERM)
		}
		timer := time.NewTimer(stopTimeout)
		defer timer.Stop()
		select {
		case <-a.done:
		case <-timer.C:
			_ = a.cmd.Process.Kill()
			<-a.done
			t.Errorf("%s ignored SIGTERM for %v and was killed", a.name, stopTimeout)
		}
		if a.res.code != 0 {
			t.Errorf("%s exited with %d after SIGTERM, want 0; stderr:\n%s", a.name, a.res.code, a.res.stderr)
		}
		if strings.Contains(a.res.stderr, "DATA RACE") {
			t.Errorf("the race detector fired in %s:\n%s", a.name, a.res.stderr)
		}
		if _, err := os.Lstat(a.w.socket()); !errors.Is(err, fs.ErrNotExist) {
			t.Errorf("the socket %s is still there after the agent stopped (%v)", a.w.socket(), err)
		}
		if t.Failed() {
			t.Logf("%s said:\n%s", a.name, a.res.stderr)
		}
	})
	return a.res
}

// pid is the agent's process id.
func (a *agentProc) pid() int { return a.cmd.Process.Pid }
