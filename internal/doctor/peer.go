package doctor

import (
	"context"
	"errors"
	"fmt"
	"net"
	"syscall"

	"biot-agent/internal/peercred"
)

// peer is the process behind the socket, as far as the system tells.
type peer struct {
	known bool // uid is the peer's
	uid   int
	pid   int // 0 when the system does not say (macOS)
}

// errRefused: nothing listens on the socket file.
var errRefused = errors.New("connection refused")

// peerOf connects to the socket and asks the kernel who serves it: the
// agent's user and, where the system says, its process id. Where it cannot
// tell, it only finds whether something listens.
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
	cred, err := peercred.Get(c)
	switch {
	case errors.Is(err, peercred.ErrUnsupported):
		return peer{}, nil
	case err != nil:
		return peer{}, err
	}
	return peer{known: true, uid: cred.UID, pid: cred.PID}, nil
}

// pidNote is " (pid 1234)", or "" when the pid is not known.
func (p peer) pidNote() string {
	if p.pid <= 0 {
		return ""
	}
	return fmt.Sprintf(" (pid %d)", p.pid)
}
