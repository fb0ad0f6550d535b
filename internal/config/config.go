package config

import (
	"errors"
	"fmt"
	"io"
	"io/fs"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strings"
	"time"

	"github.com/BurntSushi/toml"
)

// Config is what the config file says.
type Config struct {
	// Path is the file it was read from; "" when it was read from none.
	Path string
	// Default is the value of the default key: the name of the environment
	// a command acts on when none is named. "" when the file has no such
	// key; see DefaultName for what then applies.
	Default string
	// Environments by name. A top-level url is the environment "default".
	Environments map[string]Environment
	// NotifyBefore is how long before the session ends a heads-up is
	// shown: DefaultNotifyBefore when the file says nothing, 0 for none.
	NotifyBefore time.Duration

	// topURL: the environment "default" is the file's top-level url,
	// which Add moves into a table of its own.
	topURL bool
}

// Environment is one BioT URL and one account.
//
// A key of the file is a field here with a toml tag, and nothing more:
// parsing, the list of known keys in errors and the checks of Add and
// Remove all read this struct.
type Environment struct {
	// Name is the table's name, as in [environments.NAME].
	Name string `toml:"-"`
	// URL is the environment's "Rest API URL", such as
	// https://api.dev.acme.biot-med.com, in the form agent/biot uses:
	// scheme in lower case, no trailing slash.
	URL string `toml:"url"`
	// ReadOnly marks an environment to be used with care.
	ReadOnly bool `toml:"read_only"`
	// ServiceUserID, when set, makes this a service environment: the agent
	// signs in as this BioT service user (a UUID) with its secret key,
	// not as a person.
	ServiceUserID string `toml:"service_user_id"`
	// SecretFile is a file holding the service user's secret key (see
	// package secretfile), as an absolute path; a relative one in the file
	// is taken from the config file's directory. Only with ServiceUserID.
	SecretFile string `toml:"secret_file"`
}

// IsService reports whether the environment signs in as a service user.
func (e Environment) IsService() bool { return e.ServiceUserID != "" }

// Services counts the environments that sign in as a service user.
func (c Config) Services() int {
	n := 0
	for _, e := range c.Environments {
		if e.IsService() {
			n++
		}
	}
	return n
}

// DefaultName is the name of the environment a top-level url, --url and
// BIOT_URL make, and the one a command acts on when the file names no
// default and no other is chosen.
const DefaultName = "default"

// DefaultNotifyBefore is the heads-up lead when the file says none.
const DefaultNotifyBefore = 10 * time.Minute

// HeadsUp is how long before the session ends the tray gives a heads-up;
// 0 turns it off.
func (c Config) HeadsUp() time.Duration { return c.NotifyBefore }

// Names answers the environments' names, sorted.
func (c Config) Names() []string {
	names := make([]string, 0, len(c.Environments))
	for n := range c.Environments {
		names = append(names, n)
	}
	sort.Strings(names)
	return names
}

// fileShape is the file's TOML, as written.
type fileShape struct {
	Default      string                 `toml:"default"`
	URL          string                 `toml:"url"` // the one environment of older files
	NotifyBefore *duration              `toml:"notify_before"`
	Environments map[string]Environment `toml:"environments"`
}

// duration is a Go duration written as a string, e.g. "10m".
type duration struct{ time.Duration }

func (d *duration) UnmarshalText(b []byte) error {
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

// Path is where the config file is looked for:
// $XDG_CONFIG_HOME/biot-agent/config.toml, or the platform's equivalent.
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

// maxSize bounds the config file: it holds a few lines per environment.
const maxSize = 64 << 10

// Load reads the config file at path. A missing file is an empty config;
// a file that says something we do not understand is an error that names
// the file and what is wrong.
func Load(path string) (Config, error) {
	b, err := readFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return Config{Path: path, NotifyBefore: DefaultNotifyBefore}, nil
	}
	if err != nil {
		return Config{}, fmt.Errorf("config: %w", err)
	}
	return Parse(path, b)
}

// readFile reads at most one byte more than maxSize, so Parse can refuse
// a larger file without reading it all.
func readFile(path string) ([]byte, error) {
	f, err := os.Open(path)
	if err != nil {
		return nil, err
	}
	defer f.Close()
	return io.ReadAll(io.LimitReader(f, maxSize+1))
}

