package signin

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"sync"
	"time"

	"biot-agent/agent"
)

// Backend is what the page needs from the agent of one environment;
// *agent.Agent satisfies it.
type Backend interface {
	// Login answers an *agent.Error of KindMFARequired when BioT wants an
	// SMS code; its message names where the code went.
	Login(ctx context.Context, username, password string) error
	// RequestCode starts the sign-in of a user who has no password: BioT
	// sends a code by SMS to phone (E.164), and RequestCode answers the
	// phone as BioT masks it. SubmitMFA finishes that sign-in too, and
	// ResendMFA asks for a new code, which replaces the one before.
	RequestCode(ctx context.Context, phone string) (string, error)
	SubmitMFA(ctx context.Context, code string) error
	ResendMFA(ctx context.Context) error
	// Status gives the username to prefill, the environment, and the
	// account that a sign-in ended with.
	Status() agent.Status
}

var _ Backend = (*agent.Agent)(nil)

// Lookup finds the agent of the environment named env, or answers why
// there is none; [Agents] makes one of an *agent.Environments.
type Lookup func(env string) (Backend, error)

// Agents is the Lookup of envs. An empty name finds nothing: a page always
// signs in to the environment it names, never to a default.
func Agents(envs *agent.Environments) Lookup {
	return func(env string) (Backend, error) {
		if env == "" {
			return nil, &agent.Error{Kind: agent.KindEnvironmentRequired, Message: "no environment named"}
		}
		a, err := envs.Get(env)
		if err != nil {
			return nil, err // not a typed nil inside the interface
		}
		return a, nil
	}
}

// Options tune a Server. The zero value is fine.
type Options struct {
	Logger *slog.Logger  // default slog.Default()
	TTL    time.Duration // how long a page lives; default 5 minutes
	// Clock tells when a page dies, on its wall reading only: a page made
	// before the laptop slept must be dead after it wakes, however long
	// the monotonic clock thinks passed. Default agent.SystemClock; tests
	// move a fake one.
	Clock agent.Clock

	// AddEnvironment adds the BioT environment named name at url (checked
	// by then: see [Server.StartAdd]) to the configuration and to the
	// running agents, so that the Lookup finds it when it returns. Its
	// error is shown on the page. Nil: StartAdd fails.
	AddEnvironment func(ctx context.Context, name, url string) error
	// Roots are the certificates a new environment's URL is checked
	// against; nil: the system's (SSL_CERT_FILE and SSL_CERT_DIR work).
	// Give what the agents' BioT clients use.
	Roots *x509.CertPool
	// Version goes into the User-Agent of the check.
	Version string
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
	envs    Lookup
	log     *slog.Logger
	ttl     time.Duration
	clk     agent.Clock
	add     func(ctx context.Context, name, url string) error
	roots   *x509.CertPool
	version string

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

// New returns a Server for the environments envs finds. It opens no port
// until the first Start or StartAdd.
func New(envs Lookup, o Options) *Server {
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
	return &Server{envs: envs, log: o.Logger, ttl: o.TTL, clk: o.Clock, add: o.AddEnvironment,
		roots: o.Roots, version: o.Version, base: base, cancel: cancel}
}

// Start makes a fresh page that signs in to the environment named env and
// returns its one-time URL, http://127.0.0.1:<port>/<secret>/. The
// previous page, if any, ends: one page lives at a time, whatever its
// environment. The port opens on the first page and stays open until
// Close.
func (s *Server) Start(ctx context.Context, env string) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("signin: start: %w", err)
	}
	b, err := s.envs(env)
	if err != nil {
		return "", fmt.Errorf("signin: start: %w", err)
	}
	if name := b.Status().Env; name != "" {
		env = name
	}
	return s.open(env, stepPassword)
}

// StartAdd makes a fresh page that adds a BioT environment and signs in
// to it, and returns its one-time URL, as Start does. The page asks first
// for the environment's URL and a short name ([a-z0-9][a-z0-9-]{0,31},
// not taken), checks the URL as biot-agent doctor does (https, a trusted
// certificate, BioT's health check answering) and says in words what is
// wrong; then Options.AddEnvironment adds it, and the page goes on to
// the sign-in.
func (s *Server) StartAdd(ctx context.Context) (string, error) {
	if err := ctx.Err(); err != nil {
		return "", fmt.Errorf("signin: start: %w", err)
	}
	if s.add == nil {
		return "", errors.New("signin: start: this agent cannot add environments")
	}
	return s.open("", stepEnvironment)
}

// open makes the one live page, at step, for env.
func (s *Server) open(env string, at step) (string, error) {
	p, err := newPage(s.clk.Now().Add(s.ttl), env, at)
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
	s.log.Info("sign-in page ready", "addr", s.addr, "env", env, "step", string(at), "expiresIn", s.ttl)
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
