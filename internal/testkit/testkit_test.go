package testkit

import (
	"fmt"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"
)

// serve runs an HTTP server on a Unix socket of its own that answers every
// path with its name and cuts off a client slower than headerTimeout.
func serve(t *testing.T, headerTimeout time.Duration) string {
	t.Helper()
	dir, err := os.MkdirTemp("", "testkit-") // short: a socket path must fit in 108 bytes
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(dir) })
	socket := filepath.Join(dir, "s")
	ln, err := net.Listen("unix", socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &http.Server{
		ReadHeaderTimeout: headerTimeout,
		Handler: http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/missing" {
				http.NotFound(w, r)
				return
			}
			fmt.Fprint(w, r.URL.Path)
		}),
	}
	go srv.Serve(ln)
	t.Cleanup(func() { srv.Close() })
	return socket
}

func TestGet(t *testing.T) {
	socket := serve(t, 5*time.Second)
	for _, tt := range []struct {
		name, socket, target string
		status               int
		body, err            string
	}{
		{"a page", socket, "/v1/status", http.StatusOK, "/v1/status", ""},
		{"a page that is not there", socket, "/missing", http.StatusNotFound, "404 page not found\n", ""},
		{"no server", socket + "-gone", "/", 0, "", "dial: "},
	} {
		t.Run(tt.name, func(t *testing.T) {
			sent := 0
			status, body, err := Get(tt.socket, tt.target, 10*time.Second, func() { sent++ })
			if status != tt.status || body != tt.body {
				t.Errorf("Get = %d %q, want %d %q", status, body, tt.status, tt.body)
			}
			if (err == nil) != (tt.err == "") || err != nil && !strings.HasPrefix(err.Error(), tt.err) {
				t.Errorf("Get's error = %v, want one starting %q", err, tt.err)
			}
			if sent != 1 {
				t.Errorf("sent was called %d times, want once", sent)
			}
		})
	}
}

func TestDripIsCutOffAtTheServersHeaderDeadline(t *testing.T) {
	const deadline = 2 * time.Second
	socket := serve(t, deadline)
	held := Drip(socket)
	if held < deadline || held > deadline+3*time.Second {
		t.Errorf("the server held a byte-a-second client %v, want about its %v header deadline", held.Round(time.Millisecond), deadline)
	}
	if held := Drip(socket + "-gone"); held != 0 {
		t.Errorf("Drip with no server answered %v, want 0", held)
	}
}

func TestSyncBufferKeepsEveryWrite(t *testing.T) {
	var b SyncBuffer
	var wg sync.WaitGroup
	for range 8 {
		wg.Go(func() {
			for range 100 {
				fmt.Fprint(&b, "x")
				_ = b.String()
			}
		})
	}
	wg.Wait()
	if n := len(b.String()); n != 800 {
		t.Errorf("the buffer holds %d bytes, want the 800 written", n)
	}
}
