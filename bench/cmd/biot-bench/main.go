// Command biot-bench measures what biot-agent costs, beside the floors it
// is compared to, and writes the report.
//
//	go run ./bench/cmd/biot-bench [-out docs] [-smoke] [-only socket,cli,...]
//
// It builds the binaries it runs (as the release is built), runs every
// benchmark of package biot-agent/bench in turn, and writes
// PERFORMANCE.md, fleet.png and results.json into -out. With -smoke every
// benchmark runs once, small, and the report says it is a smoke run; the
// exit code is 1 when a benchmark fails. With -render results.json it
// measures nothing and writes the report again from those figures. Run it
// from the module.
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"os"
	"os/signal"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"time"

	"biot-agent/bench"
)

// benchmarks in the order they run; -only picks some.
var benchmarks = []string{"socket", "storm", "cli", "startup", "idle", "fleet", "proxy", "envs"}

func main() {
	out := flag.String("out", "docs", "the `folder` for PERFORMANCE.md, fleet.png and results.json")
	smoke := flag.Bool("smoke", false, "run every benchmark once, small, as a smoke test")
	only := flag.String("only", "", "run only these benchmarks (comma-separated: "+strings.Join(benchmarks, ", ")+")")
	render := flag.String("render", "", "measure nothing: write the report again from the figures in this results.json `file`")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *render != "" {
		err = rerender(*render, *out)
	} else {
		err = run(ctx, *out, *smoke, *only)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "biot-bench:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out string, smoke bool, only string) error {
	picked := benchmarks
	if only != "" {
		picked = strings.Split(only, ",")
		for _, b := range picked {
			if !slices.Contains(benchmarks, b) {
				return fmt.Errorf("no benchmark %q (there are: %s)", b, strings.Join(benchmarks, ", "))
			}
		}
	}
	begin := time.Now()
	res := &bench.Results{Date: begin, Smoke: smoke, Command: "bench/run.sh", Failed: map[string]string{}}
	if smoke {
		res.Command = ".ci/bench-smoke"
	}
	res.Machine = bench.ReadMachine(ctx)
	say("building the binaries")
	var (
		done func()
		err  error
	)
	if res.Build, done, err = bench.BuildTemp(ctx); err != nil {
		return err
	}
	defer done()
	for _, name := range picked {
		t0 := time.Now()
		say("running %s", name)
		if err := runOne(ctx, name, smoke, res); err != nil {
			if ctx.Err() != nil {
				return ctx.Err()
			}
			res.Failed[name] = err.Error()
			say("%s failed: %v", name, err)
			continue
		}
		say("%s took %s", name, time.Since(t0).Round(100*time.Millisecond))
	}
	res.Machine.LoadEnd = bench.LoadAvg()
	res.Took = time.Since(begin)
	if err := write(out, res); err != nil {
		return err
	}
	for _, v := range res.Verdicts() {
		say("%-8s %s: %s", verdictWord(v.Met), v.Goal, v.Measured)
	}
	if len(res.Failed) > 0 {
		return fmt.Errorf("%d benchmark(s) failed: %s", len(res.Failed), strings.Join(keys(res.Failed), ", "))
	}
	return nil
}

// rerender writes the report and the plot from figures measured before.
func rerender(from, out string) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var res bench.Results
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	return write(out, &res)
}

// runOne runs the benchmark name into res.
func runOne(ctx context.Context, name string, smoke bool, res *bench.Results) error {
	var err error
	switch name {
	case "socket":
		cfg := bench.SocketConfig{Bin: res.Build}
		if smoke {
			cfg.Rounds, cfg.Segment = 1, 50*time.Millisecond
		}
		var r bench.SocketResult
		r, err = bench.SocketBench(ctx, cfg)
		res.Socket = &r
	case "storm":
		cfg := bench.StormConfig{}
		if smoke {
			cfg = bench.StormConfig{Clients: 100, Storms: 1}
		}
		var r bench.StormResult
		r, err = bench.StormBench(ctx, cfg)
		res.Storm = &r
	case "cli":
		cfg := bench.CLIConfig{Bin: res.Build}
		if smoke {
			cfg.Pairs = 5
		}
		var r bench.CLIResult
		r, err = bench.CLIBench(ctx, cfg)
		res.CLI = &r
	case "startup":
		cfg := bench.StartupConfig{Bin: res.Build}
		if smoke {
			cfg.Runs = 2
		}
		var r bench.StartupResult
		r, err = bench.StartupBench(ctx, cfg)
		res.Startup = &r
	case "idle":
		cfg := bench.IdleConfig{Bin: res.Build}
		if smoke {
			cfg.Settle, cfg.Window = 2*time.Second, 2*time.Second
		}
		var r bench.IdleResult
		r, err = bench.IdleBench(ctx, cfg)
		res.Idle = &r
	case "fleet":
		cfg := bench.FleetConfig{}
		if smoke {
			cfg.Agents = 100
		}
		var r bench.FleetResult
		r, err = bench.FleetBench(ctx, cfg)
		res.Fleet = &r
	case "proxy":
		cfg := bench.ProxySmoke(res.Build, smoke)
		var r bench.ProxyResult
		r, err = bench.ProxyBench(ctx, cfg)
		res.Proxy = &r
	case "envs":
		var r bench.EnvsResult
		r, err = bench.EnvsBench(ctx, bench.EnvsSmoke(res.Build, smoke))
		res.Envs = &r
	default:
		err = errors.New("unknown benchmark")
	}
	return err
}

// write writes the report, the plot and the figures into out.
func write(out string, res *bench.Results) error {
	if err := os.MkdirAll(out, 0o755); err != nil {
		return err
	}
	if res.Fleet != nil && len(res.Fleet.Curves) > 0 {
		res.Plot = "fleet.png"
		f, err := os.Create(filepath.Join(out, res.Plot))
		if err != nil {
			return err
		}
		err = res.Fleet.Plot().WritePNG(f)
		if cerr := f.Close(); err == nil {
			err = cerr
		}
		if err != nil {
			return fmt.Errorf("plot: %w", err)
		}
	}
	if err := bench.WriteJSON(filepath.Join(out, "results.json"), res); err != nil {
		return err
	}
	f, err := os.Create(filepath.Join(out, "PERFORMANCE.md"))
	if err != nil {
		return err
	}
	err = res.WriteMarkdown(f)
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		say("wrote %s", filepath.Join(out, "PERFORMANCE.md"))
	}
	return err
}

func say(format string, args ...any) {
	fmt.Fprintf(os.Stderr, "biot-bench: "+format+"\n", args...)
}

func verdictWord(met bool) string {
	if met {
		return "met"
	}
	return "MISSED"
}

func keys(m map[string]string) []string {
	var k []string
	for name := range m {
		k = append(k, name)
	}
	slices.Sort(k)
	return k
}
