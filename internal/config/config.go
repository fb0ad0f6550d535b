// Package config reads biot-agent's config file.
package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is what $XDG_CONFIG_HOME/biot-agent/config.toml may say.
type Config struct {
	// URL is the BioT environment's "Rest API URL", e.g.
	// https://api.dev.acme.biot-med.com.
	URL string `toml:"url"`
	// NotifyBefore is how long before the session ends a heads-up is shown
	// (default 10m; 0 turns it off).
	NotifyBefore *Duration `toml:"notify_before"`
}

// Duration is a Go duration written as a string, e.g. "10m".
type Duration struct{ time.Duration }

func (d *Duration) UnmarshalText(b []byte) error {
	v, err := time.ParseDuration(string(b))
	if err != nil {
		return fmt.Errorf("not a duration such as \"10m\": %q", b)
	}
	if v < 0 {
		return fmt.Errorf("must not be negative: %q", b)
	}
	d.Duration = v
	return nil
}

// Path is where the config file is looked for.
func Path() (string, error) {
	dir := os.Getenv("XDG_CONFIG_HOME")
	if dir == "" || !filepath.IsAbs(dir) {
		var err error
		if dir, err = os.UserConfigDir(); err != nil {
			return "", fmt.Errorf("config: %w", err)
		}
	}
	return filepath.Join(dir, "biot-agent", "config.toml"), nil
}

// maxConfigSize bounds the config file: it holds a few lines.
const maxConfigSize = 64 << 10

// Load reads the config file at path. A missing file is an empty
// config; a file that says something we do not understand is an error that
// names the file and the key.
func Load(path string) (Config, error) {
	var c Config
	f, err := os.Open(path)
	if errors.Is(err, fs.ErrNotExist) {
		return c, nil
	}
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	defer f.Close()
	b, err := io.ReadAll(io.LimitReader(f, maxConfigSize+1))
	if err != nil {
		return c, fmt.Errorf("config: %w", err)
	}
	return Parse(path, b)
}

// Parse parses the config file's bytes; name is used in errors.
func Parse(name string, b []byte) (Config, error) {
	var c Config
	if len(b) > maxConfigSize {
		return c, fmt.Errorf("config %s: larger than %d KiB", name, maxConfigSize>>10)
	}
	md, err := toml.Decode(string(b), &c)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", name, err)
	}
	if und := md.Undecoded(); len(und) > 0 {
		keys := make([]string, len(und))
		for i, k := range und {
			keys[i] = k.String()
		}
		sort.Strings(keys)
		return Config{}, fmt.Errorf("config %s: unknown key %s (known: url, notify_before)", name, strings.Join(keys, ", "))
	}
	return c, nil
}

// defaultNotifyBefore is the heads-up lead when config.toml says none.
const defaultNotifyBefore = 10 * time.Minute

// HeadsUp is how long before the session ends the tray gives a
// heads-up; 0 turns it off.
func (c Config) HeadsUp() time.Duration {
	if c.NotifyBefore == nil {
		return defaultNotifyBefore
	}
	return c.NotifyBefore.Duration
}
