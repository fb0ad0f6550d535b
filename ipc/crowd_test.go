package ipc

import (
	"os"
	"runtime"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/testkit"
)

// TestAThousandClientsLeaveNoGoroutineOrFileBehind puts 1,000 clients on
// the server's socket at once (300 waiting for a token while nobody is
// signed in, 100 sending their request a byte a second, 600 quick ones),
// and counts the goroutines and files of this process, which holds both
// ends: the quick clients are all served, the slow ones cut off at the
// server's header deadline, the waiting ones answered by the sign-in; the
// server runs a bounded number of goroutines per connection, and once the
// crowd is gone both counts are back where they started. The end-to-end
// test of the real binary counts the agent's files and threads from /proc.
func TestAThousandClientsLeaveNoGoroutineOrFileBehind(t *testing.T) {
	const waiters, slow, quick = 300, 100, 600
	ta := startAgent(t, StateSignedOut)
	subscribed := make(chan struct{}, waiters)
	stopDrain := make(chan struct{})
	drained := make(chan struct{})
	go func() { // the fake reports each (un)subscription on small buffers
		defer close(drained)
		for {
			select {
			case <-ta.fb.subscribed:
				select {
				case subscribed <- struct{}{}:
				default:
				}
			case <-ta.fb.unsubscribed:
			case <-stopDrain:
				return
			}
		}
	}()
	t.Cleanup(func() { close(stopDrain); <-drained })
	if _, err := ta.client.Status(t.Context()); err != nil {
		t.Fatal(err)
	}
	ta.client.HTTP.CloseIdleConnections()
	settle(t, runtime.NumGoroutine)
	g0, f0 := runtime.NumGoroutine(), countFiles(t)

	answers := make(chan string, waiters)
	for range waiters {
		go func() { answers <- crowdCall(ta.path, "/v1/token?wait=1m") }()
	}
	for range waiters {
		waitFor(t, subscribed, "every waiting client to be waiting")
	}
	cut := make(chan time.Duration, slow)
	for range slow {
		go func() { cut <- testkit.Drip(ta.path) }()
	}
	served := make(chan string, quick)
	for range quick {
		go func() { served <- crowdCall(ta.path, "/v1/status") }()
	}
	peak := 0
	for i := range quick {
		if i%25 == 0 {
			peak = max(peak, runtime.NumGoroutine()-g0)
		}
		if got := <-served; !strings.Contains(got, `"state":"signed_out"`) {
			t.Errorf("a quick client was answered %q", got)
		}
	}
	// A client goroutine, and on the server a connection and its
	// background read, for each of the thousand, and little more.
	t.Logf("%d goroutines above the start at the peak", peak)
	if limit := 4 * (waiters + slow + quick); peak > limit {
		t.Errorf("%d goroutines above the start for %d clients, want at most %d", peak, waiters+slow+quick, limit)
	}

	ta.fb.signIn("carol@example.com")
	for range waiters {
		select {
		case got := <-answers:
			if got != fakeToken {
				t.Errorf("a waiting client got %q, want the token", got)
			}
		case <-time.After(10 * time.Second):
			t.Fatal("waiting clients still unanswered 10s after the sign-in")
		}
	}
	for range slow {
		select {
		case d := <-cut:
			if d > readHeaderTimeout+5*time.Second {
				t.Errorf("a client sending a byte a second was held %v, want cut off at %v", d.Round(time.Second), readHeaderTimeout)
			}
		case <-time.After(30 * time.Second):
			t.Fatal("clients sending a byte a second still connected after 30s")
		}
	}
	g := settle(t, runtime.NumGoroutine)
	if g > g0+2 {
		t.Errorf("%d goroutines after the crowd left, %d before: the server kept some", g, g0)
	}
	if f := countFiles(t); f > f0+2 {
		t.Errorf("%d files open after the crowd left, %d before: connections leaked", f, f0)
	}
}

// settle polls n until it stops falling for half a second (or 20 s pass)
// and answers its last value.
func settle(t *testing.T, n func() int) int {
	t.Helper()
	deadline := time.Now().Add(20 * time.Second)
	last, since := n(), time.Now()
	tick := time.NewTicker(20 * time.Millisecond)
	defer tick.Stop()
	for time.Now().Before(deadline) && time.Since(since) < 500*time.Millisecond {
		<-tick.C
		if v := n(); v < last {
			last, since = v, time.Now()
		} else {
			last = v
		}
	}
	return last
}

func countFiles(t *testing.T) int {
	t.Helper()
	ents, err := os.ReadDir("/proc/self/fd")
	if err != nil {
		t.Skipf("no /proc to count files: %v", err)
	}
	return len(ents)
}

// crowdCall sends one GET on a connection of its own and answers the body,
// or what went wrong.
func crowdCall(socket, target string) string {
	_, body, err := testkit.Get(socket, target, 2*time.Minute, nil)
	if err != nil {
		return err.Error()
	}
	return body
}
