package bench

import (
	"bytes"
	"context"
	"debug/elf"
	"encoding/json"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
)

// Binaries are the programs the process benchmarks run, built for this run.
type Binaries struct {
	// Agent is biot-agent built as the release is (packaging/build.sh):
	// CGO_ENABLED=0, -trimpath, -ldflags "-s -w".
	Agent string
	// AgentDebug is the same without -s -w: symbols and DWARF kept.
	AgentDebug string
	// GoFloor is bench/cmd/gofloor: a Go program that does nothing
	// ("gofloor exit") or holds a listener ("gofloor listen PATH").
	GoFloor string
	// JobFloor is bench/cmd/jobfloor: the agent's network job and nothing
	// else (one HTTPS request, a net/http server on a socket).
	JobFloor string
	// TokenFloor is bench/cmd/tokenfloor: connect to the agent's socket,
	// ask for the token, print it, exit.
	TokenFloor string
	// IPCToken is bench/cmd/ipctoken: the same through ipc.Client, with
	// nothing else of biot-agent linked in.
	IPCToken string

	AgentBytes, AgentDebugBytes, GoFloorBytes, JobFloorBytes, TokenFloorBytes, IPCTokenBytes int64
	// AgentLoaded is what the release binary maps into memory: its
	// loadable segments (code, read-only data, data) as stored in the
	// file, without the zeroed part of bss.
	AgentLoaded, JobFloorLoaded int64
}

// ModuleRoot is the folder of biot-agent's go.mod, found by the go command
// from the current folder.
func ModuleRoot(ctx context.Context) (string, error) {
	out, err := exec.CommandContext(ctx, "go", "env", "GOMOD").Output()
	if err != nil {
		return "", fmt.Errorf("go env GOMOD: %w", err)
	}
	mod := strings.TrimSpace(string(out))
	if mod == "" || mod == os.DevNull {
		return "", fmt.Errorf("not inside the biot-agent module (go env GOMOD is %q)", mod)
	}
	return filepath.Dir(mod), nil
}

// BuildTemp builds the binaries of the module the current folder is in
// into a new temporary folder, which done removes.
func BuildTemp(ctx context.Context) (b Binaries, done func(), err error) {
	root, err := ModuleRoot(ctx)
	if err != nil {
		return Binaries{}, nil, err
	}
	dir, err := os.MkdirTemp("", "biot-bench-bin-")
	if err != nil {
		return Binaries{}, nil, err
	}
	done = func() { os.RemoveAll(dir) }
	if b, err = Build(ctx, root, dir); err != nil {
		done()
		return Binaries{}, nil, err
	}
	return b, done, nil
}

// WriteSection writes a section of the report measured alone, as write
// gives it, to the file out, and shows it on standard error.
func WriteSection(out string, write func(io.Writer) error) error {
	var b strings.Builder
	if err := write(&b); err != nil {
		return err
	}
	if err := os.WriteFile(out, []byte(b.String()), 0o644); err != nil {
		return err
	}
	_, err := fmt.Fprint(os.Stderr, b.String())
	return err
}

// WriteJSON writes v, indented, to the file path.
func WriteJSON(path string, v any) error {
	b, err := json.MarshalIndent(v, "", "  ")
	if err != nil {
		return err
	}
	return os.WriteFile(path, append(b, '\n'), 0o644)
}

// Build builds the binaries into dir.
func Build(ctx context.Context, root, dir string) (Binaries, error) {
	b := Binaries{
		Agent:      filepath.Join(dir, "biot-agent"),
		AgentDebug: filepath.Join(dir, "biot-agent-debug"),
		GoFloor:    filepath.Join(dir, "gofloor"),
		JobFloor:   filepath.Join(dir, "jobfloor"),
		TokenFloor: filepath.Join(dir, "tokenfloor"),
		IPCToken:   filepath.Join(dir, "ipctoken"),
	}
	builds := []struct {
		out  string
		args []string
	}{
		{b.Agent, []string{"-trimpath", "-ldflags", "-s -w", "."}},
		{b.AgentDebug, []string{"-trimpath", "."}},
		{b.GoFloor, []string{"-trimpath", "-ldflags", "-s -w", "./bench/cmd/gofloor"}},
		{b.JobFloor, []string{"-trimpath", "-ldflags", "-s -w", "./bench/cmd/jobfloor"}},
		{b.TokenFloor, []string{"-trimpath", "-ldflags", "-s -w", "./bench/cmd/tokenfloor"}},
		{b.IPCToken, []string{"-trimpath", "-ldflags", "-s -w", "./bench/cmd/ipctoken"}},
	}
	for _, bl := range builds {
		args := append([]string{"build", "-o", bl.out}, bl.args...)
		cmd := exec.CommandContext(ctx, "go", args...)
		cmd.Dir = root
		cmd.Env = append(os.Environ(), "CGO_ENABLED=0")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return b, fmt.Errorf("go %s: %w: %s", strings.Join(args, " "), err, stderr.String())
		}
	}
	var err error
	if b.AgentBytes, err = fileSize(b.Agent); err != nil {
		return b, err
	}
	if b.AgentDebugBytes, err = fileSize(b.AgentDebug); err != nil {
		return b, err
	}
	if b.GoFloorBytes, err = fileSize(b.GoFloor); err != nil {
		return b, err
	}
	if b.JobFloorBytes, err = fileSize(b.JobFloor); err != nil {
		return b, err
	}
	if b.TokenFloorBytes, err = fileSize(b.TokenFloor); err != nil {
		return b, err
	}
	if b.IPCTokenBytes, err = fileSize(b.IPCToken); err != nil {
		return b, err
	}
	if b.JobFloorLoaded, err = loadedBytes(b.JobFloor); err != nil {
		return b, err
	}
	b.AgentLoaded, err = loadedBytes(b.Agent)
	return b, err
}

// loadedBytes sums the file sizes of an ELF binary's loadable segments.
func loadedBytes(path string) (int64, error) {
	f, err := elf.Open(path)
	if err != nil {
		return 0, err
	}
	defer f.Close()
	var n int64
	for _, p := range f.Progs {
		if p.Type == elf.PT_LOAD {
			n += int64(p.Filesz)
		}
	}
	return n, nil
}

func fileSize(path string) (int64, error) {
	fi, err := os.Stat(path)
	if err != nil {
		return 0, err
	}
	return fi.Size(), nil
}
