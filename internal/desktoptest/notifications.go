package desktoptest

import (
	"context"
	"fmt"
	"sync"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// Notification is one Notify call a [NotificationServer] received.
type Notification struct {
	ID         uint32 // the id the server answered
	Sender     string // the caller's unique bus name
	App        string
	ReplacesID uint32
	Icon       string
	Summary    string
	Body       string
	Actions    []string // key, label, key, label…
	Hints      map[string]dbus.Variant
	Timeout    int32
}

// ActionLabel returns the label of the action key, and whether there is one.
func (n Notification) ActionLabel(key string) (string, bool) {
	for i := 0; i+1 < len(n.Actions); i += 2 {
		if n.Actions[i] == key {
			return n.Actions[i+1], true
		}
	}
	return "", false
}

// NotificationServer is a notification daemon for tests: it owns
// org.freedesktop.Notifications on a private bus, records every Notify, and
// emits ActionInvoked and NotificationClosed when the test says, as if a
// person had clicked. It stands in for dunst or gnome-shell because a test
// must see what was sent and click without a screen.
type NotificationServer struct {
	conn *dbus.Conn
	caps []string

	mu    sync.Mutex
	next  uint32
	got   []Notification
	notes chan Notification
	hang  chan struct{} // while not nil, Notify waits for it to close
}

// DefaultCapabilities is what [NewNotificationServer] announces when given
// none: buttons and a body, as dunst and gnome-shell do.
var DefaultCapabilities = []string{"actions", "body"}

// NewNotificationServer starts a [NotificationServer] on bus announcing caps
// ([DefaultCapabilities] when none are given) and stops it in the test's
// Cleanup.
func NewNotificationServer(t TB, bus *Bus, caps ...string) *NotificationServer {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := StartNotificationServer(ctx, bus, caps...)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(func() { s.Close() })
	return s
}

// StartNotificationServer is [NewNotificationServer] for callers without a
// TB. The caller must Close it.
func StartNotificationServer(ctx context.Context, bus *Bus, caps ...string) (*NotificationServer, error) {
	if len(caps) == 0 {
		caps = DefaultCapabilities
	}
	conn, err := bus.Connect(context.Background()) // lives until Close, not ctx
	if err != nil {
		return nil, err
	}
	s := &NotificationServer{conn: conn, caps: caps, notes: make(chan Notification, 256)}
	if err := conn.Export(notificationMethods{s}, dbusname.NotificationsPath, dbusname.Notifications); err != nil {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: export the notification server: %w", err)
	}
	var reply dbus.RequestNameReply
	err = conn.BusObject().CallWithContext(ctx, dbusname.Bus+".RequestName", 0, dbusname.Notifications, uint32(dbus.NameFlagDoNotQueue)).Store(&reply)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: take %s: %v (reply %d)", dbusname.Notifications, err, reply)
	}
	return s, nil
}

// Close gives up the name and disconnects.
func (s *NotificationServer) Close() error {
	s.Hang(false)
	return s.conn.Close()
}

// Notifications receives each notification as it arrives.
func (s *NotificationServer) Notifications() <-chan Notification { return s.notes }

// Next waits for the next notification.
func (s *NotificationServer) Next(ctx context.Context) (Notification, error) {
	select {
	case n := <-s.notes:
		return n, nil
	case <-ctx.Done():
		return Notification{}, fmt.Errorf("desktoptest: no notification came: %w", ctx.Err())
	}
}

// Recorded returns every notification received so far.
func (s *NotificationServer) Recorded() []Notification {
	s.mu.Lock()
	defer s.mu.Unlock()
	return append([]Notification(nil), s.got...)
}

// Hang makes Notify calls wait without answering (on) until Hang(false), as
// a stuck notification daemon would.
func (s *NotificationServer) Hang(on bool) {
	s.mu.Lock()
	defer s.mu.Unlock()
	switch {
	case on && s.hang == nil:
		s.hang = make(chan struct{})
	case !on && s.hang != nil:
		close(s.hang)
		s.hang = nil
	}
}

// InvokeAction emits ActionInvoked(id, key) to every listener, as a server
// does when the person clicks a notification's button.
func (s *NotificationServer) InvokeAction(id uint32, key string) error {
	if err := s.conn.Emit(dbusname.NotificationsPath, dbusname.Notifications+".ActionInvoked", id, key); err != nil {
		return fmt.Errorf("desktoptest: emit ActionInvoked: %w", err)
	}
	return nil
}

// CloseNotification emits NotificationClosed(id, reason); reason 2 is
// "dismissed by the user".
func (s *NotificationServer) CloseNotification(id, reason uint32) error {
	if err := s.conn.Emit(dbusname.NotificationsPath, dbusname.Notifications+".NotificationClosed", id, reason); err != nil {
		return fmt.Errorf("desktoptest: emit NotificationClosed: %w", err)
	}
	return nil
}

// notificationMethods holds the methods exported on the bus.
type notificationMethods struct{ s *NotificationServer }

func (m notificationMethods) Notify(sender dbus.Sender, app string, replaces uint32, icon, summary, body string,
	actions []string, hints map[string]dbus.Variant, timeout int32) (uint32, *dbus.Error) {
	s := m.s
	s.mu.Lock()
	hang := s.hang
	s.mu.Unlock()
	if hang != nil {
		<-hang
	}
	s.mu.Lock()
	id := replaces
	if id == 0 {
		s.next++
		id = s.next
	}
	n := Notification{ID: id, Sender: string(sender), App: app, ReplacesID: replaces, Icon: icon,
		Summary: summary, Body: body, Actions: actions, Hints: hints, Timeout: timeout}
	s.got = append(s.got, n)
	s.mu.Unlock()
	select {
	case s.notes <- n:
	default: // nobody is reading; Recorded still has it
	}
	return id, nil
}

func (m notificationMethods) GetCapabilities() ([]string, *dbus.Error) {
	return m.s.caps, nil
}

func (notificationMethods) GetServerInformation() (name, vendor, version, spec string, err *dbus.Error) {
	return "desktoptest", "biot-agent", "1", "1.2", nil
}

func (m notificationMethods) CloseNotification(id uint32) *dbus.Error {
	if err := m.s.CloseNotification(id, 3); err != nil {
		return dbus.MakeFailedError(err)
	}
	return nil
}
