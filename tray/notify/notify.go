package notify

import (
	"context"
	"errors"
	"log/slog"
	"time"
)

// Notifier shows notifications. Its methods are safe for concurrent use.
type Notifier interface {
	// Notify shows n and returns the server's id for it (0 when the
	// desktop gives none, and then no action can come back).
	Notify(ctx context.Context, n Notification) (uint32, error)
	// Actions receives the key of each action the person invokes on one
	// of this Notifier's notifications. It is closed by Close. A Notifier
	// that cannot show buttons never sends on it.
	Actions() <-chan string
	// Close lets go of the desktop connection.
	Close() error
}

// Notification is what to show.
type Notification struct {
	Title string
	Body  string
	// Actions are buttons; they are left out where the desktop cannot show
	// them, so the body should not depend on them.
	Actions []Action
	Urgency Urgency
	// Icon is a PNG image shown with the notification, if not nil.
	Icon []byte
	// Replaces is the id Notify answered for an earlier notification that
	// this one takes the place of, on screen and in the list, when it is
	// still there; 0 shows a new one. Where there are no ids (the
	// fallback) a new one is shown.
	Replaces uint32
}

// Action is a button on a notification.
type Action struct {
	Key   string // comes back through Notifier.Actions
	Label string // what the button says
}

// Urgency tells the desktop how insistent to be.
type Urgency uint8

// The urgencies of the freedesktop specification. The zero value is
// Normal.
const (
	Normal Urgency = iota
	Low
	Critical
)

// Options tunes a Notifier. The zero value is ready to use.
type Options struct {
	// AppName names the sender; default "BioT Agent".
	AppName string
	// DesktopEntry is the .desktop file's name without ".desktop", which
	// lets a desktop show the app's icon and settings; default "biot-agent".
	DesktopEntry string
	// Timeout bounds each call; default 5 s.
	Timeout time.Duration
	// Logger receives what went wrong on the way; default slog.Default().
	Logger *slog.Logger
}

func (o Options) withDefaults() Options {
	if o.AppName == "" {
		o.AppName = "BioT Agent"
	}
	if o.DesktopEntry == "" {
		o.DesktopEntry = "biot-agent"
	}
	if o.Timeout <= 0 {
		o.Timeout = 5 * time.Second
	}
	if o.Logger == nil {
		o.Logger = slog.Default()
	}
	return o
}

// New returns the desktop's Notifier: see the package documentation.
func New(opts Options) Notifier {
	return newPlatform(opts.withDefaults())
}

// ErrClosed is returned by Notify after Close.
var ErrClosed = errors.New("notify: closed")
