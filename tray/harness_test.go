//go:build linux

package tray

import (
	"bufio"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"
)

// hostEvent is what trayhost reports on stdout.
type hostEvent struct {
	Ev  string `json:"ev"`
	Env string `json:"env"`
	Err string `json:"err"`
	On  bool   `json:"on"`
}

// child is one trayhost process on a private bus, and what its fake
// tools (browser, clipboard) were given.
type child struct {
	t      *testing.T
	ctx    context.Context
	cmd    *exec.Cmd
	stdin  io.WriteCloser
	events chan hostEvent
	logs   chan string // stderr, line by line
	exited chan struct{}

	browser <-chan string // the arguments the fake browser got
	clip    <-chan string // "args=… stdin=…" of the fake wl-copy

	mu     sync.Mutex
	stderr []string
	counts map[string]int // events reported, by kind
}

type hostOptions struct {
	env  []string // the environment; default the bus's
	args []string
}

// fakeTools writes a fake browser and a fake wl-copy into dir/bin; each
// writes one line about how it was called into a FIFO that the test reads.
func fakeTools(t *testing.T, dir string) (browser, clip <-chan string) {
	t.Helper()
	bin := filepath.Join(dir, "bin")
	if err := os.Mkdir(bin, 0o755); err != nil {
		t.Fatal(err)
	}
	scripts := map[string]string{
		"browser": `printf '%s\n' "$*" > "$0.fifo"`,
		"wl-copy": `in=$(cat); printf 'args=%s stdin=%s\n' "$*" "$in" > "$0.fifo"`,
	}
	chans := map[string]<-chan string{}
	for name, body := range scripts {
		if err := os.WriteFile(filepath.Join(bin, name), []byte("#!/bin/sh\n"+body+"\n"), 0o755); err != nil {
			t.Fatal(err)
		}
		chans[name] = testkit.FIFOLines(t, filepath.Join(bin, name+".fifo"))
	}
	return chans["browser"], chans["wl-copy"]
}

// startChild starts trayhost on bus with the fake tools first in PATH.
func startChild(t *testing.T, bus *desktoptest.Bus, opts hostOptions) *child {
	t.Helper()
	bin := trayhost(t)
	dir, err := os.MkdirTemp("", "trayhost-run-") // short: FIFO paths
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	browser, clip := fakeTools(t, dir)

	env := opts.env
	if env == nil {
		env = bus.Env
	}
	env = setEnv(env,
		"PATH="+filepath.Join(dir, "bin")+string(os.PathListSeparator)+os.Getenv("PATH"),
		"BROWSER="+filepath.Join(dir, "bin", "browser"),
		"WAYLAND_DISPLAY=wayland-test", // so the clipboard goes to wl-copy
	)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	cmd := exec.Command(bin, opts.args...)
	cmd.Env = env
	stdin, err := cmd.StdinPipe()
	if err != nil {
		t.Fatal(err)
	}
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	stderr, err := cmd.StderrPipe()
	if err != nil {
		t.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	h := &child{t: t, ctx: ctx, cmd: cmd, stdin: stdin, events: make(chan hostEvent, 64),
		logs: make(chan string, 64), exited: make(chan struct{}), browser: browser, clip: clip,
		counts: map[string]int{}}
	var readers sync.WaitGroup
	readers.Add(2)
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			var e hostEvent
			if err := json.Unmarshal(sc.Bytes(), &e); err != nil {
				t.Errorf("trayhost said %q on stdout", sc.Text())
				continue
			}
			h.mu.Lock()
			h.counts[e.Ev]++
			h.mu.Unlock()
			h.events <- e
		}
	}()
	go func() {
		defer readers.Done()
		sc := bufio.NewScanner(stderr)
		for sc.Scan() {
			h.mu.Lock()
			h.stderr = append(h.stderr, sc.Text())
			h.mu.Unlock()
			select {
			case h.logs <- sc.Text():
			default:
			}
		}
	}()
	go func() {
		readers.Wait()
		cmd.Wait()
		close(h.exited)
	}()
	t.Cleanup(func() {
		stdin.Close() // trayhost cancels Run when its stdin ends
		select {
		case <-h.exited:
		case <-time.After(waitFor):
			cmd.Process.Kill()
			<-h.exited
			t.Errorf("trayhost did not stop when told")
		}
		for _, l := range h.stderrLines() {
			if strings.HasPrefix(l, "panic:") || strings.HasPrefix(l, "fatal error:") {
				t.Errorf("trayhost crashed: %s", l)
			}
		}
		if t.Failed() {
			t.Logf("trayhost stderr:\n%s", strings.Join(h.stderrLines(), "\n"))
		}
	})
	return h
}

func setEnv(env []string, kvs ...string) []string {
	out := append([]string(nil), env...)
	for _, kv := range kvs {
		k, _, _ := strings.Cut(kv, "=")
		kept := out[:0]
		for _, e := range out {
			if !strings.HasPrefix(e, k+"=") {
				kept = append(kept, e)
			}
		}
		out = append(kept, kv)
	}
	return out
}

