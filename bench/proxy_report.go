package bench

import (
	"fmt"
	"io"
	"time"
)

// The goals of issue 13, the proxy.
const (
	goalProxyScript = 0.6 // a script's call through the proxy ÷ with $(biot-agent token)
	goalProxyKept   = 1.2 // proxied p50 ÷ direct p50, on kept connections
)

// Row finds the row named name among the scripts' and the kept calls.
func (r ProxyResult) Row(name string) ProxyRow {
	for _, rows := range [][]ProxyRow{r.Scripts, r.Kept} {
		for _, row := range rows {
			if row.Name == name {
				return row
			}
		}
	}
	return ProxyRow{}
}

// verdicts judges the proxy's goals.
func (r *ProxyResult) verdicts() []Verdict {
	sp, sd := r.Row(ProxyScriptProxied).Summary.P50, r.Row(ProxyScriptDirect).Summary.P50
	kp, kf, kd := r.Row(ProxyKeptProxied).Summary.P50, r.Row(ProxyKeptFloor).Summary.P50, r.Row(ProxyKeptDirect).Summary.P50
	goalKept := time.Duration(goalProxyKept * float64(kd))
	return []Verdict{
		{
			Goal:     fmt.Sprintf("Proxy. a script's call through the proxy ≤ %.1f× the time of one with `$(biot-agent token)` (p50)", goalProxyScript),
			Measured: fmt.Sprintf("%s vs %s: %.2f×", ms2(sp), ms2(sd), r.ScriptRatio),
			Met:      r.ScriptRatio > 0 && r.ScriptRatio <= goalProxyScript,
		},
		{
			Goal:     fmt.Sprintf("Proxy. on a kept connection, proxied p50 ≤ %.1f× a request straight to BioT on a kept TLS connection", goalProxyKept),
			Measured: fmt.Sprintf("%s vs %s: %.2f×", lat(kp), lat(kd), r.KeptRatio),
			Met:      r.KeptRatio > 0 && r.KeptRatio <= goalProxyKept,
			Why: fmt.Sprintf("a proxied request makes the direct one's trip and one more, over a Unix socket: a bare "+
				"httputil.ReverseProxy on a socket, with nothing of the agent's (no token lookup, no environment, no "+
				"deadlines), takes %s at p50 in the same run, %.2f× the direct request, and the agent's proxy is %s "+
				"that floor. Against a simulator on this machine that answers in %s, the one extra hop of net/http over a "+
				"socket is %s of the %s between them%s. %.1f× is %s here: the agent's proxy misses it by %s, the floor alone by %s, "+
				"so meeting it would take a hop cheaper than net/http's own server and client over a socket, not less of "+
				"the agent's work on top (section on the proxy)",
				lat(kf), ratio(float64(kf), float64(kd)), signedDiff(kp, kf), lat(kd), us(kf-kd), us(kp-kd), r.slowClause(),
				goalProxyKept, lat(goalKept), us(kp-goalKept), us(kf-goalKept)),
		},
	}
}

// slowClause says what the hop adds against a BioT that takes its time,
// from the second table, or nothing when it was not measured.
func (r *ProxyResult) slowClause() string {
	sp, sd := r.slowRow(ProxyKeptProxied).Summary.P50, r.slowRow(ProxyKeptDirect).Summary.P50
	if sp == 0 || sd == 0 {
		return ""
	}
	return fmt.Sprintf("; against one that takes %s over each request, as BioT takes its time, a proxied request is %s the direct one "+
		"(%s vs %s: %.3f×)", wholeMS(r.ServerTime), signedDiff(sp, sd), lat(sp), lat(sd), r.SlowRatio)
}

func (r ProxyResult) slowRow(name string) ProxyRow {
	for _, row := range r.Slow {
		if row.Name == name {
			return row
		}
	}
	return ProxyRow{}
}

// wholeMS prints a duration of whole milliseconds as "100 ms".
func wholeMS(d time.Duration) string { return fmt.Sprintf("%d ms", d.Milliseconds()) }

// WriteMarkdown writes the proxy's section alone, with its verdicts, as
// biot-bench-proxy does.
func (r *ProxyResult) WriteMarkdown(w io.Writer, smoke bool) error {
	p := &printer{w: w}
	sectionHead(p, "The proxy: calling BioT through the agent", r.Date, r.Load, "a full run of this section alone", "the proxy costs", smoke, r.verdicts(), "Proxy. ")
	p.f("\n")
	r.writeBody(p)
	p.f("Run on its own: `go run ./bench/cmd/biot-bench-proxy` (writes docs/PERFORMANCE-proxy.md; `-smoke` for a few " +
		"seconds' version); `biot-bench -only proxy` runs it within the whole report.\n")
	return p.err
}

