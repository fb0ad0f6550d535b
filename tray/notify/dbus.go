//go:build linux || freebsd || openbsd || netbsd

package notify

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"image"
	"image/draw"
	"image/png"
	"slices"
	"strings"
	"sync"

	"biot-agent/internal/bounded"
	"biot-agent/internal/dbusname"
	"biot-agent/internal/sessionbus"

	"github.com/esiqveland/notify"
	"github.com/godbus/dbus/v5"
)

// keepIDs is how many of its latest notifications a Notifier answers
// actions for; older ones have long left the screen.
const keepIDs = 32

func newPlatform(opts Options) Notifier { return newDesktop(opts, newBeeep(opts)) }

// desktop speaks the freedesktop protocol on a private D-Bus connection and
// hands over to fallback when that fails.
type desktop struct {
	opts     Options
	fallback Notifier
	actions  chan string

	// sendMu makes one Notify at a time, and makes a signal wait for the
	// Notify in flight: a fast server may send ActionInvoked before the
	// reply that tells us the id has been read.
	sendMu sync.Mutex

	mu     sync.Mutex // guards what follows
	conn   *dbus.Conn // nil until the first Notify, and after it breaks
	caps   []string   // the server's capabilities on conn
	ours   []uint32   // ids of our latest notifications with buttons
	closed bool
}

func newDesktop(opts Options, fallback Notifier) *desktop {
	return &desktop{opts: opts, fallback: fallback, actions: make(chan string, 8)}
}

func (d *desktop) Notify(ctx context.Context, n Notification) (uint32, error) {
	dctx, cancel := context.WithTimeout(ctx, d.opts.Timeout)
	id, err := d.notifyDBus(dctx, n)
	cancel()
	if err == nil || errors.Is(err, ErrClosed) {
		return id, err
	}
	d.opts.Logger.Debug("desktop notification over D-Bus failed; trying without it", "err", err)
	if _, ferr := d.fallback.Notify(ctx, n); ferr != nil {
		return 0, fmt.Errorf("notify: over D-Bus: %w; without D-Bus: %s", err, strings.TrimPrefix(ferr.Error(), "notify: "))
	}
	return 0, nil
}

func (d *desktop) Actions() <-chan string { return d.actions }

func (d *desktop) Close() error {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil
	}
	d.closed = true
	conn := d.conn
	d.conn = nil
	close(d.actions)
	d.mu.Unlock()
	if conn != nil {
		conn.Close()
	}
	return d.fallback.Close()
}

func (d *desktop) notifyDBus(ctx context.Context, n Notification) (uint32, error) {
	d.sendMu.Lock()
	defer d.sendMu.Unlock()
	conn, caps, err := d.connection(ctx)
	if err != nil {
		return 0, err
	}
	note := d.wire(n, caps)
	var id uint32
	err = d.call(ctx, conn, func() (err error) {
		id, err = notify.SendNotification(conn, note)
		return err
	})
	if err != nil {
		return 0, err
	}
	if len(note.Actions) > 0 {
		d.mu.Lock()
		d.ours = append(d.ours, id)
		if len(d.ours) > keepIDs {
			d.ours = d.ours[len(d.ours)-keepIDs:]
		}
		d.mu.Unlock()
	}
	return id, nil
}

// wire turns n into what the server gets.
func (d *desktop) wire(n Notification, caps []string) notify.Notification {
	body := n.Body
	if slices.Contains(caps, "body-markup") {
		body = markupEscaper.Replace(body)
	}
	note := notify.Notification{
		AppName:       d.opts.AppName,
		ReplacesID:    n.Replaces,
		Summary:       n.Title,
		Body:          body,
		ExpireTimeout: notify.ExpireTimeoutSetByNotificationServer,
	}
	note.SetUrgency(map[Urgency]notify.Urgency{Low: notify.UrgencyLow, Normal: notify.UrgencyNormal, Critical: notify.UrgencyCritical}[n.Urgency])
	note.AddHint(notify.Hint{ID: "desktop-entry", Variant: dbus.MakeVariant(d.opts.DesktopEntry)})
	if img := decodeRGBA(n.Icon); img != nil {
		note.AddHint(notify.HintImageDataRGBA(img))
	}
	if slices.Contains(caps, "actions") {
		for _, a := range n.Actions {
			note.Actions = append(note.Actions, notify.Action{Key: a.Key, Label: a.Label})
		}
	}
	return note
}

