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
//	{"op":"status","status":{...}}      publish a status (agent.Status JSON; its Env names the environment)
//	{"op":"burst","status":{...},"n":N} publish it N times
//	{"op":"remove","env":"dev"}         the environment is no longer configured
//	{"op":"token","env":"dev"}          a script asks for a token of dev
//	{"op":"cancel"}                     cancel Run's context
//
//	{"ev":"signin","env":"dev"}  {"ev":"add"}  {"ev":"logout","env":"dev"}
//	{"ev":"service-signin","env":"svc"}  a service user's "Sign in again"
//	{"ev":"token","env":"dev"}  {"ev":"autostart","on":true}
//	{"ev":"returned","err":"..."}      Run returned
package main

import (
	"bufio"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"log/slog"
	"maps"
	"os"
	"slices"
	"strings"
	"sync"
	"time"

	"biot-agent/agent"
	"biot-agent/tray"
)

type command struct {
	Op     string       `json:"op"`
	Status agent.Status `json:"status"`
	N      int          `json:"n"`
	Env    string       `json:"env"`
}

type event struct {
	Ev  string `json:"ev"`
	Env string `json:"env,omitempty"`
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
	add := flag.Bool("add", true, "offer Add a BioT environment…")
	envs := flag.String("envs", "dev", "the environments configured at start, signed out, comma-separated")
	token := flag.String("token", "header.payload.signature", "the access token the backend serves, followed by -<env>")
	signinURL := flag.String("signin-url", "http://127.0.0.1:9/one-time/", "what SignIn answers, followed by <env>/")
	addURL := flag.String("add-url", "http://127.0.0.1:9/add/", "what AddEnvironment answers")
	flag.Parse()

	o := &out{enc: json.NewEncoder(os.Stdout)}
	b := &backend{out: o, token: *token, statuses: map[string]agent.Status{}, subs: map[chan agent.Event]bool{}}
	for _, name := range strings.Split(*envs, ",") {
		if name != "" {
			b.statuses[name] = agent.Status{Env: name, State: agent.StateSignedOut, BaseURL: "https://api." + name + ".acme.biot-med.com"}
		}
	}
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
				b.publish(agent.Event{Status: c.Status}, 1)
			case "burst":
				b.publish(agent.Event{Status: c.Status}, c.N)
			case "remove":
				b.publish(agent.Event{Status: agent.Status{Env: c.Env}, Removed: true}, 1)
			case "token":
				go func() {
					if _, err := b.Token(ctx, c.Env, 0); err == nil {
						o.send(event{Ev: "token", Env: c.Env})
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
		SignIn: func(_ context.Context, env string) (string, error) {
			o.send(event{Ev: "signin", Env: env})
			return *signinURL + env + "/", nil
		},
		NotifyBefore: *notifyBefore,
		Logger:       slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelInfo})),
	}
	if *add {
		cfg.AddEnvironment = func(context.Context) (string, error) {
			o.send(event{Ev: "add"})
			return *addURL, nil
		}
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

// backend stands in for the environments' agents: each environment's
// status is whatever the test sent last for it.
type backend struct {
	out   *out
	token string

	mu       sync.Mutex
	statuses map[string]agent.Status
	seq      uint64
	subs     map[chan agent.Event]bool
}

// Subscribe hands out a large buffer, and publish blocks on it: a test
// that sends 100 events must see each one arrive, while the real agents
// drop the oldest.
func (b *backend) Subscribe() (<-chan agent.Event, func()) {
	ch := make(chan agent.Event, 1024)
	b.mu.Lock()
	for _, name := range slices.Sorted(maps.Keys(b.statuses)) { // every status first, as the agents do
		ch <- agent.Event{Seq: b.seq, Status: b.statuses[name]}
	}
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

func (b *backend) publish(ev agent.Event, n int) {
	b.mu.Lock()
	defer b.mu.Unlock()
	if ev.Removed {
		ev.Status = b.statuses[ev.Status.Env]
		delete(b.statuses, ev.Status.Env)
	} else {
		b.statuses[ev.Status.Env] = ev.Status
	}
	for i := 0; i < n; i++ {
		b.seq++
		ev.Seq = b.seq
		for ch := range b.subs {
			ch <- ev
		}
	}
}

func (b *backend) Token(_ context.Context, env string, _ time.Duration) (agent.Token, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	st, ok := b.statuses[env]
	if !ok {
		return agent.Token{}, &agent.Error{Kind: agent.KindUnknownEnvironment, Message: "no environment named " + env}
	}
	if st.State != agent.StateSignedIn && st.State != agent.StateOffline {
		return agent.Token{}, &agent.Error{Kind: agent.KindSignedOut, Message: "not signed in"}
	}
	return agent.Token{Token: b.token + "-" + env, ExpiresAt: time.Now().Add(5 * time.Minute), Username: st.Username}, nil
}

// Logout publishes the signed-out status before it tells the test, as the
// agent publishes a sign-out before Logout returns: a test that removes
// the environment on hearing of the sign-out must find it signed out
// already, not signed out again after its removal.
func (b *backend) SignIn(_ context.Context, env string) error {
	b.out.send(event{Ev: "service-signin", Env: env})
	return nil
}

func (b *backend) Logout(_ context.Context, env string) error {
	b.mu.Lock()
	st := agent.Status{Env: env, State: agent.StateSignedOut, BaseURL: b.statuses[env].BaseURL}
	b.mu.Unlock()
	b.publish(agent.Event{Status: st}, 1)
	b.out.send(event{Ev: "logout", Env: env})
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
