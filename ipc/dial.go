package ipc

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"net"
	"net/http"
	"os"
	"syscall"
	"time"
)

// ErrAgentNotRunning is matched (errors.Is) by client errors when nothing
// answers on the socket: the file is missing, or left behind by an agent
// that stopped.
var ErrAgentNotRunning = errors.New("biot-agent is not running")

type notRunningError struct {
	path string
	err  error
}

func (e *notRunningError) Error() string {
	return fmt.Sprintf("biot-agent is not running (nothing answers on %s); start it with: biot-agent run", e.path)
}
func (e *notRunningError) Is(target error) bool { return target == ErrAgentNotRunning }
func (e *notRunningError) Unwrap() error        { return e.err }

const (
	dialTimeout = 5 * time.Second
	// clientIdleTimeout is below the server's IdleTimeout, so the client
	// drops an idle connection before the server does and never sends a
	// request on a connection that is being closed.
	clientIdleTimeout = 90 * time.Second
)

// newHTTPClient returns an http.Client whose every connection goes to the
// socket at path (resolved with SocketPath when empty). It keeps connections
// open between calls and sets no overall timeout: each Client method bounds
// its own call, so a long token wait or an event stream is not cut short.
func newHTTPClient(path string) *http.Client {
	d := &net.Dialer{Timeout: dialTimeout}
	tr := &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			p := path
			if p == "" {
				var err error
				if p, err = SocketPath(); err != nil {
					return nil, err
				}
			}
			c, err := d.DialContext(ctx, "unix", p)
			if err != nil {
				return nil, dialError(p, err)
			}
			return c, nil
		},
		// Proxy stays nil: the fake host must never go to an HTTP proxy.
		MaxIdleConns:        4,
		MaxIdleConnsPerHost: 4,
		IdleConnTimeout:     clientIdleTimeout,
		DisableCompression:  true,
	}
	return &http.Client{
		Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error {
			return http.ErrUseLastResponse
		},
	}
}

// dialError names a missing or dead socket as ErrAgentNotRunning.
func dialError(path string, err error) error {
	if errors.Is(err, syscall.ECONNREFUSED) || errors.Is(err, syscall.ENOENT) {
		return &notRunningError{path: path, err: err}
	}
	if _, statErr := os.Stat(path); errors.Is(statErr, fs.ErrNotExist) {
		return &notRunningError{path: path, err: err}
	}
	return fmt.Errorf("connect to biot-agent at %s: %w", path, err)
}
