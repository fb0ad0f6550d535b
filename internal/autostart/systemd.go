//go:build !darwin && !windows

package autostart

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"
)

// systemctlTimeout bounds each systemctl call: it talks to the user's
// service manager, which may not answer.
const systemctlTimeout = 10 * time.Second

// systemctl runs systemctl with args. Tests replace it: the real one talks to
// the person's own service manager, whatever HOME says.
var systemctl = func(ctx context.Context, args ...string) error {
	ctx, cancel := context.WithTimeout(ctx, systemctlTimeout)
	defer cancel()
	out, err := exec.CommandContext(ctx, "systemctl", args...).CombinedOutput()
	if err != nil {
		return fmt.Errorf("systemctl %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(string(out)))
	}
	return nil
}

// systemUnitDirs are where packages and administrators put user units, in
// the order systemd reads them; globalWantsDir is where "systemctl --global
// enable" links them. Tests point them elsewhere.
var (
	systemUnitDirs = []string{"/etc/systemd/user", "/usr/local/lib/systemd/user", "/usr/lib/systemd/user", "/lib/systemd/user"}
	globalWantsDir = "/etc/systemd/user"
)

// userUnitDir is ~/.config/systemd/user.
func userUnitDir() (string, error) {
	home, err := configHome()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "systemd", "user"), nil
}

// wantsLinks finds the links "systemctl enable" made for the unit under dir
// (dir/*.wants/biot-agent.service and dir/*.requires/...).
func wantsLinks(dir string) []string {
	var out []string
	for _, pat := range []string{"*.wants", "*.requires"} {
		m, _ := filepath.Glob(filepath.Join(dir, pat, UnitName))
		out = append(out, m...)
	}
	return out
}

// systemdStatus lists the unit: the user's, else the first system-wide
// one, with whether a link enables it.
func systemdStatus() ([]Entry, error) {
	dir, err := userUnitDir()
	if err != nil {
		return nil, err
	}
	userLinks, globalLinks := wantsLinks(dir), wantsLinks(globalWantsDir)
	path, system := filepath.Join(dir, UnitName), false
	b, err := readSmall(path)
	if err != nil {
		return nil, err
	}
	if b == nil {
		for _, d := range systemUnitDirs {
			p := filepath.Join(d, UnitName)
			if b, err = readSmall(p); err != nil {
				return nil, err
			}
			if b != nil {
				path, system = p, true
				break
			}
		}
	}
	if b == nil && len(userLinks)+len(globalLinks) == 0 {
		return nil, nil
	}
	u := parseUnit(b)
	e := Entry{
		Mechanism: SystemdUser,
		Path:      path,
		Command:   u.execStart,
		Starts:    len(userLinks)+len(globalLinks) > 0,
		Ours:      u.marked && !system,
		System:    system || (len(userLinks) == 0 && len(globalLinks) > 0),
	}
	switch {
	case b == nil:
		e.Path, e.Starts = (append(userLinks, globalLinks...))[0], false
		e.Problem = "enabled, but the unit file is gone"
	case e.Starts:
		if args := strings.Fields(u.execStart); len(args) > 0 {
			e.Problem = missingProgram(strings.Trim(args[0], `"`))
		}
	}
	return []Entry{e}, nil
}

// systemdEnable installs the unit for exe in ~/.config/systemd/user and
// enables it: through systemctl when it works, else by making the link
// systemctl would make.
func systemdEnable(exe string) error {
	dir, err := userUnitDir()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, UnitName)
	b, err := readSmall(path)
	if err != nil {
		return err
	}
	links := wantsLinks(dir)
	if b != nil && !parseUnit(b).marked {
		if len(links) > 0 {
			return nil // the person's own unit, enabled already
		}
		return &ForeignError{Path: path, Why: "it is not enabled; enable it with: systemctl --user enable " + UnitName + ", or remove it and enable autostart again"}
	}
	wrote, err := writeIfChanged(path, Unit(exe))
	if err != nil {
		return err
	}
	ctx := context.Background()
	if wrote {
		_ = systemctl(ctx, "--user", "daemon-reload") // no manager running is fine: it reads the unit when it starts
	}
	if len(links) > 0 {
		return nil
	}
	link := filepath.Join(dir, unitTarget+".wants", UnitName)
	if err := systemctl(ctx, "--user", "enable", UnitName); err == nil && exists(link) {
		return nil
	}
	// No systemctl, or it did not link where we look: make the link it
	// would have made.
	if err := os.MkdirAll(filepath.Dir(link), 0o755); err != nil {
		return err
	}
	if err := os.Symlink(path, link); err != nil && !errors.Is(err, os.ErrExist) {
		return err
	}
	return nil
}

// systemdDisable disables and removes the unit if it is ours. A unit the
// person enabled by hand is left alone.
func systemdDisable() error {
	dir, err := userUnitDir()
	if err != nil {
		return err
	}
	path := filepath.Join(dir, UnitName)
	b, err := readSmall(path)
	if err != nil {
		return err
	}
	links := wantsLinks(dir)
	var errs []error
	if len(wantsLinks(globalWantsDir)) > 0 {
		errs = append(errs, &ForeignError{Path: globalWantsDir, Why: "an administrator enabled " + UnitName + " for every user; to turn it off for you: systemctl --user mask " + UnitName})
	}
	switch {
	case b != nil && parseUnit(b).marked:
		ctx := context.Background()
		if len(links) > 0 {
			_ = systemctl(ctx, "--user", "disable", UnitName)
			for _, l := range wantsLinks(dir) {
				if err := removeFile(l); err != nil {
					errs = append(errs, err)
				}
			}
		}
		if err := removeFile(path); err != nil {
			errs = append(errs, err)
		}
		_ = systemctl(ctx, "--user", "daemon-reload")
	case len(links) > 0:
		p := path
		if b == nil {
			p = links[0]
		}
		errs = append(errs, &ForeignError{Path: p, Why: "it still starts biot-agent at login; turn it off with: systemctl --user disable " + UnitName})
	}
	return errors.Join(errs...)
}

// unitFile is the keys of a unit file that status needs.
type unitFile struct {
	marked    bool
	execStart string
}

// parseUnit reads the marker and ExecStart of a unit file.
func parseUnit(b []byte) unitFile {
	var u unitFile
	for _, line := range strings.Split(string(b), "\n") {
		k, v, ok := strings.Cut(strings.TrimSpace(line), "=")
		if !ok || strings.HasPrefix(k, "#") || strings.HasPrefix(k, ";") {
			continue
		}
		switch strings.TrimSpace(k) {
		case Marker:
			u.marked = strings.EqualFold(strings.TrimSpace(v), "true")
		case "ExecStart":
			u.execStart = strings.TrimSpace(v)
		}
	}
	return u
}

// exists reports whether path names something, a dangling link included.
func exists(path string) bool {
	_, err := os.Lstat(path)
	return err == nil
}
