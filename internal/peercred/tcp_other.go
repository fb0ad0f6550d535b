//go:build !linux

package peercred

import "net"

// tcpOwner cannot ask this system who owns a TCP socket.
func tcpOwner(_, _ *net.TCPAddr) (Cred, error) { return Cred{}, ErrUnsupported }
