//go:build unix

package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"os"
	"strconv"
	"syscall"

	"golang.org/x/sys/unix"
)

// fallbackDirName is the per-user folder in the shared temporary folder.
func fallbackDirName() string { return "biot-agent-" + strconv.Itoa(os.Geteuid()) }

// secureDir refuses a folder owned by someone else, whose owner could swap
// the socket, and tightens one of ours to 0700.
func secureDir(dir string, fi fs.FileInfo) error {
	st, ok := fi.Sys().(*syscall.Stat_t)
	if !ok {
		return fmt.Errorf("socket folder %s: cannot read its owner", dir)
	}
	if me := os.Geteuid(); int(st.Uid) != me {
		return fmt.Errorf("socket folder %s belongs to uid %d, not to us (uid %d); refusing to use it", dir, st.Uid, me)
	}
	mode := fi.Mode()
	if mode&fs.ModeSticky != 0 || mode.Perm()&0o002 != 0 {
		// A shared folder such as /tmp: making it private would break
		// everyone else, so ask for a folder of our own instead.
		return fmt.Errorf("socket folder %s is shared (mode %v); put the socket in a folder of its own", dir, mode)
	}
	if mode.Perm() != 0o700 {
		if err := os.Chmod(dir, 0o700); err != nil {
			return fmt.Errorf("socket folder: %w", err)
		}
	}
	return nil
}

// withPrivateUmask runs fn with umask 077, so the socket is never
// reachable by others, not even between bind and chmod. The umask belongs to
// the whole process; it is restored at once.
func withPrivateUmask(fn func() error) error {
	old := syscall.Umask(0o077)
	defer syscall.Umask(old)
	return fn()
}

// lockSocket takes an exclusive lock on path+".lock" for as long as the
// listener lives. The kernel drops it when the process dies, so a crash never
// leaves it behind.
func lockSocket(path string) (unlock func(), err error) {
	f, err := os.OpenFile(path+".lock", os.O_RDWR|os.O_CREATE, 0o600)
	if err != nil {
		return nil, fmt.Errorf("listen: lock: %w", err)
	}
	if err := unix.Flock(int(f.Fd()), unix.LOCK_EX|unix.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, unix.EWOULDBLOCK) {
			return nil, &AlreadyRunningError{Path: path}
		}
		return nil, fmt.Errorf("listen: lock: %w", err)
	}
	return func() { f.Close() }, nil
}
