package bench

import (
	"context"
	"encoding/json"
	"fmt"
	"slices"
	"time"

	"biot-agent/ipc"
)

// SocketConfig tunes [SocketBench].
type SocketConfig struct {
	Bin         Binaries      // the agent and the floors, as built for this run
	Concurrency []int         // clients at once; default 1 and 8
	Rounds      int           // each server gets this many stretches per concurrency; default 20
	Segment     time.Duration // the length of one stretch; default 100 ms
}

// SocketRow is one server at one concurrency.
type SocketRow struct {
	Server      string  `json:"server"`
	InProcess   bool    `json:"inProcess"` // served by the bench's own process
	Concurrency int     `json:"concurrency"`
	Summary     Summary `json:"latency"`
	// PerSecond is the median over the stretches of each stretch's rate:
	// a stall of the machine spoils one stretch, not the figure.
	PerSecond float64 `json:"perSecond"`
}

// SocketResult is the outcome of [SocketBench].
type SocketResult struct {
	Rows       []SocketRow `json:"rows"`
	TokenBytes int         `json:"tokenBytes"` // the length of the agent's token
	// JSONEncode and JSONDecode are what encoding/json takes for the
	// agent's token answer (ipc.Token), per token: the difference
	// between ipc.Client.Token and TokenString.
	JSONEncode, JSONDecode time.Duration
}

// Row finds the row of server at concurrency c.
func (r SocketResult) Row(server string, c int) SocketRow {
	for _, row := range r.Rows {
		if row.Server == server && row.Concurrency == c {
			return row
		}
	}
	return SocketRow{}
}

// The servers SocketBench compares. The first six run in processes of
// their own, as a tool meets them; the last four in the bench's process,
// where a request wakes no other process.
const (
	// ServerSSH is the peer: ssh-agent listing the one key it holds.
	ServerSSH       = "ssh-agent, listing its key (message 11)"
	ServerAgentText = "biot-agent run, ipc.Client.TokenString (text/plain)"
	ServerAgentJSON = "biot-agent run, ipc.Client.Token (JSON)"
	// ServerAgentOneP is the agent with GOMAXPROCS=1, a setting it does
	// not make: what the runtime's wake-ups of a second thread cost.
	ServerAgentOneP = "biot-agent run with GOMAXPROCS=1, ipc.Client.TokenString"
	ServerHTTPProc  = "jobfloor: bare net/http (HTTP floor)"
	ServerRawProc   = "gofloor listen: a line protocol (Go's socket floor)"

	ServerIPCPlain = "agent, ipc.Client.TokenString (text/plain)"
	ServerIPCJSON  = "agent, ipc.Client.Token (JSON)"
	ServerHTTP     = "bare net/http (HTTP floor)"
	ServerRaw      = "raw line protocol (socket floor)"
)

