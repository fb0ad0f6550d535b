package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"time"
)

// CLIConfig tunes [CLIBench].
type CLIConfig struct {
	Bin  Binaries
	Runs int // of each command, taking turns one run at a time; default 600
	// HyperfineRuns of each command, in blocks, by hyperfine when it is
	// installed (a cross-check); default 200, 0 with Runs set means none.
	HyperfineRuns int
}

// CLIRow is one command.
type CLIRow struct {
	Name    string  `json:"name"`
	Command string  `json:"command"`
	Summary Summary `json:"time"`
}

// CLIResult is the outcome of [CLIBench].
type CLIResult struct {
	Rows      []CLIRow  `json:"rows"`      // timed by the Go harness, interleaved
	Hyperfine []CLIRow  `json:"hyperfine"` // the same commands timed by hyperfine, if installed
	Init      InitTrace `json:"init"`
	Ratio     float64   `json:"ratio"` // token p50 / ssh-add p50, from Rows
}

// Row finds the row named name.
func (r CLIResult) Row(name string) CLIRow { return findRow(r.Rows, name) }

func findRow(rows []CLIRow, name string) CLIRow {
	for _, row := range rows {
		if row.Name == name {
			return row
		}
	}
	return CLIRow{}
}

// The commands CLIBench times.
const (
	CmdToken   = "biot-agent token"
	CmdSSHAdd  = "ssh-add -l"
	CmdVersion = "biot-agent version"
	CmdGoFloor = "gofloor exit"
)

// CLIBench times the whole process `biot-agent token` against a signed-in
// agent, beside `ssh-add -l` against a private ssh-agent holding one key:
// what a script pays for a credential from a local agent. For scale it also
// times `biot-agent version` (the same binary, no socket) and a Go program
// that does nothing.
//
// The Go harness times them taking turns one run at a time (fork, exec,
// wait), so that the machine's bursts fall on all alike; hyperfine, when
// installed, times them again in blocks, as a cross-check.
func CLIBench(ctx context.Context, cfg CLIConfig) (CLIResult, error) {
	if cfg.Runs <= 0 {
		cfg.Runs = 600
		if cfg.HyperfineRuns == 0 {
			cfg.HyperfineRuns = 200
		}
	}
	var res CLIResult
	dir, err := TempDir()
	if err != nil {
		return res, err
	}
	defer removeAll(dir)
	env, err := StartAgent(ctx, dir, AgentOptions{})
	if err != nil {
		return res, err
	}
	defer env.Close()
	ssh, err := StartSSHAgent(ctx, dir)
	if err != nil {
		return res, err
	}
	defer ssh.Close()

	// The environment of every command: just what each needs, so none
	// pays for another's variables.
	cmdEnv := []string{
		"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "HOME=" + dir,
		"BIOT_AGENT_SOCK=" + env.Socket, "SSH_AUTH_SOCK=" + ssh.Socket,
	}
	cmds := []struct{ name, line string }{
		{CmdSSHAdd, "ssh-add -l"},
		{CmdToken, cfg.Bin.Agent + " token"},
		{CmdVersion, cfg.Bin.Agent + " version"},
		{CmdGoFloor, cfg.Bin.GoFloor + " exit"},
	}
	// Each must work before it is timed: a failing command is fast.
	for _, c := range cmds {
		f := strings.Fields(c.line)
		cmd := exec.CommandContext(ctx, f[0], f[1:]...)
		cmd.Env = cmdEnv
		if out, err := cmd.CombinedOutput(); err != nil {
			return res, fmt.Errorf("%s: %w: %s", c.name, err, out)
		}
	}
	pretty := func(line string) string {
		line = strings.ReplaceAll(line, cfg.Bin.Agent, "biot-agent")
		return strings.ReplaceAll(line, cfg.Bin.GoFloor, "gofloor")
	}
	times := make([][]time.Duration, len(cmds))
	for i := range cfg.Runs {
		for j := range cmds {
			k := (i + j) % len(cmds) // a different one goes first each time
			f := strings.Fields(cmds[k].line)
			cmd := exec.CommandContext(ctx, f[0], f[1:]...)
			cmd.Env = cmdEnv
			t0 := time.Now()
			if err := cmd.Run(); err != nil {
				return res, fmt.Errorf("%s: %w", cmds[k].name, err)
			}
			times[k] = append(times[k], time.Since(t0))
		}
	}
	for k, c := range cmds {
		res.Rows = append(res.Rows, CLIRow{Name: c.name, Command: pretty(c.line), Summary: Summarize(times[k])})
	}
	res.Ratio = ratio(float64(res.Row(CmdToken).Summary.P50), float64(res.Row(CmdSSHAdd).Summary.P50))
	if _, err := exec.LookPath("hyperfine"); err == nil && cfg.HyperfineRuns > 0 {
		for _, c := range cmds {
			ts, err := hyperfine(ctx, dir, cmdEnv, c.line, cfg.HyperfineRuns)
			if err != nil {
				return res, fmt.Errorf("%s: %w", c.name, err)
			}
			res.Hyperfine = append(res.Hyperfine, CLIRow{Name: c.name, Command: pretty(c.line), Summary: Summarize(ts)})
		}
	}
	res.Init, err = TraceInit(ctx, cfg.Bin.Agent, cmdEnv, 50, "token")
	return res, err
}

// hyperfine runs line runs times without a shell and answers each run's
// wall time.
func hyperfine(ctx context.Context, dir string, env []string, line string, runs int) ([]time.Duration, error) {
	out := filepath.Join(dir, "hyperfine.json")
	cmd := exec.CommandContext(ctx, "hyperfine", "-N", "--style", "none", "--warmup", "10",
		"--runs", strconv.Itoa(runs), "--export-json", out, line)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	if err := cmd.Run(); err != nil {
		return nil, fmt.Errorf("hyperfine: %w: %s", err, stderr.String())
	}
	b, err := os.ReadFile(out)
	if err != nil {
		return nil, err
	}
	var report struct {
		Results []struct {
			Times []float64 `json:"times"`
		} `json:"results"`
	}
	if err := json.Unmarshal(b, &report); err != nil {
		return nil, fmt.Errorf("hyperfine's report: %w", err)
	}
	if len(report.Results) != 1 || len(report.Results[0].Times) == 0 {
		return nil, errors.New("hyperfine's report holds no times")
	}
	ts := make([]time.Duration, 0, runs)
	for _, s := range report.Results[0].Times {
		ts = append(ts, time.Duration(s*float64(time.Second)))
	}
	return ts, nil
}
