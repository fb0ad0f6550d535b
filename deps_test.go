package main

import (
	"encoding/json"
	"io"
	"os/exec"
	"strings"
	"testing"
)

// listed is what `go list -json` says of one package.
type listed struct {
	ImportPath string
	Imports    []string // direct, production files only
	Deps       []string // transitive
}

// TestImportRules keeps the project's architecture true as the code grows:
// the session logic knows no desktop and no simulated BioT, the socket API
// knows no tray and no session code (its types are its own: a program that
// talks to the socket builds without the agent, its BioT client or
// golang-jwt), assets know nothing of ours, the small packages shared
// across those lines (bounded, dbusname, peercred, config) import nothing
// of ours, and no production package pulls in the testing package, nor
// internal/testkit, the tests' shared helpers (which may import testing
// because only tests import it).
func TestImportRules(t *testing.T) {
	if testing.Short() {
		t.Skip("runs go list over the module")
	}
	out, err := exec.Command("go", "list", "-json", "./...").Output()
	if err != nil {
		t.Fatalf("go list: %v", err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []listed
	for {
		var p listed
		if err := dec.Decode(&p); err == io.EOF {
			break
		} else if err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	if len(pkgs) < 5 {
		t.Fatalf("go list found only %d packages", len(pkgs))
	}

	const testkit = "biot-agent/internal/testkit"
	desktop := []string{"fyne.io/systray", "github.com/godbus/dbus", "github.com/gen2brain/beeep", "github.com/esiqveland/notify"}
	for _, p := range pkgs {
		path := p.ImportPath
		under := func(prefix string) bool { return path == prefix || strings.HasPrefix(path, prefix+"/") }
		if path != testkit {
			for _, imp := range p.Imports {
				if imp == "testing" || imp == "net/http/httptest" {
					t.Errorf("%s imports %s in production code", path, imp)
				}
			}
		}
		forbid(t, path, p.Imports, testkit)
		switch {
		case under("biot-agent/agent"):
			// agent/keyring reaches D-Bus through go-keyring, which is the
			// point of it; what no agent package does is speak D-Bus itself
			// or know of the socket, the desktop or the simulator.
			forbid(t, path, p.Deps, "biot-agent/ipc", "biot-agent/tray", "biot-agent/internal/biotsim", "fyne.io/systray", "github.com/gen2brain/beeep", "github.com/esiqveland/notify")
			forbid(t, path, p.Imports, desktop...)
		case under("biot-agent/ipc"):
			forbid(t, path, p.Deps, "biot-agent/tray", "fyne.io/systray", "biot-agent/agent", "github.com/golang-jwt")
		case under("biot-agent/assets"):
			forbid(t, path, p.Deps, "biot-agent/")
		case path == "biot-agent/internal/bounded", path == "biot-agent/internal/dbusname", path == "biot-agent/internal/bioturl":
			// Shared by the agent, the tray and doctor alike: the
			// standard library only.
			forbid(t, path, p.Imports, "biot-agent/")
			for _, imp := range p.Imports {
				if first, _, _ := strings.Cut(imp, "/"); strings.Contains(first, ".") || imp == "C" {
					t.Errorf("%s imports %s, want the standard library only", path, imp)
				}
			}
		case path == "biot-agent/internal/peercred":
			// Shared by ipc and doctor: a leaf.
			forbid(t, path, p.Deps, "biot-agent/")
		case path == "biot-agent/internal/config":
			// Read by the command line, the agent's start and its socket:
			// a leaf but for the one URL rule it shares with the client.
			for _, d := range p.Deps {
				if strings.HasPrefix(d, "biot-agent/") && d != "biot-agent/internal/bioturl" {
					t.Errorf("%s must not import %s: it is read by every command", path, d)
				}
			}
		}
	}
}

// forbid fails when any of imports is, or is under, one of the forbidden
// paths.
func forbid(t *testing.T, pkg string, imports []string, forbidden ...string) {
	t.Helper()
	for _, imp := range imports {
		for _, f := range forbidden {
			if imp == f || strings.HasPrefix(imp, strings.TrimSuffix(f, "/")+"/") {
				t.Errorf("%s must not import %s (docs/ARCHITECTURE.md)", pkg, imp)
			}
		}
	}
}
