// Package dbusname is the one home of the D-Bus names the program speaks
// to, or stands in for in tests: the well-known bus names, object paths,
// interfaces and error names of the freedesktop and KDE specifications.
//
//	conn.Object(dbusname.Secrets, dbusname.SecretsPath).
//		CallWithContext(ctx, dbusname.SecretService+".ReadAlias", 0, "default")
//
// A member's name is its interface's plus "." and the member, spelled
// where it is called. The constants are untyped, so a path passes where
// godbus wants a dbus.ObjectPath; and the package imports nothing at all,
// so that any package may use it, whatever else it must not import.
package dbusname

// The message bus itself.
const (
	// Bus is the bus's own name, and the interface of its methods
	// (NameHasOwner, RequestName, ...) and signals (NameOwnerChanged).
	Bus = "org.freedesktop.DBus"
	// Properties is the standard interface for reading properties.
	Properties = "org.freedesktop.DBus.Properties"
	// Peer is the standard interface every connection answers (Ping).
	Peer = "org.freedesktop.DBus.Peer"
	// ErrServiceUnknown is the error of a call to a name that nobody owns
	// and the bus cannot start.
	ErrServiceUnknown = "org.freedesktop.DBus.Error.ServiceUnknown"
)

// The Secret Service, where the keyring library (go-keyring) keeps the
// refresh token on Linux and the BSDs.
const (
	Secrets          = "org.freedesktop.secrets"
	SecretsPath      = "/org/freedesktop/secrets"
	SecretService    = "org.freedesktop.Secret.Service"
	SecretCollection = "org.freedesktop.Secret.Collection"
	SecretItem       = "org.freedesktop.Secret.Item"
	// LoginCollectionPath is the login keyring, which go-keyring stores
	// into when it exists.
	LoginCollectionPath = "/org/freedesktop/secrets/collection/login"
	// AliasPathPrefix begins the path of a collection named by an alias
	// ("default").
	AliasPathPrefix = "/org/freedesktop/secrets/aliases/"
)

// The notification server (the Desktop Notifications Specification).
const (
	// Notifications is the server's name and the interface of its methods
	// and signals.
	Notifications     = "org.freedesktop.Notifications"
	NotificationsPath = "/org/freedesktop/Notifications"
)

// The StatusNotifierItem protocol, through which a panel hosts tray icons.
const (
	// Watcher is the name of the tray host's watcher and the interface of
	// its methods, properties and signals.
	Watcher     = "org.kde.StatusNotifierWatcher"
	WatcherPath = "/StatusNotifierWatcher"
	// Item is the interface of a tray icon.
	Item = "org.kde.StatusNotifierItem"
	// ItemPath is where fyne.io/systray exports its item.
	ItemPath = "/StatusNotifierItem"
)
