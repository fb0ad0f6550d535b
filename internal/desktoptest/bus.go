package desktoptest

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"time"

	"biot-agent/internal/bounded"
)

// startTimeout bounds the start of each daemon when the caller gave no
// deadline.
const startTimeout = 20 * time.Second

// busConfig is a session bus that listens on one Unix socket and starts
// nothing by itself: no <servicedir> and no <standard_session_servicedirs/>,
// so a name is owned only by a program a test started, and a missing Secret
// Service stays missing instead of being activated from the person's system.
const busConfig = `<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-Bus Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <keep_umask/>
  <listen>unix:path=%s</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
`

// Bus is a private D-Bus session bus.
type Bus struct {
	// Address is the bus address, for DBUS_SESSION_BUS_ADDRESS.
	Address string
	// Env is the environment for a program that should use this bus: the
	// test's own environment with DBUS_SESSION_BUS_ADDRESS pointing here.
	Env []string

	dir    string
	daemon *daemon
}

// SessionBus starts a private session bus for the test and stops it in the
// test's Cleanup. It skips the test when dbus-daemon is missing, unless
// [RequireEnv] is set.
func SessionBus(t TB) *Bus {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	b, err := StartSessionBus(ctx)
	if err != nil {
		giveUp(t, err)
		return nil
	}
	t.Cleanup(func() {
		if err := b.Close(); err != nil {
			t.Logf("%v", err)
		}
	})
	return b
}

// StartSessionBus is [SessionBus] for callers without a TB, such as TestMain.
// The caller must Close the bus.
func StartSessionBus(ctx context.Context) (*Bus, error) {
	if err := lookPath([]string{"dbus-daemon"}, []string{"dbus"}); err != nil {
		return nil, err
	}
	dir, err := shortTempDir("biot-bus-")
	if err != nil {
		return nil, err
	}
	b, err := startBus(ctx, dir)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return b, nil
}

func startBus(ctx context.Context, dir string) (*Bus, error) {
	conf := filepath.Join(dir, "bus.conf")
	// The socket path goes into XML unescaped; our temp folder names hold
	// no markup characters.
	if err := os.WriteFile(conf, fmt.Appendf(nil, busConfig, filepath.Join(dir, "bus")), 0o600); err != nil {
		return nil, fmt.Errorf("desktoptest: write bus config: %w", err)
	}
	cmd := exec.Command("dbus-daemon", "--config-file="+conf, "--print-address=1", "--nofork")
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		return nil, fmt.Errorf("desktoptest: %w", err)
	}
	d, err := startDaemon("dbus-daemon", cmd)
	if err != nil {
		return nil, err
	}
	// dbus-daemon prints its address once it listens: that line is the
	// signal that the bus is ready.
	addr, err := bounded.Call(ctx, func() (string, error) {
		line, _ := bufio.NewReader(stdout).ReadString('\n')
		return strings.TrimSpace(line), nil
	})
	if err != nil {
		return nil, errors.Join(fmt.Errorf("desktoptest: dbus-daemon printed no address: %w", err), d.stop())
	}
	if addr == "" {
		// No address means stdout closed: the daemon is on its way out.
		select {
		case <-d.exited:
			return nil, d.died()
		case <-ctx.Done():
			return nil, errors.Join(fmt.Errorf("desktoptest: dbus-daemon closed its output without an address: %w", ctx.Err()), d.stop())
		}
	}
	return &Bus{
		Address: addr,
		Env:     withEnv(os.Environ(), []string{"DBUS_SESSION_BUS_ADDRESS=" + addr}),
		dir:     dir,
		daemon:  d,
	}, nil
}

// Close stops the bus and removes its folder.
func (b *Bus) Close() error {
	return errors.Join(b.daemon.stop(), os.RemoveAll(b.dir))
}
