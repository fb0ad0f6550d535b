package signin

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"biot-agent/agent"
)

// Backend is what the page needs from the agent; *agent.Agent satisfies it.
type Backend interface {
	// Login answers an *agent.Error of KindMFARequired when BioT wants an
	// SMS code; its message names where the code went.
	Login(ctx context.Context, username, password string) error
	SubmitMFA(ctx context.Context, code string) error
	ResendMFA(ctx context.Context) error
	// Status gives the username to prefill, the environment, and the
	// account that a sign-in ended with.
	Status() agent.Status
}

var _ Backend = (*agent.Agent)(nil)

// Options tune a Server. The zero value is fine.
type Options struct {
	Logger *slog.Logger  // default slog.Default()
	TTL    time.Duration // how long a page lives; default 5 minutes
	// Clock tells when a page dies, on its wall reading only: a page made
	// before the laptop slept must be dead after it wakes, however long
	// the monotonic clock thinks passed. Default agent.SystemClock; tests
	// move a fake one.
	Clock agent.Clock
}

// DefaultTTL is how long a sign-in page lives when Options.TTL is zero.
const DefaultTTL = 5 * time.Minute

const (
	// callTimeout bounds one call to the backend. The agent bounds its
	// own calls more tightly; this is the backstop.
	callTimeout = 45 * time.Second
	// deadKept is how many ended pages the server still recognises, to
	// tell their visitors that the link expired rather than answer 404.
	deadKept = 16
)

// Server serves sign-in pages. Its methods are safe for concurrent use.
type Server struct {
	b   Backend
	log *slog.Logger
	ttl time.Duration
	clk agent.Clock

	// base ends backend calls when the server closes. Calls do not use
	// the request's context: a tab closed in the middle of a sign-in
	// must not cut the sign-in in half.
	base   context.Context
	cancel context.CancelFunc

	mu     sync.Mutex
	srv    *http.Server
	addr   string // "127.0.0.1:<port>" once listening
	cur    *page  // the one live page, if any
	dead   []string
	closed bool
}

// New returns a Server for b. It opens no port until the first Start.
func New(b Backend, o Options) *Server {
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	if o.TTL <= 0 {
		o.TTL = DefaultTTL
	}
	if o.Clock == nil {
		o.Clock = agent.SystemClock{}
	}
	base, cancel := context.WithCancel(context.Background())
	return &Server{b: b, log: o.Logger, ttl: o.TTL, clk: o.Clock, base: base, cancel: cancel}
}

// Start makes a fresh sign-in page and returns its one-time URL,
// http://127.0.0.1:<port>/<secret>/. The previous page, if any, ends. The
// port opens on the first Start and stays open until Close.
func (s *Server) Start(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("signin: start: %w", err)
	}
	p, err := newPage(s.clk.Now().Add(s.ttl))
	if err != nil {
		return "", fmt.Errorf("signin: start: %w", err)
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return "", errors.New("signin: start: server closed")
	}
	if s.srv == nil {
		if err := s.listenLocked(); err != nil {
			return "", err
		}
	}
	if s.cur != nil {
		s.buryLocked(s.cur.secret)
	}
	s.cur = p
	s.log.Info("sign-in page ready", "addr", s.addr, "expiresIn", s.ttl)
	return "http://" + s.addr + "/" + p.secret + "/", nil
}

// listenLocked opens the port and serves it; s.mu must be held.
func (s *Server) listenLocked() error {
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return fmt.Errorf("signin: listen: %w", err)
	}
	s.addr = ln.Addr().String()
	s.srv = &http.Server{
		Handler:           http.HandlerFunc(s.serveHTTP),
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       20 * time.Second,
		WriteTimeout:      callTimeout + 15*time.Second,
		IdleTimeout:       time.Minute,
		MaxHeaderBytes:    16 << 10,
		ErrorLog:          slog.NewLogLogger(s.log.Handler(), slog.LevelDebug),
	}
	srv := s.srv
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.log.Error("sign-in page server stopped", "err", err)
		}
	}()
	return nil
}

// buryLocked remembers an ended page's secret; s.mu must be held.
func (s *Server) buryLocked(secret string) {
	s.dead = append(s.dead, secret)
	if len(s.dead) > deadKept {
		s.dead = s.dead[len(s.dead)-deadKept:]
	}
}

// Close ends every page, stops any sign-in call the page is making, and
// closes the port. Start fails afterwards.
func (s *Server) Close() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.closed {
		return nil
	}
	s.closed = true
	s.cur = nil
	s.cancel()
	if s.srv == nil {
		return nil
	}
	if err := s.srv.Close(); err != nil {
		return fmt.Errorf("signin: close: %w", err)
	}
	return nil
}

// lookup finds the page a secret names: live is the current page, gone
// says the secret belonged to a page that ended. Both false: unknown.
func (s *Server) lookup(secret string) (live *page, gone bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.cur != nil && equal(secret, s.cur.secret) {
		return s.cur, false
	}
	for _, d := range s.dead {
		if equal(secret, d) {
			return nil, true
		}
	}
	return nil, false
}

// hostport is the only Host header the server answers.
func (s *Server) hostport() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.addr
}
