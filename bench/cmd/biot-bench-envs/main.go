// Command biot-bench-envs runs issue 12's benchmark alone (what each
// signed-in environment costs: bench.EnvsBench) and writes its section of
// the report, with its figures, to -out.
//
//	go run ./bench/cmd/biot-bench-envs [-smoke] [-out docs/PERFORMANCE-environments.md]
//
// It builds the binaries as biot-bench does. Run it from the module.
package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"biot-agent/bench"
)

func main() {
	out := flag.String("out", "docs/PERFORMANCE-environments.md", "the markdown `file` to write")
	js := flag.String("json", "", "also write the figures as JSON to this `file`")
	smoke := flag.Bool("smoke", false, "a few seconds' run: a smoke test")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	if err := run(ctx, *out, *js, *smoke); err != nil {
		fmt.Fprintln(os.Stderr, "biot-bench-envs:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, js string, smoke bool) error {
	bin, done, err := bench.BuildTemp(ctx)
	if err != nil {
		return err
	}
	defer done()
	res, err := bench.EnvsBench(ctx, bench.EnvsSmoke(bin, smoke))
	if err != nil {
		return err
	}
	if js != "" {
		if err := bench.WriteJSON(js, res); err != nil {
			return err
		}
	}
	return bench.WriteSection(out, func(w io.Writer) error { return res.WriteMarkdown(w, smoke) })
}
