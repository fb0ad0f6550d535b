package config

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
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
// must carry no user info, query or fragment. The words of the errors are
// the client's (TestURLRuleIsTheClients holds the two together).
func CheckURL(raw string) (string, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err // ue repeats the raw string, which may hold a password
		}
		return "", fmt.Errorf("not a URL: %w", err)
	}
	switch {
	case u.Scheme == "" || u.Hostname() == "":
		return "", errors.New("needs a scheme and a host, like https://api.example.biot-med.com")
	case u.Opaque != "":
		return "", errors.New("needs a scheme and a host, like https://api.example.biot-med.com")
	case u.User != nil:
		return "", errors.New("must not hold a username or password")
	case u.RawQuery != "" || u.ForceQuery:
		return "", errors.New("must not have a query (?...)")
	case u.Fragment != "" || u.RawFragment != "" || strings.Contains(raw, "#"):
		return "", errors.New("must not have a fragment (#...)")
	}
	u.Scheme = strings.ToLower(u.Scheme)
	switch u.Scheme {
	case "https":
	case "http":
		if !isLoopback(u.Hostname()) {
			return "", fmt.Errorf("http://%s is not allowed: credentials would travel in clear text; use https (http is only for localhost)", u.Host)
		}
	default:
		return "", fmt.Errorf("scheme %q is not supported: use https", u.Scheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// isLoopback reports whether host is "localhost" or a loopback IP. Other
// names ending in .localhost are refused: whether they resolve to loopback
// depends on the resolver.
func isLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
