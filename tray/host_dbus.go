//go:build (linux || freebsd || openbsd || netbsd) && !android

package tray

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"sync/atomic"
	"time"

	"biot-agent/internal/dbusname"
	"biot-agent/internal/sessionbus"

	"fyne.io/systray"
	"github.com/godbus/dbus/v5"
)

const (
	// busRetry is how often Run looks for a session bus that was missing.
	busRetry = 30 * time.Second
	// busTimeout bounds each D-Bus call made here.
	busTimeout = 5 * time.Second
	// settleEvery and settleFor pace the check that systray's objects are
	// live (see settle).
	settleEvery = 50 * time.Millisecond
	settleFor   = 10 * time.Second
)

// host is a session bus with a tray host on it: a private connection that
// watches org.kde.StatusNotifierWatcher, and systray's shared connection,
// from which the icon is registered.
type host struct {
	log    *slog.Logger
	conn   *dbus.Conn
	shared *dbus.Conn
	sigs   chan *dbus.Signal
	closed atomic.Bool // close was called: the end of sigs is no news
}

// waitForHost returns once there is a session bus and a
// StatusNotifierWatcher on it, or ctx's error when it ends first. While it
// waits, the agent runs on without an icon; it says why once.
func waitForHost(ctx context.Context, log *slog.Logger) (*host, error) {
	said := false
	for {
		h, err := connectHost(ctx, log)
		if err != nil {
			if ctx.Err() != nil {
				return nil, ctx.Err()
			}
			if !said {
				log.Warn("no tray icon: no D-Bus session bus; the agent runs on without the icon and shows it if a bus and a tray appear", "reason", err)
				said = true
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(busRetry):
				continue
			}
		}
		owned, err := h.watcherOwned(ctx)
		if err == nil && owned {
			if said {
				log.Info("tray host found: showing the icon")
			}
			return h, nil
		}
		if err == nil && !said {
			log.Warn("no tray icon: nothing on this desktop shows tray icons (no " + dbusname.Watcher + " on the session bus); the agent runs on without the icon and shows it when a tray starts")
			said = true
		}
		if err == nil {
			err = h.waitForWatcher(ctx)
			if err == nil {
				log.Info("tray host appeared: showing the icon")
				return h, nil
			}
		}
		h.close()
		if ctx.Err() != nil {
			return nil, ctx.Err()
		}
		log.Debug("tray: lost the session bus while looking for a tray host", "err", err)
	}
}

// connectHost connects privately, starts listening for the watcher's
// comings and goings, and makes sure systray's shared connection works:
// systray.Quit crashes when systray could not connect.
func connectHost(ctx context.Context, log *slog.Logger) (*host, error) {
	dctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	conn, err := sessionbus.Dial(dctx)
	if err != nil {
		return nil, err
	}
	h := &host{log: log, conn: conn, sigs: make(chan *dbus.Signal, 16)}
	err = conn.AddMatchSignalContext(dctx,
		dbus.WithMatchSender(dbusname.Bus),
		dbus.WithMatchInterface(dbusname.Bus),
		dbus.WithMatchMember("NameOwnerChanged"),
		dbus.WithMatchArg(0, dbusname.Watcher),
	)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("listen for the tray host: %w", err)
	}
	conn.Signal(h.sigs)
	h.shared, err = sessionbus.Shared(dctx)
	if err != nil {
		conn.Close()
		return nil, err
	}
	return h, nil
}

func (h *host) close() {
	h.closed.Store(true)
	h.conn.Close()
}

func (h *host) watcherOwned(ctx context.Context) (bool, error) {
	ctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	var owned bool
	err := h.conn.BusObject().CallWithContext(ctx, dbusname.Bus+".NameHasOwner", 0, dbusname.Watcher).Store(&owned)
	return owned, err
}

// waitForWatcher waits until someone takes the watcher's name.
func (h *host) waitForWatcher(ctx context.Context) error {
	for {
		select {
		case <-ctx.Done():
			return ctx.Err()
		case sig, ok := <-h.sigs:
			if !ok {
				return errors.New("the session bus connection closed")
			}
			if owner, ok := watcherOwner(sig); ok && owner != "" {
				return nil
			}
		}
	}
}

// watcherOwner reads a NameOwnerChanged about the watcher: its new owner,
// "" when it went away.
func watcherOwner(sig *dbus.Signal) (string, bool) {
	if sig.Name != dbusname.Bus+".NameOwnerChanged" || len(sig.Body) < 3 {
		return "", false
	}
	name, _ := sig.Body[0].(string)
	owner, ok := sig.Body[2].(string)
	return owner, ok && name == dbusname.Watcher
}

// keepRegistered runs beside systray until ctx ends or the bus goes: once
// systray's objects are live it has everything set again (reapply) and
// registers the icon, and it registers the icon again whenever a watcher
// appears. fyne.io/systray does the latter too, but gives up at the first
// other signal on its shared connection.
func (h *host) keepRegistered(ctx context.Context, reapply func()) {
	h.settle(ctx)
	reapply()
	h.register(ctx)
	for {
		select {
		case <-ctx.Done():
			return
		case sig, ok := <-h.sigs:
			if !ok {
				if !h.closed.Load() {
					h.log.Warn("tray: lost the session bus; the icon will not come back if the tray host restarts")
				}
				return
			}
			owner, ok := watcherOwner(sig)
			switch {
			case !ok:
			case owner == "":
				h.log.Info("tray host went away; the icon comes back with it")
			default:
				h.register(ctx)
				reapply()
				h.log.Info("tray host is back: icon registered again")
			}
		}
	}
}

// register asks the watcher to show systray's item. The call goes out on
// systray's own connection, where the item lives, so the watcher records
// the right bus name.
func (h *host) register(ctx context.Context) {
	ctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	err := h.shared.Object(dbusname.Watcher, dbusname.WatcherPath).
		CallWithContext(ctx, dbusname.Watcher+".RegisterStatusNotifierItem", 0, dbusname.ItemPath).Err
	if err != nil && ctx.Err() == nil {
		h.log.Warn("tray: could not register the icon with the tray host", "err", err)
	}
}

// settle waits until systray's StatusNotifierItem properties are live.
// systray builds them from what SetIcon and SetTooltip stored, and a change
// made between that and the moment they go live is lost, so the face sets
// everything again after this. The sign that they are live: SetTitle emits
// NewTitle on the bus only then.
func (h *host) settle(ctx context.Context) {
	names := h.shared.Names()
	if len(names) == 0 {
		return
	}
	mctx, cancel := context.WithTimeout(ctx, busTimeout)
	defer cancel()
	rule := []dbus.MatchOption{
		dbus.WithMatchSender(names[0]),
		dbus.WithMatchInterface(dbusname.Item),
		dbus.WithMatchMember("NewTitle"),
	}
	if err := h.conn.AddMatchSignalContext(mctx, rule...); err != nil {
		return
	}
	defer h.conn.RemoveMatchSignalContext(mctx, rule...)
	deadline := time.After(settleFor)
	for {
		systray.SetTitle("BioT Agent")
		select {
		case <-ctx.Done():
			return
		case <-deadline:
			h.log.Debug("tray: systray's objects did not come up in time")
			return
		case sig, ok := <-h.sigs:
			if !ok {
				return
			}
			if sig.Name == dbusname.Item+".NewTitle" {
				return
			}
			if owner, ok := watcherOwner(sig); ok && owner != "" {
				continue // registered right after settling anyway
			}
		case <-time.After(settleEvery):
		}
	}
}