// SocketBench measures a token over the agent's socket beside ssh-agent
// and the floors. The servers take turns in short stretches, round after
// round, so that a burst of load from elsewhere on the machine falls on all
// of them. The servers in the bench's process are asked by one client at a
// time only: they show what the code path costs, not what a tool sees.
func SocketBench(ctx context.Context, cfg SocketConfig) (SocketResult, error) {
	if len(cfg.Concurrency) == 0 {
		cfg.Concurrency = []int{1, 8}
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 20
	}
	if cfg.Segment <= 0 {
		cfg.Segment = 100 * time.Millisecond
	}
	dir, err := TempDir()
	if err != nil {
		return SocketResult{}, err
	}
	defer removeAll(dir)
	ssh, err := StartSSHAgent(ctx, dir)
	if err != nil {
		return SocketResult{}, err
	}
	defer ssh.Close()
	ap, err := StartAgentProc(ctx, cfg.Bin.Agent)
	if err != nil {
		return SocketResult{}, err
	}
	defer ap.Close()
	ap1, err := StartAgentProc(ctx, cfg.Bin.Agent, "GOMAXPROCS=1")
	if err != nil {
		return SocketResult{}, err
	}
	defer ap1.Close()
	hp, err := StartHTTPFloorProc(ctx, cfg.Bin.JobFloor)
	if err != nil {
		return SocketResult{}, err
	}
	defer hp.Close()
	rp, err := StartRawFloorProc(ctx, cfg.Bin.GoFloor)
	if err != nil {
		return SocketResult{}, err
	}
	defer rp.Close()
	env, err := StartAgent(ctx, dir, AgentOptions{})
	if err != nil {
		return SocketResult{}, err
	}
	defer env.Close()
	hf, err := StartHTTPFloor(dir)
	if err != nil {
		return SocketResult{}, err
	}
	defer hf.Close()
	rf, err := StartRawFloor(dir)
	if err != nil {
		return SocketResult{}, err
	}
	defer rf.Close()

	servers := []struct {
		name      string
		inProcess bool
		newClient func() Client
	}{
		{ServerSSH, false, ssh.NewClient},
		{ServerAgentText, false, ap.NewTextClient},
		{ServerAgentJSON, false, ap.NewClient},
		{ServerAgentOneP, false, ap1.NewTextClient},
		{ServerHTTPProc, false, hp.NewHTTPClient},
		{ServerRawProc, false, rp.NewRawClient},
		{ServerIPCPlain, true, env.NewTextClient},
		{ServerIPCJSON, true, env.NewClient},
		{ServerHTTP, true, hf.NewClient},
		{ServerRaw, true, rf.NewClient},
	}
	var res SocketResult
	c := ap.NewClient()
	res.TokenBytes, err = c.Token(ctx)
	c.Close()
	if err != nil {
		return res, err
	}
	ic := ipc.NewClient(ap.Socket)
	tok, err := ic.Token(ctx, ipc.TokenOptions{})
	ic.HTTP.CloseIdleConnections()
	if err != nil {
		return res, err
	}
	if res.JSONEncode, res.JSONDecode, err = jsonCost(tok); err != nil {
		return res, err
	}
	type key struct {
		server string
		conc   int
	}
	lats := map[key][]time.Duration{}
	rates := map[key][]float64{}
	for range cfg.Rounds {
		for i, conc := range cfg.Concurrency {
			for _, s := range servers {
				if s.inProcess && i > 0 {
					continue
				}
				seg, err := runLoad(ctx, s.newClient, conc, cfg.Segment)
				if err != nil {
					return res, fmt.Errorf("%s, %d clients: %w", s.name, conc, err)
				}
				k := key{s.name, conc}
				lats[k] = append(lats[k], seg.lats...)
				rates[k] = append(rates[k], float64(len(seg.lats))/seg.elapsed.Seconds())
			}
		}
	}
	for _, s := range servers {
		for _, conc := range cfg.Concurrency {
			k := key{s.name, conc}
			if len(lats[k]) == 0 {
				continue
			}
			res.Rows = append(res.Rows, SocketRow{
				Server:      s.name,
				InProcess:   s.inProcess,
				Concurrency: conc,
				Summary:     Summarize(lats[k]),
				PerSecond:   medianFloat(rates[k]),
			})
		}
	}
	return res, nil
}

// jsonCost times json.Marshal and json.Unmarshal of tok, per call, as the
// median of batches.
func jsonCost(tok ipc.Token) (enc, dec time.Duration, err error) {
	const batch = 200
	body, err := json.Marshal(tok)
	if err != nil {
		return 0, 0, err
	}
	var encs, decs []time.Duration
	for range 25 {
		t0 := time.Now()
		for range batch {
			if _, err := json.Marshal(tok); err != nil {
				return 0, 0, err
			}
		}
		encs = append(encs, time.Since(t0)/batch)
		t0 = time.Now()
		for range batch {
			var t ipc.Token
			if err := json.Unmarshal(body, &t); err != nil {
				return 0, 0, err
			}
		}
		decs = append(decs, time.Since(t0)/batch)
	}
	return median(encs), median(decs), nil
}

func medianFloat(f []float64) float64 {
	if len(f) == 0 {
		return 0
	}
	c := slices.Clone(f)
	slices.Sort(c)
	return c[len(c)/2]
}
