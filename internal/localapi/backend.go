package localapi

import (
	"context"
	"fmt"
	"sync"
	"time"

	"biot-agent/agent"
	"biot-agent/ipc"
)

// Backend is the agent's environments in the local API's types; it is
// safe for concurrent use.
type Backend struct {
	envs *agent.Environments
}

var _ ipc.Backend = (*Backend)(nil)

// New returns the local API's backend for envs.
func New(envs *agent.Environments) *Backend { return &Backend{envs: envs} }

// Session returns the session of the environment named env ("" for the
// default).
func (b *Backend) Session(env string) (ipc.Session, error) {
	a, err := b.envs.Get(env)
	if err != nil {
		return nil, apiError(err)
	}
	var readOnly bool
	if e, ok := b.envs.Env(a.Env()); ok {
		readOnly = e.ReadOnly
	}
	return &session{a: a, readOnly: readOnly}, nil
}

// Environments returns every environment's status, and the default's name.
func (b *Backend) Environments() ([]ipc.Status, string) {
	sts := b.envs.Statuses()
	out := make([]ipc.Status, len(sts))
	for i, st := range sts {
		out[i] = status(st)
	}
	return out, b.envs.Default()
}

// session is one *agent.Agent in the local API's types. Its methods are the
// agent's, converted.
type session struct {
	a        *agent.Agent
	readOnly bool // as configured when the session was looked up
}

// Session returns a as the local API's session of its environment.
func Session(a *agent.Agent) ipc.Session { return &session{a: a} }

func (b *session) Token(ctx context.Context, minValid time.Duration) (ipc.Token, error) {
	tok, err := b.a.Token(ctx, minValid)
	if err != nil {
		return ipc.Token{}, apiError(err)
	}
	return ipc.Token(tok), nil
}

func (b *session) CurrentToken(minValid time.Duration) (ipc.Token, bool) {
	tok, ok := b.a.CurrentToken(minValid)
	return ipc.Token(tok), ok
}

func (b *session) Renew(ctx context.Context, refused string) (ipc.Token, error) {
	tok, err := b.a.Renew(ctx, refused)
	if err != nil {
		return ipc.Token{}, apiError(err)
	}
	return ipc.Token(tok), nil
}

func (b *session) Upstream() ipc.Upstream {
	return ipc.Upstream{BaseURL: b.a.BaseURL(), Transport: b.a.Forwarder(), ReadOnly: b.readOnly}
}

func (b *session) Status() ipc.Status { return status(b.a.Status()) }

func (b *session) Login(ctx context.Context, username, password string) error {
	return apiError(b.a.Login(ctx, username, password))
}

func (b *session) RequestCode(ctx context.Context, phone string) (string, error) {
	sentTo, err := b.a.RequestCode(ctx, phone)
	return sentTo, apiError(err)
}

func (b *session) SubmitMFA(ctx context.Context, code string) error {
	return apiError(b.a.SubmitMFA(ctx, code))
}

func (b *session) ResendMFA(ctx context.Context) error {
	return apiError(b.a.ResendMFA(ctx))
}

func (b *session) SignIn(ctx context.Context) error {
	return apiError(b.a.SignIn(ctx))
}

func (b *session) Logout(ctx context.Context) error {
	return apiError(b.a.Logout(ctx))
}

// eventBuffer is the room of a subscription's channel, as the agent's own.
const eventBuffer = 16

// Subscribe hands on the agent's subscription, each event converted, in
// order: the first is still the status taken with the subscription. Like
// the agent, it never blocks on a slow reader: when the channel is full the
// oldest event makes room, so the reader always ends up with the latest.
// The cancel function ends the agent's subscription, then returns once the
// channel is closed.
func (b *session) Subscribe() (<-chan ipc.Event, func()) {
	in, stop := b.a.Subscribe()
	out := make(chan ipc.Event, eventBuffer)
	done := make(chan struct{})
	go func() {
		defer close(done)
		defer close(out)
		for ev := range in {
			sendLatest(out, ipc.Event{Seq: ev.Seq, Env: ev.Status.Env, Status: status(ev.Status)})
		}
	}()
	var once sync.Once
	return out, func() {
		once.Do(func() {
			stop() // closes in: the loop above ends
			<-done
		})
	}
}

// sendLatest sends ev on ch, whose only sender is the caller, dropping the
// oldest events waiting there if it must.
func sendLatest(ch chan ipc.Event, ev ipc.Event) {
	for {
		select {
		case ch <- ev:
			return
		default:
		}
		select {
		case <-ch:
		default:
		}
	}
}

// One serves a alone, as the only environment: for programs and tests that
// run a single agent.
func One(a *agent.Agent) ipc.Backend { return one{a} }

type one struct{ a *agent.Agent }

func (o one) Session(env string) (ipc.Session, error) {
	if env != "" && env != o.a.Env() {
		return nil, &ipc.Error{Code: ipc.CodeUnknownEnvironment, Message: fmt.Sprintf("no environment named %q; known: %s", env, o.a.Env())}
	}
	return Session(o.a), nil
}

func (o one) Environments() ([]ipc.Status, string) {
	return []ipc.Status{status(o.a.Status())}, o.a.Env()
}
