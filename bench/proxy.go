package bench

import (
	"context"
	"crypto/tls"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"sync"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// ProxyConfig tunes [ProxyBench].
type ProxyConfig struct {
	Bin Binaries
	// Runs of each script's call, taking turns one run at a time;
	// default 300.
	Runs int
	// Rounds of kept-connection stretches for each way, taking turns;
	// default 20, each Segment long (default 100 ms).
	Rounds  int
	Segment time.Duration
	// ServerTime is how long the simulator takes over each kept call of
	// the second table, as BioT does over a real request; default 20 ms.
	// SlowRounds (default 10) stretches of SlowSegment (default 250 ms)
	// of each way measure it.
	ServerTime  time.Duration
	SlowRounds  int
	SlowSegment time.Duration
}

// ProxySmoke is the proxy benchmark's config for bin: a few seconds'
// version when smoke is set, else the full run.
func ProxySmoke(bin Binaries, smoke bool) ProxyConfig {
	cfg := ProxyConfig{Bin: bin}
	if smoke {
		cfg.Runs, cfg.Rounds, cfg.Segment, cfg.SlowRounds, cfg.SlowSegment = 5, 1, 50*time.Millisecond, 1, 100*time.Millisecond
	}
	return cfg
}

// ProxyRow is one way of calling BioT.
type ProxyRow struct {
	Name    string  `json:"name"`
	Command string  `json:"command,omitempty"` // for the scripts' calls
	Summary Summary `json:"time"`
}

// ProxyResult is the outcome of [ProxyBench].
type ProxyResult struct {
	// Scripts are the whole processes: a script's call through the
	// agent's proxy, and the same call with a token fetched first.
	Scripts []ProxyRow `json:"scripts"`
	// Kept are single requests on kept connections: through the proxy,
	// and straight to BioT over TLS.
	Kept []ProxyRow `json:"kept"`
	// Slow are the kept calls again, with the simulator taking
	// ServerTime over each, as BioT takes its time over a real request.
	Slow        []ProxyRow    `json:"slow,omitempty"`
	ServerTime  time.Duration `json:"serverTime,omitempty"`
	SlowSegment time.Duration `json:"slowSegment,omitempty"`
	// ScriptRatio, KeptRatio and SlowRatio are proxied p50 ÷ direct p50.
	ScriptRatio float64 `json:"scriptRatio"`
	KeptRatio   float64 `json:"keptRatio"`
	SlowRatio   float64 `json:"slowRatio,omitempty"`
	// Path is what every call asks BioT for, and AnswerBytes the size of
	// its answer.
	Path        string `json:"path"`
	AnswerBytes int    `json:"answerBytes"`
	// Date and Load (the load average at the start) say when these
	// figures were measured, for a report that merges them with another
	// run's.
	Date time.Time `json:"date"`
	Load string    `json:"load"`
	// Segment is the length of one stretch of kept-connection calls.
	Segment time.Duration `json:"segment"`
}

// The ways ProxyBench calls BioT.
const (
	ProxyScriptProxied = "curl through the agent's proxy"
	ProxyScriptDirect  = "curl with $(biot-agent token)"
	ProxyKeptProxied   = "through the proxy, kept Unix socket connection"
	ProxyKeptFloor     = "through a bare httputil.ReverseProxy on a Unix socket (the proxy floor)"
	ProxyKeptDirect    = "straight to BioT, kept TLS connection"
)

// proxyPath is what every call of ProxyBench asks: a real BioT path, whose
// answer the simulator checks the token for (an RS512 signature) and
// writes as JSON, as BioT would.
const proxyPath = biotsim.PathSelf

// ProxyBench measures a call to BioT through the agent's proxy beside the
// same call made the way a script makes it today.
//
// A script's call is a whole process, through `sh -c` on both sides:
// `curl --unix-socket S http://biot-agent/v1/proxy/PATH` against
// `curl -H "Authorization: Bearer $(biot-agent token)" https://BIOT/PATH`,
// which pays for a second process and a TLS handshake each time (the agent
// keeps its TLS connection to BioT warm). They take turns one run at a
// time.
//
// A kept-connection call is one request on a connection kept from the one
// before: an http.Client over the agent's socket, against an http.Client
// with a kept TLS connection straight to the simulator, the token set by
// hand. They take turns in short stretches, as the socket benchmark's
// servers do.
//
// The agent is the real one behind the real local API, in this process,
// against the simulator over real HTTPS; the processes are the release
// binary and Debian's curl.
func ProxyBench(ctx context.Context, cfg ProxyConfig) (ProxyResult, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 300
	}
	if cfg.Rounds <= 0 {
		cfg.Rounds = 20
	}
	if cfg.Segment <= 0 {
		cfg.Segment = 100 * time.Millisecond
	}
	if cfg.ServerTime <= 0 {
		cfg.ServerTime = 20 * time.Millisecond
	}
	if cfg.SlowRounds <= 0 {
		cfg.SlowRounds = 10
	}
	if cfg.SlowSegment <= 0 {
		cfg.SlowSegment = 250 * time.Millisecond
	}
	res := ProxyResult{Path: proxyPath, Date: time.Now(), Load: LoadAvg(), Segment: cfg.Segment, ServerTime: cfg.ServerTime, SlowSegment: cfg.SlowSegment}
	if _, err := exec.LookPath("curl"); err != nil {
		return res, fmt.Errorf("curl (Debian package curl): %w", err)
	}
	dir, err := TempDir()
	if err != nil {
		return res, err
	}
	defer removeAll(dir)
	// SlowDelay is the server time of FaultSlow, set on the path for the
	// second table only.
	env, err := StartAgent(ctx, dir, AgentOptions{Sim: biotsim.Options{SlowDelay: cfg.ServerTime}})
	if err != nil {
		return res, err
	}
	defer env.Close()
	ca := filepath.Join(dir, "ca.pem")
	if err := os.WriteFile(ca, env.Sim.CACertPEM(), 0o644); err != nil {
		return res, err
	}

	// Kept connections first: the scripts' processes leave the machine
	// busier for a while after.
	k, err := newKeptCalls(ctx, env, dir)
	if err != nil {
		return res, err
	}
	defer k.close()
	res.AnswerBytes = k.n
	times, err := k.rounds(ctx, cfg.Rounds, cfg.Segment)
	if err != nil {
		return res, err
	}
	res.Kept = []ProxyRow{
		{Name: ProxyKeptProxied, Summary: Summarize(times[0])},
		{Name: ProxyKeptFloor, Summary: Summarize(times[1])},
		{Name: ProxyKeptDirect, Summary: Summarize(times[2])},
	}
	res.KeptRatio = ratio(float64(res.Kept[0].Summary.P50), float64(res.Kept[2].Summary.P50))

	// The same, with BioT taking its time over each request.
	env.Sim.SetFaultFor(biotsim.FaultSlow, proxyPath)
	times, err = k.rounds(ctx, cfg.SlowRounds, cfg.SlowSegment)
	env.Sim.SetFaultFor(biotsim.FaultNone, proxyPath)
	if err != nil {
		return res, err
	}
	res.Slow = []ProxyRow{
		{Name: ProxyKeptProxied, Summary: Summarize(times[0])},
		{Name: ProxyKeptFloor, Summary: Summarize(times[1])},
		{Name: ProxyKeptDirect, Summary: Summarize(times[2])},
	}
	res.SlowRatio = ratio(float64(res.Slow[0].Summary.P50), float64(res.Slow[2].Summary.P50))

	// The environment of both scripts: just what each needs.
	cmdEnv := []string{"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "HOME=" + dir, "BIOT_AGENT_SOCK=" + env.Socket}
	scripts := []struct{ name, line, shown string }{
		{ProxyScriptProxied,
			fmt.Sprintf(`curl -sf --unix-socket %s http://biot-agent/v1/proxy%s`, env.Socket, proxyPath),
			`curl -sf --unix-socket "$S" http://biot-agent/v1/proxy` + proxyPath},
		{ProxyScriptDirect,
			fmt.Sprintf(`curl -sf --cacert %s -H "Authorization: Bearer $(%s token)" %s%s`, ca, cfg.Bin.Agent, env.Sim.URL(), proxyPath),
			`curl -sf -H "Authorization: Bearer $(biot-agent token)" https://BIOT` + proxyPath},
	}
	for _, s := range scripts { // each must work before it is timed: a failing one is fast
		cmd := exec.CommandContext(ctx, "sh", "-c", s.line+" >/dev/null")
		cmd.Env = cmdEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			return res, fmt.Errorf("%s: %w: %s", s.name, err, out)
		}
	}
	st := [2][]time.Duration{}
	for i := range cfg.Runs {
		for j := range scripts {
			k := (i + j) % len(scripts) // a different one goes first each time
			cmd := exec.CommandContext(ctx, "sh", "-c", scripts[k].line)
			cmd.Env = cmdEnv
			cmd.Stdout = io.Discard
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				return res, fmt.Errorf("%s: %w", scripts[k].name, err)
			}
			st[k] = append(st[k], time.Since(t0))
		}
	}
	for k, s := range scripts {
		res.Scripts = append(res.Scripts, ProxyRow{Name: s.name, Command: "sh -c '" + s.shown + "'", Summary: Summarize(st[k])})
	}
	res.ScriptRatio = ratio(float64(res.Scripts[0].Summary.P50), float64(res.Scripts[1].Summary.P50))
	return res, nil
}

