package bench

import (
	"context"
	"testing"
)

func TestAStormCostsBioTOneRefresh(t *testing.T) {
	res, err := StormBench(context.Background(), StormConfig{Clients: 50, Storms: 2})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Storms) != 2 {
		t.Fatalf("%d storms, want 2", len(res.Storms))
	}
	for i, s := range res.Storms {
		if s.Refreshes != 1 {
			t.Errorf("storm %d: BioT saw %d refreshes for 50 clients that all needed one, want 1", i+1, s.Refreshes)
		}
		if s.Summary.N != 50 {
			t.Errorf("storm %d: %d answers, want 50", i+1, s.Summary.N)
		}
	}
}

func BenchmarkStorm(b *testing.B) {
	for b.Loop() {
		if _, err := StormBench(context.Background(), StormConfig{Clients: 200, Storms: 1}); err != nil {
			b.Fatal(err)
		}
	}
}
