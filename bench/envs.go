package bench

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
	"biot-agent/internal/localapi"
	"biot-agent/ipc"
)

// EnvsConfig tunes [EnvsBench], issue 12's benchmark: what environments
// cost.
type EnvsConfig struct {
	Bin    Binaries
	Envs   int           // environments of the many-environment agent; default 10
	Settle time.Duration // idle time after signing in, before the window; default 20 s
	Window time.Duration // wake-ups and refreshes are counted over this; default 60 s
	// TTL is the access tokens' lifetime in the idle part; default two
	// thirds of Window, so that every environment refreshes in it (the
	// agent refreshes a quarter of the lifetime before expiry).
	TTL     time.Duration
	Clients int // token requests of a storm; default 1,000
	Storms  int // storms counted, after one that warms up; default 3
}

// EnvsIdleRow is one agent left alone.
type EnvsIdleRow struct {
	Name      string   `json:"name"`
	Envs      int      `json:"envs"`
	Mem       ProcMem  `json:"mem"`       // at the window's start
	MemEnd    ProcMem  `json:"memEnd"`    // at its end
	Switches  Switches `json:"switches"`  // over the window
	Bursts    int      `json:"bursts"`    // wake-ups over the window, as IdleBench counts them
	Refreshes int      `json:"refreshes"` // what its simulator saw over the window
}

// EnvsStorm is one storm over every environment.
type EnvsStorm struct {
	Summary   Summary       `json:"latency"`
	Wall      time.Duration `json:"wall"`
	Refreshes []int         `json:"refreshes"` // by environment: the goal is 1 each
}

// EnvsResult is the outcome of [EnvsBench].
type EnvsResult struct {
	Date    time.Time     `json:"date"`
	Load    string        `json:"load"`
	Envs    int           `json:"envs"`
	Settle  time.Duration `json:"settle"`
	Window  time.Duration `json:"window"`
	TTL     time.Duration `json:"ttl"`
	One     EnvsIdleRow   `json:"one"`  // the reference: one environment
	Many    EnvsIdleRow   `json:"many"` // Envs environments
	Clients int           `json:"clients"`
	Storms  []EnvsStorm   `json:"storms"`
}

// The goals of issue 12.
const (
	goalEnvAnonKiB = 512 // anonymous RSS growth per environment beyond the first
)

// EnvsBench runs the two halves of issue 12's benchmark. Idle: the real
// binary, `biot-agent run --headless`, twice side by side, one with Envs
// environments in its config.toml (one simulator, an account each) and
// one with a single environment, all signed in and left alone; their
// wake-ups and refreshes are counted over Window and their memory read.
// Storm: in this process, agent.Environments behind the real local API on
// a real socket, an environment per simulator, and Clients requests spread
// over the environments at the moment each needs a refresh.
func EnvsBench(ctx context.Context, cfg EnvsConfig) (EnvsResult, error) {
	if cfg.Envs <= 1 {
		cfg.Envs = 10
	}
	if cfg.Settle <= 0 {
		cfg.Settle = 20 * time.Second
	}
	if cfg.Window <= 0 {
		cfg.Window = time.Minute
	}
	if cfg.TTL <= 0 {
		cfg.TTL = cfg.Window * 2 / 3
	}
	if cfg.Clients <= 0 {
		cfg.Clients = 1000
	}
	if cfg.Storms <= 0 {
		cfg.Storms = 3
	}
	res := EnvsResult{Date: time.Now(), Load: LoadAvg(), Envs: cfg.Envs, Settle: cfg.Settle, Window: cfg.Window, TTL: cfg.TTL, Clients: cfg.Clients}
	var err error
	if res.One, res.Many, err = envsIdle(ctx, cfg); err != nil {
		return res, fmt.Errorf("idle: %w", err)
	}
	if res.Storms, err = envsStorm(ctx, cfg); err != nil {
		return res, fmt.Errorf("storm: %w", err)
	}
	return res, nil
}

// envUser is the account of the i-th environment: every environment of
// the idle agent is another person on the same simulator.
func envUser(i int) string { return fmt.Sprintf("bench-%02d@example.com", i) }

// envName is the i-th environment's name.
func envName(i int) string { return fmt.Sprintf("env-%02d", i) }

