package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"runtime"
	"strconv"
	"sync"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/fakeclock"
)

// FleetPolicy is how the agents of a fleet retry: the agent's own
// settings, nothing else.
type FleetPolicy struct {
	Name                    string
	BackoffBase, BackoffMax time.Duration
	// Jitter makes an agent's jitter source from its own random numbers;
	// nil is the agent's default (uniform in [0, 1)).
	Jitter func(r *rand.Rand) func() float64
}

// The policies FleetBench compares.
var (
	// PolicyAgent is the agent's defaults: full jitter, 1 s doubling to
	// 1 min.
	PolicyAgent = FleetPolicy{Name: "biot-agent (full jitter, 1 s doubling to 1 min)", BackoffBase: time.Second, BackoffMax: time.Minute}
	// PolicyNaive retries every 5 s: the same agent with the delay pinned
	// (base = max = 5 s, jitter always at its top).
	PolicyNaive = FleetPolicy{Name: "naive (every 5 s)", BackoffBase: 5 * time.Second, BackoffMax: 5 * time.Second,
		Jitter: func(*rand.Rand) func() float64 { return func() float64 { return 1 - 1e-9 } }}
	// PolicySlow is what would come nearest the goal while keeping every
	// agent back within a minute: no ramp, every retry 54 to 60 s after
	// the last.
	PolicySlow = FleetPolicy{Name: "no ramp, every 54–60 s", BackoffBase: time.Minute, BackoffMax: time.Minute,
		Jitter: func(r *rand.Rand) func() float64 { return func() float64 { return 0.9 + 0.1*r.Float64() } }}
	// PolicyTwoMinutes gives up the minute: full jitter from 1 min
	// doubling to 2 min, so agents come back within two.
	PolicyTwoMinutes = FleetPolicy{Name: "full jitter, 1 min doubling to 2 min", BackoffBase: time.Minute, BackoffMax: 2 * time.Minute}
)

// FleetConfig tunes [FleetBench].
type FleetConfig struct {
	Agents   int           // default 10,000
	Outage   time.Duration // default 5 min
	Before   time.Duration // plotted before the outage; default 2 min
	After    time.Duration // plotted after it; default 4 min
	TTL      time.Duration // of access tokens; default 15 min, the simulator's
	Seed     uint64        // the same seed draws the same fleet
	Policies []FleetPolicy // default PolicyNaive, PolicyAgent, PolicySlow, PolicyTwoMinutes
}

// FleetCurve is one policy's fleet.
type FleetCurve struct {
	Policy    string `json:"policy"`
	PerSecond []int  `json:"perSecond"` // requests arriving in each second, from -Before
	Peak      int    `json:"peak"`      // the most in one second
	PeakAt    int    `json:"peakAt"`    // that second, from the outage's start
	Requests  int    `json:"requests"`  // all requests in the plotted window
	Failed    int    `json:"failed"`    // agents that saw the outage
	// Back is how long after BioT returned each agent that saw the outage
	// refreshed again.
	Back     Summary `json:"back"`
	NotBack  int     `json:"notBack"`  // agents still offline at the end
	Baseline float64 `json:"baseline"` // requests per second before the outage
}

// FleetResult is the outcome of [FleetBench].
type FleetResult struct {
	Agents                int
	Outage, Before, After time.Duration
	TTL                   time.Duration
	Curves                []FleetCurve
	Took                  time.Duration
}

// FleetBench runs a fleet of real agents (agent.Agent, its refresh loop,
// backoff and jitter as they are) through a BioT outage, once per policy.
// Each agent has a fake clock of its own and starts at a random moment of
// its refresh cycle, so that the fleet refreshes spread out as a real one
// does; the clock is moved straight to the agent's next refresh each time
// it has settled, so ten minutes of an agent's life take a few
// milliseconds. Agents never talk to each other, so each runs alone; what
// they share is the outage, on the same wall-clock minutes.
func FleetBench(ctx context.Context, cfg FleetConfig) (FleetResult, error) {
	if cfg.Agents <= 0 {
		cfg.Agents = 10000
	}
	if cfg.Outage <= 0 {
		cfg.Outage = 5 * time.Minute
	}
	if cfg.Before <= 0 {
		cfg.Before = 2 * time.Minute
	}
	if cfg.After <= 0 {
		cfg.After = 4 * time.Minute
	}
	if cfg.TTL <= 0 {
		cfg.TTL = 15 * time.Minute
	}
	if len(cfg.Policies) == 0 {
		cfg.Policies = []FleetPolicy{PolicyNaive, PolicyAgent, PolicySlow, PolicyTwoMinutes}
	}
	begin := time.Now()
	res := FleetResult{Agents: cfg.Agents, Outage: cfg.Outage, Before: cfg.Before, After: cfg.After, TTL: cfg.TTL}
	for _, p := range cfg.Policies {
		c, err := runFleet(ctx, cfg, p)
		if err != nil {
			return res, fmt.Errorf("fleet %s: %w", p.Name, err)
		}
		res.Curves = append(res.Curves, c)
	}
	res.Took = time.Since(begin)
	return res, nil
}

