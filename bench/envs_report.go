package bench

import (
	"fmt"
	"io"
	"strings"
	"time"
)

// envsWakes judges the wake-up goal: the many-environment agent's wake-ups
// beyond the one-environment agent's, over the same window, are to be no
// more than its refreshes beyond the other's. Each refresh is one wake-up
// the extra environments cannot avoid; anything else they add is what
// the goal forbids. A window in which the extra environments refreshed
// nothing judges nothing: valid is false.
func envsWakes(one, many EnvsIdleRow) (extraWakes, extraRefreshes int, valid, met bool) {
	extraWakes = many.Bursts - one.Bursts
	extraRefreshes = many.Refreshes - one.Refreshes
	valid = extraRefreshes > 0
	return extraWakes, extraRefreshes, valid, valid && extraWakes <= extraRefreshes
}

// envsAnonPerEnv is the anonymous RSS each environment beyond the first
// adds, in KiB, read at the window's end: (anon(N) - anon(1)) / (N - 1).
func envsAnonPerEnv(one, many EnvsIdleRow) float64 {
	if many.Envs <= one.Envs {
		return 0
	}
	return float64(many.MemEnd.Anon-one.MemEnd.Anon) / float64(many.Envs-one.Envs)
}

// envsStormOK reports whether every storm cost each environment exactly
// one refresh, and says what the storms cost.
func envsStormOK(storms []EnvsStorm) (string, bool) {
	if len(storms) == 0 {
		return "no storm ran", false
	}
	ok := true
	var parts []string
	for _, s := range storms {
		total := 0
		for _, n := range s.Refreshes {
			total += n
			ok = ok && n == 1
		}
		ok = ok && len(s.Refreshes) > 0
		parts = append(parts, fmt.Sprintf("%d (%s)", total, joinInts(s.Refreshes)))
	}
	return strings.Join(parts, "; "), ok
}

func joinInts(ns []int) string {
	s := make([]string, len(ns))
	for i, n := range ns {
		s[i] = fmt.Sprint(n)
	}
	return strings.Join(s, " ")
}

// verdicts judges issue 12's goals.
func (r *EnvsResult) verdicts() []Verdict {
	extraW, extraR, valid, met := envsWakes(r.One, r.Many)
	wakes := Verdict{
		Goal: fmt.Sprintf("Environments. between refreshes, %d signed-in environments wake no more than 1 does: "+
			"wake-ups beyond the 1-environment agent's ≤ the refreshes beyond its own", r.Envs),
		Measured: fmt.Sprintf("over %s: %d wake-ups and %d refreshes with %d environments, %d and %d with 1: "+
			"%+d wake-ups for %+d refreshes", secs(r.Window), r.Many.Bursts, r.Many.Refreshes, r.Envs,
			r.One.Bursts, r.One.Refreshes, extraW, extraR),
		Met: met,
	}
	switch {
	case !valid:
		wakes.Why = fmt.Sprintf("no refresh of the extra environments fell in the %s window (tokens lived %s), "+
			"so it says nothing about the time between refreshes", secs(r.Window), secs(r.TTL))
	case !met:
		wakes.Why = fmt.Sprintf("%d wake-ups more than the %d extra refreshes explain over %s: %.1f a minute for %d "+
			"more environments. Each agent of agent.Environments keeps timers of its own (its refresh, and the "+
			"wall-clock check every minute that notices a machine that slept), so what one agent does between "+
			"refreshes, each environment does again; meeting the goal would take one timer for the set",
			extraW-extraR, extraR, secs(r.Window), float64(extraW-extraR)*float64(time.Minute)/float64(r.Window), r.Envs-1)
	}
	per := envsAnonPerEnv(r.One, r.Many)
	mem := Verdict{
		Goal: fmt.Sprintf("Environments. anonymous RSS ≤ %s more per signed-in environment ((anon(%d) − anon(1)) ÷ %d)",
			mib(goalEnvAnonKiB), r.Envs, r.Envs-1),
		Measured: fmt.Sprintf("%s with %d, %s with 1: %.0f KiB per environment",
			mib(r.Many.MemEnd.Anon), r.Envs, mib(r.One.MemEnd.Anon), per),
		Met: r.Many.MemEnd.Anon > 0 && per <= goalEnvAnonKiB,
	}
	if !mem.Met {
		mem.Why = fmt.Sprintf("each environment is a whole agent with its own BioT client: its own HTTP transport and "+
			"TLS connection (%.0f KiB each, where the goal allows %d)", per, goalEnvAnonKiB)
	}
	got, ok := envsStormOK(r.Storms)
	storm := Verdict{
		Goal: fmt.Sprintf("Environments. %s token requests spread over %d environments that all need a refresh cost "+
			"exactly %d refreshes, one per environment", thousands(r.Clients), r.Envs, r.Envs),
		Measured: "refreshes per storm (by environment): " + got,
		Met:      ok,
	}
	if !ok {
		storm.Why = "some environment refreshed more or less than once in a storm: " + got
	}
	return []Verdict{wakes, mem, storm}
}