// envsConfigFile is a config.toml with n environments at url.
func envsConfigFile(n int, url string) string {
	var b strings.Builder
	fmt.Fprintf(&b, "default = %q\n", envName(0))
	for i := range n {
		fmt.Fprintf(&b, "\n[environments.%s]\nurl = %q\n", envName(i), url)
	}
	return b.String()
}

// envsIdle runs the two agents side by side and watches them.
func envsIdle(ctx context.Context, cfg EnvsConfig) (one, many EnvsIdleRow, err error) {
	type watched struct {
		row  EnvsIdleRow
		proc *Proc
		sim  *biotsim.Server
	}
	var ws []*watched
	defer func() {
		for _, w := range ws {
			_ = w.proc.Stop()
		}
	}()
	for _, n := range []int{1, cfg.Envs} {
		users := make([]biotsim.User, n)
		for i := range users {
			users[i] = biotsim.User{Username: envUser(i), Password: benchPassword}
		}
		sim, err := biotsim.New(biotsim.Options{Users: users, AccessTTL: cfg.TTL})
		if err != nil {
			return one, many, err
		}
		defer sim.Close()
		w, err := NewWorld(sim, "")
		if err != nil {
			return one, many, err
		}
		defer w.Close()
		conf := filepath.Join(w.Dir, "config", "biot-agent", "config.toml")
		if err := os.MkdirAll(filepath.Dir(conf), 0o700); err != nil {
			return one, many, err
		}
		if err := os.WriteFile(conf, []byte(envsConfigFile(n, sim.URL())), 0o600); err != nil {
			return one, many, err
		}
		p, err := w.Start(cfg.Bin.Agent, "run", "--headless")
		if err != nil {
			return one, many, err
		}
		name := fmt.Sprintf("%d environment", n)
		if n > 1 {
			name += "s"
		}
		ws = append(ws, &watched{row: EnvsIdleRow{Name: name, Envs: n}, proc: p, sim: sim})
		if _, err := p.WaitSocket(ctx, w.Socket, 30*time.Second); err != nil {
			return one, many, fmt.Errorf("%s: %w", name, err)
		}
		c := ipc.NewClient(w.Socket)
		for i := range n {
			c.Env = envName(i)
			if err := c.Login(ctx, envUser(i), benchPassword); err != nil {
				c.HTTP.CloseIdleConnections()
				return one, many, fmt.Errorf("%s: sign in to %s: %w", name, c.Env, err)
			}
		}
		c.HTTP.CloseIdleConnections()
		if got := sim.Stats().Logins; got != n {
			return one, many, fmt.Errorf("%s: the simulator saw %d sign-ins, not %d", name, got, n)
		}
	}
	if err := sleep(ctx, cfg.Settle); err != nil {
		return one, many, err
	}
	type reading struct {
		mem ProcMem
		sw  Switches
		ref int
	}
	read := func() ([]reading, error) {
		rs := make([]reading, len(ws))
		for i, w := range ws {
			if done, err := w.proc.Exited(); done {
				return nil, fmt.Errorf("%s exited (%v): %s", w.row.Name, err, w.proc.Stderr())
			}
			var err error
			if rs[i].mem, err = ReadMem(w.proc.PID()); err != nil {
				return nil, err
			}
			if rs[i].sw, err = ReadSwitches(w.proc.PID()); err != nil {
				return nil, err
			}
			rs[i].ref = w.sim.Stats().Refreshes
		}
		return rs, nil
	}
	first, err := read()
	if err != nil {
		return one, many, err
	}
	pids := make([]int, len(ws))
	for i, w := range ws {
		pids[i] = w.proc.PID()
	}
	bursts, err := watchBursts(ctx, pids, cfg.Window)
	if err != nil {
		return one, many, err
	}
	last, err := read()
	if err != nil {
		return one, many, err
	}
	for i, w := range ws {
		w.row.Mem, w.row.MemEnd = first[i].mem, last[i].mem
		w.row.Switches = Switches{
			Voluntary:   last[i].sw.Voluntary - first[i].sw.Voluntary,
			Involuntary: last[i].sw.Involuntary - first[i].sw.Involuntary,
			Threads:     last[i].sw.Threads,
		}
		w.row.Bursts = bursts[i]
		w.row.Refreshes = last[i].ref - first[i].ref
		if rej := w.sim.Stats().RefreshesRejected; rej > 0 {
			return one, many, fmt.Errorf("%s: %d refreshes were refused", w.row.Name, rej)
		}
	}
	return ws[0].row, ws[1].row, nil
}

