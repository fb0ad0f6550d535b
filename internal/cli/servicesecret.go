package cli

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"os/signal"
	"path/filepath"
	"runtime"
	"strings"
	"sync"
	"syscall"
	"time"

	"biot-agent/agent/keyring"
	"biot-agent/internal/config"
	"biot-agent/internal/secretfile"
	"biot-agent/internal/secretwatch"
)

// Where a service user's secret key may come from, in the order that
// wins: a systemd credential (the environment's own, then the plain one),
// the environment's secret_file, the OS keyring, the variable (the
// environment's own, then the plain one).
const (
	// credentialName is the credential's name in $CREDENTIALS_DIRECTORY,
	// as LoadCredential=biot-service-secret:/path makes it; with
	// ".<env>" after it, it is that environment's alone.
	credentialName = "biot-service-secret"
	// secretVar holds the secret key when nothing else does; with
	// "_<ENV>" after it (the name in upper case, '-' as '_'), that
	// environment's alone. The agent reads them all once, at start, and
	// removes them from its own environment so that no child process
	// ever sees one.
	secretVar = "BIOT_SERVICE_USER_SECRET_KEY"
)

// credentialOf is the name of env's own systemd credential.
func credentialOf(env string) string { return credentialName + "." + env }

// secretVarOf is the name of env's own variable.
func secretVarOf(env string) string {
	return secretVar + "_" + strings.ToUpper(strings.ReplaceAll(env, "-", "_"))
}

// isSecretVar reports whether the variable name holds a secret key.
func isSecretVar(name string) bool {
	return name == secretVar || strings.HasPrefix(name, secretVar+"_")
}

// secretSources is what run found at start of the sources that are not in
// the config file, and how it reads the keyring.
type secretSources struct {
	credDir string            // $CREDENTIALS_DIRECTORY; "" when unset
	vars    map[string]string // every BIOT_SERVICE_USER_SECRET_KEY* as it was at start
	// keyring reads a service environment's item; nil: the OS keyring's.
	keyring func(ctx context.Context, env, url, id string) (string, error)
	used    *usedSecrets // nil: not recorded
	// keyringAsked is closed the first time a sign-in looks in the
	// keyring (no credential or file had the secret), and only then is the
	// keyring watched for changes: an agent whose secrets are all
	// credentials or files never connects to D-Bus. nil: never watched.
	keyringAsked *firstTime
}

// firstTime is a channel closed at the first call of mark.
type firstTime struct {
	once sync.Once
	ch   chan struct{}
}

func newFirstTime() *firstTime { return &firstTime{ch: make(chan struct{})} }

func (f *firstTime) mark() {
	if f != nil {
		f.once.Do(func() { close(f.ch) })
	}
}

// done is closed once mark was called; never, for a nil f.
func (f *firstTime) done() <-chan struct{} {
	if f == nil {
		return nil
	}
	return f.ch
}

// takeSecretSources reads the sources of the process's environment and
// removes every secret key's variable from it. run calls it once, first.
func takeSecretSources() secretSources {
	s := secretSources{credDir: os.Getenv("CREDENTIALS_DIRECTORY"), vars: map[string]string{}, used: newUsedSecrets(), keyringAsked: newFirstTime()}
	for _, kv := range os.Environ() {
		name, value, _ := strings.Cut(kv, "=")
		if isSecretVar(name) {
			s.vars[name] = value
			_ = os.Unsetenv(name)
		}
	}
	return s
}

// secretFrom says where a secret key was found, in words for a log line
// or doctor: never the secret.
type secretFrom struct {
	kind  string // "credential", "file", "keyring" or "variable"
	where string // the credential's, file's, item's or variable's name
}

func (f secretFrom) String() string {
	switch f.kind {
	case "credential":
		return "systemd credential " + f.where
	case "file":
		return "secret_file " + f.where
	case "keyring":
		return "OS keyring (" + f.where + ")"
	}
	return "variable " + f.where
}

