package doctor

import "errors"

// peer is the process behind the socket, when the system can tell.
type peer struct {
	known    bool
	pid, uid int
}

// errRefused: nothing listens on the socket file.
var errRefused = errors.New("connection refused")
