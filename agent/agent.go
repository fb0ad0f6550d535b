package agent

import (
	"context"
	"errors"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"sync"
	"time"

	"biot-agent/agent/biot"
)

// Config is what an [Agent] is built from. Client and Store are required.
type Config struct {
	// Env is the environment's name (DefaultEnv when empty): what the
	// store keeps its session under, and what status and events say.
	Env string
	// Adopt lets the agent take over the session an older release saved
	// for this environment's URL alone (see [Key]).
	Adopt  bool
	Client *biot.Client // talks to the one BioT environment this agent serves
	Store  Store        // keeps the session between runs
	// Service, when set, makes the agent's identity a BioT service user
	// instead of a person: it signs in on its own with the service user's
	// id and secret key, again before each token runs out, and keeps
	// nothing in Store.
	Service *ServiceIdentity
	Clock   Clock        // default SystemClock
	Logger  *slog.Logger // default slog.Default()

	// Jitter returns a number in [0, 1); default math/rand/v2.Float64.
	Jitter func() float64
	// BackoffBase and BackoffMax bound the retry delay while offline
	// (defaults 1 s and 1 min, so the agent is back within a minute of
	// BioT); each delay is drawn uniformly from zero to
	// min(BackoffMax, BackoffBase·2^failures): full jitter.
	BackoffBase, BackoffMax time.Duration
	// WakeInterval is how often the agent looks at the wall clock between
	// refreshes, to notice a laptop that slept past a refresh time
	// (default 1 min).
	WakeInterval time.Duration
}

// Timeouts for the calls the agent makes on its own behalf. A refresh has
// none of its own: the BioT client bounds each call.
const (
	storeTimeout  = 5 * time.Second
	logoutTimeout = 10 * time.Second
)

// Agent keeps one session alive. Its methods are safe for concurrent use.
type Agent struct {
	cfg Config
	log *slog.Logger

	loginMu sync.Mutex // one sign-in at a time
	storeMu sync.Mutex // store calls and the memory change they belong to; see storage.go

	mu       sync.Mutex
	life     life   // where the session stands; changed only by move
	gen      uint64 // grows whenever a session starts or ends; stale refreshes and resumes are dropped
	inflight *refreshCall
	// renewedAt is the monotonic reading when Renew last refreshed; 0
	// for never.
	renewedAt time.Duration
	storeErr  error // the last store failure, cleared by the next success
	subs      map[*subscriber]struct{}
	seq       uint64
	// observe, when set (by Environments, before Run), is told every
	// event too, with mu held.
	observe func(Event)

	kick    chan struct{} // wakes the loop when the schedule changed
	resumed chan struct{} // closed once Run has looked at the stored session
}

// New returns an agent for cfg. Call [Agent.Run] to resume the stored session
// and keep it alive.
func New(cfg Config) (*Agent, error) {
	if cfg.Env == "" {
		cfg.Env = DefaultEnv
	}
	if cfg.Client == nil {
		return nil, errors.New("agent: no BioT client")
	}
	if cfg.Store == nil {
		return nil, errors.New("agent: no store")
	}
	if s := cfg.Service; s != nil && (s.ID == "" || s.Secret == nil) {
		return nil, errors.New("agent: a service user needs an id and a source for its secret key")
	}
	if cfg.Clock == nil {
		cfg.Clock = SystemClock{}
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Jitter == nil {
		cfg.Jitter = rand.Float64
	}
	if cfg.BackoffBase <= 0 {
		cfg.BackoffBase = time.Second
	}
	if cfg.BackoffMax <= 0 {
		cfg.BackoffMax = time.Minute
	}
	if cfg.WakeInterval <= 0 {
		cfg.WakeInterval = time.Minute
	}
	return &Agent{
		cfg:     cfg,
		log:     cfg.Logger,
		life:    life{state: StateSignedOut},
		subs:    make(map[*subscriber]struct{}),
		kick:    make(chan struct{}, 1),
		resumed: make(chan struct{}),
	}, nil
}

// DefaultEnv is the name of the environment that a BioT URL given alone
// (a flag, a variable, a config file of an older release) makes.
const DefaultEnv = "default"

// Env is the name of the environment this agent serves.
func (a *Agent) Env() string { return a.cfg.Env }

// BaseURL is the BioT environment this agent serves.
func (a *Agent) BaseURL() string { return a.cfg.Client.BaseURL() }

// Forwarder is the http.RoundTripper for requests sent to this agent's BioT
// on a caller's behalf (see biot.Client.Forwarder): its connections are
// kept for the agent's whole life.
func (a *Agent) Forwarder() http.RoundTripper { return a.cfg.Client.Forwarder() }

// Run resumes the stored session, if any, and keeps it alive until ctx ends.
// It returns ctx's error.
func (a *Agent) Run(ctx context.Context) error {
	a.resume(ctx)
	close(a.resumed)
	for {
		a.mu.Lock()
		next := a.life.next
		a.mu.Unlock()
		wait := a.cfg.WakeInterval
		if !next.isZero() {
			wait = min(wait, next.left(a.cfg.Clock))
		}
		if wait > 0 {
			timer := a.cfg.Clock.After(wait)
			// The clock may move between reading how long to wait and
			// setting the timer (a test's clock jumps at once): a
			// deadline that passed meanwhile is not slept through.
			if !next.passed(a.cfg.Clock) {
				select {
				case <-ctx.Done():
					return ctx.Err()
				case <-a.kick:
					continue
				case <-timer:
				}
			}
		}
		a.tick(ctx)
	}
}

// tick does whatever is due: compared on the wall clock, so a machine that
// wakes past a refresh time refreshes at once.
func (a *Agent) tick(ctx context.Context) {
	a.mu.Lock()
	next, sess := a.life.next, a.life.sess
	a.mu.Unlock()
	if !next.passed(a.cfg.Clock) {
		return
	}
	if sess == nil {
		a.resume(ctx) // the store failed before: try again
		return
	}
	_ = a.refresh(ctx)
}

// wake tells the loop that the schedule changed.
func (a *Agent) wake() {
	select {
	case a.kick <- struct{}{}:
	default:
	}
}

// backoff returns the delay before the next try after n failures in a row.
func (a *Agent) backoff(n int) time.Duration {
	ceil := a.cfg.BackoffMax
	if n < 31 {
		if d := a.cfg.BackoffBase << (n - 1); d > 0 && d < ceil {
			ceil = d
		}
	}
	return time.Duration(a.cfg.Jitter() * float64(ceil))
}
