package bench

import (
	"context"
	"testing"
	"time"
)

// A short outage over a small fleet: what the benchmark counts must be
// what the agents did.
func TestFleetComesBackAfterTheOutage(t *testing.T) {
	res, err := FleetBench(context.Background(), FleetConfig{
		Agents: 40, Outage: 3 * time.Minute, Before: time.Minute, After: 2 * time.Minute,
		Policies: []FleetPolicy{PolicyNaive, PolicyAgent},
	})
	if err != nil {
		t.Fatal(err)
	}
	naive, ours := res.Curve(PolicyNaive.Name), res.Curve(PolicyAgent.Name)
	for _, c := range []FleetCurve{naive, ours} {
		if c.Failed == 0 {
			t.Fatalf("%s: no agent saw a 3-minute outage of 15-minute tokens", c.Policy)
		}
		if c.NotBack > 0 {
			t.Errorf("%s: %d of %d agents still offline 2 minutes after BioT returned", c.Policy, c.NotBack, c.Failed)
		}
		if len(c.PerSecond) != 360 {
			t.Errorf("%s: %d seconds plotted, want 360", c.Policy, len(c.PerSecond))
		}
	}
	if ours.Back.Max > time.Minute {
		t.Errorf("an agent came back %v after BioT did, want within its 1-minute backoff cap", ours.Back.Max)
	}
	if naive.Back.Max > 5*time.Second {
		t.Errorf("a naive agent came back %v after BioT did, want within its 5 s interval", naive.Back.Max)
	}
	if ours.Requests >= naive.Requests {
		t.Errorf("the agent's fleet sent %d requests, the naive one %d: backoff saved nothing", ours.Requests, naive.Requests)
	}
}

func TestFleetPlotHasACurvePerPolicy(t *testing.T) {
	res, err := FleetBench(context.Background(), FleetConfig{Agents: 5, Policies: []FleetPolicy{PolicyNaive, PolicyAgent, PolicySlow}})
	if err != nil {
		t.Fatal(err)
	}
	p := res.Plot()
	if len(p.Series) != 3 {
		t.Fatalf("%d curves, want 3", len(p.Series))
	}
	for _, s := range p.Series {
		if len(s.X) != int((res.Before+res.Outage+res.After)/time.Second) {
			t.Errorf("%s: %d points", s.Label, len(s.X))
		}
	}
}

func BenchmarkFleet(b *testing.B) {
	for b.Loop() {
		if _, err := FleetBench(context.Background(), FleetConfig{Agents: 100}); err != nil {
			b.Fatal(err)
		}
	}
}
