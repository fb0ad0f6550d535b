//go:build !darwin && !windows

package doctor

import (
	"os"
	"path/filepath"
	"testing"

	"biot-agent/internal/autostart"
)

func TestAutostartAsDoctorSeesIt(t *testing.T) {
	p := newPerson(t)
	want(t, p.run(t, Options{}), CheckAutostart, Warn, "off: the agent does not start at login", "biot-agent autostart enable")

	exe := filepath.Join(p.home, "bin", "biot-agent")
	if err := os.MkdirAll(filepath.Dir(exe), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(exe, []byte("#!/bin/sh\n"), 0o755); err != nil {
		t.Fatal(err)
	}
	if err := autostart.Enable(autostart.Options{Executable: exe}); err != nil {
		t.Fatal(err)
	}
	entry := filepath.Join(p.config, "autostart", "biot-agent.desktop")
	want(t, p.run(t, Options{}), CheckAutostart, OK, "on: xdg-autostart ("+entry+", made by biot-agent)")

	if err := os.Remove(exe); err != nil {
		t.Fatal(err)
	}
	want(t, p.run(t, Options{}), CheckAutostart, Fail, "runs "+exe+", which does not exist", "autostart enable")
}