// Parse parses the config file's bytes; name is used in errors, and
// becomes the Config's Path.
func Parse(name string, b []byte) (Config, error) {
	if len(b) > maxSize {
		return Config{}, fmt.Errorf("config %s: larger than %d KiB", name, maxSize>>10)
	}
	var f fileShape
	md, err := toml.Decode(string(b), &f)
	if err != nil {
		return Config{}, fmt.Errorf("config %s: %w", name, err)
	}
	if err := unknownKeys(md.Undecoded()); err != nil {
		return Config{}, fmt.Errorf("config %s: %w", name, err)
	}
	if t := md.Type("environments"); t != "" && t != "Hash" {
		// The decoder leaves a map alone when the file has no table for it.
		// ("" is a table made by its sub-tables' headers.)
		return Config{}, fmt.Errorf("config %s: environments is a %s; it holds tables such as [environments.dev]", name, strings.ToLower(t))
	}
	c := Config{Path: name, Default: f.Default, NotifyBefore: DefaultNotifyBefore, Environments: map[string]Environment{}}
	if f.NotifyBefore != nil {
		c.NotifyBefore = f.NotifyBefore.Duration
	}
	for n, e := range f.Environments {
		if err := CheckName(n); err != nil {
			return Config{}, fmt.Errorf("config %s: [environments.%s]: %w", name, quoteKey(n), err)
		}
		if !md.IsDefined("environments", n, "url") {
			return Config{}, fmt.Errorf("config %s: environment %q: url is missing: add url = \"https://...\" to [environments.%s]", name, n, n)
		}
		u, err := CheckURL(e.URL)
		if err != nil {
			return Config{}, fmt.Errorf("config %s: environment %q: url: %w", name, n, err)
		}
		e.Name, e.URL = n, u
		if err := checkService(name, &e); err != nil {
			return Config{}, fmt.Errorf("config %s: environment %q: %w", name, n, err)
		}
		c.Environments[n] = e
	}
	// An empty top-level url said "none" before environments came, and
	// still does.
	if f.URL != "" {
		if _, ok := c.Environments[DefaultName]; ok {
			return Config{}, fmt.Errorf("config %s: both a top-level url and [environments.%s] say where the environment %q is: keep one", name, DefaultName, DefaultName)
		}
		u, err := CheckURL(f.URL)
		if err != nil {
			return Config{}, fmt.Errorf("config %s: url (the environment %q): %w", name, DefaultName, err)
		}
		c.Environments[DefaultName] = Environment{Name: DefaultName, URL: u}
		c.topURL = true
	}
	if md.IsDefined("default") {
		if _, ok := c.Environments[c.Default]; !ok {
			return Config{}, fmt.Errorf("config %s: default = %q names no environment (%s)", name, c.Default, knownList(c.Names()))
		}
	}
	return c, nil
}

// checkService checks an environment's service_user_id and secret_file,
// and makes a relative secret_file absolute, from the directory of the
// config file named file.
func checkService(file string, e *Environment) error {
	if e.SecretFile != "" && e.ServiceUserID == "" {
		return errors.New("secret_file is only for a service user: add service_user_id = \"<the service user's id>\" or remove secret_file")
	}
	if e.ServiceUserID == "" {
		return nil
	}
	if !IsUUID(e.ServiceUserID) {
		return fmt.Errorf("service_user_id %.60q is not a UUID such as 2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b (BioT's id of the service user)", e.ServiceUserID)
	}
	e.ServiceUserID = strings.ToLower(e.ServiceUserID)
	if e.SecretFile != "" && !filepath.IsAbs(e.SecretFile) {
		e.SecretFile = filepath.Join(filepath.Dir(file), e.SecretFile)
	}
	return nil
}

// IsUUID reports whether s is a UUID in its usual text form, such as
// 2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b (either case).
func IsUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch i {
		case 8, 13, 18, 23:
			if c != '-' {
				return false
			}
			continue
		}
		if !(c >= '0' && c <= '9' || c >= 'a' && c <= 'f' || c >= 'A' && c <= 'F') {
			return false
		}
	}
	return true
}

// unknownKeys is an error naming each key the file holds that no field
// takes, with the keys that would be understood there.
func unknownKeys(und []toml.Key) error {
	if len(und) == 0 {
		return nil
	}
	var top []string
	inEnv := map[string][]string{}
	reported := map[string]bool{}
	for _, k := range und {
		// A table no field takes is named once, not with each of its keys.
		if reported[k[:len(k)-1].String()] {
			reported[k.String()] = true
			continue
		}
		reported[k.String()] = true
		if len(k) >= 3 && k[0] == "environments" {
			inEnv[k[1]] = append(inEnv[k[1]], k[2:].String())
			continue
		}
		top = append(top, k.String())
	}
	var msgs []string
	if len(top) > 0 {
		sort.Strings(top)
		msgs = append(msgs, fmt.Sprintf("unknown key %s (known: %s)", strings.Join(top, ", "), strings.Join(tomlKeys(fileShape{}), ", ")))
	}
	envs := make([]string, 0, len(inEnv))
	for n := range inEnv {
		envs = append(envs, n)
	}
	sort.Strings(envs)
	for _, n := range envs {
		keys := inEnv[n]
		sort.Strings(keys)
		msgs = append(msgs, fmt.Sprintf("unknown key %s in [environments.%s] (known: %s)", strings.Join(keys, ", "), quoteKey(n), strings.Join(tomlKeys(Environment{}), ", ")))
	}
	return errors.New(strings.Join(msgs, "; "))
}

// tomlKeys lists the keys a struct takes, in the order of its fields.
func tomlKeys(v any) []string {
	t := reflect.TypeOf(v)
	var keys []string
	for i := range t.NumField() {
		if k, _, _ := strings.Cut(t.Field(i).Tag.Get("toml"), ","); k != "" && k != "-" {
			keys = append(keys, k)
		}
	}
	return keys
}

// quoteKey writes a table name as TOML would need it in a header: bare
// when it can be, else quoted.
func quoteKey(k string) string {
	if k != "" && strings.Trim(k, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789_-") == "" {
		return k
	}
	return fmt.Sprintf("%q", k)
}

// knownList says which environments there are, for errors.
func knownList(names []string) string {
	if len(names) == 0 {
		return "none is configured"
	}
	return "known: " + strings.Join(names, ", ")
}
