package cli_test

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"biot-agent/internal/testkit"
)

// The crowd on the socket: long polls waiting for a sign-in, clients that
// send their request a byte a second, and quick clients, all at once.
const (
	crowdWaiters = 300
	crowdSlow    = 100
	crowdQuick   = 600
)

// TestAThousandClientsAtOnceAreServedWithBoundedFilesAndThreads puts 1,000
// clients on the real agent's socket at the same moment: 300 scripts
// holding token?wait=2m while nobody is signed in, 100 clients that send
// their request one byte a second, and 600 that ask for the status and a
// token and leave. Every quick client is answered; the slow ones are cut
// off by the agent instead of holding it; the sign-in that follows answers
// every waiting script with a token at once. Meanwhile the agent holds one
// file descriptor per client and a few dozen threads, and once the crowd
// leaves its descriptors are back where they started.
//
// It does not run in parallel: a thousand connections and their goroutines
// would slow the timed tests around it.
func TestAThousandClientsAtOnceAreServedWithBoundedFilesAndThreads(t *testing.T) {
	if _, err := os.Stat("/proc/self/fd"); err != nil {
		t.Skipf("no /proc to count the agent's files: %v", err)
	}
	raiseFileLimit(t, 2*(crowdWaiters+crowdSlow+crowdQuick)+256)
	w := newWorld(t, worldOptions{sim: anaSim()})
	a := w.startAgent()
	a.client.HTTP.CloseIdleConnections()
	pid := a.pid()
	waitFor(t, 10*time.Second, "the agent's files to settle", func() bool { return openFiles(t, pid) < 64 })
	base := openFiles(t, pid)

	// The waiting scripts connect first and hold their connections.
	waiters := make(chan string, crowdWaiters)
	var ready sync.WaitGroup
	for range crowdWaiters {
		ready.Add(1)
		go func() {
			waiters <- rawCall(w.socket(), "/v1/token?wait=2m", &ready)
		}()
	}
	ready.Wait()
	slowCut := make(chan time.Duration, crowdSlow)
	for range crowdSlow {
		go func() { slowCut <- testkit.Drip(w.socket()) }()
	}

	// The quick clients, all at once.
	quick := make(chan string, crowdQuick)
	begin := time.Now()
	for range crowdQuick {
		go func() { quick <- quickClient(w.socket()) }()
	}
	peakFiles, peakThreads := 0, 0
	for i := range crowdQuick {
		if i%50 == 0 {
			peakFiles, peakThreads = max(peakFiles, openFiles(t, pid)), max(peakThreads, threads(t, pid))
		}
		if got := <-quick; got != "" {
			t.Errorf("a quick client was not served: %s", got)
		}
	}
	took := time.Since(begin)
	t.Logf("%d quick clients served in %v, beside %d waiting and %d slow ones", crowdQuick, took.Round(time.Millisecond), crowdWaiters, crowdSlow)
	if took > 30*time.Second {
		t.Errorf("serving %d quick clients took %v, want well under 30s", crowdQuick, took.Round(time.Millisecond))
	}
	if len(waiters) != 0 {
		t.Fatalf("%d waiting clients were answered before anyone signed in: %s", len(waiters), <-waiters)
	}

	// The sign-in answers every waiting script.
	signIn := time.Now()
	w.mustLogin(ana, anaPW)
	for range crowdWaiters {
		select {
		case got := <-waiters:
			if !isAccessToken(got) {
				t.Errorf("a waiting client got %q, want a token", got)
			} else {
				w.secrets.addToken("an access token", got)
			}
		case <-time.After(30 * time.Second):
			t.Fatalf("waiting clients still unanswered 30s after the sign-in")
		}
	}
	t.Logf("%d waiting clients got their token within %v of the sign-in", crowdWaiters, time.Since(signIn).Round(time.Millisecond))

	// The slow clients were cut off on the agent's own deadline.
	for range crowdSlow {
		select {
		case d := <-slowCut:
			if d > 20*time.Second {
				t.Errorf("a client sending a byte a second was held %v, want cut off within 20s", d.Round(time.Second))
			}
		case <-time.After(30 * time.Second):
			t.Fatal("clients sending a byte a second still connected after 30s")
		}
	}

	t.Logf("the agent held at most %d files (%d before) and %d threads", peakFiles, base, peakThreads)
	if limit := base + crowdWaiters + crowdSlow + crowdQuick + 64; peakFiles > limit {
		t.Errorf("the agent held %d files for %d clients, want at most %d: one per client", peakFiles, crowdWaiters+crowdSlow+crowdQuick, limit)
	}
	if peakThreads > 128 {
		t.Errorf("the agent ran %d threads, want a few dozen: the network waits on the poller, not on threads", peakThreads)
	}
	waitFor(t, 20*time.Second, "the agent to close the crowd's connections", func() bool { return openFiles(t, pid) <= base+8 })
	w.wantSelf(w.token(), ana)
}

