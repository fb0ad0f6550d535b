package peercred

import "golang.org/x/sys/unix"

// fromFD reads SO_PEERCRED.
func fromFD(fd int) (Cred, error) {
	cred, err := unix.GetsockoptUcred(fd, unix.SOL_SOCKET, unix.SO_PEERCRED)
	if err != nil {
		return Cred{}, err
	}
	return Cred{UID: int(cred.Uid), PID: int(cred.Pid)}, nil
}