// markupEscaper keeps a message's "<" and "&" from being read as markup by a
// server that renders the body as such.
var markupEscaper = strings.NewReplacer("&", "&amp;", "<", "&lt;", ">", "&gt;")

func decodeRGBA(b []byte) *image.RGBA {
	if b == nil {
		return nil
	}
	src, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	r := src.Bounds()
	img := image.NewRGBA(image.Rect(0, 0, r.Dx(), r.Dy()))
	draw.Draw(img, img.Bounds(), src, r.Min, draw.Src)
	return img
}

// connection returns the live connection, making one if needed: a private
// connection, with our match rule and the server's capabilities.
func (d *desktop) connection(ctx context.Context) (*dbus.Conn, []string, error) {
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		return nil, nil, ErrClosed
	}
	if d.conn != nil {
		conn, caps := d.conn, d.caps
		d.mu.Unlock()
		return conn, caps, nil
	}
	d.mu.Unlock()

	conn, err := sessionbus.Dial(ctx)
	if err != nil {
		return nil, nil, err
	}
	// Only the owner of the server's name is heard: any program on the bus
	// may emit a signal with this interface and path.
	err = conn.AddMatchSignalContext(ctx,
		dbus.WithMatchSender(dbusname.Notifications),
		dbus.WithMatchObjectPath(dbusname.NotificationsPath),
		dbus.WithMatchInterface(dbusname.Notifications),
	)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("listen for the server's signals: %w", err)
	}
	sigs := make(chan *dbus.Signal, 16)
	conn.Signal(sigs)
	var caps []string
	err = conn.Object(dbusname.Notifications, dbusname.NotificationsPath).CallWithContext(ctx, dbusname.Notifications+".GetCapabilities", 0).Store(&caps)
	if err != nil {
		conn.Close()
		return nil, nil, fmt.Errorf("ask the notification server what it can do: %w", err)
	}
	d.mu.Lock()
	if d.closed {
		d.mu.Unlock()
		conn.Close()
		return nil, nil, ErrClosed
	}
	d.conn, d.caps = conn, caps
	d.mu.Unlock()
	go d.listen(conn, sigs)
	return conn, caps, nil
}

// call runs fn, a call on conn that takes no context, under ctx: when ctx
// ends first, conn is closed, which ends the call, and the next Notify
// connects anew.
func (d *desktop) call(ctx context.Context, conn *dbus.Conn, fn func() error) error {
	err := bounded.Do(ctx, fn)
	switch {
	case err == nil:
		return nil
	case ctx.Err() != nil:
		d.drop(conn)
		return fmt.Errorf("the notification server did not answer in time: %w", err)
	}
	var de dbus.Error
	var dp *dbus.Error
	if !errors.As(err, &de) && !errors.As(err, &dp) { // not an answer: the connection broke
		d.drop(conn)
	}
	return err
}

// drop forgets conn and closes it.
func (d *desktop) drop(conn *dbus.Conn) {
	d.mu.Lock()
	if d.conn == conn {
		d.conn = nil
	}
	d.mu.Unlock()
	conn.Close()
}

// listen passes on the actions invoked on our notifications until conn
// closes.
func (d *desktop) listen(conn *dbus.Conn, sigs <-chan *dbus.Signal) {
	for sig := range sigs {
		if sig.Name != dbusname.Notifications+".ActionInvoked" || len(sig.Body) < 2 {
			continue
		}
		id, ok1 := sig.Body[0].(uint32)
		key, ok2 := sig.Body[1].(string)
		if !ok1 || !ok2 {
			continue // malformed: another program's business
		}
		d.sendMu.Lock() // a Notify in flight notes its id first
		d.mu.Lock()
		if !d.closed && slices.Contains(d.ours, id) {
			select {
			case d.actions <- key:
			default:
				d.opts.Logger.Warn("a notification's action was dropped: nobody is reading them", "action", key)
			}
		}
		d.mu.Unlock()
		d.sendMu.Unlock()
	}
	d.mu.Lock()
	if d.conn == conn {
		d.conn = nil
	}
	d.mu.Unlock()
}
