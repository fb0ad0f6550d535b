package localapi

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/ipc"
)

// emptyStore holds no session: the agent starts signed out.
type emptyStore struct{}

func (emptyStore) Load(context.Context, agent.Key) (agent.Session, error) {
	return agent.Session{}, agent.ErrNoSession
}
func (emptyStore) Save(context.Context, agent.Session) error { return nil }
func (emptyStore) Delete(context.Context, string) error      { return nil }
func (emptyStore) Info() agent.StoreInfo                     { return agent.StoreInfo{Kind: "memory"} }

// signedOutAgent runs a real agent with nobody signed in. It never calls
// BioT (its address answers nothing): what it can do without it is what
// is tested here; the whole way, through a simulated BioT and the socket,
// is internal/cli's end-to-end tests.
func signedOutAgent(t *testing.T) ipc.Session {
	t.Helper()
	bc, err := biot.New("https://127.0.0.1:9", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	a, err := agent.New(agent.Config{Client: bc, Store: emptyStore{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { _ = a.Run(ctx); close(ran) }()
	t.Cleanup(func() { cancel(); <-ran })
	b := Session(a)
	// Token waits for the agent to look at its store: past it, only the
	// tests change the session.
	if _, err := b.Token(t.Context(), 0); err == nil {
		t.Fatal("a token with nobody signed in")
	}
	return b
}

func TestAgentErrorsArriveAsIPCErrors(t *testing.T) {
	b := signedOutAgent(t)
	_, err := b.Token(t.Context(), 0)
	var ie *ipc.Error
	if !errors.As(err, &ie) || ie.Code != ipc.CodeSignedOut || ie.Message == "" {
		t.Fatalf("Token signed out: %#v, want *ipc.Error signed_out with a message", err)
	}
	if _, ok := b.CurrentToken(0); ok {
		t.Error("CurrentToken answered a token while signed out")
	}
	if err := b.SubmitMFA(t.Context(), "123456"); !errors.As(err, &ie) || ie.Code == "" {
		t.Errorf("SubmitMFA without a pending sign-in: %#v, want an *ipc.Error", err)
	}
	if sentTo, err := b.RequestCode(t.Context(), " "); !errors.As(err, &ie) || ie.Code != ipc.CodeBadRequest || sentTo != "" {
		t.Errorf("RequestCode without a phone: %q, %#v, want an *ipc.Error bad_request", sentTo, err)
	}
	if _, err := b.RequestCode(t.Context(), "+15555550142"); !errors.As(err, &ie) || ie.Code != ipc.CodeOffline || ie.Message == "" {
		t.Errorf("RequestCode with BioT out of reach: %#v, want an *ipc.Error offline with a message", err)
	}
	if st := b.Status(); st.State != ipc.StateSignedOut || st.BaseURL != "https://127.0.0.1:9" || st.Store.Kind != "memory" {
		t.Errorf("status = %+v", st)
	}
}

// The subscription keeps the agent's promise through the adapter: the
// status first, then each change, and cancel closes the channel.
func TestSubscribeHandsOnTheAgentsEvents(t *testing.T) {
	b := signedOutAgent(t)
	events, cancel := b.Subscribe()
	next := func() (ipc.Event, bool) {
		t.Helper()
		select {
		case ev, ok := <-events:
			return ev, ok
		case <-time.After(5 * time.Second):
			t.Fatal("no event within 5 s")
			return ipc.Event{}, false
		}
	}
	first, ok := next()
	if !ok || first.Status.State != ipc.StateSignedOut {
		t.Fatalf("first event %+v (ok %v), want the current status, signed out", first, ok)
	}
	if err := b.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	ev, ok := next()
	if !ok || ev.Seq != first.Seq+1 || ev.Status.State != ipc.StateSignedOut {
		t.Errorf("after a logout: %+v (ok %v), want the next seq, signed out", ev, ok)
	}
	cancel()
	if ev, ok := next(); ok {
		t.Errorf("after cancel: %+v, want the channel closed", ev)
	}
	cancel() // a second cancel is harmless
}

// A reader that does not read loses old events, never the latest, and
// never holds the agent up.
func TestSubscribeSlowReaderGetsTheLatest(t *testing.T) {
	b := signedOutAgent(t)
	events, cancel := b.Subscribe()
	defer cancel()
	for range 3 * eventBuffer {
		if err := b.Logout(t.Context()); err != nil {
			t.Fatal(err)
		}
	}
	// A new subscription's first event carries the seq of the last change.
	now, stop := b.Subscribe()
	latest := <-now
	stop()

	var got []uint64
	deadline := time.After(5 * time.Second)
	for len(got) == 0 || got[len(got)-1] < latest.Seq {
		select {
		case ev := <-events:
			got = append(got, ev.Seq)
		case <-deadline:
			t.Fatalf("the latest event (seq %d) never came; got %v", latest.Seq, got)
		}
	}
	// Held at most: the agent's buffer, the adapter's, and one in hand.
	if most := 2*eventBuffer + 1; len(got) > most || got[len(got)-1] != latest.Seq {
		t.Errorf("read seqs %v, want at most %d ending with %d", got, most, latest.Seq)
	}
}

// The environments arrive by name, with the agent's errors as the API's.
func TestEnvironmentsArriveByName(t *testing.T) {
	envs, err := agent.NewEnvironments(agent.Config{Store: emptyStore{}, Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		func(url string) (*biot.Client, error) { return biot.New(url, nil, "test") })
	if err != nil {
		t.Fatal(err)
	}
	if err := envs.Set([]agent.Env{{Name: "dev", URL: "https://127.0.0.1:9"}, {Name: "prod", URL: "https://127.0.0.2:9"}}, "prod"); err != nil {
		t.Fatal(err)
	}
	b := New(envs)
	s, err := b.Session("")
	if err != nil || s.Status().Env != "prod" {
		t.Fatalf("Session(\"\") = %v, %v; want prod, the default", s, err)
	}
	var ie *ipc.Error
	if _, err := b.Session("staging"); !errors.As(err, &ie) || ie.Code != ipc.CodeUnknownEnvironment || !strings.Contains(ie.Message, "dev, prod") {
		t.Fatalf("Session(staging) = %#v, want unknown_environment naming dev and prod", err)
	}
	list, def := b.Environments()
	if def != "prod" || len(list) != 2 || list[0].Env != "dev" || list[1].BaseURL != "https://127.0.0.2:9" {
		t.Errorf("Environments() = %+v, %q", list, def)
	}
}
