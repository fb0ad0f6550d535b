package ipc

import (
	"bufio"
	"context"
	"strings"
	"testing"
	"time"
)

func nextEvent(t *testing.T, ch <-chan Event) Event {
	t.Helper()
	select {
	case ev, ok := <-ch:
		if !ok {
			t.Fatal("the event stream ended")
		}
		return ev
	case <-time.After(5 * time.Second):
		t.Fatal("no event within 5s")
		return Event{}
	}
}

func TestEventsStreamStatusThenChanges(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	events, err := ta.client.Events(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	first := nextEvent(t, events)
	if first.Seq != 0 || first.Status.State != StateSignedOut {
		t.Errorf("first event = %+v, want the current status with seq 0", first)
	}
	waitFor(t, ta.fb.subscribed, "the stream to subscribe")

	if err := ta.client.Login(t.Context(), "frank@example.com", fakePassword); err != nil {
		t.Fatal(err)
	}
	ev := nextEvent(t, events)
	if ev.Seq != 1 || ev.Status.State != StateSignedIn || ev.Status.Username != "frank@example.com" {
		t.Errorf("after sign-in event = %+v", ev)
	}
	if err := ta.client.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	if ev := nextEvent(t, events); ev.Seq != 2 || ev.Status.State != StateSignedOut {
		t.Errorf("after sign-out event = %+v", ev)
	}
}

func TestEventsEndWithClientAndServer(t *testing.T) {
	t.Run("client cancels", func(t *testing.T) {
		ta := startAgent(t, StateSignedIn)
		ctx, cancel := context.WithCancel(t.Context())
		events, err := ta.client.Events(ctx)
		if err != nil {
			t.Fatal(err)
		}
		nextEvent(t, events)
		cancel()
		waitFor(t, ta.fb.unsubscribed, "the server to end the stream")
	})
	t.Run("server shuts down", func(t *testing.T) {
		ta := startAgent(t, StateSignedIn)
		events, err := ta.client.Events(t.Context())
		if err != nil {
			t.Fatal(err)
		}
		nextEvent(t, events)
		ta.stop(t) // fails the test if Shutdown waits for the stream
		select {
		case _, ok := <-events:
			if ok {
				t.Fatal("an event after shutdown")
			}
		case <-time.After(5 * time.Second):
			t.Fatal("the stream did not end at shutdown")
		}
	})
}

func TestEventsHeartbeat(t *testing.T) {
	ta := startAgent(t, StateSignedIn, func(s *Server) { s.heartbeat = 20 * time.Millisecond })
	req := newReq(t, "GET", "/v1/events", nil)
	resp, err := ta.client.httpClient().Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if ct := resp.Header.Get("Content-Type"); ct != "text/event-stream" {
		t.Errorf("Content-Type = %q", ct)
	}
	lines := make(chan string)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(resp.Body)
		for sc.Scan() {
			select {
			case lines <- sc.Text():
			case <-t.Context().Done():
				return
			}
		}
	}()
	var sawData, sawBeat bool
	deadline := time.After(5 * time.Second)
	for !sawData || !sawBeat {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatal("the stream ended")
			}
			sawData = sawData || strings.HasPrefix(l, `data: {"seq":0,`)
			sawBeat = sawBeat || (sawData && l == ": heartbeat")
		case <-deadline:
			t.Fatalf("data %v, heartbeat %v within 5s", sawData, sawBeat)
		}
	}
}
