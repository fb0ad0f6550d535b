// Command trayhost runs tray.Run on its main goroutine for package tray's
// tests, which drive it from outside: fyne.io/systray can run once per
// process and only on the main thread, so each test starts a trayhost of
// its own on a private D-Bus bus, clicks through a test StatusNotifier
// watcher and listens as a notification server. It is built without -race
// even under `go test -race`: systray's own data races must not fail our
// tests (see tray's main_test.go).
//
// The agent here is a stand-in (backend below) that the test drives
// through stdin, one JSON command a line; the real agent behind the tray
// is exercised by the end-to-end test. trayhost reports on stdout, one JSON
// event a line, and logs on stderr.
//
//	{"op":"status","status":{...}}      publish a status (agent.Status JSON)
//	{"op":"burst","status":{...},"n":N} publish it N times
//	{"op":"token"}                      a script asks for a token
//	{"op":"cancel"}                     cancel Run's context
//
//	{"ev":"signin"}  {"ev":"logout"}  {"ev":"token"}  {"ev":"autostart","on":true}
//	{"ev":"returned","err":"..."}      Run returned
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"time"

	"biot-agent/agent"
	"biot-agent/tray"
)

type command struct {
	Op     string       `json:"op"`
	Status agent.Status `json:"status"`
	N      int          `json:"n"`
}

type event struct {
	Ev  string `json:"ev"`
	Err string `json:"err,omitempty"`
	On  bool   `json:"on,omitempty"`
}

// out writes events; safe for concurrent use.
type out struct {
	mu  sync.Mutex
	enc *json.Encoder
}

func (o *out) send(e event) {
	o.mu.Lock()
	defer o.mu.Unlock()
	_ = o.enc.Encode(e)
}

func main() {
	notifyBefore := flag.Duration("notify-before", 10*time.Minute, "tray.Config.NotifyBefore")
	autostart := flag.Bool("autostart", true, "offer Start at login")
	token := flag.String("token", "header.payload.signature", "the access token the backend serves")
	signinURL := flag.String("signin-url", "http://127.0.0.1:9/one-time/", "what SignIn answers")
	flag.Parse()

	o := &out{enc: json.NewEncoder(os.Stdout)}
	b := &backend{out: o, token: *token, subs: map[chan agent.Event]bool{}}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()

	go func() {
		sc := bufio.NewScanner(os.Stdin)
		sc.Buffer(nil, 1<<20)
		for sc.Scan() {
			var c command
			if err := json.Unmarshal(sc.Bytes(), &c); err != nil {
				fmt.Fprintf(os.Stderr, "trayhost: bad command: %v\n", err)
				os.Exit(2)
			}
			switch c.Op {
			case "status":
				b.publish(c.Status, 1)
			case "burst":
				b.publish(c.Status, c.N)
			case "token":
				go func() {
					if _, err := b.Token(ctx, 0); err == nil {
						o.send(event{Ev: "token"})
					}
				}()
			case "cancel":
				cancel()
			}
		}
		cancel() // the test is gone
	}()

	cfg := tray.Config{
		Backend: b,
		SignIn: func(context.Context) (string, error) {
			o.send(event{Ev: "signin"})
			return *signinURL, nil
		},
		NotifyBefore: *notifyBefore,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if *autostart {
		cfg.Autostart = &fakeAutostart{out: o}
	}
	err := tray.Run(ctx, cfg)
	e := event{Ev: "returned"}
	if err != nil {
		e.Err = err.Error()
	}
	o.send(e)
}

// backend stands in for the agent: its status is whatever the test sent
// last.
type backend struct {
	out   *out
	token string

	mu     sync.Mutex
	status agent.Status
	seq    uint64
	subs   map[chan agent.Event]bool
}

func (b *backend) Status() agent.Status {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.status
}

// Subscribe hands out a large buffer, and publish blocks on it: a test
// that sends 100 events must see each one arrive, while the real agent
// drops the oldest.
func (b *backend) Subscribe() (<-chan agent.Event, func()) {
	ch := make(chan agent.Event, 1024)
	b.mu.Lock()
	ch <- agent.Event{Seq: b.seq, Status: b.status} // the current status first, as the agent does
	b.subs[ch] = true
	b.mu.Unlock()
	return ch, func() {
		b.mu.Lock()
		defer b.mu.Unlock()
		if b.subs[ch] {
			delete(b.subs, ch)
			close(ch)
		}
	}
}

func (b *backend) publish(st agent.Status, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	b.status = st
	for i := 0; i < n; i++ {
		b.seq++
		for ch := range b.subs {
			ch <- agent.Event{Seq: b.seq, Status: st}
		}
	}
}

func (b *backend) Token(context.Context, time.Duration) (agent.Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if b.status.State != agent.StateSignedIn && b.status.State != agent.StateOffline {
		return agent.Token{}, &agent.Error{Kind: agent.KindSignedOut, Message: "not signed in"}
	}
	return agent.Token{Token: b.token, ExpiresAt: time.Now().Add(5 * time.Minute), Username: b.status.Username}, nil
}

func (b *backend) Logout(context.Context) error {
	b.out.send(event{Ev: "logout"})
	b.mu.Lock()
	st := agent.Status{State: agent.StateSignedOut, BaseURL: b.status.BaseURL}
	b.mu.Unlock()
	b.publish(st, 1)
	return nil
}

type fakeAutostart struct {
	out *out
	mu  sync.Mutex
	on  bool
}

func (a *fakeAutostart) Enabled() (bool, error) {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.on, nil
}

func (a *fakeAutostart) SetEnabled(on bool) error {
	a.mu.Lock()
	a.on = on
	a.mu.Unlock()
	a.out.send(event{Ev: "autostart", On: on})
	return nil
}
