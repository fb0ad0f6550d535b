//go:build darwin

package autostart

import (
	"errors"
	"os"
	"path/filepath"
)

// On macOS the agent starts from a LaunchAgent in ~/Library/LaunchAgents,
// which launchd reads at the next login. Enable does not load it at once:
// the agent that runs now would be started a second time.

func launchAgentPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "LaunchAgents", LaunchAgentLabel+".plist"), nil
}

func logPath() (string, error) {
	home, err := os.UserHomeDir()
	if err != nil {
		return "", err
	}
	return filepath.Join(home, "Library", "Logs", "biot-agent.log"), nil
}

func enable(exe string, opts Options) error {
	if opts.Systemd {
		return errors.New("--systemd is for Linux; macOS uses a LaunchAgent")
	}
	p, err := launchAgentPath()
	if err != nil {
		return err
	}
	b, err := readSmall(p)
	if err != nil {
		return err
	}
	if b != nil && !parsePlist(b).marked {
		return nil // the person's own LaunchAgent, under our label, starts it already
	}
	lp, err := logPath()
	if err != nil {
		return err
	}
	_, err = writeIfChanged(p, Plist(exe, lp))
	return err
}

func disable() error {
	p, err := launchAgentPath()
	if err != nil {
		return err
	}
	b, err := readSmall(p)
	if err != nil || b == nil {
		return err
	}
	if !parsePlist(b).marked {
		return &ForeignError{Path: p, Why: "it still starts biot-agent at login; remove it to turn autostart off"}
	}
	return removeFile(p)
}

func status() ([]Entry, error) {
	p, err := launchAgentPath()
	if err != nil {
		return nil, err
	}
	b, err := readSmall(p)
	if err != nil || b == nil {
		return nil, err
	}
	info := parsePlist(b)
	return []Entry{{
		Mechanism: LaunchAgent,
		Path:      p,
		Command:   info.program + " run",
		Starts:    true,
		Ours:      info.marked,
		Problem:   missingProgram(info.program),
	}}, nil
}
