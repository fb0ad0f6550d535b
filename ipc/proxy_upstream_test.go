package ipc

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync"
	"testing"
	"time"
)

// The proxy's tests in this package put a TLS test server where BioT
// would be, for what the simulator cannot do on cue: hold every request
// until a crowd has arrived, or switch protocols. The proxy reaches it
// over real HTTPS, through the real socket server; the whole way with the
// real agent and the simulator is internal/localapi's.

// upstreamSession is the fake backend's session, sending the proxy to a
// test server with a token that a renewal changes.
type upstreamSession struct {
	*fakeBackend
	up Upstream

	mu       sync.Mutex
	tok      string
	renewals int
}

// startUpstream serves h over HTTPS (HTTP/2 offered, as BioT does) and
// returns a session whose proxy goes there with the token "first".
func startUpstream(t *testing.T, h http.Handler) (*upstreamSession, *httptest.Server) {
	t.Helper()
	srv := httptest.NewUnstartedServer(h)
	srv.EnableHTTP2 = true
	srv.StartTLS()
	t.Cleanup(srv.Close)
	tr := srv.Client().Transport.(*http.Transport).Clone()
	t.Cleanup(tr.CloseIdleConnections)
	return &upstreamSession{
		fakeBackend: newFakeBackend(StateSignedIn),
		up:          Upstream{BaseURL: srv.URL, Transport: tr},
		tok:         "first",
	}, srv
}

// withSession is an agentOption serving s as the only environment.
func withSession(s *upstreamSession) agentOption {
	return func(srv *Server) { srv.Backend = sessionBackend{s} }
}

func (s *upstreamSession) current() Token {
	s.mu.Lock()
	defer s.mu.Unlock()
	return Token{Token: s.tok, ExpiresAt: time.Now().Add(time.Hour)}
}

func (s *upstreamSession) CurrentToken(time.Duration) (Token, bool) { return s.current(), true }

func (s *upstreamSession) Token(context.Context, time.Duration) (Token, error) {
	return s.current(), nil
}

// Renew replaces the refused token once, as the agent's single flight
// does: every request refused with "first" gets "second".
func (s *upstreamSession) Renew(_ context.Context, refused string) (Token, error) {
	s.mu.Lock()
	if s.tok == refused {
		s.tok = "second"
		s.renewals++
	}
	s.mu.Unlock()
	return s.current(), nil
}

func (s *upstreamSession) Upstream() Upstream { return s.up }

// sessionBackend serves one session as the only environment.
type sessionBackend struct{ s *upstreamSession }

func (b sessionBackend) Session(string) (Session, error) { return b.s, nil }

func (b sessionBackend) Environments() ([]Status, string) {
	return []Status{b.s.Status()}, ""
}
