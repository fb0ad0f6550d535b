//go:build !linux && !darwin

package ipc

// fdPeerUID cannot ask this system who the peer is; the socket's file
// permissions (Unix) or the user's temporary folder (Windows) keep others
// out instead.
func fdPeerUID(int) (int, error) { return -1, errPeerCredUnsupported }
