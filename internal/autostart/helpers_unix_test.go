//go:build !darwin && !windows

package autostart

import (
	"context"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

// machine is a person's folders for one test: a home, its config folder, a
// system config folder standing for /etc/xdg, system unit folders standing
// for /usr/lib/systemd/user and /etc/systemd/user, and an installed
// biot-agent whose path holds a space (so quoting is tested on the way).
type machine struct {
	t                   *testing.T
	home, config        string
	sysXDG, sysUnits    string
	globalWants         string
	exe                 string
	systemctl           *fakeSystemctl
	userEntry, userUnit string
}

func newMachine(t *testing.T) *machine {
	t.Helper()
	root := t.TempDir()
	m := &machine{
		t:           t,
		home:        filepath.Join(root, "home", "ana"),
		sysXDG:      filepath.Join(root, "etc", "xdg"),
		sysUnits:    filepath.Join(root, "usr", "lib", "systemd", "user"),
		globalWants: filepath.Join(root, "etc", "systemd", "user"),
		exe:         filepath.Join(root, "opt", "BioT Agent", "bin", "biot-agent"),
	}
	m.config = filepath.Join(m.home, ".config")
	m.userEntry = filepath.Join(m.config, "autostart", DesktopFileName)
	m.userUnit = filepath.Join(m.config, "systemd", "user", UnitName)
	for _, d := range []string{m.home, m.sysXDG, m.sysUnits, m.globalWants, filepath.Dir(m.exe)} {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.WriteFile(m.exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	t.Setenv("HOME", m.home)
	t.Setenv("XDG_CONFIG_HOME", "") // the default, ~/.config, is what a new user has
	t.Setenv("XDG_CONFIG_DIRS", m.sysXDG)

	oldDirs, oldWants, oldCtl := systemUnitDirs, globalWantsDir, systemctl
	t.Cleanup(func() { systemUnitDirs, globalWantsDir, systemctl = oldDirs, oldWants, oldCtl })
	systemUnitDirs, globalWantsDir = []string{m.sysUnits}, m.globalWants
	m.systemctl = &fakeSystemctl{}
	systemctl = m.systemctl.run
	return m
}

// fakeSystemctl stands in for systemctl: the real one would talk to the
// person's own service manager, which reads the real home, not the test's.
// By default it fails as on a machine without systemd; with acts set it
// links the unit as "systemctl --user enable" does.
type fakeSystemctl struct {
	mu    sync.Mutex
	calls []string
	acts  bool
	m     *machine
}

func (f *fakeSystemctl) run(_ context.Context, args ...string) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.calls = append(f.calls, strings.Join(args, " "))
	if !f.acts {
		return os.ErrNotExist
	}
	if slices.Equal(args, []string{"--user", "enable", UnitName}) {
		link := filepath.Join(filepath.Dir(f.m.userUnit), unitTarget+".wants", UnitName)
		if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
			return err
		}
		return os.Symlink(f.m.userUnit, link)
	}
	return nil
}

func (f *fakeSystemctl) called() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return slices.Clone(f.calls)
}

// read returns a file's content, "" when it is missing.
func (m *machine) read(path string) string {
	m.t.Helper()
	b, err := os.ReadFile(path)
	if os.IsNotExist(err) {
		return ""
	}
	if err != nil {
		m.t.Fatal(err)
	}
	return string(b)
}

func (m *machine) write(path, content string) {
	m.t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
		m.t.Fatal(err)
	}
	if err := os.WriteFile(path, []byte(content), 0o644); err != nil {
		m.t.Fatal(err)
	}
}

// age sets a file's time an hour back, so a rewrite would show.
func (m *machine) age(path string) time.Time {
	m.t.Helper()
	old := time.Now().Add(-time.Hour).Truncate(time.Second)
	if err := os.Chtimes(path, old, old); err != nil {
		m.t.Fatal(err)
	}
	return old
}

func (m *machine) mtime(path string) time.Time {
	m.t.Helper()
	fi, err := os.Stat(path)
	if err != nil {
		m.t.Fatal(err)
	}
	return fi.ModTime()
}

func (m *machine) status() State {
	m.t.Helper()
	st, err := Status()
	if err != nil {
		m.t.Fatalf("Status: %v", err)
	}
	return st
}

// files lists every file and link under the home, relative to it.
func (m *machine) files() []string {
	m.t.Helper()
	var out []string
	err := filepath.Walk(m.home, func(p string, fi os.FileInfo, err error) error {
		if err != nil {
			return err
		}
		if !fi.IsDir() {
			rel, _ := filepath.Rel(m.home, p)
			out = append(out, rel)
		}
		return nil
	})
	if err != nil {
		m.t.Fatal(err)
	}
	return out
}
