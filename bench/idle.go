package bench

import (
	"context"
	"errors"
	"fmt"
	"net"
	"path/filepath"
	"strings"
	"time"

	"biot-agent/internal/biotsim"
)

// IdleConfig tunes [IdleBench].
type IdleConfig struct {
	Bin    Binaries
	Settle time.Duration // idle time before memory is read; default 60 s
	Window time.Duration // wake-ups are counted over this; default 2 min
}

// IdleRow is one process left alone.
type IdleRow struct {
	Name        string   `json:"name"`
	Mem         ProcMem  `json:"mem"`            // after Settle
	MemEnd      ProcMem  `json:"memEnd"`         // after Settle+Window
	Switches    Switches `json:"switches"`       // over Window
	WakesPerMin float64  `json:"wakesPerMinute"` // voluntary context switches
	// BurstsPerMin counts wake-ups as events: switches that come within
	// burstGap of each other count once. Go's sysmon thread, woken with a
	// timer, sleeps and wakes in 20 µs steps for a while before it sleeps
	// deeply again, so one wake-up of an idle Go program is often dozens
	// of switches.
	BurstsPerMin  float64 `json:"burstsPerMinute"`
	InvolPerMin   float64 `json:"involuntaryPerMinute"`
	RefreshesSeen int     `json:"refreshes"` // upstream during Window: 0, or the window was not "between refreshes"
	// GCs is the number of garbage collections since the start, for a
	// process run with GODEBUG=gctrace=1; -1 otherwise.
	GCs int `json:"gcs"`
}

// IdleResult is the outcome of [IdleBench].
type IdleResult struct {
	Settle, Window time.Duration
	Rows           []IdleRow `json:"rows"`
}

// Row finds the row named name.
func (r IdleResult) Row(name string) IdleRow {
	for _, row := range r.Rows {
		if row.Name == name {
			return row
		}
	}
	return IdleRow{}
}

// The processes IdleBench watches.
const (
	IdleHeadless = "biot-agent run --headless"
	IdleTray     = "biot-agent run (tray)"
	IdleFloor    = "gofloor listen (a bare Go program holding a listener)"
	// IdleJobFloor is the least a Go program doing the agent's job holds:
	// one HTTPS request (the system's root certificates parsed, a TLS
	// connection made), then a net/http server on a Unix socket.
	IdleJobFloor = "jobfloor (one HTTPS request, then a net/http server on a socket)"
	// IdleLimited is the headless agent under a Go memory limit, which the
	// agent does not set: what the limit would save, and what it costs
	// in garbage collections.
	IdleLimited = "biot-agent run --headless, with GOMEMLIMIT=8MiB"
)

