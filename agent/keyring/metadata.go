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

// metadata is the content of the metadata file: what the agent needs besides
// the refresh token to resume a session. It never holds a secret.
type metadata struct {
	Version int `json:"version"`
	// Last is the base URL of the environment saved last.
	Last string `json:"last,omitempty"`
	// Sessions is keyed by base URL.
	Sessions map[string]sessionMeta `json:"sessions"`
}

type sessionMeta struct {
	BaseURL          string    `json:"baseURL"`
	Username         string    `json:"username"`
	UserID           string    `json:"userId,omitempty"`
	OrganizationID   string    `json:"organizationId,omitempty"`
	RefreshExpiresAt time.Time `json:"refreshExpiresAt,omitzero"`
}

const metadataVersion = 1

// errCorrupt marks a metadata file that exists but cannot be decoded. Save
// replaces such a file rather than refuse to save forever.
var errCorrupt = errors.New("not valid session metadata")

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
	return &metadata{Version: metadataVersion, Sessions: map[string]sessionMeta{}}
}

// readMetadata reads the file at path; a missing file is empty metadata.
func readMetadata(path string) (*metadata, error) {
	m := emptyMetadata()
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return m, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read session metadata: %w", err)
	}
	if err := json.Unmarshal(b, m); err != nil {
		return nil, fmt.Errorf("read session metadata %s: %w: %w", path, errCorrupt, err)
	}
	if m.Sessions == nil {
		m.Sessions = map[string]sessionMeta{}
	}
	return m, nil
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