// writeProxy writes the proxy's section.
func (r *Results) writeProxy(p *printer) {
	x := r.Proxy
	if x == nil {
		return
	}
	p.f("## The proxy: calling BioT through the agent\n\n")
	if !x.Date.IsZero() && x.Date.Sub(r.Date).Abs() > time.Hour {
		p.f("Measured on its own, on %s (load average %s at its start), and merged into this report.\n\n",
			x.Date.UTC().Format("2006-01-02 15:04 MST"), x.Load)
	}
	x.writeBody(p)
}

// writeBody writes the proxy's figures and how they were measured.
func (x *ProxyResult) writeBody(p *printer) {
	p.f("Every call asks BioT (the simulator, over real HTTPS in this process) for `GET %s`, a real BioT path whose "+
		"answer (%d bytes of JSON) the simulator gives after checking the token's RS512 signature. The agent is the real "+
		"one behind the real local API, in the same process.\n\n", x.Path, x.AnswerBytes)
	p.f("**A script's call.** The whole process, as a script pays for it, through `sh -c` on both sides: the call " +
		"through the agent's proxy is one curl over the socket, the agent adding its token and sending the request on " +
		"over the TLS connection it keeps to BioT; the call a script makes today fetches the token with a second " +
		"process and then opens a TLS connection of its own. They take turns one run at a time.\n\n")
	p.f("| call | command | runs | p50 | p99 | mean | p50 ÷ with `$(biot-agent token)` |\n|---|---|---:|---:|---:|---:|---:|\n")
	direct := x.Row(ProxyScriptDirect).Summary.P50
	for _, row := range x.Scripts {
		p.f("| %s | `%s` | %d | %s | %s | %s | %.2f× |\n", row.Name, row.Command, row.Summary.N, ms2(row.Summary.P50),
			ms2(row.Summary.P99), ms2(row.Summary.Mean), ratio(float64(row.Summary.P50), float64(direct)))
	}
	p.f("\n**On a kept connection.** One request at a time, each on the connections the one before kept: through the "+
		"proxy, an `http.Client` over the agent's socket (and the agent's own connection to BioT); straight to BioT, an "+
		"`http.Client` with a kept TLS connection to the same simulator and the token set by hand. They take turns in "+
		"stretches of %s, round after round, as the socket benchmark's servers do; each stretch opens new connections, "+
		"every hop of them, with one untimed request first (one client's latency has two modes, set per connection).\n\n", wholeMS(x.Segment))
	p.f("Between them, the floor of any proxy on a socket: a bare `httputil.ReverseProxy` on a Unix socket of the " +
		"harness's own, adding the token and nothing else (with its copy buffers pooled, as the agent's are).\n\n")
	p.f("| call | requests | p50 | p99 | mean | p50 ÷ straight |\n|---|---:|---:|---:|---:|---:|\n")
	kd := x.Row(ProxyKeptDirect).Summary.P50
	for _, row := range x.Kept {
		p.f("| %s | %d | %s | %s | %s | %.2f× |\n", row.Name, row.Summary.N, lat(row.Summary.P50), lat(row.Summary.P99),
			lat(row.Summary.Mean), ratio(float64(row.Summary.P50), float64(kd)))
	}
	p.f("\n")
	if len(x.Slow) == 0 {
		return
	}
	p.f("**Against a BioT that takes its time.** The same three ways, in the same run, with the simulator holding each "+
		"request %s before it answers (its slow fault, on this path only), as BioT spends time on a real request; "+
		"stretches of %s. The zero-latency table above is the strict one, the goal being stated against it; this one is "+
		"closer to what a user sees.\n\n", wholeMS(x.ServerTime), wholeMS(x.SlowSegment))
	p.f("| call | requests | p50 | p99 | mean | p50 ÷ straight | p50 − straight |\n|---|---:|---:|---:|---:|---:|---:|\n")
	sd := x.slowRow(ProxyKeptDirect).Summary.P50
	for _, row := range x.Slow {
		p.f("| %s | %d | %s | %s | %s | %.3f× | %s |\n", row.Name, row.Summary.N, lat(row.Summary.P50), lat(row.Summary.P99),
			lat(row.Summary.Mean), ratio(float64(row.Summary.P50), float64(sd)), signedDiff(row.Summary.P50, sd))
	}
	p.f("\n")
}
