// Package peercred reads who is at the other end of a Unix socket: the
// credentials the kernel recorded when the peer connected, which the peer
// cannot forge. It is the one reader of them, for the agent's socket (which
// refuses other users), for the loopback listener of `biot-agent exec
// --proxy` (likewise) and for doctor (which names the agent's process).
//
//	cred, err := peercred.Get(conn)
//	if errors.Is(err, peercred.ErrUnsupported) { ... } // the system cannot tell
//
// On a Unix socket, Linux answers the user and the process (SO_PEERCRED),
// macOS the user only (LOCAL_PEERCRED); other systems answer
// [ErrUnsupported], where the socket's file permissions must keep others
// out on their own.
//
// On a TCP connection over loopback, Linux answers the user that owns the
// peer's socket, as the kernel lists it in /proc/net/tcp (or tcp6); every
// other system answers [ErrUnsupported]: a loopback listener must then have
// another guard (the loopback listener's is a secret key in its URL).
//
// It imports nothing of this module, so that ipc and doctor may share it.
package peercred

import (
	"errors"
	"fmt"
	"net"
)

// Cred is what the kernel knows of a socket's peer.
type Cred struct {
	UID int
	// PID is the peer's process id, or 0 where the system does not say.
	PID int
}

// ErrUnsupported means the system cannot tell who is on the other end of a
// socket.
var ErrUnsupported = errors.New("peer credentials are not supported on this system")

// Get returns the credentials of the process at the other end of c, which
// must be a Unix socket or a TCP connection between two loopback
// addresses. Where the system cannot tell, it answers ErrUnsupported
// itself, unwrapped.
func Get(c net.Conn) (Cred, error) {
	if tc, ok := c.(*net.TCPConn); ok {
		return tcpPeer(tc)
	}
	uc, ok := c.(*net.UnixConn)
	if !ok {
		return Cred{}, fmt.Errorf("peer credentials: %T is not a Unix socket", c)
	}
	raw, err := uc.SyscallConn()
	if err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	var cred Cred
	var credErr error
	if err := raw.Control(func(fd uintptr) { cred, credErr = fromFD(int(fd)) }); err != nil {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	switch {
	case errors.Is(credErr, ErrUnsupported):
		return Cred{}, credErr
	case credErr != nil:
		return Cred{}, fmt.Errorf("peer credentials: %w", credErr)
	}
	return cred, nil
}
