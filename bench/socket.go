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
	Concurrency []int         // clients at once; default 1, 8, 64
	Rounds      int           // each server gets this many stretches per concurrency; default 20
	Segment     time.Duration // the length of one stretch; default 100 ms
}

// SocketRow is one server at one concurrency.
type SocketRow struct {
	Server      string  `json:"server"`
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

// The servers SocketBench compares.
const (
	ServerRaw      = "raw line protocol (socket floor)"
	ServerHTTP     = "bare net/http (HTTP floor)"
	ServerIPCJSON  = "agent, ipc.Client.Token (JSON)"
	ServerIPCPlain = "agent, ipc.Client.TokenString (text/plain)"
)

// SocketBench measures a token over the agent's socket beside the two
// floors. The servers take turns in short stretches, round after round, so
// that a burst of load from elsewhere on the machine falls on all of them.
func SocketBench(ctx context.Context, cfg SocketConfig) (SocketResult, error) {
	if len(cfg.Concurrency) == 0 {
		cfg.Concurrency = []int{1, 8, 64}
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
		newClient func() Client
	}{
		{ServerRaw, rf.NewClient},
		{ServerHTTP, hf.NewClient},
		{ServerIPCJSON, env.NewClient},
		{ServerIPCPlain, env.NewTextClient},
	}
	var res SocketResult
	c := env.NewClient()
	res.TokenBytes, err = c.Token(ctx)
	c.Close()
	if err != nil {
		return res, err
	}
	ic := ipc.NewClient(env.Socket)
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
		for _, conc := range cfg.Concurrency {
			for _, s := range servers {
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
	for _, conc := range cfg.Concurrency {
		for _, s := range servers {
			k := key{s.name, conc}
			res.Rows = append(res.Rows, SocketRow{
				Server:      s.name,
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
