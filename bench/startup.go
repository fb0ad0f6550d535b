package bench

import (
	"context"
	"fmt"
	"time"

	"biot-agent/agent/biot"
	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// StartupConfig tunes [StartupBench].
type StartupConfig struct {
	Bin  Binaries
	Runs int // default 15
}

// StartupResult is the outcome of [StartupBench].
type StartupResult struct {
	Runs      int     `json:"runs"`
	Socket    Summary `json:"socket"`    // exec to the socket answering (status)
	Token     Summary `json:"token"`     // exec to the first token, the stored session resumed
	Refreshes int     `json:"refreshes"` // BioT's count over all runs: one each
	// ColdRefresh is a refresh on a new connection (TCP and TLS
	// handshakes included), sent straight to the simulator: the network
	// part of a start.
	ColdRefresh Summary `json:"coldRefresh"`
	Store       string  `json:"store"` // where the agent found the session
}

// StartupBench measures how soon a restarted agent serves a token: the
// session is signed in once and kept in a real Secret Service
// (gnome-keyring on a private bus), then the agent is started Runs times;
// each start reads the keyring, refreshes once, and answers. Each run is
// timed from just before exec to the first token.
func StartupBench(ctx context.Context, cfg StartupConfig) (StartupResult, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 15
	}
	res := StartupResult{Runs: cfg.Runs}
	desk, err := StartDesktop(ctx, false)
	if err != nil {
		return res, err
	}
	defer desk.Close()
	sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: benchUser, Password: benchPassword}}})
	if err != nil {
		return res, err
	}
	defer sim.Close()
	w, err := NewWorld(sim, desk.Bus.Address)
	if err != nil {
		return res, err
	}
	defer w.Close()
	args := []string{"run", "--headless", "--url", sim.URL()}

	// Sign in once; the session goes to the keyring.
	p, err := w.Start(cfg.Bin.Agent, args...)
	if err != nil {
		return res, err
	}
	if _, err := p.WaitSocket(ctx, w.Socket, 30*time.Second); err != nil {
		_ = p.Stop()
		return res, err
	}
	if err := signIn(ctx, w.Socket); err != nil {
		_ = p.Stop()
		return res, err
	}
	if err := p.Stop(); err != nil {
		return res, err
	}

	before := sim.Stats().Refreshes
	var sockets, tokens []time.Duration
	for range cfg.Runs {
		p, err := w.Start(cfg.Bin.Agent, args...)
		if err != nil {
			return res, err
		}
		up, err := p.WaitSocket(ctx, w.Socket, 30*time.Second)
		if err != nil {
			_ = p.Stop()
			return res, err
		}
		c := ipc.NewClient(w.Socket)
		_, err = c.TokenString(ctx, ipc.TokenOptions{})
		got := time.Now()
		if err == nil {
			var st ipc.StatusResponse
			st, err = c.Status(ctx)
			res.Store = st.Store.Kind
		}
		c.HTTP.CloseIdleConnections()
		if err != nil {
			_ = p.Stop()
			return res, fmt.Errorf("no token after a restart: %w: %s", err, p.Stderr())
		}
		sockets = append(sockets, up.Sub(p.Begin))
		tokens = append(tokens, got.Sub(p.Begin))
		if err := p.Stop(); err != nil {
			return res, err
		}
	}
	res.Refreshes = sim.Stats().Refreshes - before
	res.Socket, res.Token = Summarize(sockets), Summarize(tokens)
	res.ColdRefresh, err = coldRefresh(ctx, sim, cfg.Runs)
	return res, err
}

// coldRefresh times n refreshes each on a client of its own: a new
// connection and TLS handshake every time, as a fresh process has.
func coldRefresh(ctx context.Context, sim *biotsim.Server, n int) (Summary, error) {
	c, err := biot.New(sim.URL(), biot.NewHTTPClient(sim.CertPool()), "bench")
	if err != nil {
		return Summary{}, err
	}
	resp, err := c.Login(ctx, benchUser, benchPassword)
	if err != nil {
		return Summary{}, err
	}
	rt := resp.RefreshJwt.Token
	var lats []time.Duration
	for range n {
		hc := biot.NewHTTPClient(sim.CertPool())
		fresh, err := biot.New(sim.URL(), hc, "bench")
		if err != nil {
			return Summary{}, err
		}
		t0 := time.Now()
		r, err := fresh.Refresh(ctx, rt)
		hc.CloseIdleConnections()
		if err != nil {
			return Summary{}, fmt.Errorf("cold refresh: %w", err)
		}
		lats = append(lats, time.Since(t0))
		rt = r.RefreshJwt.Token
	}
	return Summarize(lats), nil
}
