// Package keyring keeps the agent's sessions between runs, one per
// environment: each refresh token in the operating system's keyring,
// everything else in a small JSON file.
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
// once it answers, every environment's, so the next restart needs no
// password; a sign-out made meanwhile is carried out then. This package
// speaks no D-Bus itself: the caller that watches the bus for a Secret
// Service calls Retry.
//
// # What goes where
//
// The agent keeps one session per environment: one BioT URL and one account,
// under a short name ("dev", "dev-qa": a to z, 0 to 9 and -, at most 32).
// Two accounts on one URL are two environments.
//
// Each environment has one keyring item, whose secret is its refresh token
// and nothing else. Its service is "biot-agent <name> <base URL>" and its
// user the username, so that the label go-keyring gives it on Linux names
// all three for a person browsing the keyring:
//
//	Password for 'ann@example.com' on 'biot-agent dev https://dev.example.com'
//
// Saving again updates that item in place; saving another user or another
// URL for the environment deletes its previous item first, so an
// environment never has two. A session saved for another URL than the one
// asked for is not answered. A trailing slash does not make another URL:
// "https://x/" is "https://x". Windows caps a secret at 2560 bytes, so a
// longer token is refused on every platform ([ErrTokenTooLarge]) rather
// than saved on one and lost on another.
//
// A service environment (one that signs in as a BioT service user) has no
// session to keep, but may keep its service user's secret key here:
// [SetServiceSecret] and [ServiceSecret], one item per environment whose
// service is "biot-agent service <name> <base URL>" and whose user is the
// service user's id. The store never touches those items.
//
// The rest lives in the metadata file, by default
// $XDG_STATE_HOME/biot-agent/sessions.json. It is written atomically, mode
// 0600 in a 0700 folder, and never holds a token. Version 2 reads:
//
//	{
//	  "version": 2,
//	  "last": "https://dev.example.com",
//	  "sessions": {
//	    "dev": {"env": "dev", "baseURL": "https://dev.example.com", "username": "ann@example.com",
//	            "userId": "...", "organizationId": "...", "refreshExpiresAt": "2031-05-06T07:08:09Z"}
//	  },
//	  "legacy": {
//	    "https://prod.example.com": {"baseURL": "https://prod.example.com", "username": "ann@example.com", ...}
//	  }
//	}
//
// "sessions" is keyed by environment name; "last" is the URL a session was
// saved for last, which [LastBaseURL] reads without the keyring; "legacy"
// is below. A metadata entry whose keyring item the person deleted loads
// as [agent.ErrNoSession]. A file a newer release wrote (version 3 on) is
// neither read nor replaced.
//
// # The previous release's sessions
//
// The release before named environments kept one session per base URL: a
// version 1 file keyed by URL, with the same entries and "last", and an item
// whose service was "biot-agent <base URL>". Such a file is read whole: its
// sessions become legacy entries, by URL, and stay in the file, written as
// version 2 at the next save, until adopted. Nothing touches them but a
// Load whose [agent.Key] has Adopt set, names an environment that has no
// session yet, and the URL of a legacy entry: it reads the old item's
// token, saves it as the environment's item and entry (marking the legacy
// entry adopted, with the environment's name), deletes the old item and
// then the legacy entry, and answers the session: the person who upgrades
// stays signed in, no password asked. A move that stopped after the
// environment's session was saved (the old item could not be deleted, or
// the agent stopped) is ended by the next adopting Load for that URL, and
// an entry marked adopted is never adopted again, even after a sign-out.
// One environment per URL adopts (the caller decides), so an adopting Load
// of an environment that already has its own session at that URL drops the
// legacy one, which a new sign-in replaced. A legacy entry whose item the
// person deleted is dropped, and is no session.
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
