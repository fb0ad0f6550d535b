package agent

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"

	"biot-agent/agent/biot"
)

// Env is one BioT environment and account, as configured: a short name, a
// BioT URL and what may be done there.
type Env struct {
	Name     string
	URL      string
	ReadOnly bool // only reads may be sent to BioT through the agent
	// Service, when set, is the service user the environment signs in as;
	// nil: a person signs in.
	Service *ServiceIdentity
}

// sameIdentity reports whether a and b sign in as the same identity: both
// as a person, or both as the same service user.
func sameIdentity(a, b *ServiceIdentity) bool {
	if a == nil || b == nil {
		return a == b
	}
	return a.ID == b.ID
}

// Environments is the agents of every configured environment, by name. Each
// keeps its own session, with its own refresher, backoff and store entry:
// nothing one environment does (going offline, needing a sign-in, signing
// out) changes what another serves.
type Environments struct {
	base      Config // what every agent is built from, but its Env, Adopt and Client
	newClient func(url string) (*biot.Client, error)

	setMu sync.Mutex // one Set at a time

	mu      sync.Mutex
	envs    map[string]*environment
	def     string          // the default environment's name, "" when there is none
	ctx     context.Context // Run's: agents added later run under it; nil before Run and once it ends
	running sync.WaitGroup  // the agents' loops
	latest  map[string]Event
	subs    map[*envSubscriber]struct{}
	seq     uint64
}

// environment is one configured environment and its running agent.
type environment struct {
	env   Env
	agent *Agent
	first Status             // its status before it ran
	stop  context.CancelFunc // ends its loop; nil until it runs
}

// NewEnvironments answers an empty set; [Environments.Set] fills it. Every
// agent is built from base (its Store, Clock, Logger and timings) with a
// client that newClient makes for the environment's URL.
func NewEnvironments(base Config, newClient func(url string) (*biot.Client, error)) (*Environments, error) {
	if base.Store == nil {
		return nil, fmt.Errorf("agent: no store")
	}
	if newClient == nil {
		return nil, fmt.Errorf("agent: no client maker")
	}
	return &Environments{
		base:      base,
		newClient: newClient,
		envs:      map[string]*environment{},
		latest:    map[string]Event{},
		subs:      map[*envSubscriber]struct{}{},
	}, nil
}

// Set makes envs the configured environments and def (one of their names,
// or "") the default. A new environment gets an agent, which resumes its
// stored session; a removed one is signed out (here, in the store and at
// BioT), and so is one whose URL or identity (a person, or which service
// user) changed, which then starts afresh; for the others only what may be
// done there changes. A service user's source of its secret is the one its
// agent was built with. Nothing changes when envs is
// not valid.
func (e *Environments) Set(envs []Env, def string) error {
	e.setMu.Lock()
	defer e.setMu.Unlock()
	names := map[string]bool{}
	for _, v := range envs {
		if v.Name == "" || names[v.Name] {
			return fmt.Errorf("agent: environment name %q is empty or twice", v.Name)
		}
		names[v.Name] = true
	}
	if def != "" && !names[def] {
		return fmt.Errorf("agent: the default environment %q is not configured", def)
	}
	adopters := adopters(envs, def)

	var added []*environment
	for _, v := range envs {
		e.mu.Lock()
		old := e.envs[v.Name]
		e.mu.Unlock()
		if old != nil && old.env.URL == v.URL && sameIdentity(old.env.Service, v.Service) {
			continue
		}
		cfg := e.base
		cfg.Env, cfg.Adopt = v.Name, adopters[v.URL] == v.Name
		cfg.Service = v.Service
		if cfg.Logger != nil {
			cfg.Logger = cfg.Logger.With("env", v.Name)
		}
		c, err := e.newClient(v.URL)
		if err != nil {
			return fmt.Errorf("agent: environment %s: %w", v.Name, err)
		}
		cfg.Client = c
		a, err := New(cfg)
		if err != nil {
			return err
		}
		a.observe = func(ev Event) { e.observe(a, ev) }
		added = append(added, &environment{env: v, agent: a, first: a.Status()})
	}

	e.mu.Lock()
	var gone []*environment
	for name, old := range e.envs {
		if !names[name] || slices.ContainsFunc(added, func(n *environment) bool { return n.env.Name == name }) {
			gone = append(gone, old)
			last := e.latest[name].Status
			delete(e.envs, name)
			delete(e.latest, name)
			e.publishLocked(Event{Status: last, Removed: true})
		}
	}
	for _, v := range envs {
		if cur := e.envs[v.Name]; cur != nil {
			cur.env = v // the same agent; what may be done there may change
		}
	}
	for _, n := range added {
		e.envs[n.env.Name] = n
		e.latest[n.env.Name] = Event{Status: n.first} // nothing runs it yet: no change can slip
		e.publishLocked(e.latest[n.env.Name])
		if e.ctx != nil {
			e.startLocked(n)
		}
	}
	e.def = def
	e.mu.Unlock()

	for _, old := range gone {
		e.retire(old)
	}
	return nil
}

