package desktoptest

import (
	"bytes"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"strings"

	"biot-agent/internal/dbusname"

	"github.com/godbus/dbus/v5"
)

// Keyring is a gnome-keyring Secret Service running on a private [Bus], with
// its files in temporary folders.
type Keyring struct {
	Bus *Bus
	// Env is the environment for a program that should use this keyring,
	// such as secret-tool: the bus's Env with HOME and the XDG folders
	// pointing at the keyring's own temporary folders.
	Env []string
	// DataDir is where gnome-keyring keeps its keyring files.
	DataDir string

	dir      string
	password string // of the login keyring, for a restart
	daemon   *daemon
}

// SecretService starts gnome-keyring's Secret Service on bus, with an
// unlocked default collection, and stops it in the test's Cleanup. It skips
// the test when gnome-keyring-daemon is missing, unless [RequireEnv] is set.
func SecretService(t TB, bus *Bus) *Keyring {
	t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), startTimeout)
	defer cancel()
	k, err := StartSecretService(ctx, bus)
	if err != nil {
		giveUp(t, err)
		return nil
	}
	t.Cleanup(func() {
		if err := k.Close(); err != nil {
			t.Logf("%v", err)
		}
	})
	return k
}

// StartSecretService is [SecretService] for callers without a TB, such as
// TestMain. The caller must Close the keyring before the bus.
func StartSecretService(ctx context.Context, bus *Bus) (*Keyring, error) {
	if err := lookPath([]string{"gnome-keyring-daemon"}, []string{"gnome-keyring"}); err != nil {
		return nil, err
	}
	dir, err := shortTempDir("biot-keyring-")
	if err != nil {
		return nil, err
	}
	k, err := startKeyring(ctx, bus, dir)
	if err != nil {
		return nil, errors.Join(err, os.RemoveAll(dir))
	}
	return k, nil
}

func startKeyring(ctx context.Context, bus *Bus, dir string) (*Keyring, error) {
	env := []string{}
	for _, sub := range []struct{ key, name string }{
		{"HOME", "home"},
		{"XDG_DATA_HOME", "data"},
		{"XDG_CONFIG_HOME", "config"},
		{"XDG_CACHE_HOME", "cache"},
		{"XDG_STATE_HOME", "state"},
		{"XDG_RUNTIME_DIR", "run"},
	} {
		p := filepath.Join(dir, sub.name)
		if err := os.Mkdir(p, 0o700); err != nil {
			return nil, fmt.Errorf("desktoptest: %w", err)
		}
		env = append(env, sub.key+"="+p)
	}
	password, err := randomPassword()
	if err != nil {
		return nil, err
	}
	k := &Keyring{
		Bus:      bus,
		Env:      withEnv(bus.Env, env, "GNOME_KEYRING_CONTROL", "GNOME_KEYRING_PID", "SSH_AUTH_SOCK"),
		DataDir:  filepath.Join(dir, "data", "keyrings"),
		dir:      dir,
		password: password,
	}
	if err := k.launch(ctx); err != nil {
		return nil, err
	}
	return k, nil
}

// launch starts gnome-keyring-daemon in k's folders and waits until it owns
// the Secret Service's name with its default collection unlocked.
func (k *Keyring) launch(ctx context.Context) error {
	// --unlock reads the login keyring's password from stdin and, on a fresh
	// home, creates the login keyring with it: the default collection.
	cmd := exec.Command("gnome-keyring-daemon", "--foreground", "--unlock", "--components=secrets")
	cmd.Env = k.Env
	cmd.Stdin = strings.NewReader(k.password)
	cmd.Dir = filepath.Join(k.dir, "home")
	d, err := startDaemon("gnome-keyring-daemon", cmd)
	if err != nil {
		return err
	}
	if err := k.Bus.WaitForName(ctx, dbusname.Secrets, d.exited); err != nil {
		select {
		case <-d.exited:
			return d.died()
		default:
		}
		return errors.Join(err, d.stop())
	}
	if err := k.ensureDefaultCollection(ctx); err != nil {
		return errors.Join(err, d.stop())
	}
	k.daemon = d
	return nil
}

// Stop ends gnome-keyring as a logout would, leaving its files,
// so that the Secret Service's name is free until [Keyring.Restart].
func (k *Keyring) Stop() error {
	return k.daemon.stop()
}

// Restart starts gnome-keyring again on the same bus and files, the login
// keyring unlocked with its password as at a desktop login, and waits until
// it owns the Secret Service's name. The keyring must be stopped.
func (k *Keyring) Restart(ctx context.Context) error {
	select {
	case <-k.daemon.exited:
	default:
		return errors.New("desktoptest: Restart of a keyring that still runs")
	}
	return k.launch(ctx)
}

