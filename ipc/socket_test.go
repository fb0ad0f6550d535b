//go:build unix

package ipc

import (
	"errors"
	"io/fs"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

func TestSocketPath(t *testing.T) {
	uid := strconv.Itoa(os.Geteuid())
	tests := []struct {
		name, sock, xdg, tmp string
		want                 string
		wantErr              bool
	}{
		{name: "BIOT_AGENT_SOCK wins", sock: "/srv/a.sock", xdg: "/run/user/7", tmp: "/t", want: "/srv/a.sock"},
		{name: "XDG_RUNTIME_DIR", xdg: "/run/user/7", tmp: "/t", want: "/run/user/7/biot-agent/agent.sock"},
		{name: "relative XDG_RUNTIME_DIR is ignored", xdg: "run", tmp: "/t", want: "/t/biot-agent-" + uid + "/agent.sock"},
		{name: "temporary folder", tmp: "/t", want: "/t/biot-agent-" + uid + "/agent.sock"},
		{name: "too long for a socket", sock: "/" + strings.Repeat("x", 120) + ".sock", wantErr: true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Setenv("BIOT_AGENT_SOCK", tt.sock)
			t.Setenv("XDG_RUNTIME_DIR", tt.xdg)
			t.Setenv("TMPDIR", tt.tmp)
			got, err := SocketPath()
			if tt.wantErr {
				if err == nil || !strings.Contains(err.Error(), "BIOT_AGENT_SOCK") {
					t.Fatalf("err = %v, want one that suggests BIOT_AGENT_SOCK", err)
				}
				return
			}
			if err != nil || got != tt.want {
				t.Fatalf("SocketPath() = %q, %v; want %q", got, err, tt.want)
			}
		})
	}
}

func listenT(t *testing.T, path string) net.Listener {
	t.Helper()
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { l.Close() })
	return l
}

func mode(t *testing.T, path string) fs.FileMode {
	t.Helper()
	fi, err := os.Lstat(path)
	if err != nil {
		t.Fatal(err)
	}
	return fi.Mode()
}

func TestListenMakesPrivateFolderAndSocket(t *testing.T) {
	dir := filepath.Join(shortDir(t), "a", "b")
	path := filepath.Join(dir, "agent.sock")
	listenT(t, path)
	if m := mode(t, dir); !m.IsDir() || m.Perm() != 0o700 {
		t.Errorf("folder mode %v, want drwx------", m)
	}
	if m := mode(t, path); m.Type() != fs.ModeSocket || m.Perm() != 0o600 {
		t.Errorf("socket mode %v, want Srw-------", m)
	}
}

func TestListenTightensLooseFolder(t *testing.T) {
	for _, perm := range []fs.FileMode{0o755, 0o750, 0o711, 0o500} {
		t.Run(perm.String(), func(t *testing.T) {
			dir := filepath.Join(shortDir(t), "run")
			if err := os.Mkdir(dir, 0o700); err != nil {
				t.Fatal(err)
			}
			if err := os.Chmod(dir, perm); err != nil {
				t.Fatal(err)
			}
			listenT(t, filepath.Join(dir, "agent.sock"))
			if m := mode(t, dir); m.Perm() != 0o700 {
				t.Errorf("folder mode %v, want 0700", m)
			}
		})
	}
}

