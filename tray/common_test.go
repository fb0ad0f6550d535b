package tray

import (
	"testing"
	"time"
)

// waitFor bounds every wait in these tests.
const waitFor = 15 * time.Second

// The person and the environment of the tests.
const (
	ana = "ana@example.com"
	env = "https://api.dev.acme.biot-med.com"
)

// eventually polls check until it answers "" or the wait runs out; it
// returns the last complaint.
func eventually(t *testing.T, check func() string) {
	t.Helper()
	deadline := time.After(waitFor)
	tick := time.NewTicker(25 * time.Millisecond)
	defer tick.Stop()
	for {
		why := check()
		if why == "" {
			return
		}
		select {
		case <-tick.C:
		case <-deadline:
			t.Fatal(why)
		}
	}
}

// recv waits for one string: a line from a fake tool, a page opened.
func recv(t *testing.T, ch <-chan string, what string) string {
	t.Helper()
	select {
	case s := <-ch:
		return s
	case <-time.After(waitFor):
		t.Fatalf("%s: nothing came", what)
		return ""
	}
}