// writeEnvs writes the environments' section.
func (r *Results) writeEnvs(p *printer) {
	if r.Envs != nil {
		r.Envs.write(p, r.Smoke)
	}
}

// WriteMarkdown writes the environments' section alone, with its
// verdicts, for docs/PERFORMANCE-environments.md.
func (r *EnvsResult) WriteMarkdown(w io.Writer, smoke bool) error {
	p := &printer{w: w}
	r.write(p, smoke)
	return p.err
}

func (r *EnvsResult) write(p *printer, smoke bool) {
	sectionHead(p, "Environments: what each signed-in environment costs", r.Date, r.Load, "a full run", "the agent costs", smoke, r.verdicts(), "Environments. ")
	p.f("\n**Idle.** Two real agents, `biot-agent run --headless` built as the release is, side by side: one with %d "+
		"environments in its config.toml (one simulator over real HTTPS, another account for each environment), "+
		"one with 1. Every environment is signed in through the socket; access tokens live %s, so each environment "+
		"refreshes about every %s. After %s left alone, the context switches of every thread are counted over %s "+
		"(a wake-up is a burst of switches, as in the idle section), and the refreshes each simulator answered.\n\n",
		r.Envs, secs(r.TTL), secs(r.TTL*3/4), secs(r.Settle), secs(r.Window))
	p.f("| agent | wake-ups | per minute | voluntary switches | refreshes | threads | anon RSS (start → end) | RSS at end |\n")
	p.f("|---|---:|---:|---:|---:|---:|---:|---:|\n")
	perMin := float64(time.Minute) / float64(max(r.Window, 1))
	for _, row := range []EnvsIdleRow{r.One, r.Many} {
		p.f("| %s | %d | %.1f | %d | %d | %d | %s → %s | %s |\n", row.Name, row.Bursts, float64(row.Bursts)*perMin,
			row.Switches.Voluntary, row.Refreshes, row.Switches.Threads, mib(row.Mem.Anon), mib(row.MemEnd.Anon), mib(row.MemEnd.RSS))
	}
	extraW, extraR, _, _ := envsWakes(r.One, r.Many)
	p.f("\nBeyond the 1-environment agent: %+d wake-ups, %+d refreshes, %.0f KiB of anonymous RSS per environment. "+
		"The environments are signed in within a second of each other, so their refreshes fall close together (each "+
		"is lengthened by up to a tenth of its lead at random) and several can share a wake-up; environments signed "+
		"in at different times would each wake the agent for their refresh, which the goal allows.\n\n",
		extraW, extraR, envsAnonPerEnv(r.One, r.Many))
	p.f("**Storm.** In this process: agent.Environments with %d environments, each on a simulator of its own (so that "+
		"each one's refreshes are counted apart), behind the real local API on a real Unix socket. %s clients, each on "+
		"a connection of its own opened beforehand and each for environment i mod %d, ask at once with a min_valid "+
		"that no token meets, after the shared fake clock moved %s. One storm warms up and is not counted.\n\n",
		r.Envs, thousands(r.Clients), r.Envs, stormAge)
	p.f("| storm | refreshes (by environment) | p50 | p99 | max | wall |\n|---|---|---:|---:|---:|---:|\n")
	for i, s := range r.Storms {
		total := 0
		for _, n := range s.Refreshes {
			total += n
		}
		p.f("| %d | %d (%s) | %s | %s | %s | %s |\n", i+1, total, joinInts(s.Refreshes), lat(s.Summary.P50),
			lat(s.Summary.P99), lat(s.Summary.Max), lat(s.Wall))
	}
	p.f("\nRun on its own: `go run ./bench/cmd/biot-bench-envs` (writes docs/PERFORMANCE-environments.md; `-smoke` for " +
		"a few seconds' version); `biot-bench -only envs` runs it within the whole report.\n\n")
}
