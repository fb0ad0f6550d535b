package bench

import (
	"context"
	"testing"
)

// benchKept times one way of calling BioT on kept connections.
func benchKept(b *testing.B, pick func(*keptCalls) func(context.Context) error) {
	ctx := context.Background()
	dir, err := TempDir()
	if err != nil {
		b.Fatal(err)
	}
	defer removeAll(dir)
	env, err := StartAgent(ctx, dir, AgentOptions{})
	if err != nil {
		b.Fatal(err)
	}
	defer env.Close()
	k, err := newKeptCalls(ctx, env, dir)
	if err != nil {
		b.Fatal(err)
	}
	defer k.close()
	call := pick(k)
	b.ReportAllocs()
	for b.Loop() {
		if err := call(ctx); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkProxyKept(b *testing.B) {
	benchKept(b, func(k *keptCalls) func(context.Context) error { return k.proxied })
}

func BenchmarkProxyKeptFloor(b *testing.B) {
	benchKept(b, func(k *keptCalls) func(context.Context) error { return k.floor })
}

func BenchmarkProxyKeptDirect(b *testing.B) {
	benchKept(b, func(k *keptCalls) func(context.Context) error { return k.direct })
}

// The three kept calls reach BioT and answer its 200.
func TestProxyKeptCallsWork(t *testing.T) {
	ctx := t.Context()
	dir, err := TempDir()
	if err != nil {
		t.Fatal(err)
	}
	defer removeAll(dir)
	env, err := StartAgent(ctx, dir, AgentOptions{})
	if err != nil {
		t.Fatal(err)
	}
	defer env.Close()
	k, err := newKeptCalls(ctx, env, dir)
	if err != nil {
		t.Fatal(err)
	}
	defer k.close()
	for name, call := range map[string]func(context.Context) error{"proxied": k.proxied, "floor": k.floor, "direct": k.direct} {
		k.closeIdle()
		for range 3 {
			if err := call(ctx); err != nil {
				t.Errorf("%s: %v", name, err)
			}
		}
	}
	if k.n < 100 {
		t.Errorf("the answer was %d bytes", k.n)
	}
}
