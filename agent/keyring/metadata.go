package keyring

import (
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"
	"runtime"
	"time"
)

// metadata is the content of the metadata file, version 2: what the agent
// needs besides the refresh tokens to resume its sessions. It never holds a
// secret.
type metadata struct {
	Version int `json:"version"`
	// Last is the base URL a session was saved for last, by this release or
	// one before it (see [LastBaseURL]). A Delete leaves it.
	Last string `json:"last,omitempty"`
	// Sessions is keyed by environment name.
	Sessions map[string]sessionMeta `json:"sessions"`
	// Legacy holds what a release before named environments saved (a
	// version 1 file's sessions), keyed by base URL, each until an
	// environment adopts it (see adopt.go).
	Legacy map[string]sessionMeta `json:"legacy,omitempty"`
}

type sessionMeta struct {
	// Env is the environment's name. In a legacy entry it is "" until the
	// entry is adopted, then the adopter's while the old item waits to go.
	Env              string    `json:"env,omitempty"`
	BaseURL          string    `json:"baseURL"`
	Username         string    `json:"username"`
	UserID           string    `json:"userId,omitempty"`
	OrganizationID   string    `json:"organizationId,omitempty"`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt,omitzero"`
}

// metadataV1 is the file a release before named environments wrote: one
// session per base URL, its keyring item's service "biot-agent " + base URL.
type metadataV1 struct {
	Last     string                 `json:"last"`
	Sessions map[string]sessionMeta `json:"sessions"` // by base URL
}

const metadataVersion = 2

// errCorrupt marks a metadata file that exists but cannot be decoded. Save
// replaces such a file rather than refuse to save forever.
var errCorrupt = errors.New("not valid session metadata")

// errNewer marks a metadata file that a newer release wrote. It is neither
// read nor replaced: that release's sessions are its own.
var errNewer = errors.New("written by a newer biot-agent")

// DefaultMetadataPath is where the metadata file lives unless
// [Options.MetadataPath] says otherwise: $XDG_STATE_HOME/biot-agent/sessions.json,
// falling back to ~/.local/state; on macOS ~/Library/Application Support,
// on Windows %LocalAppData%, when XDG_STATE_HOME is not set.
func DefaultMetadataPath() (string, error) {
	const rel = "biot-agent/sessions.json"
	if dir := os.Getenv("XDG_STATE_HOME"); filepath.IsAbs(dir) {
		return filepath.Join(dir, rel), nil
	}
	switch runtime.GOOS {
	case "darwin", "windows":
		// UserConfigDir is ~/Library/Application Support on macOS;
		// UserCacheDir is %LocalAppData% on Windows, the machine-local place.
		dir, err := os.UserConfigDir()
		if runtime.GOOS == "windows" {
			dir, err = os.UserCacheDir()
		}
		if err != nil {
			return "", fmt.Errorf("keyring: find the state folder: %w", err)
		}
		return filepath.Join(dir, rel), nil
	}
	home, err := os.UserHomeDir()
	if err != nil {
		return "", fmt.Errorf("keyring: find the state folder: %w", err)
	}
	return filepath.Join(home, ".local", "state", rel), nil
}

func emptyMetadata() *metadata {
	return &metadata{Version: metadataVersion, Sessions: map[string]sessionMeta{}, Legacy: map[string]sessionMeta{}}
}

// readMetadata reads the file at path; a missing file is empty metadata. A
// version 1 file is read whole: its sessions become legacy entries, its
// last stays Last, and the next write makes it version 2.
func readMetadata(path string) (*metadata, error) {
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return emptyMetadata(), nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session metadata: %w", err)
	}
	var head struct {
		Version int `json:"version"`
	}
	if err := json.Unmarshal(b, &head); err != nil {
		return nil, fmt.Errorf("read session metadata %s: %w: %w", path, errCorrupt, err)
	}
	if head.Version > metadataVersion {
		return nil, fmt.Errorf("read session metadata %s: version %d, %w", path, head.Version, errNewer)
	}
	m := emptyMetadata()
	if head.Version < 2 {
		var v1 metadataV1
		if err := json.Unmarshal(b, &v1); err != nil {
			return nil, fmt.Errorf("read session metadata %s: %w: %w", path, errCorrupt, err)
		}
		m.Last = normalize(v1.Last)
		for url, e := range v1.Sessions {
			url = normalize(url)
			e.Env, e.BaseURL = "", url
			m.Legacy[url] = e
		}
		return m, nil
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("read session metadata %s: %w: %w", path, errCorrupt, err)
	}
	if m.Sessions == nil {
		m.Sessions = map[string]sessionMeta{}
	}
	if m.Legacy == nil {
		m.Legacy = map[string]sessionMeta{}
	}
	return m, nil
}

// LastBaseURL reads the metadata file at path ("" for
// [DefaultMetadataPath]), and nothing else: it never opens the keyring, so
// it answers at once even when the keyring hangs or is missing. It tells
// the base URL a session was saved for last, "" when none was: for a person
// who configured no URL, the BioT they used last. A file that the previous
// release (one session per base URL) wrote answers that release's last
// saved URL, until this release saves a session. Signing out leaves it: it
// stays the place to sign in again.
func LastBaseURL(path string) (string, error) {
	if path == "" {
		var err error
		if path, err = DefaultMetadataPath(); err != nil {
			return "", err
		}
	}
	m, err := readMetadata(path)
	if err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	return m.Last, nil
}

// writeMetadata replaces the file at path atomically: a crash leaves either
// the old file or the new one, never half of one.
func writeMetadata(path string, m *metadata) error {
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return fmt.Errorf("write session metadata: %w", err)
	}
	dir := filepath.Dir(path)
	// A folder that exists keeps its mode: it may be one the person chose
	// and shares with other files. The file itself is always 0600.
	if err := os.MkdirAll(dir, 0o700); err != nil {
		return fmt.Errorf("write session metadata: %w", err)
	}
	f, err := os.CreateTemp(dir, ".sessions-*.json") // mode 0600
	if err != nil {
		return fmt.Errorf("write session metadata: %w", err)
	}
	tmp := f.Name()
	_, err = f.Write(append(b, '\n'))
	if err == nil {
		err = f.Sync()
	}
	if cerr := f.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(tmp, path)
	}
	if err != nil {
		return errors.Join(fmt.Errorf("write session metadata: %w", err), removeIfThere(tmp))
	}
	syncDir(dir)
	return nil
}

func removeIfThere(path string) error {
	if err := os.Remove(path); err != nil && !errors.Is(err, fs.ErrNotExist) {
		return err
	}
	return nil
}

// syncDir makes the rename itself durable where the system allows it.
// Windows cannot open a folder for syncing; there the rename is what we get.
func syncDir(dir string) {
	d, err := os.Open(dir)
	if err != nil {
		return
	}
	_ = d.Sync()
	_ = d.Close()
}
