//go:build darwin && !cgo

package tray

import (
	"context"
	"errors"
)

// run cannot show a tray: fyne.io/systray drives Cocoa through cgo.
func run(context.Context, *tray) error {
	return errors.New("tray: this build has no tray: on macOS the tray needs a cgo build (CGO_ENABLED=1); the agent runs headless")
}