// find answers the secret key of the service environment name, configured
// as e, from the first source that has one, and where it came from. No
// error holds the secret.
func (s secretSources) find(ctx context.Context, name string, e config.Environment) (string, secretFrom, error) {
	if s.credDir != "" {
		for _, cred := range []string{credentialOf(name), credentialName} {
			v, err := secretfile.ReadCredential(filepath.Join(s.credDir, cred))
			if err == nil {
				return v, secretFrom{"credential", cred}, nil
			}
			if !errors.Is(err, fs.ErrNotExist) {
				return "", secretFrom{}, fmt.Errorf("systemd credential %s: %w", cred, err)
			}
		}
	}
	if e.SecretFile != "" {
		v, err := secretfile.Read(e.SecretFile)
		return v, secretFrom{"file", e.SecretFile}, err
	}
	var kerr error
	if sessionBusReachable() || s.keyring != nil {
		s.keyringAsked.mark()
		get := s.keyring
		if get == nil {
			get = keyring.ServiceSecret
		}
		v, err := get(ctx, name, e.URL, e.ServiceUserID)
		switch {
		case err == nil && v != "":
			return v, secretFrom{"keyring", keyring.ServiceSecretService(name, e.URL)}, nil
		case err != nil && !errors.Is(err, keyring.ErrNoServiceSecret):
			kerr = err // a variable may still have it
		}
	}
	for _, v := range []string{secretVarOf(name), secretVar} {
		if s.vars[v] != "" {
			return s.vars[v], secretFrom{"variable", v}, nil
		}
	}
	msg := fmt.Sprintf("no secret key for service user %s: give one with secret_file in config.toml, LoadCredential=%s: in a systemd unit, biot-agent login -e %s --secret-stdin (the OS keyring), or the variable %s",
		e.ServiceUserID, credentialOf(name), name, secretVarOf(name))
	if kerr != nil {
		msg += " (" + kerr.Error() + ")"
	}
	return "", secretFrom{}, errors.New(msg)
}

// sessionBusReachable reports whether the OS keyring could be asked
// without starting anything: on Linux and the BSDs, a session bus is
// named or at its usual place. Otherwise go-keyring's D-Bus library would
// try to launch one (dbus-launch), which a server or a CI job must not.
func sessionBusReachable() bool {
	switch runtime.GOOS {
	case "linux", "freebsd", "openbsd", "netbsd":
	default:
		return true
	}
	if os.Getenv("DBUS_SESSION_BUS_ADDRESS") != "" {
		return true
	}
	dir := os.Getenv("XDG_RUNTIME_DIR")
	if dir == "" {
		return false
	}
	fi, err := os.Stat(filepath.Join(dir, "bus"))
	return err == nil && fi.Mode()&fs.ModeSocket != 0
}

