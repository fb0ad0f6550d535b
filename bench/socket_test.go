package bench

import (
	"context"
	"testing"
	"time"
)

// benchToken asks newClient's server for a token b.N times over one
// persistent connection.
func benchToken(b *testing.B, newClient func() Client) {
	ctx := context.Background()
	c := newClient()
	defer c.Close()
	if _, err := c.Token(ctx); err != nil {
		b.Fatal(err)
	}
	b.ReportAllocs()
	cpu0 := cpuTime()
	for b.Loop() {
		if _, err := c.Token(ctx); err != nil {
			b.Fatal(err)
		}
	}
	// CPU time tells more than wall time on a busy machine: what the
	// client and the server (both in this process) spent per token.
	b.ReportMetric(float64(cpuTime()-cpu0)/float64(b.N), "cpu-ns/op")
}

// agentEnv starts a signed-in agent on a real socket for b.
func agentEnv(b *testing.B) *AgentEnv {
	b.Helper()
	dir := b.TempDir()
	env, err := StartAgent(context.Background(), dir, AgentOptions{})
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { env.Close() })
	return env
}

func BenchmarkTokenRawFloor(b *testing.B) {
	f, err := StartRawFloor(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	benchToken(b, f.NewClient)
}

func BenchmarkTokenHTTPFloor(b *testing.B) {
	f, err := StartHTTPFloor(b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer f.Close()
	benchToken(b, f.NewClient)
}

// BenchmarkTokenSSHAgent is the peer: ssh-agent listing its one key.
func BenchmarkTokenSSHAgent(b *testing.B) {
	s, err := StartSSHAgent(context.Background(), b.TempDir())
	if err != nil {
		b.Fatal(err)
	}
	defer s.Close()
	benchToken(b, s.NewClient)
}

func BenchmarkTokenIPCJSON(b *testing.B) { benchToken(b, agentEnv(b).NewClient) }

func BenchmarkTokenIPCText(b *testing.B) { benchToken(b, agentEnv(b).NewTextClient) }

func TestSocketBenchAsksEveryServer(t *testing.T) {
	bin := buildForTest(t)
	res, err := SocketBench(context.Background(), SocketConfig{Bin: bin, Concurrency: []int{1, 3}, Rounds: 1, Segment: 20 * time.Millisecond})
	if err != nil {
		t.Fatal(err)
	}
	if res.TokenBytes < 100 {
		t.Errorf("the agent's token is %d bytes: not a JWT", res.TokenBytes)
	}
	for _, server := range []string{ServerSSH, ServerAgentText, ServerAgentJSON, ServerAgentOneP, ServerHTTPProc, ServerRawProc} {
		for _, c := range []int{1, 3} {
			if row := res.Row(server, c); row.Summary.N == 0 || row.PerSecond <= 0 || row.InProcess {
				t.Errorf("%s with %d clients: %+v, want answers from another process", server, c, row)
			}
		}
	}
	for _, server := range []string{ServerIPCPlain, ServerIPCJSON, ServerHTTP, ServerRaw} {
		if row := res.Row(server, 1); row.Summary.N == 0 || !row.InProcess {
			t.Errorf("%s: %+v, want answers from this process", server, row)
		}
		if row := res.Row(server, 3); row.Summary.N != 0 {
			t.Errorf("%s with 3 clients: %+v, want none: in process it is asked by one", server, row)
		}
	}
}

// buildForTest builds the binaries the process benchmarks run, into a
// folder of t's.
func buildForTest(t *testing.T) Binaries {
	t.Helper()
	ctx := context.Background()
	root, err := ModuleRoot(ctx)
	if err != nil {
		t.Fatal(err)
	}
	bin, err := Build(ctx, root, t.TempDir())
	if err != nil {
		t.Fatal(err)
	}
	return bin
}