// raiseFileLimit lifts this process's soft limit on open files to at least
// n, or skips the test when the hard limit is lower. The agent it starts
// raises its own, as every Go program does.
func raiseFileLimit(t *testing.T, n uint64) {
	t.Helper()
	var lim syscall.Rlimit
	if err := syscall.Getrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
	if lim.Cur >= n {
		return
	}
	if lim.Max < n {
		t.Skipf("open files are limited to %d here, the test needs %d", lim.Max, n)
	}
	lim.Cur = n
	if err := syscall.Setrlimit(syscall.RLIMIT_NOFILE, &lim); err != nil {
		t.Fatal(err)
	}
}

// openFiles counts the file descriptors process pid holds.
func openFiles(t *testing.T, pid int) int {
	t.Helper()
	ents, err := os.ReadDir(filepath.Join("/proc", strconv.Itoa(pid), "fd"))
	if err != nil {
		t.Fatalf("counting the agent's files: %v", err)
	}
	return len(ents)
}

// threads is the number of threads of process pid.
func threads(t *testing.T, pid int) int {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		t.Fatalf("reading the agent's status: %v", err)
	}
	for line := range strings.Lines(string(b)) {
		if v, ok := strings.CutPrefix(line, "Threads:"); ok {
			n, _ := strconv.Atoi(strings.TrimSpace(v))
			return n
		}
	}
	t.Fatal("no Threads line in /proc/<pid>/status")
	return 0
}

// rawCall sends one GET on a connection of its own and answers the body
// of a 200, or what went wrong. connected is told once the request is
// sent.
func rawCall(socket, target string, connected *sync.WaitGroup) string {
	status, body, err := testkit.Get(socket, target, 3*time.Minute, connected.Done)
	if err != nil {
		return err.Error()
	}
	if status != http.StatusOK {
		return fmt.Sprintf("status %d: %s", status, body)
	}
	return body
}

// quickClient asks for the status and then a token on one connection, as a
// script does, and answers "" when both were answered as they should be:
// the status, and "not signed in".
func quickClient(socket string) string {
	c, err := net.Dial("unix", socket)
	if err != nil {
		return "dial: " + err.Error()
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(time.Minute))
	r := bufio.NewReader(c)
	for _, want := range []struct {
		path   string
		status int
		says   string
	}{
		{"/v1/status", http.StatusOK, `"state":"signed_out"`},
		{"/v1/token", http.StatusUnauthorized, `"code":"signed_out"`},
	} {
		if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: biot-agent\r\n\r\n", want.path); err != nil {
			return "write: " + err.Error()
		}
		resp, err := http.ReadResponse(r, nil)
		if err != nil {
			return want.path + ": " + err.Error()
		}
		body, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if resp.StatusCode != want.status || !strings.Contains(string(body), want.says) {
			return fmt.Sprintf("%s answered %d %s, want %d with %s", want.path, resp.StatusCode, body, want.status, want.says)
		}
	}
	return ""
}
