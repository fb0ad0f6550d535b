package peercred

import (
	"errors"
	"fmt"
	"net"
)

// tcpPeer checks that c joins two loopback addresses, then asks the system
// who owns the other end.
func tcpPeer(c *net.TCPConn) (Cred, error) {
	local, lok := c.LocalAddr().(*net.TCPAddr)
	remote, rok := c.RemoteAddr().(*net.TCPAddr)
	if !lok || !rok || !local.IP.IsLoopback() || !remote.IP.IsLoopback() {
		return Cred{}, fmt.Errorf("peer credentials: %s to %s is not a loopback connection", c.RemoteAddr(), c.LocalAddr())
	}
	cred, err := tcpOwner(remote, local)
	if err != nil && !errors.Is(err, ErrUnsupported) {
		return Cred{}, fmt.Errorf("peer credentials: %w", err)
	}
	return cred, err
}
