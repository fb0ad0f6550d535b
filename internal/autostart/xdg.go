//go:build !darwin && !windows

package autostart

import (
	"os"
	"path/filepath"
	"strings"
)

// configHome is $XDG_CONFIG_HOME, else ~/.config.
func configHome() (string, error) {
	if d := os.Getenv("XDG_CONFIG_HOME"); filepath.IsAbs(d) {
		return d, nil
	}
	home := os.Getenv("HOME")
	if !filepath.IsAbs(home) {
		var err error
		if home, err = os.UserHomeDir(); err != nil {
			return "", err
		}
	}
	return filepath.Join(home, ".config"), nil
}

// configDirs is $XDG_CONFIG_DIRS, else /etc/xdg: where system-wide autostart
// entries live, the first of higher precedence.
func configDirs() []string {
	var dirs []string
	for _, d := range strings.Split(os.Getenv("XDG_CONFIG_DIRS"), ":") {
		if filepath.IsAbs(d) {
			dirs = append(dirs, d)
		}
	}
	if len(dirs) == 0 {
		dirs = []string{"/etc/xdg"}
	}
	return dirs
}

// xdgEntry is one autostart entry file found.
type xdgEntry struct {
	path   string
	d      desktopFile
	system bool
}

func (x xdgEntry) entry(shadowedBy string) Entry {
	e := Entry{
		Mechanism: XDGAutostart,
		Path:      x.path,
		Command:   x.d["Exec"],
		Starts:    x.d.starts() && shadowedBy == "",
		Ours:      x.d.ours(),
		System:    x.system,
	}
	switch {
	case shadowedBy != "":
		e.Problem = "overridden by " + shadowedBy
	case e.Starts:
		e.Problem = missingProgram(x.d.program())
	}
	return e
}

// xdgEntries finds the user's autostart entry and the system-wide ones,
// the user's first.
func xdgEntries() (user *xdgEntry, system []xdgEntry, err error) {
	home, err := configHome()
	if err != nil {
		return nil, nil, err
	}
	up := filepath.Join(home, "autostart", DesktopFileName)
	b, err := readSmall(up)
	if err != nil {
		return nil, nil, err
	}
	if b != nil {
		user = &xdgEntry{path: up, d: parseDesktop(b)}
	}
	for _, dir := range configDirs() {
		p := filepath.Join(dir, "autostart", DesktopFileName)
		b, err := readSmall(p)
		if err != nil {
			return nil, nil, err
		}
		if b != nil {
			system = append(system, xdgEntry{path: p, d: parseDesktop(b), system: true})
		}
	}
	return user, system, nil
}

// xdgStatus lists the autostart entries: the one that counts (the user's,
// else the first system-wide one), then those it overrides.
func xdgStatus() ([]Entry, error) {
	user, system, err := xdgEntries()
	if err != nil {
		return nil, err
	}
	var out []Entry
	winner := ""
	if user != nil {
		out = append(out, user.entry(""))
		winner = user.path
	}
	for _, s := range system {
		out = append(out, s.entry(winner))
		if winner == "" {
			winner = s.path
		}
	}
	return out, nil
}

// xdgEnable writes the user's autostart entry for exe, unless the person's
// own entry is there.
func xdgEnable(exe string) error {
	user, _, err := xdgEntries()
	if err != nil {
		return err
	}
	if user != nil && !user.d.ours() {
		if user.d.starts() {
			return nil // the person's own entry starts it already
		}
		return &ForeignError{Path: user.path, Why: "it turns autostart off; remove it, then enable autostart again"}
	}
	home, err := configHome()
	if err != nil {
		return err
	}
	_, err = writeIfChanged(filepath.Join(home, "autostart", DesktopFileName), DesktopEntry(exe))
	return err
}

// xdgDisable turns the XDG autostart off: it removes the user's entry if it
// is ours, or, when a system-wide entry would then start the agent, makes
// ours hide it.
func xdgDisable() error {
	user, system, err := xdgEntries()
	if err != nil {
		return err
	}
	var sys *xdgEntry
	if len(system) > 0 && system[0].d.starts() {
		sys = &system[0]
	}
	if user != nil && !user.d.ours() {
		if user.d.starts() {
			return &ForeignError{Path: user.path, Why: "it still starts biot-agent at login; remove it to turn autostart off"}
		}
		return nil // the person's own entry keeps it off
	}
	home, err := configHome()
	if err != nil {
		return err
	}
	up := filepath.Join(home, "autostart", DesktopFileName)
	if sys == nil {
		return removeFile(up)
	}
	prog := sys.d.program()
	if prog == "" {
		prog = "biot-agent"
	}
	_, err = writeIfChanged(up, hiddenEntry(prog))
	return err
}

// hiddenEntry is the user's entry that turns off a system-wide one of the
// same name (the XDG rule: Hidden=true in a folder of higher precedence).
func hiddenEntry(exe string) []byte {
	return []byte(`[Desktop Entry]
Type=Application
Name=BioT Agent
Comment=Turns off the system-wide autostart of biot-agent for this user (biot-agent autostart disable wrote it)
Exec=` + desktopValue(desktopExecArg(exe)+" run") + `
Hidden=true
X-GNOME-Autostart-enabled=false
` + Marker + `=true
`)
}

// ours reports whether the file carries biot-agent's marker.
func (d desktopFile) ours() bool { return strings.EqualFold(d[Marker], "true") }

// starts reports whether the entry starts its program at login: it is not
// Hidden, and GNOME's switch is not off.
func (d desktopFile) starts() bool {
	return !strings.EqualFold(d["Hidden"], "true") && !strings.EqualFold(d["X-GNOME-Autostart-enabled"], "false")
}

// program is the program the Exec key runs, its quoting undone.
func (d desktopFile) program() string {
	args := splitExec(d["Exec"])
	if len(args) == 0 {
		return ""
	}
	return args[0]
}
