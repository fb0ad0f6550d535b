// Package keyring keeps the agent's session between runs: the refresh token
// in the operating system's keyring, everything else in a small JSON file.
//
// [Open] answers an [agent.Store] over the OS keyring, through
// github.com/zalando/go-keyring: the Secret Service (gnome-keyring, KWallet,
// KeePassXC) on Linux, the Keychain on macOS, the Credential Manager on
// Windows. It probes the keyring first and fails with the reason when there
// is no D-Bus session bus, no Secret Service, or the keyring does not answer.
// [NewMemory] keeps sessions for the life of the process only. There is
// never a plaintext fallback.
//
// A running agent uses [Fallback], which is both: the keyring when it
// answers, memory while it does not. A keyring that appears after the agent
// started (a desktop that starts gnome-keyring from autostart too, a daemon
// that restarts, a collection unlocked later) is tried again at every save
// and at each [Fallback.Retry], and the sessions kept in memory move into it
// once it answers, so the next restart needs no password. This package
// speaks no D-Bus itself: the caller that watches the bus for a Secret
// Service calls Retry.
//
// # What goes where
//
// Each environment and user has one keyring item, service "biot-agent " +
// base URL and user the username, whose secret is the refresh token and
// nothing else. Saving again updates that item in place; saving another
// user for the environment deletes the previous user's item first. A
// trailing slash does not make another environment: "https://x/" is
// "https://x". Windows caps a secret at 2560 bytes, so a longer token is
// refused on every platform ([ErrTokenTooLarge]) rather than saved on one
// and lost on another.
//
// The rest (base URL, username, user and organization ids, refresh expiry,
// and which environment was saved last, see [LastBaseURL]) lives in the
// metadata file, by default $XDG_STATE_HOME/biot-agent/sessions.json. It is written atomically,
// mode 0600 in a 0700 folder, and never holds a token. A metadata entry whose
// keyring item the person deleted loads as [agent.ErrNoSession].
//
// # A keyring that hangs
//
// A locked keyring may wait for a password prompt nobody sees. Every keyring
// call therefore runs under a deadline, the context's or [DefaultTimeout]
// if that comes sooner, and fails with a [*TimeoutError], which is never
// mistaken for "no token". The keyring libraries cannot be interrupted, so a
// call that hangs leaves its goroutine behind; while it is stuck, further
// calls fail at once with the same error instead of piling up goroutines.
// The store's Info().Problem says so until a keyring call succeeds again.
package keyring
