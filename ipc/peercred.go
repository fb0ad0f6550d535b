package ipc

import (
	"errors"
	"fmt"
	"net"
)

// errPeerCredUnsupported means the system cannot tell who is on the other
// end of a socket; there the socket's file permissions are the only guard.
var errPeerCredUnsupported = errors.New("peer credentials are not supported on this system")

// peerUID returns the user id of the process at the other end of c.
func peerUID(c net.Conn) (int, error) {
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return -1, fmt.Errorf("peer credentials: %T is not a Unix socket", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	uid := -1
	var credErr error
	if err := raw.Control(func(fd uintptr) { uid, credErr = fdPeerUID(int(fd)) }); err != nil {
		return -1, fmt.Errorf("peer credentials: %w", err)
	}
	if credErr != nil {
		if errors.Is(credErr, errPeerCredUnsupported) {
			return -1, credErr
		}
		return -1, fmt.Errorf("peer credentials: %w", credErr)
	}
	return uid, nil
}
