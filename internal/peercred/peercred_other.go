//go:build !linux && !darwin

package peercred

// fromFD cannot ask this system who the peer is.
func fromFD(int) (Cred, error) { return Cred{}, ErrUnsupported }