// checkSecretFiles is run's check at start of each configured secret_file:
// one that others could read, or that is no regular file of ours, stops
// the agent, the way ssh refuses a private key. The secret read is
// dropped.
func checkSecretFiles(cfg config.Config) error {
	for _, name := range cfg.Names() {
		e := cfg.Environments[name]
		if !e.IsService() || e.SecretFile == "" {
			continue
		}
		if _, err := secretfile.Read(e.SecretFile); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// serviceSecret is the agent's [agent.ServiceIdentity.Secret] for the
// environment name: it looks at the sources at each sign-in, with what the
// config says now, and records which secret it gave.
func (s *served) serviceSecret(name string) func(context.Context) (string, error) {
	return func(ctx context.Context) (string, error) {
		var e config.Environment
		if c := s.current.Load(); c != nil {
			e = c.Environments[name]
		}
		v, from, err := s.secrets.find(ctx, name, e)
		if s.secrets.used.give(name, v, from) && err == nil {
			s.log.Info("service user's secret key", "env", name, "from", from.String())
		}
		return v, err
	}
}

// usedSecrets remembers, per environment, a keyed hash of the secret key
// given at the last sign-in (none: "" given), in memory only, so that a
// change in the keyring signs in again with a new secret, never with the
// one BioT refused.
type usedSecrets struct {
	key  [32]byte
	mu   sync.Mutex
	last map[string][32]byte
	from map[string]secretFrom
}

func newUsedSecrets() *usedSecrets {
	u := &usedSecrets{last: map[string][32]byte{}, from: map[string]secretFrom{}}
	_, _ = rand.Read(u.key[:]) // never fails (crypto/rand)
	return u
}

func (u *usedSecrets) sum(secret string) [32]byte {
	m := hmac.New(sha256.New, u.key[:])
	m.Write([]byte(secret))
	var out [32]byte
	copy(out[:], m.Sum(nil))
	return out
}

// give records that env's sign-in was given secret, from where, and
// reports whether where is another source than the last time.
func (u *usedSecrets) give(env, secret string, from secretFrom) bool {
	if u == nil {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	u.last[env] = u.sum(secret)
	old, ok := u.from[env]
	u.from[env] = from
	return !ok || old != from
}

// changed reports whether secret is not the one given to env's last
// sign-in.
func (u *usedSecrets) changed(env, secret string) bool {
	if u == nil {
		return false
	}
	u.mu.Lock()
	defer u.mu.Unlock()
	last, ok := u.last[env]
	now := u.sum(secret)
	return !ok || !hmac.Equal(last[:], now[:])
}

// hangups signs the service environments in again, until ctx ends: every
// one on SIGHUP (what `systemctl reload` sends), the way back after BioT
// refused a secret or locked the service user; and, once a sign-in has
// looked in the keyring, when a keyring item is created or changed, each
// one whose secret key is no longer the one it signed in with (so a
// refused secret is never sent again on its own).
//
// An agent that serves no service user when SIGHUP comes stops, as
// programs do when their terminal closes: it answers errHangup.
func (s *served) hangups(ctx context.Context) error {
	hup := make(chan os.Signal, 1)
	signal.Notify(hup, syscall.SIGHUP)
	defer signal.Stop(hup)
	items := make(chan struct{}, 1)
	var wg sync.WaitGroup
	defer wg.Wait()
	// The keyring's watch ends with hangups, whichever way it returns.
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	wg.Add(1)
	go func() {
		defer wg.Done()
		select {
		case <-s.secrets.keyringAsked.done():
		case <-ctx.Done():
			return
		}
		secretwatch.Items(ctx, s.log, func(context.Context) {
			select {
			case items <- struct{}{}:
			default: // one is waiting already: bursts are one
			}
		})
	}()
	for {
		select {
		case <-ctx.Done():
			return nil
		case <-hup:
			if s.config().Services() == 0 {
				s.log.Info("SIGHUP, and no service user to sign in again: stopping")
				return errHangup
			}
			s.signInAgain(ctx, func(name string) bool {
				s.log.Info("SIGHUP: the service user signs in again", "env", name)
				return true
			})
		case <-items:
			s.signInAgain(ctx, s.secretChanged)
		}
	}
}

// errHangup ends an agent of no service user on SIGHUP.
var errHangup = errors.New("SIGHUP")

// secretChanged reports whether the secret key of the service environment
// name is another than the one its last sign-in was given.
func (s *served) secretChanged(name string) bool {
	var e config.Environment
	if c := s.current.Load(); c != nil {
		e = c.Environments[name]
	}
	ctx, cancel := context.WithTimeout(context.Background(), keyringTimeout)
	defer cancel()
	v, _, err := s.secrets.find(ctx, name, e)
	if err != nil || !s.secrets.used.changed(name, v) {
		return false
	}
	s.log.Info("the service user's secret key changed: signing in again", "env", name)
	return true
}

// signInAgain signs in, at once and all together, each service
// environment for which want says so, and waits for them.
func (s *served) signInAgain(ctx context.Context, want func(name string) bool) {
	var wg sync.WaitGroup
	for _, st := range s.envs.Statuses() {
		if e, ok := s.envs.Env(st.Env); !ok || e.Service == nil || !want(st.Env) {
			continue
		}
		a, err := s.envs.Get(st.Env)
		if err != nil {
			continue // removed meanwhile
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			sctx, cancel := context.WithTimeout(ctx, time.Minute)
			defer cancel()
			if err := a.SignIn(sctx); err != nil && ctx.Err() == nil {
				s.log.Warn("the service user's sign-in failed", "env", st.Env, "err", err)
			}
		}()
	}
	wg.Wait()
}
