package bench

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"sync"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
	"biot-agent/ipc"
)

// StormConfig tunes [StormBench].
type StormConfig struct {
	Clients int // concurrent requests per storm; default 1,000
	Storms  int // default 5
}

// Storm is one burst of requests that all need a refresh.
type Storm struct {
	Summary   Summary       `json:"latency"`
	Refreshes int           `json:"refreshes"` // what BioT saw: the goal is 1
	Wall      time.Duration `json:"wall"`      // from the first request sent to the last answer
	// RefreshTook is how long the agent's refresh took in the storm, from
	// its request leaving to the answer: the simulator runs in this
	// process, so it competes with the storm for the CPUs, as BioT
	// would not.
	RefreshTook time.Duration `json:"refreshTook"`
}

// StormResult is the outcome of [StormBench].
type StormResult struct {
	Clients    int     `json:"clients"`
	Storms     []Storm `json:"storms"`
	All        Summary `json:"all"`        // every request of every storm
	RefreshRTT Summary `json:"refreshRTT"` // a refresh straight to the simulator, warm connection
	// NoRefresh is the same storms with a token that will do (no
	// min_valid): what a thousand requests at once cost the agent without
	// a refresh. Floor is the same storms at the HTTP floor: what they
	// cost any Go HTTP server on this machine.
	NoRefresh, Floor Summary
}

// stormTTL is the access tokens' lifetime in the storm; stormMinValid
// forces a refresh once stormAge has passed since the last one.
const (
	stormTTL      = 15 * time.Minute
	stormAge      = 5 * time.Minute
	stormMinValid = 12 * time.Minute
)

// StormBench sends Clients token requests at once, each on a connection of
// its own opened beforehand, with a min_valid that the current token does
// not meet: all of them need a refresh, and BioT must see exactly one. The
// agent and the simulator share a fake clock, moved forward before each
// storm to age the token; everything else runs in real time.
//
// Beside it, the round trip of a refresh sent straight to the simulator
// over a warm connection: what the slowest request of a storm should be
// compared with.
func StormBench(ctx context.Context, cfg StormConfig) (StormResult, error) {
	if cfg.Clients <= 0 {
		cfg.Clients = 1000
	}
	if cfg.Storms <= 0 {
		cfg.Storms = 5
	}
	res := StormResult{Clients: cfg.Clients}
	dir, err := TempDir()
	if err != nil {
		return res, err
	}
	defer removeAll(dir)
	clk := fakeclock.New(time.Now())
	refreshes := &refreshTimer{}
	env, err := StartAgent(ctx, dir, AgentOptions{Clock: clk, Sim: biotsim.Options{AccessTTL: stormTTL},
		Wrap: func(rt http.RoundTripper) http.RoundTripper { refreshes.next = rt; return refreshes }})
	if err != nil {
		return res, err
	}
	defer env.Close()

	if res.RefreshRTT, err = refreshRTT(ctx, env, 21); err != nil {
		return res, err
	}
	clients := make([]*ipc.Client, cfg.Clients)
	for i := range clients {
		clients[i] = ipc.NewClient(env.Socket)
		defer clients[i].HTTP.CloseIdleConnections()
		if _, err := clients[i].Status(ctx); err != nil { // opens the connection
			return res, fmt.Errorf("storm: open connection %d: %w", i, err)
		}
	}
	floor, err := StartHTTPFloor(dir)
	if err != nil {
		return res, err
	}
	defer floor.Close()
	floors := make([]Client, cfg.Clients)
	for i := range floors {
		floors[i] = floor.NewClient()
		defer floors[i].Close()
		if _, err := floors[i].Token(ctx); err != nil { // opens the connection
			return res, fmt.Errorf("storm: open floor connection %d: %w", i, err)
		}
	}
	// The three kinds of storm take turns, so that the machine's bursts
	// fall on all of them. The first round is not counted: it pays once
	// for what every later one finds done (goroutine stacks grown to the
	// token path's depth on the thousand connections, the heap grown).
	var all, noRefresh, atFloor []time.Duration
	for round := range cfg.Storms + 1 {
		clk.Advance(stormAge)
		before := env.Sim.Stats().Refreshes
		refreshes.reset()
		lats, wall, err := storm(ctx, len(clients), func(i int) error {
			_, err := clients[i].TokenString(ctx, ipc.TokenOptions{MinValid: stormMinValid})
			return err
		})
		if err != nil {
			return res, err
		}
		warm := round == 0
		if !warm {
			s := Storm{Refreshes: env.Sim.Stats().Refreshes - before, Wall: wall, RefreshTook: refreshes.longest()}
			all = append(all, lats...)
			s.Summary = Summarize(lats)
			res.Storms = append(res.Storms, s)
		}

		lats, _, err = storm(ctx, len(clients), func(i int) error {
			_, err := clients[i].TokenString(ctx, ipc.TokenOptions{})
			return err
		})
		if err != nil {
			return res, err
		}
		if !warm {
			noRefresh = append(noRefresh, lats...)
		}
		lats, _, err = storm(ctx, len(floors), func(i int) error {
			_, err := floors[i].Token(ctx)
			return err
		})
		if err != nil {
			return res, err
		}
		if !warm {
			atFloor = append(atFloor, lats...)
		}
	}
	res.All, res.NoRefresh, res.Floor = Summarize(all), Summarize(noRefresh), Summarize(atFloor)
	return res, nil
}

