package cli_test

import (
	"io/fs"
	"net"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"biot-agent/ipc"
)

// TestSocketFolderIsMadePrivateOrRefusedAtStart starts the real agent over
// socket folders a careless setup or another user left behind. A folder of
// ours that others may read is tightened to 0700 and the socket is 0600; a
// folder anyone may write to, a symlink in its place, another user's
// folder and a plain file where the socket goes are refused, in one line
// that says why, before anything listens.
func TestSocketFolderIsMadePrivateOrRefusedAtStart(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name    string
		prepare func(t *testing.T, dir string)
		refused string // what the refusal says; "" when the agent starts
	}{
		{
			name:    "a folder others may read is made private",
			prepare: func(t *testing.T, dir string) { mkdirMode(t, dir, 0o755) },
		},
		{
			name: "a stale socket open to all is replaced by a private one",
			prepare: func(t *testing.T, dir string) {
				mkdirMode(t, dir, 0o700)
				staleSocket(t, filepath.Join(dir, "agent.sock"))
			},
		},
		{
			name:    "a folder anyone may write to is refused",
			prepare: func(t *testing.T, dir string) { mkdirMode(t, dir, 0o777) },
			refused: "is shared",
		},
		{
			name:    "a sticky folder is refused",
			prepare: func(t *testing.T, dir string) { mkdirMode(t, dir, 0o1777) },
			refused: "is shared",
		},
		{
			name: "a symlink in place of the folder is refused",
			prepare: func(t *testing.T, dir string) {
				target := dir + "-elsewhere"
				mkdirMode(t, target, 0o700)
				if err := os.Symlink(target, dir); err != nil {
					t.Fatal(err)
				}
			},
			refused: "is not a folder",
		},
		{
			name: "a file where the socket goes is refused and left alone",
			prepare: func(t *testing.T, dir string) {
				mkdirMode(t, dir, 0o700)
				if err := os.WriteFile(filepath.Join(dir, "agent.sock"), []byte("mine"), 0o600); err != nil {
					t.Fatal(err)
				}
			},
			refused: "is not a socket",
		},
		{
			name: "another user's folder is refused",
			prepare: func(t *testing.T, dir string) {
				if os.Geteuid() != 0 {
					t.Skip("only root can give a folder to another user")
				}
				mkdirMode(t, dir, 0o700)
				if err := os.Chown(dir, 65534, 65534); err != nil {
					t.Fatal(err)
				}
			},
			refused: "belongs to uid 65534",
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{sim: anaSim()})
			dir := filepath.Dir(w.socket())
			tt.prepare(t, dir)
			if tt.refused == "" {
				w.startAgent()
				wantMode(t, dir, fs.ModeDir|0o700)
				wantMode(t, w.socket(), fs.ModeSocket|0o600)
				w.mustLogin(ana, anaPW)
				return
			}
			before, _ := os.ReadFile(filepath.Join(dir, "agent.sock"))
			res := w.run("", "run", "--headless", "--url", w.sim.URL())
			if res.code == 0 {
				t.Fatalf("run exited 0 over %s; want a refusal", tt.name)
			}
			wantOneLine(t, res.stderr, "run", tt.refused)
			if res.took > 10*time.Second {
				t.Errorf("the refusal took %v, want at once", res.took.Round(time.Millisecond))
			}
			if after, _ := os.ReadFile(filepath.Join(dir, "agent.sock")); string(after) != string(before) {
				t.Errorf("the refused start changed what was at the socket's path")
			}
			if fi, err := os.Lstat(w.socket()); err == nil && fi.Mode().Type() == fs.ModeSocket {
				t.Errorf("a socket was made at %s although the start was refused", w.socket())
			}
		})
	}
}

// TestTheAgentRunsWithCoreDumpsOff starts the real agent from a shell that
// allows core dumps of any size, and reads the running agent's limits from
// /proc: it has turned them off for itself (soft and hard), so a crash
// cannot write its memory, tokens and all, to disk.
func TestTheAgentRunsWithCoreDumpsOff(t *testing.T) {
	t.Parallel()
	if _, err := os.Stat("/proc/self/limits"); err != nil {
		t.Skipf("no /proc to read limits from: %v", err)
	}
	if out, err := exec.Command("sh", "-c", "ulimit -c unlimited && ulimit -c").Output(); err != nil || strings.TrimSpace(string(out)) != "unlimited" {
		t.Skipf("core dumps cannot be allowed here (%v, %q): the test would prove nothing", err, out)
	}
	w := newWorld(t, worldOptions{sim: anaSim()})
	line := "ulimit -c unlimited && exec biot-agent run --headless --url " + w.sim.URL()
	a := &agentProc{proc: w.startCmd("sh -c "+line, exec.Command("sh", "-c", line), w.env, ""), client: ipc.NewClient(w.socket())}
	t.Cleanup(func() { a.stop() })
	a.waitReady()
	w.mustLogin(ana, anaPW) // a session in memory: what a core dump would have held

	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(a.pid()), "limits"))
	if err != nil {
		t.Fatal(err)
	}
	for l := range strings.Lines(string(b)) {
		if rest, ok := strings.CutPrefix(l, "Max core file size"); ok {
			if f := strings.Fields(rest); len(f) < 2 || f[0] != "0" || f[1] != "0" {
				t.Errorf("the running agent allows core files of %v, want 0 soft and 0 hard", f)
			}
			return
		}
	}
	t.Fatalf("no core file size in the agent's limits:\n%s", b)
}

func mkdirMode(t *testing.T, dir string, mode fs.FileMode) {
	t.Helper()
	if err := os.Mkdir(dir, 0o700); err != nil {
		t.Fatal(err)
	}
	perm := mode.Perm()
	if mode&0o1000 != 0 {
		perm |= fs.ModeSticky
	}
	if err := os.Chmod(dir, perm); err != nil { // the umask does not apply
		t.Fatal(err)
	}
}

// staleSocket leaves a socket file nobody listens on, open to everyone, as
// an agent killed long ago under a careless umask would.
func staleSocket(t *testing.T, path string) {
	t.Helper()
	l, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	l.SetUnlinkOnClose(false)
	l.Close()
	if err := os.Chmod(path, 0o777); err != nil {
		t.Fatal(err)
	}
}

func wantMode(t *testing.T, path string, want fs.FileMode) {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	if got := fi.Mode() &^ (fs.ModeSetuid | fs.ModeSetgid); got != want {
		t.Errorf("%s has mode %v, want %v", path, got, want)
	}
	if st, ok := fi.Sys().(*syscall.Stat_t); ok && int(st.Uid) != os.Geteuid() {
		t.Errorf("%s belongs to uid %d, want ours", path, st.Uid)
	}
}