// agentOutcome is what one agent of the fleet did.
type agentOutcome struct {
	failed bool
	back   time.Duration // after the outage's end; -1 when never
}

// runFleet runs cfg.Agents agents under p on a few workers.
func runFleet(ctx context.Context, cfg FleetConfig, p FleetPolicy) (FleetCurve, error) {
	bins := int((cfg.Before + cfg.Outage + cfg.After) / time.Second)
	workers := runtime.GOMAXPROCS(0) * 8
	next := make(chan int)
	var (
		mu       sync.Mutex
		hist     = make([]int, bins)
		outcomes []agentOutcome
		errs     []error
		wg       sync.WaitGroup
	)
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			local := make([]int, bins)
			var outs []agentOutcome
			for i := range next {
				o, err := runFleetAgent(ctx, cfg, p, i, local)
				if err != nil {
					mu.Lock()
					errs = append(errs, fmt.Errorf("agent %d: %w", i, err))
					mu.Unlock()
					continue
				}
				outs = append(outs, o)
			}
			mu.Lock()
			for i, n := range local {
				hist[i] += n
			}
			outcomes = append(outcomes, outs...)
			mu.Unlock()
		}()
	}
feed:
	for i := range cfg.Agents {
		select {
		case next <- i:
		case <-ctx.Done():
			break feed
		}
	}
	close(next)
	wg.Wait()
	if len(errs) > 0 {
		return FleetCurve{}, errors.Join(errs[:min(len(errs), 5)]...)
	}
	if err := ctx.Err(); err != nil {
		return FleetCurve{}, err
	}
	c := FleetCurve{Policy: p.Name, PerSecond: hist}
	beforeBins := int(cfg.Before / time.Second)
	for i, n := range hist {
		c.Requests += n
		if n > c.Peak {
			c.Peak, c.PeakAt = n, i-beforeBins
		}
		if i < beforeBins {
			c.Baseline += float64(n)
		}
	}
	c.Baseline /= float64(max(beforeBins, 1))
	var backs []time.Duration
	for _, o := range outcomes {
		if !o.failed {
			continue
		}
		c.Failed++
		if o.back < 0 {
			c.NotBack++
			continue
		}
		backs = append(backs, o.back)
	}
	c.Back = Summarize(backs)
	return c, nil
}

