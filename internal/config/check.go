package config

import (
	"errors"
	"fmt"

	"biot-agent/internal/bioturl"
)

// maxNameLen bounds an environment's name: it goes into menus and
// command lines.
const maxNameLen = 32

// CheckName answers nil when name may name an environment: 1 to 32 of
// a-z, 0-9 and '-', not starting with '-'.
func CheckName(name string) error {
	if name == "" {
		return errors.New("an environment needs a name")
	}
	if len(name) > maxNameLen {
		return fmt.Errorf("environment name %.40q is too long: at most %d characters", name, maxNameLen)
	}
	for i := 0; i < len(name); i++ {
		c := name[i]
		if c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-' && i > 0 {
			continue
		}
		return fmt.Errorf("environment name %q: use lower-case letters, digits and '-', starting with a letter or digit", name)
	}
	return nil
}

// CheckURL checks a BioT URL as agent/biot's client does, and answers it
// in the form the client uses: scheme in lower case, no trailing slash.
//
// The URL is the environment's "Rest API URL", such as
// https://api.dev.example.biot-med.com; a path prefix is kept. It must be
// https, or http when the host is "localhost" or a loopback address; it
// must carry no user info, query or fragment. It is the rule of package
// bioturl, which agent/biot's client applies too.
func CheckURL(raw string) (string, error) { return bioturl.Check(raw) }