func TestListenRefusesFoldersItCannotTrust(t *testing.T) {
	t.Run("owned by another user", func(t *testing.T) {
		if os.Geteuid() != 0 {
			t.Skip("needs root to give a folder to another user")
		}
		dir := filepath.Join(shortDir(t), "run")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chown(dir, 65534, 65534); err != nil {
			t.Fatal(err)
		}
		_, err := Listen(filepath.Join(dir, "agent.sock"))
		if err == nil || !strings.Contains(err.Error(), "belongs to uid 65534") {
			t.Fatalf("err = %v, want a refusal naming the owner", err)
		}
		if m := mode(t, dir); m.Perm() != 0o700 {
			t.Errorf("someone else's folder was changed to %v", m)
		}
	})
	t.Run("shared sticky folder", func(t *testing.T) {
		dir := filepath.Join(shortDir(t), "tmp")
		if err := os.Mkdir(dir, 0o700); err != nil {
			t.Fatal(err)
		}
		if err := os.Chmod(dir, 0o777|fs.ModeSticky); err != nil {
			t.Fatal(err)
		}
		_, err := Listen(filepath.Join(dir, "agent.sock"))
		if err == nil || !strings.Contains(err.Error(), "shared") {
			t.Fatalf("err = %v, want a refusal of a shared folder", err)
		}
		if m := mode(t, dir); m.Perm() != 0o777 {
			t.Errorf("a shared folder was changed to %v", m)
		}
	})
	t.Run("a file where the folder should be", func(t *testing.T) {
		file := filepath.Join(shortDir(t), "run")
		if err := os.WriteFile(file, nil, 0o600); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(filepath.Join(file, "agent.sock")); err == nil {
			t.Fatal("Listen accepted a file as its folder")
		}
	})
	t.Run("a symlink as the folder", func(t *testing.T) {
		base := shortDir(t)
		if err := os.Symlink(shortDir(t), filepath.Join(base, "run")); err != nil {
			t.Fatal(err)
		}
		if _, err := Listen(filepath.Join(base, "run", "agent.sock")); err == nil {
			t.Fatal("Listen accepted a symlink as its folder")
		}
	})
}

func TestListenRemovesStaleSocket(t *testing.T) {
	path := filepath.Join(shortDir(t), "agent.sock")
	// What a crashed agent leaves: a socket file nobody listens on.
	old, err := net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
	if err != nil {
		t.Fatal(err)
	}
	old.SetUnlinkOnClose(false)
	old.Close()

	l := listenT(t, path)
	srv := &Server{Backend: oneEnv{newFakeBackend(StateSignedIn)}}
	go srv.Serve(l)
	t.Cleanup(func() { srv.Shutdown(t.Context()) })
	if _, err := NewClient(path).Status(t.Context()); err != nil {
		t.Fatalf("the new agent does not answer: %v", err)
	}
}

func TestListenRefusesWhenAnotherAgentRuns(t *testing.T) {
	t.Run("our own listener", func(t *testing.T) {
		ta := startAgent(t, StateSignedIn)
		_, err := Listen(ta.path)
		if !errors.Is(err, ErrAlreadyRunning) || !strings.Contains(err.Error(), "another biot-agent is already running on "+ta.path) {
			t.Fatalf("err = %v, want ErrAlreadyRunning naming the path", err)
		}
		if _, err := ta.client.Status(t.Context()); err != nil {
			t.Fatalf("the first agent stopped answering: %v", err)
		}
	})
	t.Run("a live socket without our lock", func(t *testing.T) {
		path := filepath.Join(shortDir(t), "agent.sock")
		other, err := net.Listen("unix", path)
		if err != nil {
			t.Fatal(err)
		}
		defer other.Close()
		if _, err := Listen(path); !errors.Is(err, ErrAlreadyRunning) {
			t.Fatalf("err = %v, want ErrAlreadyRunning", err)
		}
		if m := mode(t, path); m.Type() != fs.ModeSocket {
			t.Error("the live socket was removed")
		}
	})
}

func TestListenRefusesToRemoveAFile(t *testing.T) {
	path := filepath.Join(shortDir(t), "agent.sock")
	if err := os.WriteFile(path, []byte("precious"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := Listen(path); err == nil || !strings.Contains(err.Error(), "not a socket") {
		t.Fatalf("err = %v, want a refusal", err)
	}
	if b, _ := os.ReadFile(path); string(b) != "precious" {
		t.Error("the file was touched")
	}
}

func TestCloseRemovesSocketAndFreesThePath(t *testing.T) {
	path := filepath.Join(shortDir(t), "agent.sock")
	l, err := Listen(path)
	if err != nil {
		t.Fatal(err)
	}
	if err := l.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := os.Lstat(path); !errors.Is(err, fs.ErrNotExist) {
		t.Errorf("socket file still there after Close: %v", err)
	}
	listenT(t, path) // the lock is released too
}
