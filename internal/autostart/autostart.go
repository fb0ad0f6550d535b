package autostart

import (
	"fmt"
	"strings"
)

// Mechanism is a way of starting biot-agent at login.
type Mechanism string

// The mechanisms; see the package documentation.
const (
	XDGAutostart Mechanism = "xdg-autostart" // Linux: a desktop entry in an autostart folder
	SystemdUser  Mechanism = "systemd-user"  // Linux: a systemd user unit
	LaunchAgent  Mechanism = "launch-agent"  // macOS: a LaunchAgent plist
	RunKey       Mechanism = "run-key"       // Windows: a value under HKCU\...\Run
)

// Marker is the key (with the value "true") that marks a desktop entry or
// unit as written by biot-agent.
const Marker = "X-BioT-Agent-Managed"

// Options tune [Enable].
type Options struct {
	// Systemd chooses the systemd user unit over the XDG autostart entry.
	// Only Linux has it; elsewhere it is an error.
	Systemd bool
	// Executable is the program to start at login; "" means this one.
	Executable string
}

// Entry is one thing that could start biot-agent at login.
type Entry struct {
	Mechanism Mechanism `json:"mechanism"`
	// Path is the file (or, on Windows, the registry value) that makes it.
	Path string `json:"path"`
	// Command is what it runs, as written in it.
	Command string `json:"command,omitempty"`
	// Starts says it does start biot-agent at login; an entry can be
	// present yet off (Hidden=true, a unit not enabled, or shadowed by the
	// user's own entry).
	Starts bool `json:"starts"`
	// Ours says biot-agent wrote it (it carries the marker). Disable
	// removes only these.
	Ours bool `json:"ours"`
	// System says it was installed for every user (by a package), not in
	// the person's own folders.
	System bool `json:"system,omitempty"`
	// Problem says what is wrong with it, such as a program that no longer
	// exists; "" when nothing is.
	Problem string `json:"problem,omitempty"`
}

// State is how autostart is set up.
type State struct {
	// Enabled says biot-agent starts at login.
	Enabled bool `json:"enabled"`
	// Mechanism is the one that starts it ("" when none does); when two
	// do, the first in Entries.
	Mechanism Mechanism `json:"mechanism,omitempty"`
	// Entries is everything found, the ones that start it first.
	Entries []Entry `json:"entries"`
}

// newState orders entries (the active first, keeping their order
// otherwise) and sums them up.
func newState(entries []Entry) State {
	st := State{Entries: []Entry{}}
	for _, e := range entries {
		if e.Starts {
			st.Entries = append(st.Entries, e)
		}
	}
	for _, e := range entries {
		if !e.Starts {
			st.Entries = append(st.Entries, e)
		}
	}
	if len(st.Entries) > 0 && st.Entries[0].Starts {
		st.Enabled, st.Mechanism = true, st.Entries[0].Mechanism
	}
	return st
}

// Active returns the entries that start biot-agent at login.
func (s State) Active() []Entry {
	var out []Entry
	for _, e := range s.Entries {
		if e.Starts {
			out = append(out, e)
		}
	}
	return out
}

// String says in one line whether and how biot-agent starts at login.
func (s State) String() string {
	act := s.Active()
	if len(act) == 0 {
		return "off: biot-agent does not start at login"
	}
	parts := make([]string, len(act))
	for i, e := range act {
		who := "yours"
		switch {
		case e.System:
			who = "system-wide"
		case e.Ours:
			who = "made by biot-agent"
		}
		parts[i] = fmt.Sprintf("%s (%s, %s)", e.Mechanism, e.Path, who)
	}
	return "on: " + strings.Join(parts, " and ")
}

// ForeignError says a file that biot-agent did not write was left alone,
// and why that matters.
type ForeignError struct {
	Path string
	Why  string // e.g. "it still starts biot-agent at login; remove it to turn autostart off"
}

func (e *ForeignError) Error() string {
	return "autostart: " + e.Path + " was not made by biot-agent, so it was left alone: " + e.Why
}

// Enable makes biot-agent start at login, with the mechanism opts choose.
// It writes only what is missing or different, so a second call changes
// nothing.
func Enable(opts Options) error {
	exe, err := executable(opts.Executable)
	if err != nil {
		return err
	}
	if err := enable(exe, opts); err != nil {
		return fmt.Errorf("autostart: %w", err)
	}
	return nil
}

// Disable stops biot-agent from starting at login, removing only what
// biot-agent made. When something the person made still starts it, the
// error is a [*ForeignError] naming it.
func Disable() error {
	if err := disable(); err != nil {
		return wrap(err)
	}
	return nil
}

// Status says whether biot-agent starts at login, and through what.
func Status() (State, error) {
	entries, err := status()
	if err != nil {
		return State{}, fmt.Errorf("autostart: %w", err)
	}
	return newState(entries), nil
}

// wrap prefixes err unless it is only foreign errors, which already say
// "autostart:".
func wrap(err error) error {
	if allForeign(err) {
		return err
	}
	return fmt.Errorf("autostart: %w", err)
}

func allForeign(err error) bool {
	if j, ok := err.(interface{ Unwrap() []error }); ok {
		for _, e := range j.Unwrap() {
			if !allForeign(e) {
				return false
			}
		}
		return true
	}
	_, ok := err.(*ForeignError)
	return ok
}

// LoginItem is the model of the tray's "Start at login" check item: it is
// checked when biot-agent starts at login by any mechanism, and toggling it
// enables (with Options) or disables autostart.
type LoginItem struct {
	Options Options
}

// Enabled reports whether biot-agent starts at login.
func (l LoginItem) Enabled() (bool, error) {
	st, err := Status()
	return st.Enabled, err
}

// SetEnabled enables or disables autostart.
func (l LoginItem) SetEnabled(on bool) error {
	if on {
		return Enable(l.Options)
	}
	return Disable()
}
