package bench

import (
	"bytes"
	"context"
	"fmt"
	"os"
	"os/exec"
	"slices"
	"strings"
	"syscall"
	"time"
)

// CLIConfig tunes [CLIBench].
type CLIConfig struct {
	Bin   Binaries
	Pairs int // runs of each command, each beside a run of ssh-add -l; default 400
}

// CLIRow is one command.
type CLIRow struct {
	Name    string  `json:"name"`
	Command string  `json:"command"`
	Summary Summary `json:"time"`
	// Ratio is the median over the pairs of this command's time divided
	// by the time of the ssh-add -l run just before it; RatioLow and
	// RatioHigh are the 25th and 75th percentiles of those ratios.
	Ratio               float64 `json:"ratio"`
	RatioLow, RatioHigh float64
	// The medians of the runs' own figures (getrusage of the child): CPU
	// time, user and system, and minor page faults. (Its peak RSS is not
	// the child's: Go forks with the harness's memory shared until exec.)
	CPU       time.Duration `json:"cpu"`
	MinFaults int64         `json:"minorFaults"`
}

// CLIResult is the outcome of [CLIBench].
type CLIResult struct {
	Pairs int       `json:"pairs"`
	Rows  []CLIRow  `json:"rows"`
	Init  InitTrace `json:"init"`
	// FloorInit is the same trace of tokenfloor.
	FloorInit InitTrace `json:"floorInit"`
}

// Row finds the row named name.
func (r CLIResult) Row(name string) CLIRow {
	for _, row := range r.Rows {
		if row.Name == name {
			return row
		}
	}
	return CLIRow{}
}

// The commands CLIBench times.
const (
	CmdSSHAdd     = "ssh-add -l"
	CmdToken      = "biot-agent token"
	CmdIPCToken   = "ipctoken"
	CmdTokenFloor = "tokenfloor"
	CmdVersion    = "biot-agent version"
	CmdGoFloor    = "gofloor exit"
)