// count tells how many events of kind ev trayhost has reported.
func (h *child) count(ev string) int {
	h.mu.Lock()
	defer h.mu.Unlock()
	return h.counts[ev]
}

func (h *child) stderrLines() []string {
	h.mu.Lock()
	defer h.mu.Unlock()
	return append([]string(nil), h.stderr...)
}

// send writes one command to trayhost.
func (h *child) send(op string, st *agent.Status, n int) {
	h.t.Helper()
	c := map[string]any{"op": op}
	if st != nil {
		c["status"] = st
	}
	if n > 0 {
		c["n"] = n
	}
	b, _ := json.Marshal(c)
	if _, err := h.stdin.Write(append(b, '\n')); err != nil {
		h.t.Fatalf("write to trayhost: %v", err)
	}
}

func (h *child) status(st agent.Status) { h.t.Helper(); h.send("status", &st, 0) }

// sendEnv writes a command about one environment: "token", "remove".
func (h *child) sendEnv(op, env string) {
	h.t.Helper()
	b, _ := json.Marshal(map[string]any{"op": op, "env": env})
	if _, err := h.stdin.Write(append(b, '\n')); err != nil {
		h.t.Fatalf("write to trayhost: %v", err)
	}
}

// expect waits for the event ev, skipping others.
func (h *child) expect(ev string) hostEvent {
	h.t.Helper()
	timeout := time.After(waitFor)
	for {
		select {
		case e := <-h.events:
			if e.Ev == ev {
				return e
			}
		case <-h.exited:
			for { // what it said before it went
				select {
				case e := <-h.events:
					if e.Ev == ev {
						return e
					}
					continue
				default:
				}
				break
			}
			h.t.Fatalf("trayhost exited while the test waited for %q", ev)
		case <-timeout:
			h.t.Fatalf("trayhost never reported %q", ev)
		}
	}
}

// desktop is a private bus with a tray host and a notification server on it.
type desktop struct {
	bus     *desktoptest.Bus
	watcher *desktoptest.Watcher
	notes   *desktoptest.NotificationServer
	ctx     context.Context
}

func newDesktop(t *testing.T) *desktop {
	t.Helper()
	bus := desktoptest.SessionBus(t)
	ctx, cancel := context.WithTimeout(context.Background(), 2*time.Minute)
	t.Cleanup(cancel)
	return &desktop{
		bus:     bus,
		watcher: desktoptest.NewWatcher(t, bus),
		notes:   desktoptest.NewNotificationServer(t, bus),
		ctx:     ctx,
	}
}

// item waits for the tray's icon to register.
func (d *desktop) item(t *testing.T) *desktoptest.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(d.ctx, waitFor)
	defer cancel()
	it, err := d.watcher.WaitForItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// menuLine is what a person sees of one menu item.
type menuLine struct {
	Label   string
	Enabled bool
}

// waitMenu waits until the top of the menu reads want, and returns it.
func waitMenu(t *testing.T, ctx context.Context, it *desktoptest.Item, want []menuLine) desktoptest.MenuItem {
	t.Helper()
	var m desktoptest.MenuItem
	eventually(t, func() string {
		var err error
		m, err = it.Menu(ctx)
		if err != nil {
			return err.Error()
		}
		got := desktoptest.MenuLines[menuLine](m)
		if fmt.Sprint(got) != fmt.Sprint(want) {
			return fmt.Sprintf("menu = %v\nwant   %v", got, want)
		}
		return ""
	})
	return m
}

// click picks the item labelled label.
func click(t *testing.T, ctx context.Context, it *desktoptest.Item, label string) {
	t.Helper()
	mi, err := it.MenuEntry(ctx, label)
	if err != nil {
		t.Fatal(err)
	}
	if err := it.Click(ctx, mi.ID); err != nil {
		t.Fatal(err)
	}
}

// clickIn picks the item labelled label in the section of env: the first
// such item after the line that names env.
func clickIn(t *testing.T, ctx context.Context, it *desktoptest.Item, env, label string) {
	t.Helper()
	mi, err := it.SectionEntry(ctx, env, label)
	if err != nil {
		t.Fatal(err)
	}
	if !mi.Enabled {
		t.Fatalf("%q of %s is disabled", label, env)
	}
	if err := it.Click(ctx, mi.ID); err != nil {
		t.Fatal(err)
	}
}

// waitIcon waits until the item shows the icon of state.
func waitIcon(t *testing.T, ctx context.Context, it *desktoptest.Item, state string) desktoptest.ItemProps {
	t.Helper()
	var p desktoptest.ItemProps
	eventually(t, func() string {
		var err error
		p, err = it.Properties(ctx)
		if err != nil {
			return err.Error()
		}
		if got := p.ShownIcon(assets.States, statePNG); got != state {
			return fmt.Sprintf("the icon shows %q, want %q", got, state)
		}
		return ""
	})
	return p
}

// statePNG is the icon the tray sets for state, for ShownIcon.
func statePNG(state string) []byte { return assets.PNG(state, 32) }
