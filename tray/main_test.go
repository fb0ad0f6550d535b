package tray

import (
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"testing"
)

// The tray tests that need systray run it in trayhost child processes
// (internal/trayhost): systray runs once per process, on the main thread.
// trayhost is built here with a plain `go build`, without -race, even when
// this test binary has it: fyne.io/systray has data races of its own (for
// one, its delayed refresh() writes the menu version under one lock while
// GetLayout reads it under another), and they must not fail our tests. Our
// side of the conversation — the D-Bus test doubles, the harness — runs in
// this process and is checked by -race; the tray's own logic (policy, view,
// the session loop) is also tested in this process, without systray.

var (
	buildOnce sync.Once
	hostBin   string
	buildErr  error
	buildDir  string
)

func TestMain(m *testing.M) {
	code := m.Run()
	if buildDir != "" {
		os.RemoveAll(buildDir)
	}
	os.Exit(code)
}

// trayhost builds the child program once and returns its path.
func trayhost(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		goTool, err := exec.LookPath("go")
		if err != nil {
			buildErr = fmt.Errorf("no go tool in PATH to build trayhost: %w", err)
			return
		}
		buildDir, err = os.MkdirTemp("", "trayhost-")
		if err != nil {
			buildErr = err
			return
		}
		hostBin = filepath.Join(buildDir, "trayhost")
		cmd := exec.Command(goTool, "build", "-o", hostBin, "biot-agent/tray/internal/trayhost")
		cmd.Env = append(os.Environ(), "GOFLAGS="+withoutRace(os.Getenv("GOFLAGS")))
		if out, err := cmd.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build trayhost: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return hostBin
}

// withoutRace drops -race from GOFLAGS, should CI set it there.
func withoutRace(goflags string) string {
	var kept []string
	for _, f := range strings.Fields(goflags) {
		if f != "-race" && f != "-race=true" {
			kept = append(kept, f)
		}
	}
	return strings.Join(kept, " ")
}