// storm calls ask(i) for i in [0, n) at once, each on a goroutine of its
// own, and answers each call's time and the time from the first call to
// the last answer.
func storm(ctx context.Context, n int, ask func(i int) error) ([]time.Duration, time.Duration, error) {
	lats := make([]time.Duration, n)
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			<-start
			t0 := time.Now()
			errs[i] = ask(i)
			lats[i] = time.Since(t0)
		}()
	}
	begin := time.Now()
	close(start)
	wg.Wait()
	wall := time.Since(begin)
	if err := errors.Join(errs...); err != nil {
		return nil, 0, fmt.Errorf("storm: %w", err)
	}
	return lats, wall, nil
}

// refreshRTT times n refreshes sent straight to the simulator on the
// agent's own BioT client (a warm connection), with a session of their
// own.
func refreshRTT(ctx context.Context, env *AgentEnv, n int) (Summary, error) {
	resp, err := env.Client.Login(ctx, benchUser, benchPassword)
	if err != nil {
		return Summary{}, fmt.Errorf("refresh round trip: sign in: %w", err)
	}
	rt := resp.RefreshJwt.Token
	lats := make([]time.Duration, 0, n)
	for range n {
		t0 := time.Now()
		r, err := env.Client.Refresh(ctx, rt)
		if err != nil {
			return Summary{}, fmt.Errorf("refresh round trip: %w", err)
		}
		lats = append(lats, time.Since(t0))
		rt = r.RefreshJwt.Token
	}
	_ = env.Client.Logout(ctx, rt)
	return Summarize(lats), nil
}

// refreshTimer times the refresh calls of the agent's BioT client.
type refreshTimer struct {
	next http.RoundTripper
	mu   sync.Mutex
	took []time.Duration
}

func (t *refreshTimer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.URL.Path != biotsim.PathRefresh {
		return t.next.RoundTrip(req)
	}
	t0 := time.Now()
	resp, err := t.next.RoundTrip(req)
	t.mu.Lock()
	t.took = append(t.took, time.Since(t0))
	t.mu.Unlock()
	return resp, err
}

func (t *refreshTimer) reset() {
	t.mu.Lock()
	t.took = nil
	t.mu.Unlock()
}

// longest is the longest refresh since reset.
func (t *refreshTimer) longest() time.Duration {
	t.mu.Lock()
	defer t.mu.Unlock()
	var m time.Duration
	for _, d := range t.took {
		m = max(m, d)
	}
	return m
}
