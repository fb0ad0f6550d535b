//go:build linux

package doctor

import (
	"context"
	"errors"
	"net"
	"syscall"

	"golang.org/x/sys/unix"
)

// peerOf connects to the socket and asks the kernel who serves it
// (SO_PEERCRED): the agent's process id and user.
func peerOf(ctx context.Context, path string) (peer, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return peer{}, errRefused
		}
		return peer{}, err
	}
	defer c.Close()
	raw, err := c.(*net.UnixConn).SyscallConn()
	if err != nil {
		return peer{}, err
	}
	var cred *unix.Ucred
	var gerr error
	if err := raw.Control(func(fd uintptr) {
		cred, gerr = unix.GetsockoptUcred(int(fd), unix.SOL_SOCKET, unix.SO_PEERCRED)
	}); err != nil {
		return peer{}, err
	}
	if gerr != nil {
		return peer{}, gerr
	}
	return peer{known: true, pid: int(cred.Pid), uid: int(cred.Uid)}, nil
}
