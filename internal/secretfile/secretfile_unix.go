//go:build unix

package secretfile

import (
	"fmt"
	"io/fs"
	"os"
	"syscall"
)

// private refuses a file that is not its owner's alone, or whose owner is
// not the user running this program.
func private(path string, info fs.FileInfo) error {
	if perm := info.Mode().Perm(); perm&0o077 != 0 {
		return fmt.Errorf("secret file %s: %w: permissions %04o let others in; it must be readable by its owner only (chmod 600 %s)",
			path, ErrTooOpen, perm, path)
	}
	st, ok := info.Sys().(*syscall.Stat_t)
	if !ok {
		return nil
	}
	if uid := os.Getuid(); int(st.Uid) != uid {
		return fmt.Errorf("secret file %s: %w: it belongs to user %d, not to user %d who runs biot-agent",
			path, ErrTooOpen, st.Uid, uid)
	}
	return nil
}