// CLIBench times the whole process `biot-agent token`, asking a signed-in
// agent (the real binary, in a process of its own), beside `ssh-add -l`
// against a private ssh-agent holding one key: what a script pays for a
// credential from a local agent. For scale it also times the floor of the
// job (tokenfloor: a Go program that only connects, asks and prints),
// `biot-agent version` (the same binary, no socket) and a Go program that
// does nothing.
//
// Every command runs in pairs with ssh-add -l, one right after the other
// (ssh-add, token, ssh-add, tokenfloor, ...), and each is judged by the
// median of its pairs' ratios: the two runs of a pair see the same moment
// of the machine, which blocks of runs, one command after the other, do
// not.
func CLIBench(ctx context.Context, cfg CLIConfig) (CLIResult, error) {
	if cfg.Pairs <= 0 {
		cfg.Pairs = 400
	}
	res := CLIResult{Pairs: cfg.Pairs}
	dir, err := TempDir()
	if err != nil {
		return res, err
	}
	defer removeAll(dir)
	ap, err := StartAgentProc(ctx, cfg.Bin.Agent)
	if err != nil {
		return res, err
	}
	defer ap.Close()
	ssh, err := StartSSHAgent(ctx, dir)
	if err != nil {
		return res, err
	}
	defer ssh.Close()

	// The environment of every command: just what each needs, so none
	// pays for another's variables.
	cmdEnv := []string{
		"PATH=" + os.Getenv("PATH"), "LANG=C.UTF-8", "HOME=" + dir,
		"BIOT_AGENT_SOCK=" + ap.Socket, "SSH_AUTH_SOCK=" + ssh.Socket,
	}
	cmds := []struct{ name, line string }{
		{CmdSSHAdd, "ssh-add -l"},
		{CmdToken, cfg.Bin.Agent + " token"},
		{CmdIPCToken, cfg.Bin.IPCToken},
		{CmdTokenFloor, cfg.Bin.TokenFloor + " " + ap.Socket},
		{CmdVersion, cfg.Bin.Agent + " version"},
		{CmdGoFloor, cfg.Bin.GoFloor + " exit"},
	}
	// Each must work before it is timed: a failing command is fast.
	for _, c := range cmds {
		if _, err := runTimed(ctx, c.line, cmdEnv); err != nil {
			return res, fmt.Errorf("%s: %w", c.name, err)
		}
	}
	runs := make([][]childRun, len(cmds))
	ratios := make([][]float64, len(cmds))
	others := len(cmds) - 1
	for i := range cfg.Pairs {
		for j := range others {
			k := 1 + (i+j)%others // a different one goes first each time
			ref, err := runTimed(ctx, cmds[0].line, cmdEnv)
			if err != nil {
				return res, fmt.Errorf("%s: %w", cmds[0].name, err)
			}
			r, err := runTimed(ctx, cmds[k].line, cmdEnv)
			if err != nil {
				return res, fmt.Errorf("%s: %w", cmds[k].name, err)
			}
			runs[0] = append(runs[0], ref)
			runs[k] = append(runs[k], r)
			ratios[k] = append(ratios[k], float64(r.wall)/float64(ref.wall))
		}
	}
	pretty := func(line string) string {
		line = strings.ReplaceAll(line, cfg.Bin.Agent, "biot-agent")
		line = strings.ReplaceAll(line, cfg.Bin.TokenFloor+" "+ap.Socket, "tokenfloor $BIOT_AGENT_SOCK")
		line = strings.ReplaceAll(line, cfg.Bin.IPCToken, "ipctoken")
		return strings.ReplaceAll(line, cfg.Bin.GoFloor, "gofloor")
	}
	for k, c := range cmds {
		row := CLIRow{Name: c.name, Command: pretty(c.line), Ratio: 1, RatioLow: 1, RatioHigh: 1}
		walls := make([]time.Duration, len(runs[k]))
		cpus := make([]time.Duration, len(runs[k]))
		faults := make([]float64, len(runs[k]))
		for i, r := range runs[k] {
			walls[i], cpus[i], faults[i] = r.wall, r.cpu, float64(r.minFaults)
		}
		row.Summary = Summarize(walls)
		row.CPU = median(cpus)
		row.MinFaults = int64(medianFloat(faults))
		if k > 0 {
			row.Ratio = quantile(ratios[k], 0.5)
			row.RatioLow, row.RatioHigh = quantile(ratios[k], 0.25), quantile(ratios[k], 0.75)
		}
		res.Rows = append(res.Rows, row)
	}
	if res.Init, err = TraceInit(ctx, cfg.Bin.Agent, cmdEnv, 50, "token"); err != nil {
		return res, err
	}
	res.FloorInit, err = TraceInit(ctx, cfg.Bin.TokenFloor, cmdEnv, 50, ap.Socket)
	return res, err
}

// childRun is one run of a command: its wall time as the harness saw it
// (fork, exec, wait) and what the kernel counted for it.
type childRun struct {
	wall, cpu time.Duration
	minFaults int64
}

// runTimed runs line without a shell, its output thrown away.
func runTimed(ctx context.Context, line string, env []string) (childRun, error) {
	f := strings.Fields(line)
	cmd := exec.CommandContext(ctx, f[0], f[1:]...)
	cmd.Env = env
	var stderr bytes.Buffer
	cmd.Stderr = &stderr
	t0 := time.Now()
	err := cmd.Run()
	wall := time.Since(t0)
	if err != nil {
		return childRun{}, fmt.Errorf("%w: %s", err, stderr.String())
	}
	r := childRun{wall: wall}
	if ru, ok := cmd.ProcessState.SysUsage().(*syscall.Rusage); ok {
		r.cpu = time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
		r.minFaults = ru.Minflt
	}
	return r, nil
}

// quantile is the q-th quantile of f by the nearest rank.
func quantile(f []float64, q float64) float64 {
	if len(f) == 0 {
		return 0
	}
	c := slices.Clone(f)
	slices.Sort(c)
	return c[min(max(int(q*float64(len(c))+0.999999)-1, 0), len(c)-1)]
}
