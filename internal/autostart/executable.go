package autostart

import (
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"runtime"
	"strings"
)

// executable answers the absolute path to start at login: exe, or this
// program. A program "go run" built in a temporary folder is refused: it
// is gone by the next login.
func executable(exe string) (string, error) {
	given := exe != ""
	if !given {
		var err error
		if exe, err = os.Executable(); err != nil {
			return "", fmt.Errorf("autostart: find this program: %w", err)
		}
	}
	abs, err := filepath.Abs(exe)
	if err != nil {
		return "", fmt.Errorf("autostart: %w", err)
	}
	if !given {
		abs = preferPATH(abs)
	}
	if strings.ContainsAny(abs, "\x00\r\n") {
		return "", fmt.Errorf("autostart: the program's path %q holds a line break", abs)
	}
	if isTemporaryBuild(abs) {
		return "", fmt.Errorf("autostart: %s is a temporary build (go run?) that will be gone by the next login; install biot-agent first (the package, or go install) and run autostart enable from there", abs)
	}
	fi, err := os.Stat(abs)
	if err != nil {
		return "", fmt.Errorf("autostart: the program to start: %w", err)
	}
	if !fi.Mode().IsRegular() || (runtime.GOOS != "windows" && fi.Mode().Perm()&0o111 == 0) {
		return "", fmt.Errorf("autostart: %s is not an executable file", abs)
	}
	return abs, nil
}

// preferPATH answers the name under which PATH finds this same program, such
// as /usr/bin/biot-agent where the kernel reports the file a symlink points
// to: the link survives an upgrade that moves the file.
func preferPATH(exe string) string {
	name := filepath.Base(exe)
	p, err := exec.LookPath(name)
	if err != nil || errors.Is(err, exec.ErrDot) {
		return exe
	}
	if p, err = filepath.Abs(p); err != nil {
		return exe
	}
	a, errA := os.Stat(p)
	b, errB := os.Stat(exe)
	if errA == nil && errB == nil && os.SameFile(a, b) {
		return p
	}
	return exe
}

// isTemporaryBuild reports whether exe lives in a folder the go command
// builds in and removes afterwards.
func isTemporaryBuild(exe string) bool {
	for _, part := range strings.Split(filepath.ToSlash(exe), "/") {
		if strings.HasPrefix(part, "go-build") {
			return true
		}
	}
	return false
}
