package agent_test

import (
	"context"
	"testing"
	"time"

	"biot-agent/agent"
)

// A subscriber is told where the session stands together with its
// subscription: a change right after it is the next event, never folded
// into a snapshot read later (the socket's token waits rely on this).
func TestSubscribeStartsWithTheCurrentStatus(t *testing.T) {
	h := start(t, options{})
	h.login()

	events, cancel := h.agent.Subscribe()
	defer cancel()
	if err := h.agent.Logout(context.Background()); err != nil {
		t.Fatal(err)
	}
	first := next(t, events)
	if first.Status.State != agent.StateSignedIn || first.Status.Username == "" {
		t.Fatalf("first event = %+v; want the signed-in status at the moment of subscribing", first.Status)
	}
	second := next(t, events)
	if second.Status.State != agent.StateSignedOut || second.Seq != first.Seq+1 {
		t.Fatalf("second event = seq %d %+v; want signed_out with seq %d", second.Seq, second.Status, first.Seq+1)
	}
}

func next(t *testing.T, events <-chan agent.Event) agent.Event {
	t.Helper()
	select {
	case ev, ok := <-events:
		if !ok {
			t.Fatal("the subscription closed")
		}
		return ev
	case <-time.After(10 * time.Second):
		t.Fatal("no event within 10 s")
		return agent.Event{}
	}
}