// envsStorm runs the storms over every environment, in this process: an
// environment per simulator, so that each one's refreshes are counted on
// its own, and a fake clock shared by the agents and the simulators.
func envsStorm(ctx context.Context, cfg EnvsConfig) ([]EnvsStorm, error) {
	dir, err := TempDir()
	if err != nil {
		return nil, err
	}
	defer removeAll(dir)
	clk := fakeclock.New(time.Now())
	sims := make([]*biotsim.Server, cfg.Envs)
	byURL := map[string]*biotsim.Server{}
	envs := make([]agent.Env, cfg.Envs)
	for i := range sims {
		s, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: benchUser, Password: benchPassword}},
			AccessTTL: stormTTL, Now: clk.Now})
		if err != nil {
			return nil, err
		}
		defer s.Close()
		sims[i], byURL[s.URL()] = s, s
		envs[i] = agent.Env{Name: envName(i), URL: s.URL()}
	}
	log := slog.New(slog.NewTextHandler(io.Discard, &slog.HandlerOptions{Level: slog.LevelInfo}))
	set, err := agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("bench"), Clock: clk, Logger: log},
		func(url string) (*biot.Client, error) {
			s := byURL[url]
			if s == nil {
				return nil, fmt.Errorf("no simulator at %s", url)
			}
			return biot.New(url, biot.NewHTTPClient(s.CertPool()), "bench")
		})
	if err != nil {
		return nil, err
	}
	if err := set.Set(envs, ""); err != nil {
		return nil, err
	}
	runCtx, cancel := context.WithCancel(context.Background())
	ran := make(chan struct{})
	go func() { _ = set.Run(runCtx); close(ran) }()
	defer func() { cancel(); <-ran }()
	path := filepath.Join(dir, "agent.sock")
	l, err := ipc.Listen(path)
	if err != nil {
		return nil, err
	}
	srv := &ipc.Server{Backend: localapi.New(set), Version: "bench", Logger: log}
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	defer func() {
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		_ = srv.Shutdown(sctx)
		if err := <-served; err != nil && !errors.Is(err, http.ErrServerClosed) {
			slog.Warn("envs storm: serve", "err", err)
		}
	}()
	for i := range envs {
		a, err := set.Get(envName(i))
		if err != nil {
			return nil, err
		}
		if err := a.Login(ctx, benchUser, benchPassword); err != nil {
			return nil, fmt.Errorf("sign in to %s: %w", envName(i), err)
		}
	}
	clients := make([]*ipc.Client, cfg.Clients)
	for i := range clients {
		clients[i] = ipc.NewClient(path)
		clients[i].Env = envName(i % cfg.Envs)
		defer clients[i].HTTP.CloseIdleConnections()
		// The first token opens the connection; every environment is
		// signed in, so none of these refreshes.
		if _, err := clients[i].TokenString(ctx, ipc.TokenOptions{}); err != nil {
			return nil, fmt.Errorf("open connection %d: %w", i, err)
		}
	}
	var out []EnvsStorm
	for round := range cfg.Storms + 1 {
		clk.Advance(stormAge)
		before := refreshCounts(sims)
		lats, wall, err := storm(ctx, len(clients), func(i int) error {
			_, err := clients[i].TokenString(ctx, ipc.TokenOptions{MinValid: stormMinValid})
			return err
		})
		if err != nil {
			return nil, err
		}
		after := refreshCounts(sims)
		for i := range after {
			after[i] -= before[i]
		}
		if round > 0 { // the first storm warms up; it is not counted
			out = append(out, EnvsStorm{Summary: Summarize(lats), Wall: wall, Refreshes: after})
		}
	}
	return out, nil
}

// refreshCounts is each simulator's refreshes so far.
func refreshCounts(sims []*biotsim.Server) []int {
	n := make([]int, len(sims))
	for i, s := range sims {
		n[i] = s.Stats().Refreshes
	}
	return n
}

// EnvsSmoke is the configuration of EnvsBench for a full run, or, with
// smoke, for a run of a few seconds: a 4 s window, 200 clients, one storm.
func EnvsSmoke(bin Binaries, smoke bool) EnvsConfig {
	cfg := EnvsConfig{Bin: bin}
	if smoke {
		cfg.Settle, cfg.Window, cfg.Clients, cfg.Storms = time.Second, 4*time.Second, 200, 1
	}
	return cfg
}
