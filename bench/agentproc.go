package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// AgentProc is the real binary as a script meets it: `biot-agent run
// --headless` in a process of its own, signed in to a simulator (in the
// bench's process) over HTTPS. It has no desktop, so it keeps the session in
// memory.
type AgentProc struct {
	Proc   *Proc
	Socket string
	sim    *biotsim.Server
	world  *World
}

// StartAgentProc starts bin, with env added to its environment, and signs
// it in through its socket.
func StartAgentProc(ctx context.Context, bin string, env ...string) (*AgentProc, error) {
	sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: benchUser, Password: benchPassword}}})
	if err != nil {
		return nil, err
	}
	w, err := NewWorld(sim, "")
	if err != nil {
		sim.Close()
		return nil, err
	}
	w.Env = append(w.Env, env...)
	a := &AgentProc{Socket: w.Socket, sim: sim, world: w}
	if a.Proc, err = w.Start(bin, "run", "--headless", "--url", sim.URL()); err != nil {
		a.Close()
		return nil, err
	}
	if _, err := a.Proc.WaitSocket(ctx, w.Socket, 30*time.Second); err != nil {
		a.Close()
		return nil, err
	}
	if err := signIn(ctx, w.Socket); err != nil {
		a.Close()
		return nil, err
	}
	return a, nil
}

// Close stops the agent and the simulator.
func (a *AgentProc) Close() {
	if a.Proc != nil {
		_ = a.Proc.Stop()
	}
	a.world.Close()
	a.sim.Close()
}

// NewClient returns an ipc.Client asking for the token as JSON, with its
// own persistent connection.
func (a *AgentProc) NewClient() Client { return &ipcClient{c: ipc.NewClient(a.Socket)} }

// NewTextClient is NewClient asking for the token alone.
func (a *AgentProc) NewTextClient() Client {
	return &ipcClient{c: ipc.NewClient(a.Socket), text: true}
}

// FloorProc is a floor server in a process of its own: bench/cmd/jobfloor
// (net/http) or `gofloor listen` (a line protocol).
type FloorProc struct {
	Proc   *Proc
	Socket string
	world  *World
	sim    *biotsim.Server
}

// StartHTTPFloorProc starts jobfloor: one HTTPS request to a simulator of
// its own, then a bare net/http server answering a fixed 1 KB token.
func StartHTTPFloorProc(ctx context.Context, bin string) (*FloorProc, error) {
	sim, err := biotsim.New(biotsim.Options{})
	if err != nil {
		return nil, err
	}
	f, err := startFloorProc(ctx, sim, "job-floor.sock", func(sock string) []string {
		return []string{bin, sim.URL() + "/ums/v2/users/login", sock}
	})
	if err != nil {
		sim.Close()
	}
	return f, err
}

// StartRawFloorProc starts `gofloor listen`: a line in, 1 KB out.
func StartRawFloorProc(ctx context.Context, bin string) (*FloorProc, error) {
	return startFloorProc(ctx, nil, "raw-floor.sock", func(sock string) []string {
		return []string{bin, "listen", sock}
	})
}

func startFloorProc(ctx context.Context, sim *biotsim.Server, name string, argv func(sock string) []string) (*FloorProc, error) {
	w, err := NewWorld(sim, "")
	if err != nil {
		return nil, err
	}
	f := &FloorProc{Socket: filepath.Join(w.Dir, name), world: w, sim: sim}
	args := argv(f.Socket)
	if f.Proc, err = w.Start(args[0], args[1:]...); err != nil {
		w.Close()
		return nil, err
	}
	if err := waitDial(ctx, f.Proc, f.Socket, 30*time.Second); err != nil {
		f.Close()
		return nil, fmt.Errorf("%s: %w", filepath.Base(args[0]), err)
	}
	return f, nil
}

// Close stops the floor.
func (f *FloorProc) Close() {
	_ = f.Proc.Stop()
	f.world.Close()
	if f.sim != nil {
		f.sim.Close()
	}
}

// NewHTTPClient returns a bare http.Client for a net/http floor.
func (f *FloorProc) NewHTTPClient() Client { return (&HTTPFloor{Socket: f.Socket}).NewClient() }

// NewRawClient returns a client of the line protocol.
func (f *FloorProc) NewRawClient() Client { return &rawFloorClient{path: f.Socket} }
