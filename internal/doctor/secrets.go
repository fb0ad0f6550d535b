//go:build !darwin && !windows

package doctor

import (
	"context"
	"fmt"
	"strings"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

const secretsFix = "install and start a Secret Service: gnome-keyring (Debian: apt install gnome-keyring), KeePassXC with its Secret Service integration, or KWallet; without one the agent keeps the session in memory and asks for the password after every restart"

// checkSecrets checks the Secret Service the keyring library uses: present,
// answering, and its login keyring (the collection go-keyring stores into)
// unlocked.
func checkSecrets(ctx context.Context, conn *dbus.Conn) Finding {
	limit := budget(ctx, stepTimeout)
	f := Finding{Check: CheckSecrets}
	owned, err := hasOwner(ctx, conn, dbusname.Secrets)
	if err != nil {
		f.Level, f.Message = Fail, fmt.Sprintf("the session bus did not say whether a Secret Service runs: %v.", err)
		return f
	}
	if !owned && !activatable(ctx, conn, dbusname.Secrets) {
		f.Level, f.Fix = Fail, secretsFix
		f.Message = "no Secret Service on the session bus (nobody owns " + dbusname.Secrets + ", and the bus cannot start one)."
		return f
	}
	who := ownerOr(owner(ctx, conn, dbusname.Secrets), "the Secret Service")

	coll, err := loginCollection(ctx, conn)
	switch {
	case timedOut(ctx, err):
		f.Level = Fail
		f.Message = fmt.Sprintf("%s does not answer within %v; the agent's keyring calls would time out too.", who, limit)
		f.Fix = "it may wait for a password prompt nobody sees: look for one, or log out and in"
		return f
	case err != nil:
		f.Level, f.Fix = Fail, secretsFix
		f.Message = fmt.Sprintf("%s answered with an error: %v.", who, err)
		return f
	case coll == "/":
		f.Level = Fail
		f.Message = who + " has no login or default keyring to keep the session in."
		f.Fix = "create a keyring and make it the default, e.g. in Passwords and Keys (seahorse)"
		return f
	}
	v, err := getProp(ctx, conn.Object(dbusname.Secrets, coll), dbusname.SecretCollection, "Locked")
	locked, _ := v.Value().(bool)
	switch {
	case timedOut(ctx, err):
		f.Level = Fail
		f.Message = fmt.Sprintf("%s does not answer within %v; the agent's keyring calls would time out too.", who, limit)
		f.Fix = "log out and in again"
	case err != nil:
		f.Level, f.Message = Warn, fmt.Sprintf("%s answers, but did not say whether %s is locked: %v.", who, keyringName(coll), err)
		f.Fix = "open Passwords and Keys (seahorse) and check the keyring"
	case locked:
		f.Level = Warn
		f.Message = fmt.Sprintf("%s answers, but %s is locked: the agent's first keyring call will ask for its password.", who, keyringName(coll))
		f.Fix = "unlock it: log in with your password (not automatically), or open Passwords and Keys (seahorse) and unlock it"
	default:
		f.Level = OK
		f.Message = fmt.Sprintf("%s answers; %s is unlocked.", who, keyringName(coll))
	}
	f.Detail = map[string]string{"collection": string(coll)}
	return f
}

// loginCollection is the collection go-keyring stores into: "login" when
// it exists, else the one the "default" alias names.
func loginCollection(ctx context.Context, conn *dbus.Conn) (dbus.ObjectPath, error) {
	svc := conn.Object(dbusname.Secrets, dbusname.SecretsPath)
	var colls []dbus.ObjectPath
	v, err := getProp(ctx, svc, dbusname.SecretService, "Collections")
	if err == nil {
		colls, _ = v.Value().([]dbus.ObjectPath)
	}
	if ctx.Err() != nil {
		return "", ctx.Err()
	}
	for _, c := range colls {
		if c == dbusname.LoginCollectionPath {
			return c, nil
		}
	}
	var coll dbus.ObjectPath
	err = svc.CallWithContext(ctx, dbusname.SecretService+".ReadAlias", 0, "default").Store(&coll)
	return coll, err
}

// keyringName names a collection as a person knows it.
func keyringName(coll dbus.ObjectPath) string {
	switch {
	case coll == dbusname.LoginCollectionPath:
		return "the login keyring"
	case strings.HasPrefix(string(coll), dbusname.AliasPathPrefix):
		return "the default keyring"
	}
	return "the keyring " + string(coll)
}
