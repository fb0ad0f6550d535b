package tray

import (
	"context"
	"io"
	"log/slog"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
)

// TestServiceUserSignsInAgainFromTheTray runs the tray over a real agent of
// a service user whose secret key BioT refuses (a simulated BioT over
// HTTPS). The person sees one "Sign-in needed" notification whose button
// says "Sign in again" and a menu item of that name, not a page: a service
// user has none. Once the key is put right, the button signs the service
// user in with it, and BioT saw the key once per click, never on its own.
func TestServiceUserSignsInAgainFromTheTray(t *testing.T) {
	const (
		id    = "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b"
		right = "svc-Right-key-0f9e8d"
	)
	sim, err := biotsim.New(biotsim.Options{ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: right, AccessTokenExpirationInMinutes: 10}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	var secret atomic.Value
	secret.Store("svc-Wrong-key-1a2b3c")
	envs, err := agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("test"), Logger: slog.New(slog.NewTextHandler(io.Discard, nil))},
		func(url string) (*biot.Client, error) {
			return biot.New(url, biot.NewHTTPClient(sim.CertPool()), "tray-test")
		})
	if err != nil {
		t.Fatal(err)
	}
	svc := &agent.ServiceIdentity{ID: id, Secret: func(context.Context) (string, error) { return secret.Load().(string), nil }}
	if err := envs.Set([]agent.Env{{Name: "svc", URL: sim.URL(), Service: svc}}, ""); err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), waitFor)
	defer cancel()
	done := make(chan struct{})
	go func() { _ = envs.Run(ctx); close(done) }()
	defer func() { cancel(); <-done }()

	n := newRecordingNotifier()
	tr := newTray(Config{
		Backend:  Agents(envs),
		Notifier: n,
		SignIn: func(context.Context, string) (string, error) {
			t.Error("the tray asked for a sign-in page for a service user")
			return "", nil
		},
		OpenURL: func(string) error { return nil },
		Logger:  slog.New(slog.NewTextHandler(io.Discard, nil)),
		Clock:   agent.SystemClock{},
	})
	stopped := tr.start(ctx)
	defer func() { cancel(); <-stopped }()

	note := n.next(t)
	if note.Title != "Sign-in needed: svc" || !strings.Contains(note.Body, "LOGIN_FAILED") ||
		len(note.Actions) != 1 || note.Actions[0].Label != "Sign in again" {
		t.Fatalf("notification %q %q %+v; want Sign-in needed: svc, BioT's code, one button Sign in again", note.Title, note.Body, note.Actions)
	}
	v, _ := tr.view()
	if s := v.sections[0]; !s.signIn || !s.service {
		t.Errorf("menu section %+v: want Sign in again, enabled", s)
	} else if title, _ := s.signInTitle(); title != "Sign in again" {
		t.Errorf("the menu item says %q, want Sign in again", title)
	}
	if st := sim.Stats(); st.ServiceRejected != 1 || st.ServiceSignIns != 0 {
		t.Fatalf("BioT saw %d refused and %d good sign-ins before any click; want 1 and 0", st.ServiceRejected, st.ServiceSignIns)
	}

	// Still wrong: a click sends it once more, and the one notification
	// (shown again in place) says BioT refused it.
	n.actions <- note.Actions[0].Key
	if p := n.next(t); p.Title != "Sign-in needed: svc" || !strings.Contains(p.Body, "LOGIN_FAILED") || p.Replaces != n.idOf(note) {
		t.Errorf("after a refused click: %q %q (replaces %d); want Sign-in needed: svc with the refusal, in place of the first", p.Title, p.Body, p.Replaces)
	}
	// Put right: the next click signs in.
	secret.Store(right)
	n.actions <- note.Actions[0].Key
	for deadline := time.After(waitFor); ; {
		if st := envs.Statuses(); len(st) == 1 && st[0].State == agent.StateSignedIn {
			break
		}
		select {
		case <-deadline:
			t.Fatalf("not signed in after the click with the right key: %+v", envs.Statuses())
		case <-time.After(10 * time.Millisecond):
		}
	}
	if st := sim.Stats(); st.ServiceRejected != 2 || st.ServiceSignIns != 1 {
		t.Errorf("BioT saw %d refused and %d good sign-ins; want 2 (one of them clicked) and 1", st.ServiceRejected, st.ServiceSignIns)
	}
	for len(n.got) > 0 {
		x := <-n.got
		t.Errorf("one notification more: %q %q", x.Title, x.Body)
	}
	if v, _ := tr.view(); v.sections[0].signIn {
		t.Error("Sign in again stays enabled while the service user is signed in")
	}
}
