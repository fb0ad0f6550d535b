//go:build windows

package autostart

import (
	"errors"
	"strings"

	"golang.org/x/sys/windows/registry"
)

// The registry places of the Windows mechanism.
const (
	runKeyPath   = `Software\Microsoft\Windows\CurrentVersion\Run`
	runValueName = "biot-agent"
	// ownKeyPath holds, as ownValueName, the exact command Enable wrote
	// into the Run value: that is how Disable knows the value is ours.
	ownKeyPath   = `Software\biot-agent`
	ownValueName = "AutostartCommand"
)

// On Windows the agent starts from the value "biot-agent" under
// HKCU\Software\Microsoft\Windows\CurrentVersion\Run. The registry has no
// room for a marker beside a value, so the exact command Enable wrote is
// recorded under HKCU\Software\biot-agent: a Run value that matches the
// record is ours.

func enable(exe string, opts Options) error {
	if opts.Systemd {
		return errors.New("--systemd is for Linux; Windows uses the Run key")
	}
	cmd := RunCommand(exe)
	cur, ok, err := readValue(runKeyPath, runValueName)
	if err != nil {
		return err
	}
	if ok && cur != "" && !isOurs(cur) {
		return nil // the person's own value starts it already
	}
	if ok && cur == cmd {
		return nil
	}
	if err := writeValue(ownKeyPath, ownValueName, cmd); err != nil {
		return err
	}
	return writeValue(runKeyPath, runValueName, cmd)
}

func disable() error {
	cur, ok, err := readValue(runKeyPath, runValueName)
	if err != nil || !ok {
		return err
	}
	if !isOurs(cur) {
		return &ForeignError{Path: `HKCU\` + runKeyPath + `\` + runValueName, Why: "it still starts biot-agent at login; delete the value to turn autostart off"}
	}
	k, err := registry.OpenKey(registry.CURRENT_USER, runKeyPath, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	if err := k.DeleteValue(runValueName); err != nil && !errors.Is(err, registry.ErrNotExist) {
		return err
	}
	return nil
}

func status() ([]Entry, error) {
	cur, ok, err := readValue(runKeyPath, runValueName)
	if err != nil || !ok {
		return nil, err
	}
	prog := cur
	if strings.HasPrefix(prog, `"`) {
		if end := strings.Index(prog[1:], `"`); end >= 0 {
			prog = prog[1 : 1+end]
		}
	}
	return []Entry{{
		Mechanism: RunKey,
		Path:      `HKCU\` + runKeyPath + `\` + runValueName,
		Command:   cur,
		Starts:    true,
		Ours:      isOurs(cur),
		Problem:   missingProgram(prog),
	}}, nil
}

// isOurs reports whether cmd is the command Enable recorded.
func isOurs(cmd string) bool {
	rec, ok, err := readValue(ownKeyPath, ownValueName)
	return err == nil && ok && rec == cmd
}

func readValue(path, name string) (string, bool, error) {
	k, err := registry.OpenKey(registry.CURRENT_USER, path, registry.QUERY_VALUE)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	defer k.Close()
	v, _, err := k.GetStringValue(name)
	if errors.Is(err, registry.ErrNotExist) {
		return "", false, nil
	}
	if err != nil {
		return "", false, err
	}
	return v, true, nil
}

func writeValue(path, name, value string) error {
	k, _, err := registry.CreateKey(registry.CURRENT_USER, path, registry.SET_VALUE)
	if err != nil {
		return err
	}
	defer k.Close()
	return k.SetStringValue(name, value)
}