// adopters picks, for each URL, the environment that may take over the
// session an older release saved for that URL alone: the default, else one
// named "default", else the first by name.
func adopters(envs []Env, def string) map[string]string {
	sorted := slices.Clone(envs)
	slices.SortFunc(sorted, func(a, b Env) int {
		rank := func(v Env) int {
			switch v.Name {
			case def:
				return 0
			case DefaultEnv:
				return 1
			}
			return 2
		}
		if r := rank(a) - rank(b); r != 0 {
			return r
		}
		return strings.Compare(a.Name, b.Name)
	})
	m := map[string]string{}
	for _, v := range sorted {
		if v.Service != nil {
			continue // a service user stores nothing, so adopts nothing
		}
		if _, ok := m[v.URL]; !ok {
			m[v.URL] = v.Name
		}
	}
	return m
}

// Run runs every environment's agent, and those added later, until ctx
// ends; then it waits for their loops to stop.
func (e *Environments) Run(ctx context.Context) error {
	e.mu.Lock()
	e.ctx = ctx
	for _, n := range e.envs {
		e.startLocked(n)
	}
	e.mu.Unlock()
	<-ctx.Done()
	e.mu.Lock()
	e.ctx = nil // no loop starts after this: the wait below is the last
	e.mu.Unlock()
	e.running.Wait()
	return ctx.Err()
}

// startLocked runs n's agent under Run's context. Called with e.mu held.
func (e *Environments) startLocked(n *environment) {
	ctx, stop := context.WithCancel(e.ctx)
	n.stop = stop
	e.running.Add(1)
	go func() {
		defer e.running.Done()
		_ = n.agent.Run(ctx)
	}()
}

// retire signs out an environment that is no longer configured (or whose
// URL or identity changed), stops its loop, and closes the connections
// its client kept warm to its BioT.
func (e *Environments) retire(n *environment) {
	ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
	defer cancel()
	if err := n.agent.Logout(ctx); err != nil {
		n.agent.log.Warn("the removed environment's session could not be removed from the store", "err", err)
	}
	if n.stop != nil {
		n.stop()
	}
	n.agent.cfg.Client.CloseIdleConnections()
}

// Get returns the agent of the environment named name or, for "", of the
// default environment, else of the only one there is. It answers an *Error
// of KindUnknownEnvironment for a name that is not configured, and of
// KindEnvironmentRequired when name is "" and none of these is.
func (e *Environments) Get(name string) (*Agent, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if name == "" {
		name = e.def
	}
	if name == "" && len(e.envs) == 1 {
		for only := range e.envs {
			name = only
		}
	}
	if name == "" {
		return nil, e.requiredLocked()
	}
	n, ok := e.envs[name]
	if !ok {
		return nil, &Error{Kind: KindUnknownEnvironment, Message: fmt.Sprintf("no environment named %q; %s", name, e.knownLocked())}
	}
	return n.agent, nil
}

// Env returns the configuration of the environment named name.
func (e *Environments) Env(name string) (Env, bool) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, ok := e.envs[name]
	if !ok {
		return Env{}, false
	}
	return n.env, true
}

// Default is the default environment's name, "" when there is none.
func (e *Environments) Default() string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.def
}

func (e *Environments) requiredLocked() error {
	if len(e.envs) == 0 {
		return &Error{Kind: KindEnvironmentRequired, Message: "no BioT environment is configured yet: add one with: biot-agent login --url URL"}
	}
	return &Error{Kind: KindEnvironmentRequired, Message: "several environments and no default: name one with --env (or BIOT_ENV); " + e.knownLocked()}
}

func (e *Environments) knownLocked() string {
	names := make([]string, 0, len(e.envs))
	for name := range e.envs {
		names = append(names, name)
	}
	if len(names) == 0 {
		return "none is configured"
	}
	slices.Sort(names)
	return "known: " + strings.Join(names, ", ")
}