// keptCalls are three ways of calling BioT on kept connections: through
// the agent's proxy, through a bare httputil.ReverseProxy on a Unix socket
// of its own that adds the token (the floor of any proxy over a socket),
// and straight to the simulator.
type keptCalls struct {
	proxied, floor, direct func(context.Context) error
	n                      int // the answer's size
	transports             []*http.Transport
	close                  func()
}

// rounds times the three ways in turn, rounds times, each for a stretch
// of segment on new connections.
func (k *keptCalls) rounds(ctx context.Context, rounds int, segment time.Duration) ([3][]time.Duration, error) {
	times := [3][]time.Duration{}
	for range rounds {
		for i, call := range []func(context.Context) error{k.proxied, k.floor, k.direct} {
			// Each stretch on new connections, every hop of them: with one
			// client at a time the latency has two modes, set per
			// connection (see the socket benchmark), and many stretches
			// sample both alike. The first call opens them, untimed.
			k.closeIdle()
			if err := call(ctx); err != nil {
				return times, err
			}
			end := time.Now().Add(segment)
			for time.Now().Before(end) {
				t0 := time.Now()
				if err := call(ctx); err != nil {
					return times, err
				}
				times[i] = append(times[i], time.Since(t0))
			}
		}
	}
	return times, nil
}