// runFleetAgent lives one agent's life from a random point of its refresh
// cycle before the plotted window to the window's end, counting its
// requests into hist (one bin a second from -cfg.Before).
func runFleetAgent(ctx context.Context, cfg FleetConfig, p FleetPolicy, i int, hist []int) (agentOutcome, error) {
	out := agentOutcome{back: -1}
	r := rand.New(rand.NewPCG(cfg.Seed, uint64(i)))
	// The outage starts at epoch on every agent's wall clock. The agent
	// starts (resumes its stored session, which refreshes at once) up to
	// one refresh period before the plotted window, so that its refreshes
	// fall anywhere in its cycle.
	epoch := time.Date(2030, 1, 1, 9, 0, 0, 0, time.UTC)
	period := cfg.TTL - min(cfg.TTL/4, 5*time.Minute)
	start := epoch.Add(-cfg.Before - time.Duration(r.Float64()*float64(period)))
	end := epoch.Add(cfg.Outage + cfg.After)
	clk := &simClock{Clock: fakeclock.New(start)}
	srv := &fleetServer{clk: clk, epoch: epoch, outage: cfg.Outage, ttl: cfg.TTL,
		record: func(at time.Duration, _ bool) {
			if b := int((at + cfg.Before) / time.Second); at >= -cfg.Before && b < len(hist) {
				hist[b]++
			}
		}}
	const baseURL = "https://biot.fleet.invalid"
	bc, err := biot.New(baseURL, &http.Client{Transport: srv}, "fleet")
	if err != nil {
		return out, err
	}
	store := keyring.NewMemory("fleet")
	if err := store.Save(ctx, agent.Session{Env: agent.DefaultEnv, BaseURL: baseURL, Username: "fleet@example.com", UserID: "fleet-user",
		OrganizationID: "fleet-org", RefreshToken: "fleet-refresh-0", RefreshExpiresAt: start.Add(24 * time.Hour)}); err != nil {
		return out, err
	}
	acfg := agent.Config{Client: bc, Store: store, Clock: clk,
		Logger:      slog.New(slog.NewTextHandler(io.Discard, nil)),
		BackoffBase: p.BackoffBase, BackoffMax: p.BackoffMax}
	if p.Jitter != nil {
		acfg.Jitter = p.Jitter(r)
	} else {
		acfg.Jitter = r.Float64
	}
	a, err := agent.New(acfg)
	if err != nil {
		return out, err
	}
	events, unsubscribe := a.Subscribe()
	defer unsubscribe()
	runCtx, cancel := context.WithCancel(ctx)
	ran := make(chan struct{})
	go func() { _ = a.Run(runCtx); close(ran) }()
	defer func() { cancel(); <-ran }()

	outageEnd := epoch.Add(cfg.Outage)
	now := start
	for {
		// The agent acts at now: it refreshes, or tries to. Wait until it
		// has recorded the outcome.
		st, err := settled(ctx, events, now)
		if err != nil {
			return out, err
		}
		switch {
		case st.LastRefresh.OK && out.failed && out.back < 0 && !now.Before(outageEnd):
			out.back = now.Sub(outageEnd)
		case !st.LastRefresh.OK:
			out.failed = true
		}
		if st.NextRefreshAt == nil {
			return out, fmt.Errorf("no refresh planned (state %s: %s)", st.State, st.Message)
		}
		next := *st.NextRefreshAt
		if next.After(end) {
			return out, nil
		}
		clk.Advance(next.Sub(now))
		now = next
	}
}

// settled waits for the event that reports the refresh the agent made at
// now, and answers that status.
func settled(ctx context.Context, events <-chan agent.Event, now time.Time) (agent.Status, error) {
	timeout := time.NewTimer(time.Minute)
	defer timeout.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok {
				return agent.Status{}, errors.New("the agent stopped publishing")
			}
			if lr := ev.Status.LastRefresh; lr != nil && lr.Time.Equal(now) {
				return ev.Status, nil
			}
		case <-timeout.C:
			return agent.Status{}, fmt.Errorf("no refresh reported for %s within a minute", now.Format(time.RFC3339))
		case <-ctx.Done():
			return agent.Status{}, ctx.Err()
		}
	}
}

// Plot draws the fleet's curves: requests arriving at BioT each second,
// the outage shaded.
func (r FleetResult) Plot() Plot {
	p := Plot{
		Title:     fmt.Sprintf("%s agents through a %s BioT outage", thousands(r.Agents), shortDur(r.Outage)),
		XLabel:    "seconds from the start of the outage",
		YLabel:    "requests per second at BioT",
		BandFrom:  0,
		BandTo:    r.Outage.Seconds(),
		BandLabel: "BioT down",
	}
	colors := map[string]Series{
		PolicyNaive.Name:      {Color: ColorNaive, Width: 2},
		PolicyAgent.Name:      {Color: ColorAgent, Width: 3},
		PolicySlow.Name:       {Color: ColorSlow, Width: 2},
		PolicyTwoMinutes.Name: {Color: ColorTwoMinutes, Width: 1},
	}
	for _, c := range r.Curves {
		s := colors[c.Policy]
		s.Label = c.Policy
		if s.Color.A == 0 {
			s.Color = colorInk
		}
		for i, n := range c.PerSecond {
			s.X = append(s.X, float64(i)-r.Before.Seconds())
			s.Y = append(s.Y, float64(n))
		}
		p.Series = append(p.Series, s)
	}
	return p
}

// shortDur prints whole minutes as "5-minute" and anything else as Go does.
func shortDur(d time.Duration) string {
	if d%time.Minute == 0 {
		return fmt.Sprintf("%d-minute", d/time.Minute)
	}
	return d.String()
}

// thousands prints n with commas: 10,000.
func thousands(n int) string {
	s := strconv.Itoa(n)
	for i := len(s) - 3; i > 0; i -= 3 {
		s = s[:i] + "," + s[i:]
	}
	return s
}