// Statuses returns every environment's status, by name.
func (e *Environments) Statuses() []Status {
	e.mu.Lock()
	defer e.mu.Unlock()
	out := make([]Status, 0, len(e.latest))
	for _, ev := range e.latest {
		out = append(out, ev.Status)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Env, b.Env) })
	return out
}

// Subscribe returns a channel of every environment's events and a function
// that ends the subscription and closes the channel. The first events are
// each environment's status at the moment of subscribing, by name; then one
// follows per change of any of them, and one with Removed set when an
// environment is no longer configured. A reader that falls behind misses
// intermediate events of an environment, never an environment's latest:
// what waits for it is each environment's newest event, in the order the
// environments changed.
func (e *Environments) Subscribe() (<-chan Event, func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	s := newEnvSubscriber()
	names := make([]string, 0, len(e.latest))
	for name := range e.latest {
		names = append(names, name)
	}
	slices.Sort(names)
	for _, name := range names {
		ev := e.latest[name]
		ev.Seq = e.seq
		s.push(ev)
	}
	e.subs[s] = struct{}{}
	return s.out, func() {
		e.mu.Lock()
		_, ok := e.subs[s]
		delete(e.subs, s)
		e.mu.Unlock()
		if ok {
			s.close()
		}
	}
}

// envSubscriber holds, for a reader of the set's events, each
// environment's newest event not yet delivered, and delivers them in the
// order the environments changed, from a goroutine of its own: a push never
// blocks, and a slow reader never loses an environment.
type envSubscriber struct {
	out  chan Event
	wake chan struct{} // something is pending
	done chan struct{} // closed by close
	gone chan struct{} // closed once the pump has closed out

	mu      sync.Mutex
	pending map[string]Event
	order   []string
}

func newEnvSubscriber() *envSubscriber {
	s := &envSubscriber{
		out:     make(chan Event),
		wake:    make(chan struct{}, 1),
		done:    make(chan struct{}),
		gone:    make(chan struct{}),
		pending: map[string]Event{},
	}
	go s.pump()
	return s
}

// push queues ev, replacing an undelivered event of its environment.
func (s *envSubscriber) push(ev Event) {
	s.mu.Lock()
	env := ev.Status.Env
	if _, ok := s.pending[env]; !ok {
		s.order = append(s.order, env)
	}
	s.pending[env] = ev
	s.mu.Unlock()
	select {
	case s.wake <- struct{}{}:
	default:
	}
}

// pump delivers what is pending until close.
func (s *envSubscriber) pump() {
	defer close(s.gone)
	defer close(s.out)
	for {
		s.mu.Lock()
		if len(s.order) == 0 {
			s.mu.Unlock()
			select {
			case <-s.wake:
				continue
			case <-s.done:
				return
			}
		}
		env := s.order[0]
		s.order = s.order[1:]
		ev := s.pending[env]
		delete(s.pending, env)
		s.mu.Unlock()
		select {
		case s.out <- ev:
		case <-s.done:
			return
		}
	}
}

// close ends the pump; the reader's channel closes.
func (s *envSubscriber) close() {
	close(s.done)
	<-s.gone
}

// observe takes an event of a's, published with a's lock held: it never
// calls into an agent, so the lock order is always agent, then set.
func (e *Environments) observe(a *Agent, ev Event) {
	e.mu.Lock()
	defer e.mu.Unlock()
	n, ok := e.envs[a.cfg.Env]
	if !ok || n.agent != a { // removed meanwhile: its last words are not news
		return
	}
	e.latest[a.cfg.Env] = ev
	e.publishLocked(ev)
}

// publishLocked numbers ev in the set's own sequence and hands it to every
// subscriber, never blocking. Called with e.mu held.
func (e *Environments) publishLocked(ev Event) {
	e.seq++
	ev.Seq = e.seq
	for s := range e.subs {
		s.push(ev)
	}
}

// Resume has every environment that nobody is signed in to look at its
// stored session again (see [Agent.Resume]): for a store that could not be
// read before, such as a keyring that appeared late.
func (e *Environments) Resume(ctx context.Context) {
	e.mu.Lock()
	agents := make([]*Agent, 0, len(e.envs))
	for _, n := range e.envs {
		agents = append(agents, n.agent)
	}
	e.mu.Unlock()
	for _, a := range agents {
		_ = a.Resume(ctx)
	}
}