// closeIdle closes every kept connection, the agent's to BioT included.
func (k *keptCalls) closeIdle() {
	for _, t := range k.transports {
		t.CloseIdleConnections()
	}
}

func newKeptCalls(ctx context.Context, env *AgentEnv, dir string) (*keptCalls, error) {
	k := &keptCalls{}
	overSocket := func(path string) *http.Transport {
		return &http.Transport{
			DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
				return (&net.Dialer{}).DialContext(ctx, "unix", path)
			},
			DisableCompression: true,
		}
	}
	toTLS := func() *http.Transport {
		return &http.Transport{TLSClientConfig: &tls.Config{RootCAs: env.Sim.CertPool()}, DisableCompression: true}
	}
	c := ipc.NewClient(env.Socket)
	tok, err := c.TokenString(ctx, ipc.TokenOptions{})
	c.HTTP.CloseIdleConnections()
	if err != nil {
		return nil, err
	}
	target, err := url.Parse(env.Sim.URL())
	if err != nil {
		return nil, err
	}
	floorSock := filepath.Join(dir, "floor.sock")
	fl, err := net.Listen("unix", floorSock)
	if err != nil {
		return nil, err
	}
	floorUp := toTLS()
	fs := &http.Server{Handler: &httputil.ReverseProxy{
		Rewrite: func(pr *httputil.ProxyRequest) {
			pr.SetURL(target)
			pr.Out.Header.Set("Authorization", "Bearer "+tok)
		},
		Transport:     floorUp,
		FlushInterval: -1,
		BufferPool:    &floorBuffers{},
	}}
	go func() { _ = fs.Serve(fl) }()
	k.close = func() { _ = fs.Close() }

	buf := make([]byte, 32<<10)
	get := func(tr *http.Transport, url, bearer string) func(context.Context) error {
		hc := &http.Client{Transport: tr}
		return func(ctx context.Context) error {
			req, err := http.NewRequestWithContext(ctx, http.MethodGet, url, nil)
			if err != nil {
				return err
			}
			if bearer != "" {
				req.Header.Set("Authorization", "Bearer "+bearer)
			}
			resp, err := hc.Do(req)
			if err != nil {
				return err
			}
			defer resp.Body.Close()
			n, _ := io.ReadFull(resp.Body, buf)
			k.n = n
			if resp.StatusCode != http.StatusOK {
				return fmt.Errorf("%s: %s: %s", url, resp.Status, buf[:n])
			}
			return nil
		}
	}
	toAgent, toFloor, toSim := overSocket(env.Socket), overSocket(floorSock), toTLS()
	k.proxied = get(toAgent, "http://biot-agent/v1/proxy"+proxyPath, "")
	k.floor = get(toFloor, "http://floor"+proxyPath, "")
	k.direct = get(toSim, env.Sim.URL()+proxyPath, tok)
	k.transports = []*http.Transport{toAgent, toFloor, toSim, floorUp}
	if up, ok := env.Agent.Forwarder().(*http.Transport); ok {
		k.transports = append(k.transports, up)
	}
	for _, call := range []func(context.Context) error{k.proxied, k.floor, k.direct} {
		if err := call(ctx); err != nil {
			k.close()
			return nil, err
		}
	}
	return k, nil
}

// floorBuffers keep the bare proxy's copy buffers from one request to the
// next, as any proxy tuned for speed does (and the agent's does).
type floorBuffers struct{ p sync.Pool }

func (b *floorBuffers) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *floorBuffers) Put(buf []byte) { b.p.Put(&buf) }
