package peercred

import "golang.org/x/sys/unix"

// fromFD reads LOCAL_PEERCRED (what getpeereid(3) returns), which holds no
// process id.
func fromFD(fd int) (Cred, error) {
	cred, err := unix.GetsockoptXucred(fd, unix.SOL_LOCAL, unix.LOCAL_PEERCRED)
	if err != nil {
		return Cred{}, err
	}
	return Cred{UID: int(cred.Uid)}, nil
}
