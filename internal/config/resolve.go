package config

import (
	"errors"
	"fmt"
	"maps"
	"os"
	"strings"
)

// EnvVar is the environment variable that names the environment a command
// acts on when no --env does.
const EnvVar = "BIOT_ENV"

// Sentinels for errors.Is: the socket answers 404 unknown_environment for
// the one, the command line exits 2 for both.
var (
	ErrNoEnvironment      = errors.New("no environment chosen")
	ErrUnknownEnvironment = errors.New("unknown environment")
)

// NoEnvironmentError says that nothing picks an environment: no name was
// given, the file names no default, and there is not exactly one.
type NoEnvironmentError struct {
	Path  string   // the config file, "" if none
	Known []string // the environments there are, sorted; maybe none
}

func (e *NoEnvironmentError) Error() string {
	file := e.Path
	if file == "" {
		file = "the config file"
	}
	if len(e.Known) == 0 {
		return fmt.Sprintf("no BioT environment is configured: add one with \"biot-agent environments add NAME URL\" (it goes into %s)", file)
	}
	return fmt.Sprintf("%d environments and none chosen: name one with --env or %s, or set default = \"NAME\" in %s (known: %s)",
		len(e.Known), EnvVar, file, strings.Join(e.Known, ", "))
}

func (e *NoEnvironmentError) Is(target error) bool { return target == ErrNoEnvironment }

// UnknownEnvironmentError says that a name names no environment.
type UnknownEnvironmentError struct {
	Name  string
	From  string   // where the name came from when not given outright: EnvVar
	Known []string // the environments there are, sorted; maybe none
}

func (e *UnknownEnvironmentError) Error() string {
	from := ""
	if e.From != "" {
		from = " (from " + e.From + ")"
	}
	return fmt.Sprintf("unknown environment %q%s; %s", e.Name, from, knownList(e.Known))
}

func (e *UnknownEnvironmentError) Is(target error) bool { return target == ErrUnknownEnvironment }

// Resolve answers the environment a command acts on. The first of these
// that says something decides:
//
//  1. name, given outright (--env NAME, -e NAME); "" says nothing;
//  2. $BIOT_ENV;
//  3. the file's default = "NAME";
//  4. the environment named "default" (a top-level url, --url, BIOT_URL);
//  5. the only environment, when there is exactly one.
//
// A name that names no environment is an *UnknownEnvironmentError; when
// nothing decides, a *NoEnvironmentError. Every command and the socket
// pick an environment through Resolve.
func (c Config) Resolve(name string) (Environment, error) {
	from := ""
	if name == "" {
		if name = os.Getenv(EnvVar); name != "" {
			from = EnvVar
		}
	}
	if name == "" {
		name = c.DefaultEnvironment()
	}
	if name == "" {
		return Environment{}, &NoEnvironmentError{Path: c.Path, Known: c.Names()}
	}
	e, ok := c.Environments[name]
	if !ok {
		return Environment{}, &UnknownEnvironmentError{Name: name, From: from, Known: c.Names()}
	}
	return e, nil
}

// DefaultEnvironment is the name of the environment used when none is
// named: the default key's, else "default" if there is one, else the only
// one; "" when none of these applies.
func (c Config) DefaultEnvironment() string {
	switch _, ok := c.Environments[DefaultName]; {
	case c.Default != "":
		return c.Default
	case ok:
		return DefaultName
	case len(c.Environments) == 1:
		for n := range c.Environments {
			return n
		}
	}
	return ""
}

// WithURL answers c with the environment "default" at url, as --url and
// $BIOT_URL ask: it takes the place of the file's own environment
// "default" if there is one, and becomes the default, as a URL given on
// the command line beat the file's before environments came. from names
// where url came from ("--url", "BIOT_URL") in the error when url is bad.
// c itself is left as it was.
func (c Config) WithURL(url, from string) (Config, error) {
	u, err := CheckURL(url)
	if err != nil {
		return Config{}, fmt.Errorf("%s: %w", from, err)
	}
	envs := maps.Clone(c.Environments)
	if envs == nil {
		envs = map[string]Environment{}
	}
	envs[DefaultName] = Environment{Name: DefaultName, URL: u}
	c.Environments, c.Default, c.topURL = envs, DefaultName, false
	return c, nil
}
