package dbusname

import (
	"regexp"
	"testing"
)

// The forms the D-Bus specification allows: a typo such as a stray dot or
// a path without its slash is caught here rather than as a call that
// reaches nobody.
var (
	nameForm   = regexp.MustCompile(`^[A-Za-z_][A-Za-z0-9_-]*(\.[A-Za-z_][A-Za-z0-9_-]*)+$`)
	pathForm   = regexp.MustCompile(`^/([A-Za-z0-9_]+(/[A-Za-z0-9_]+)*)?$`)
	prefixForm = regexp.MustCompile(`^/([A-Za-z0-9_]+/)+$`)
)

func TestNamesHaveTheirForm(t *testing.T) {
	tests := []struct {
		name, value string
		form        *regexp.Regexp
	}{
		{"Bus", Bus, nameForm},
		{"Properties", Properties, nameForm},
		{"Peer", Peer, nameForm},
		{"ErrServiceUnknown", ErrServiceUnknown, nameForm},
		{"Secrets", Secrets, nameForm},
		{"SecretsPath", SecretsPath, pathForm},
		{"SecretService", SecretService, nameForm},
		{"SecretCollection", SecretCollection, nameForm},
		{"SecretItem", SecretItem, nameForm},
		{"LoginCollectionPath", LoginCollectionPath, pathForm},
		{"AliasPathPrefix", AliasPathPrefix, prefixForm},
		{"Notifications", Notifications, nameForm},
		{"NotificationsPath", NotificationsPath, pathForm},
		{"Watcher", Watcher, nameForm},
		{"WatcherPath", WatcherPath, pathForm},
		{"Item", Item, nameForm},
		{"ItemPath", ItemPath, pathForm},
	}
	for _, tt := range tests {
		if !tt.form.MatchString(tt.value) {
			t.Errorf("%s = %q is not a D-Bus name or path of its kind", tt.name, tt.value)
		}
	}
}
