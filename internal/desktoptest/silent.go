package desktoptest

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"sync/atomic"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// SilentSecretService owns org.freedesktop.secrets on a private bus and
// never answers the calls go-keyring makes first (the Get of a property and
// OpenSession): each one is held until [SilentSecretService.Stop]. It is a
// fake because a real Secret Service cannot be made to hang on demand; it
// stands for one waiting on an unlock prompt that nobody sees.
type SilentSecretService struct {
	conn     *dbus.Conn
	calls    atomic.Int32
	release  chan struct{} // closed: every held call fails
	stopOnce sync.Once
}

// NewSilentSecretService starts a [SilentSecretService] on bus and stops it
// in the test's Cleanup, unless the test stopped it first.
func NewSilentSecretService(t TB, bus *Bus) *SilentSecretService {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	s, err := StartSilentSecretService(ctx, bus)
	if err != nil {
		t.Fatalf("%v", err)
	}
	t.Cleanup(s.Stop)
	return s
}

// StartSilentSecretService is [NewSilentSecretService] for callers without
// a TB. The caller must Stop it.
func StartSilentSecretService(ctx context.Context, bus *Bus) (*SilentSecretService, error) {
	conn, err := bus.Connect(context.Background()) // lives until Stop, not ctx
	if err != nil {
		return nil, err
	}
	s := &SilentSecretService{conn: conn, release: make(chan struct{})}
	hold := func() *dbus.Error {
		s.calls.Add(1)
		<-s.release
		return dbus.MakeFailedError(errors.New("the silent Secret Service was released"))
	}
	err = errors.Join(
		conn.ExportMethodTable(map[string]any{
			"Get": func(iface, prop string) (dbus.Variant, *dbus.Error) { return dbus.MakeVariant(""), hold() },
		}, dbusname.SecretsPath, dbusname.Properties),
		conn.ExportMethodTable(map[string]any{
			"OpenSession": func(alg string, in dbus.Variant) (dbus.Variant, dbus.ObjectPath, *dbus.Error) {
				return dbus.MakeVariant(""), "/", hold()
			},
		}, dbusname.SecretsPath, dbusname.SecretService),
	)
	if err != nil {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: export the silent Secret Service: %w", err)
	}
	var reply dbus.RequestNameReply
	err = conn.BusObject().CallWithContext(ctx, dbusname.Bus+".RequestName", 0, dbusname.Secrets, uint32(dbus.NameFlagDoNotQueue)).Store(&reply)
	if err != nil || reply != dbus.RequestNameReplyPrimaryOwner {
		conn.Close()
		return nil, fmt.Errorf("desktoptest: take %s: %v (reply %d)", dbusname.Secrets, err, reply)
	}
	return s, nil
}

// Calls counts the calls the service took and held, released or not.
func (s *SilentSecretService) Calls() int { return int(s.calls.Load()) }

// Stop fails every held call and leaves the bus, which frees the name for
// a working Secret Service. It is safe to call more than once.
func (s *SilentSecretService) Stop() {
	s.stopOnce.Do(func() {
		close(s.release)
		_ = s.conn.Close()
	})
}
