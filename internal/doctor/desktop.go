//go:build !darwin && !windows

package doctor

import (
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"sync"

	"biot-agent/internal/bounded"
	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// checkDesktop connects to the session bus and, through it, checks the
// Secret Service, the tray host and the notification server side by side.
func checkDesktop(ctx context.Context) []Finding {
	bus := Finding{Check: CheckBus}
	skipped := func(why string) []Finding {
		return []Finding{bus,
			{Check: CheckSecrets, Level: Skip, Message: "not checked: " + why},
			{Check: CheckTray, Level: Skip, Message: "not checked: " + why},
			{Check: CheckNotifications, Level: Skip, Message: "not checked: " + why},
		}
	}
	env := os.Getenv("DBUS_SESSION_BUS_ADDRESS")
	limit := budget(ctx, stepTimeout)
	conn, addr, err := connectBus(ctx)
	if err != nil {
		bus.Level = Fail
		bus.Fix = "run biot-agent doctor in a terminal of your desktop session (an ssh login has no session bus); the agent needs the bus for the keyring, the tray icon and notifications"
		switch {
		case addr == "":
			bus.Message = fmt.Sprintf("no D-Bus session bus: DBUS_SESSION_BUS_ADDRESS is not set and %s does not exist.", defaultBusPath())
		case errors.Is(err, context.DeadlineExceeded):
			bus.Message = fmt.Sprintf("the session bus at %s does not answer within %v.", addr, limit)
			bus.Fix = "the bus is stuck: log out and in again"
		default:
			bus.Message = fmt.Sprintf("cannot reach the session bus at %s: %v.", addr, err)
			if env != "" {
				bus.Fix = "DBUS_SESSION_BUS_ADDRESS points at a bus that is gone (a terminal left from an old session?): open a new terminal in your desktop"
			}
		}
		return skipped("no session bus")
	}
	defer conn.Close()
	bus.Level, bus.Detail = OK, map[string]string{"address": addr}
	shown, _, _ := strings.Cut(addr, ",guid=") // the guid tells a person nothing
	bus.Message = shown + " answers"
	if env == "" {
		bus.Message += " (found without DBUS_SESSION_BUS_ADDRESS, as the agent finds it)"
	}
	bus.Message += "."

	out := []Finding{bus}
	var mu sync.Mutex
	var wg sync.WaitGroup
	for _, check := range []func(context.Context, *dbus.Conn) Finding{checkSecrets, checkTray, checkNotifications} {
		wg.Add(1)
		go func() {
			defer wg.Done()
			cctx, cancel := context.WithTimeout(ctx, stepTimeout)
			defer cancel()
			f := check(cctx, conn)
			mu.Lock()
			out = append(out, f)
			mu.Unlock()
		}()
	}
	wg.Wait()
	return out
}

// defaultBusPath is where systemd puts the session bus, which godbus (and
// so the keyring library) tries when DBUS_SESSION_BUS_ADDRESS is not set.
func defaultBusPath() string { return fmt.Sprintf("/run/user/%d/bus", os.Getuid()) }

// connectBus connects to the session bus as the agent would, without
// starting one, under stepTimeout. It answers the address it tried ("" when
// it found none).
func connectBus(ctx context.Context) (*dbus.Conn, string, error) {
	// The connection lives as long as the run (godbus closes it when the
	// context it was given ends); only connecting has the step's deadline.
	conn, err := dbus.SessionBusPrivateNoAutoStartup(dbus.WithContext(ctx))
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	addr := os.Getenv("DBUS_SESSION_BUS_ADDRESS") // set by godbus when it found /run/user/<uid>/bus
	if err != nil {
		return nil, addr, err
	}
	// Auth and Hello read from the socket without a deadline: a bus that
	// accepts and never answers would hold them forever, so they run aside
	// and the connection is closed when the deadline passes.
	err = bounded.Do(ctx, func() error {
		if err := conn.Auth(nil); err != nil {
			return err
		}
		return conn.Hello()
	})
	if err != nil {
		conn.Close()
		return nil, addr, err
	}
	return conn, addr, nil
}

// owner says which program owns name, e.g. "gnome-keyring-daemon (pid
// 1234)", or "" when the bus does not tell.
func owner(ctx context.Context, conn *dbus.Conn, name string) string {
	var pid uint32
	if err := conn.BusObject().CallWithContext(ctx, dbusname.Bus+".GetConnectionUnixProcessID", 0, name).Store(&pid); err != nil {
		return ""
	}
	// argv[0], not comm: comm is cut at 15 bytes ("gnome-keyring-d").
	prog := ""
	if b, err := os.ReadFile(fmt.Sprintf("/proc/%d/cmdline", pid)); err == nil {
		arg0, _, _ := strings.Cut(string(b), "\x00")
		prog = filepath.Base(arg0)
	}
	if prog == "" || prog == "." || prog == "/" {
		b, err := os.ReadFile(fmt.Sprintf("/proc/%d/comm", pid))
		if err != nil {
			return fmt.Sprintf("pid %d", pid)
		}
		prog = strings.TrimSpace(string(b))
	}
	return fmt.Sprintf("%s (pid %d)", prog, pid)
}

// hasOwner asks the bus whether someone owns name.
func hasOwner(ctx context.Context, conn *dbus.Conn, name string) (bool, error) {
	var owned bool
	err := conn.BusObject().CallWithContext(ctx, dbusname.Bus+".NameHasOwner", 0, name).Store(&owned)
	return owned, err
}

// activatable asks the bus whether it would start name on demand.
func activatable(ctx context.Context, conn *dbus.Conn, name string) bool {
	var names []string
	if err := conn.BusObject().CallWithContext(ctx, dbusname.Bus+".ListActivatableNames", 0).Store(&names); err != nil {
		return false
	}
	for _, n := range names {
		if n == name {
			return true
		}
	}
	return false
}

// timedOut says whether err is a deadline, in whatever form godbus gave it.
func timedOut(ctx context.Context, err error) bool {
	return errors.Is(err, context.DeadlineExceeded) || ctx.Err() != nil
}

// busErrorName is the D-Bus error name of err, "" when it is none.
func busErrorName(err error) string {
	var de dbus.Error
	if errors.As(err, &de) {
		return de.Name
	}
	var dp *dbus.Error
	if errors.As(err, &dp) {
		return dp.Name
	}
	return ""
}

// ownerOr says who answered, or a stand-in.
func ownerOr(who, fallback string) string {
	if who == "" {
		return fallback
	}
	return who
}

// getProp reads a property under ctx (BusObject.GetProperty has no
// deadline).
func getProp(ctx context.Context, obj dbus.BusObject, iface, prop string) (dbus.Variant, error) {
	var v dbus.Variant
	err := obj.CallWithContext(ctx, dbusname.Properties+".Get", 0, iface, prop).Store(&v)
	return v, err
}
