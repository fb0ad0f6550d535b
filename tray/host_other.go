//go:build windows || (darwin && cgo)

package tray

import (
	"context"
	"log/slog"
)

// host is the tray host; on Windows and macOS the taskbar and the menu bar
// are always there.
type host struct{}

func waitForHost(context.Context, *slog.Logger) (*host, error) { return &host{}, nil }

func (*host) close() {}

// keepRegistered has the face set everything once systray runs; there is
// nothing to register.
func (*host) keepRegistered(_ context.Context, reapply func()) { reapply() }