// IdleBench starts, side by side, a headless agent, an agent with its tray
// icon (on a private desktop with a tray host, a notification server and a
// keyring), a bare Go program that holds a listener, and one that does the
// agent's network job and nothing else. Both agents sign
// in (tokens live 15 minutes, so no refresh falls in the window) and are
// left alone; after Settle their memory is read, and their context
// switches are counted over Window.
func IdleBench(ctx context.Context, cfg IdleConfig) (IdleResult, error) {
	if cfg.Settle <= 0 {
		cfg.Settle = time.Minute
	}
	if cfg.Window <= 0 {
		// Two minutes, so that the window holds what happens once per
		// refresh (an idle connection closing, a garbage collection)
		// beside what happens every minute.
		cfg.Window = 2 * time.Minute
	}
	res := IdleResult{Settle: cfg.Settle, Window: cfg.Window}
	desk, err := StartDesktop(ctx, true)
	if err != nil {
		return res, err
	}
	defer desk.Close()

	type watched struct {
		name string
		proc *Proc
		sim  *biotsim.Server
	}
	var procs []watched
	defer func() {
		for _, w := range procs {
			_ = w.proc.Stop()
		}
	}()
	for _, a := range []struct {
		name string
		args []string
		env  []string
	}{
		{IdleHeadless, []string{"run", "--headless"}, nil},
		{IdleTray, []string{"run"}, nil},
		{IdleLimited, []string{"run", "--headless"}, []string{"GOMEMLIMIT=8MiB", "GODEBUG=gctrace=1"}},
	} {
		sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: benchUser, Password: benchPassword}}})
		if err != nil {
			return res, err
		}
		defer sim.Close()
		w, err := NewWorld(sim, desk.Bus.Address)
		if err != nil {
			return res, err
		}
		defer w.Close()
		w.Env = append(w.Env, a.env...)
		p, err := w.Start(cfg.Bin.Agent, append(a.args, "--url", sim.URL())...)
		if err != nil {
			return res, err
		}
		procs = append(procs, watched{a.name, p, sim})
		if _, err := p.WaitSocket(ctx, w.Socket, 30*time.Second); err != nil {
			return res, fmt.Errorf("%s: %w", a.name, err)
		}
		if err := signIn(ctx, w.Socket); err != nil {
			return res, fmt.Errorf("%s: %w", a.name, err)
		}
	}
	wctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	_, err = desk.Watcher.WaitForItem(wctx)
	cancel()
	if err != nil {
		return res, fmt.Errorf("the tray icon did not register: %w", err)
	}
	fw, err := NewWorld(nil, "")
	if err != nil {
		return res, err
	}
	defer fw.Close()
	fp, err := fw.Start(cfg.Bin.GoFloor, "listen", filepath.Join(fw.Dir, "floor.sock"))
	if err != nil {
		return res, err
	}
	procs = append(procs, watched{IdleFloor, fp, nil})
	jsim, err := biotsim.New(biotsim.Options{})
	if err != nil {
		return res, err
	}
	defer jsim.Close()
	jw, err := NewWorld(jsim, "")
	if err != nil {
		return res, err
	}
	defer jw.Close()
	jsock := filepath.Join(jw.Dir, "job-floor.sock")
	jp, err := jw.Start(cfg.Bin.JobFloor, jsim.URL()+"/ums/v2/users/login", jsock)
	if err != nil {
		return res, err
	}
	procs = append(procs, watched{IdleJobFloor, jp, nil})
	if err := waitDial(ctx, jp, jsock, 30*time.Second); err != nil {
		return res, fmt.Errorf("%s: %w", IdleJobFloor, err)
	}
	pids := make([]int, len(procs))
	for i, w := range procs {
		pids[i] = w.proc.PID()
	}

	if err := sleep(ctx, cfg.Settle); err != nil {
		return res, err
	}
	type reading struct {
		mem ProcMem
		sw  Switches
		ref int
	}
	read := func() ([]reading, error) {
		rs := make([]reading, len(procs))
		for i, w := range procs {
			if done, err := w.proc.Exited(); done {
				return nil, fmt.Errorf("%s exited (%v): %s", w.name, err, w.proc.Stderr())
			}
			var err error
			if rs[i].mem, err = ReadMem(w.proc.PID()); err != nil {
				return nil, err
			}
			if rs[i].sw, err = ReadSwitches(w.proc.PID()); err != nil {
				return nil, err
			}
			if w.sim != nil {
				rs[i].ref = w.sim.Stats().Refreshes
			}
		}
		return rs, nil
	}
	first, err := read()
	if err != nil {
		return res, err
	}
	bursts, err := watchBursts(ctx, pids, cfg.Window)
	if err != nil {
		return res, err
	}
	last, err := read()
	if err != nil {
		return res, err
	}
	perMin := float64(time.Minute) / float64(cfg.Window)
	for i, w := range procs {
		sw := Switches{
			Voluntary:   last[i].sw.Voluntary - first[i].sw.Voluntary,
			Involuntary: last[i].sw.Involuntary - first[i].sw.Involuntary,
			Threads:     last[i].sw.Threads,
		}
		gcs := -1
		if w.name == IdleLimited {
			gcs = strings.Count("\n"+w.proc.Stderr(), "\ngc ")
		}
		res.Rows = append(res.Rows, IdleRow{
			Name: w.name, Mem: first[i].mem, MemEnd: last[i].mem, Switches: sw, GCs: gcs,
			WakesPerMin:   float64(sw.Voluntary) * perMin,
			BurstsPerMin:  float64(bursts[i]) * perMin,
			InvolPerMin:   float64(sw.Involuntary) * perMin,
			RefreshesSeen: last[i].ref - first[i].ref,
		})
	}
	return res, nil
}

// sleep waits d, or until ctx ends. A benchmark of idleness has nothing to
// wait for but time.
func sleep(ctx context.Context, d time.Duration) error {
	t := time.NewTimer(d)
	defer t.Stop()
	select {
	case <-t.C:
		return nil
	case <-ctx.Done():
		return errors.Join(errors.New("interrupted"), ctx.Err())
	}
}

// burstGap is how far apart two context switches must be to count as two
// wake-ups; burstPoll is how often they are looked at.
const (
	burstGap  = 200 * time.Millisecond
	burstPoll = 25 * time.Millisecond
)

// watchBursts counts, for each of pids over d, the bursts of voluntary
// context switches: a poll that finds the count grown, burstGap or more
// after it last grew, starts a new burst.
func watchBursts(ctx context.Context, pids []int, d time.Duration) ([]int, error) {
	bursts := make([]int, len(pids))
	last := make([]int, len(pids))
	lastRise := make([]time.Time, len(pids)) // when the count last grew
	begin := time.Now()
	for i, pid := range pids {
		sw, err := ReadSwitches(pid)
		if err != nil {
			return nil, err
		}
		last[i], lastRise[i] = sw.Voluntary, begin.Add(-burstGap)
	}
	t := time.NewTicker(burstPoll)
	defer t.Stop()
	for time.Since(begin) < d {
		select {
		case <-ctx.Done():
			return nil, ctx.Err()
		case now := <-t.C:
			for i, pid := range pids {
				sw, err := ReadSwitches(pid)
				if err != nil {
					return nil, err
				}
				if sw.Voluntary > last[i] {
					if now.Sub(lastRise[i]) >= burstGap {
						bursts[i]++
					}
					last[i], lastRise[i] = sw.Voluntary, now
				}
			}
		}
	}
	return bursts, nil
}

// waitDial waits until something accepts connections on the socket at
// path, p exits, or d passes.
func waitDial(ctx context.Context, p *Proc, path string, d time.Duration) error {
	deadline := time.Now().Add(d)
	for {
		c, err := net.Dial("unix", path)
		if err == nil {
			return c.Close()
		}
		if done, werr := p.Exited(); done {
			return fmt.Errorf("exited (%v): %s", werr, p.Stderr())
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("nothing accepted on %s within %v: %s", path, d, p.Stderr())
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(time.Millisecond):
		}
	}
}
