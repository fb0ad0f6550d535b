package ipc

import (
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"runtime"
	"sync"
	"sync/atomic"
	"time"

	"biot-agent/internal/peercred"
)

// maxSocketPath is the longest socket path every supported system accepts:
// sun_path holds 104 bytes on macOS and 108 on Linux, NUL included.
const maxSocketPath = 103

// ErrAlreadyRunning is matched (errors.Is) by the error [Listen] returns when
// another agent already serves the socket. The error itself names the path.
var ErrAlreadyRunning = errors.New("another biot-agent is already running")

// AlreadyRunningError is what [Listen] returns when another agent answers on
// Path or holds its lock.
type AlreadyRunningError struct{ Path string }

func (e *AlreadyRunningError) Error() string {
	return "another biot-agent is already running on " + e.Path
}

// Is makes errors.Is(err, ErrAlreadyRunning) true.
func (e *AlreadyRunningError) Is(target error) bool { return target == ErrAlreadyRunning }

// SocketPath returns where the agent listens: $BIOT_AGENT_SOCK if set, else
// $XDG_RUNTIME_DIR/biot-agent/agent.sock, else a per-user folder in the
// system's temporary folder.
func SocketPath() (string, error) {
	var p string
	if env := os.Getenv("BIOT_AGENT_SOCK"); env != "" {
		abs, err := filepath.Abs(env)
		if err != nil {
			return "", fmt.Errorf("socket path: %w", err)
		}
		p = abs
	} else if xdg := os.Getenv("XDG_RUNTIME_DIR"); xdg != "" && filepath.IsAbs(xdg) {
		// The XDG spec says to ignore a relative XDG_RUNTIME_DIR.
		p = filepath.Join(xdg, "biot-agent", "agent.sock")
	} else {
		p = filepath.Join(os.TempDir(), fallbackDirName(), "agent.sock")
	}
	if len(p) > maxSocketPath {
		return "", fmt.Errorf("socket path %s is longer than the %d bytes a Unix socket allows; set BIOT_AGENT_SOCK to a shorter path", p, maxSocketPath)
	}
	return p, nil
}

// Listen opens the agent's socket at path. It makes the folder private
// (0700, ours), refuses to start when another agent answers there, removes
// a stale socket left by a crash, and binds the socket with mode 0600. The
// returned listener also checks the user id of every peer and refuses any
// other user with a 403; closing it removes the socket file.
func Listen(path string) (net.Listener, error) {
	if len(path) > maxSocketPath {
		return nil, fmt.Errorf("listen: socket path %s is longer than %d bytes", path, maxSocketPath)
	}
	if err := prepareDir(filepath.Dir(path)); err != nil {
		return nil, err
	}
	// The lock closes the race of two agents starting at once, where both
	// see a stale socket and the second removes the first one's fresh socket.
	unlock, err := lockSocket(path)
	if err != nil {
		return nil, err
	}
	if err := removeStale(path); err != nil {
		unlock()
		return nil, err
	}
	var ul *net.UnixListener
	err = withPrivateUmask(func() error {
		var err error
		ul, err = net.ListenUnix("unix", &net.UnixAddr{Name: path, Net: "unix"})
		return err
	})
	if err != nil {
		unlock()
		return nil, fmt.Errorf("listen: %w", err)
	}
	if err := os.Chmod(path, 0o600); err != nil && runtime.GOOS != "windows" {
		ul.Close()
		unlock()
		return nil, fmt.Errorf("listen: %w", err)
	}
	return &listener{ul: ul, path: path, uid: os.Geteuid(), unlock: unlock}, nil
}

// prepareDir makes dir exist, be a real folder, belong to us and be 0700.
func prepareDir(dir string) error {
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("socket folder: %w", err)
	}
	fi, err := os.Lstat(dir)
	if err != nil {
		return fmt.Errorf("socket folder: %w", err)
	}
	if !fi.IsDir() {
		return fmt.Errorf("socket folder %s is not a folder (%v)", dir, fi.Mode().Type())
	}
	return secureDir(dir, fi)
}

// removeStale removes a socket file nobody answers on, the mark of an agent
// that crashed. A socket that answers means another agent is running.
func removeStale(path string) error {
	fi, err := os.Lstat(path)
	if errors.Is(err, fs.ErrNotExist) {
		return nil
	}
	if err != nil {
		return fmt.Errorf("listen: %w", err)
	}
	if fi.Mode().Type() != fs.ModeSocket && runtime.GOOS != "windows" {
		return fmt.Errorf("listen: %s exists and is not a socket; remove it or choose another path", path)
	}
	c, err := net.DialTimeout("unix", path, time.Second)
	if err == nil {
		c.Close()
		return &AlreadyRunningError{Path: path}
	}
	var ne net.Error
	if errors.As(err, &ne) && ne.Timeout() {
		return fmt.Errorf("listen: %s exists but does not answer in time; is another agent stuck? %w", path, err)
	}
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return fmt.Errorf("listen: remove stale socket: %w", err)
	}
	return nil
}

// listener hands the HTTP server only connections from our own user.
type listener struct {
	ul     *net.UnixListener
	path   string
	uid    int
	unlock func()
	once   sync.Once
	logger atomic.Pointer[slog.Logger] // set by Server.Serve
}

// Accept returns the next connection from our own user. Connections from
// other users are answered 403 in the background and never returned.
func (l *listener) Accept() (net.Conn, error) {
	for {
		c, err := l.ul.Accept()
		if err != nil {
			return nil, err
		}
		// Where the system cannot tell who connected, the socket's file
		// permissions stand alone.
		cred, err := peercred.Get(c)
		if errors.Is(err, peercred.ErrUnsupported) || (err == nil && cred.UID == l.uid) {
			return c, nil
		}
		if lg := l.logger.Load(); lg != nil {
			if err != nil {
				lg.Warn("refused a connection whose peer could not be identified", "err", err)
			} else {
				lg.Warn("refused a connection from another user", "peer_uid", cred.UID)
			}
		}
		go refuse(c, l.uid)
	}
}

// Close stops listening and removes the socket file.
func (l *listener) Close() error {
	err := l.ul.Close()
	l.once.Do(l.unlock)
	return err
}

func (l *listener) Addr() net.Addr { return l.ul.Addr() }
