// Command biot-bench-proxy runs issue 13's benchmark of the API proxy
// alone (bench.ProxyBench: a script's call, and kept-connection calls with
// and without a BioT server time) and writes its section of the report,
// with its verdicts, to -out.
//
//	go run ./bench/cmd/biot-bench-proxy [-smoke] [-out docs/PERFORMANCE-proxy.md] [-json FILE]
//	go run ./bench/cmd/biot-bench-proxy -render FILE [-out ...]
//
// It builds the binaries as biot-bench does. With -render it measures
// nothing and writes the section again from figures -json wrote. Run it
// from the module.
package main

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"syscall"

	"biot-agent/bench"
)

func main() {
	out := flag.String("out", "docs/PERFORMANCE-proxy.md", "the markdown `file` to write")
	js := flag.String("json", "", "also write the figures as JSON to this `file`")
	smoke := flag.Bool("smoke", false, "a few seconds' run: a smoke test")
	render := flag.String("render", "", "measure nothing: write the section again from the figures in this JSON `file`")
	flag.Parse()
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	var err error
	if *render != "" {
		err = rerender(*render, *out, *smoke)
	} else {
		err = run(ctx, *out, *js, *smoke)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "biot-bench-proxy:", err)
		os.Exit(1)
	}
}

func run(ctx context.Context, out, js string, smoke bool) error {
	bin, done, err := bench.BuildTemp(ctx)
	if err != nil {
		return err
	}
	defer done()
	res, err := bench.ProxyBench(ctx, bench.ProxySmoke(bin, smoke))
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

// rerender writes the section from figures measured before.
func rerender(from, out string, smoke bool) error {
	b, err := os.ReadFile(from)
	if err != nil {
		return err
	}
	var res bench.ProxyResult
	if err := json.Unmarshal(b, &res); err != nil {
		return fmt.Errorf("%s: %w", from, err)
	}
	return bench.WriteSection(out, func(w io.Writer) error { return res.WriteMarkdown(w, smoke) })
}
