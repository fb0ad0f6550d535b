package cli_test

import (
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
)

// TestHangUpStopsAnAgentOfNoServiceUser: `biot-agent run` started from a
// terminal that then closes gets SIGHUP. With no service user to sign in
// again, the agent stops as programs do then: promptly, exit 0, its socket
// gone, one line saying why. (An agent of service users signs them in
// again instead: TestServiceUserRefusedOrLockedIsTriedOnce.)
func TestHangUpStopsAnAgentOfNoServiceUser(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: &biotsim.Options{}})
	a := w.startAgent()
	a.hangUp()
	select {
	case <-a.done:
	case <-time.After(stopTimeout):
		t.Fatalf("the agent runs on %v after SIGHUP, with no service user to sign in again", stopTimeout)
	}
	res := a.stop() // checks exit 0, no race report, the socket gone
	if !strings.Contains(res.stderr, "SIGHUP, and no service user to sign in again: stopping") {
		t.Errorf("the agent's log does not say why it stopped:\n%s", res.stderr)
	}
}
