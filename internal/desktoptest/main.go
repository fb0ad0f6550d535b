package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"os"
	"sync"
	"time"
)

// Desktop is a private session bus with a Secret Service on it.
type Desktop struct {
	Bus     *Bus
	Keyring *Keyring
	// Startup is how long starting both took, bus and keyring ready.
	Startup time.Duration
}

// Start starts a bus and a Secret Service on it. The caller must Close the
// desktop.
func Start(ctx context.Context) (*Desktop, error) {
	begin := time.Now()
	if err := lookPath([]string{"dbus-daemon", "gnome-keyring-daemon"}, []string{"dbus", "gnome-keyring"}); err != nil {
		return nil, err
	}
	bus, err := StartSessionBus(ctx)
	if err != nil {
		return nil, err
	}
	kr, err := StartSecretService(ctx, bus)
	if err != nil {
		return nil, errors.Join(err, bus.Close())
	}
	return &Desktop{Bus: bus, Keyring: kr, Startup: time.Since(begin)}, nil
}

// Close stops the keyring, then the bus.
func (d *Desktop) Close() error {
	return errors.Join(d.Keyring.Close(), d.Bus.Close())
}

// Runner is what TestMain gets: *testing.M.
type Runner interface{ Run() int }

// unreachableBus is where Main points DBUS_SESSION_BUS_ADDRESS when it could
// not start a desktop, so a careless test fails to connect rather than
// reaching the person's own keyring.
const unreachableBus = "unix:path=/nonexistent/biot-agent-desktoptest/bus"

var errNoMain = errors.New("desktoptest: TestMain did not call desktoptest.Main")

// The desktop Main started, or why it could not, for Shared.
var (
	sharedMu      sync.Mutex
	sharedDesktop *Desktop
	sharedErr     = errNoMain
)

// Main starts a desktop, points DBUS_SESSION_BUS_ADDRESS at its bus (before
// any test runs, so godbus's cached session connection is the private one),
// calls setup if it is not nil, runs the tests and stops the desktop. It
// returns the exit code for os.Exit. Call it from TestMain:
//
//	func TestMain(m *testing.M) { os.Exit(desktoptest.Main(m, nil)) }
//
// When a desktop program is missing and [RequireEnv] is not set, the tests
// still run and [Shared] skips those that need the desktop; in every other
// failure to start, Main reports the reason and returns 1 without running
// any test.
func Main(m Runner, setup func(*Desktop) error) int {
	ctx, cancel := context.WithTimeout(context.Background(), 2*startTimeout)
	d, err := Start(ctx)
	cancel()
	if err != nil {
		var missing *MissingError
		if !errors.As(err, &missing) || Required() {
			fmt.Fprintf(os.Stderr, "%v\n", err)
			return 1
		}
		fmt.Fprintf(os.Stderr, "%v: the tests that need a desktop are skipped\n", err)
		os.Setenv("DBUS_SESSION_BUS_ADDRESS", unreachableBus)
		setShared(nil, err)
		return m.Run()
	}
	defer func() {
		if err := d.Close(); err != nil {
			fmt.Fprintf(os.Stderr, "%v\n", err)
		}
	}()
	os.Setenv("DBUS_SESSION_BUS_ADDRESS", d.Bus.Address)
	if setup != nil {
		if err := setup(d); err != nil {
			fmt.Fprintf(os.Stderr, "desktoptest: setup: %v\n", err)
			return 1
		}
	}
	setShared(d, nil)
	return m.Run()
}

func setShared(d *Desktop, err error) {
	sharedMu.Lock()
	defer sharedMu.Unlock()
	sharedDesktop, sharedErr = d, err
}

// Shared returns the desktop [Main] started. It skips the test when Main
// could not start one for want of a program, unless [RequireEnv] is set, and
// fails it when TestMain did not call Main.
func Shared(t TB) *Desktop {
	t.Helper()
	sharedMu.Lock()
	d, err := sharedDesktop, sharedErr
	sharedMu.Unlock()
	if err != nil {
		giveUp(t, err)
		return nil
	}
	return d
}
