//go:build unix

package peercred

import (
	"errors"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"testing"
)

// TestGetTellsWhoConnected connects to a real socket from this process:
// both ends must name this process's user, and on Linux this process.
func TestGetTellsWhoConnected(t *testing.T) {
	dir, err := os.MkdirTemp("", "peercred")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	l, err := net.Listen("unix", filepath.Join(dir, "s"))
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	accepted := make(chan net.Conn, 1)
	go func() {
		c, _ := l.Accept()
		accepted <- c
	}()
	client, err := net.Dial("unix", l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer client.Close()
	server := <-accepted
	if server == nil {
		t.Fatal("accept failed")
	}
	defer server.Close()

	for _, tt := range []struct {
		name string
		c    net.Conn
	}{{"the server's end", server}, {"the client's end", client}} {
		cred, err := Get(tt.c)
		if errors.Is(err, ErrUnsupported) && runtime.GOOS != "linux" && runtime.GOOS != "darwin" {
			t.Skipf("%s: %v", runtime.GOOS, err)
		}
		if err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		if cred.UID != os.Geteuid() {
			t.Errorf("%s: uid %d, want %d", tt.name, cred.UID, os.Geteuid())
		}
		wantPID := 0
		if runtime.GOOS == "linux" {
			wantPID = os.Getpid()
		}
		if cred.PID != wantPID {
			t.Errorf("%s: pid %d, want %d", tt.name, cred.PID, wantPID)
		}
	}
}

func TestGetRefusesWhatIsNotAUnixSocket(t *testing.T) {
	a, b := net.Pipe()
	defer a.Close()
	defer b.Close()
	if _, err := Get(a); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("Get(net.Pipe) = %v, want an error that is not ErrUnsupported", err)
	}
}