// ensureDefaultCollection checks that the default alias names a collection
// and that it is unlocked, unlocking it if it can be done without a prompt:
// go-keyring stores into that collection, and a prompt would hang a test.
func (k *Keyring) ensureDefaultCollection(ctx context.Context) error {
	conn, err := k.Bus.Connect(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	svc := conn.Object(dbusname.Secrets, dbusname.SecretsPath)
	var coll dbus.ObjectPath
	if err := svc.CallWithContext(ctx, dbusname.SecretService+".ReadAlias", 0, "default").Store(&coll); err != nil {
		return fmt.Errorf("desktoptest: read the default collection: %w", err)
	}
	if coll == "/" {
		return errors.New("desktoptest: gnome-keyring has no default collection (did --unlock get the password?)")
	}
	locked, err := conn.Object(dbusname.Secrets, coll).GetProperty(dbusname.SecretCollection + ".Locked")
	if err != nil {
		return fmt.Errorf("desktoptest: ask whether %s is locked: %w", coll, err)
	}
	if locked.Value() != true {
		return nil
	}
	var unlocked []dbus.ObjectPath
	var prompt dbus.ObjectPath
	if err := svc.CallWithContext(ctx, dbusname.SecretService+".Unlock", 0, []dbus.ObjectPath{coll}).Store(&unlocked, &prompt); err != nil {
		return fmt.Errorf("desktoptest: unlock %s: %w", coll, err)
	}
	if len(unlocked) != 1 {
		return fmt.Errorf("desktoptest: %s stays locked without a prompt (%s)", coll, prompt)
	}
	return nil
}

// Close stops gnome-keyring and removes its folders.
func (k *Keyring) Close() error {
	return errors.Join(k.daemon.stop(), os.RemoveAll(k.dir))
}

// Items returns the object paths of the items, locked or not, whose
// attributes include attrs. Under load gnome-keyring now and then answers
// "Method SearchItems is not implemented" (it could not open its session
// for the caller); the search is then made once more, as the agent's
// keyring store does.
func (k *Keyring) Items(ctx context.Context, attrs map[string]string) ([]dbus.ObjectPath, error) {
	conn, err := k.Bus.Connect(ctx)
	if err != nil {
		return nil, err
	}
	defer conn.Close()
	var unlocked, locked []dbus.ObjectPath
	search := func() error {
		return conn.Object(dbusname.Secrets, dbusname.SecretsPath).
			CallWithContext(ctx, dbusname.SecretService+".SearchItems", 0, attrs).Store(&unlocked, &locked)
	}
	err = search()
	if err != nil && strings.Contains(err.Error(), "is not implemented on interface") {
		err = search()
	}
	if err != nil {
		return nil, fmt.Errorf("desktoptest: search items: %w", err)
	}
	return append(unlocked, locked...), nil
}

// Label returns the label of the item at path: what a keyring browser
// (Seahorse, KWalletManager) shows the person.
func (k *Keyring) Label(ctx context.Context, item dbus.ObjectPath) (string, error) {
	conn, err := k.Bus.Connect(ctx)
	if err != nil {
		return "", err
	}
	defer conn.Close()
	var label dbus.Variant
	err = conn.Object(dbusname.Secrets, item).
		CallWithContext(ctx, dbusname.Properties+".Get", 0, dbusname.SecretItem, "Label").Store(&label)
	if err != nil {
		return "", fmt.Errorf("desktoptest: read the label of %s: %w", item, err)
	}
	s, ok := label.Value().(string)
	if !ok {
		return "", fmt.Errorf("desktoptest: the label of %s is a %s, not a string", item, label.Signature())
	}
	return s, nil
}

// SecretTool runs secret-tool against this keyring, with stdin as its input
// (the secret, for "store"), and returns what it printed on stdout.
func (k *Keyring) SecretTool(ctx context.Context, stdin string, args ...string) (string, error) {
	if err := lookPath([]string{"secret-tool"}, []string{"libsecret-tools"}); err != nil {
		return "", err
	}
	cmd := exec.CommandContext(ctx, "secret-tool", args...)
	cmd.Env = k.Env
	cmd.Stdin = strings.NewReader(stdin)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		return "", fmt.Errorf("desktoptest: secret-tool %s: %w: %s", strings.Join(args, " "), err, strings.TrimSpace(stderr.String()))
	}
	return stdout.String(), nil
}

// randomPassword makes a fresh password for the throwaway login keyring.
func randomPassword() (string, error) {
	b := make([]byte, 16)
	if _, err := rand.Read(b); err != nil {
		return "", fmt.Errorf("desktoptest: %w", err)
	}
	return hex.EncodeToString(b), nil
}
