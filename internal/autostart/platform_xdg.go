//go:build !darwin && !windows

package autostart

import "errors"

// On Linux (and other XDG desktops) the XDG autostart entry is the default
// and the systemd user unit the alternative; choosing one turns the other
// off, so the agent is not started twice.

func enable(exe string, opts Options) error {
	if opts.Systemd {
		if err := systemdEnable(exe); err != nil {
			return err
		}
		return quietForeign(xdgDisable())
	}
	if err := xdgEnable(exe); err != nil {
		return err
	}
	return quietForeign(systemdDisable())
}

// quietForeign drops foreign errors: Enable does turn the agent on, and a
// second mechanism the person set up by hand shows in Status.
func quietForeign(err error) error {
	if err != nil && allForeign(err) {
		return nil
	}
	return err
}

func disable() error {
	return errors.Join(xdgDisable(), systemdDisable())
}

func status() ([]Entry, error) {
	x, err := xdgStatus()
	if err != nil {
		return nil, err
	}
	s, err := systemdStatus()
	if err != nil {
		return nil, err
	}
	return append(x, s...), nil
}
