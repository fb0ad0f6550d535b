// Package bioturl is the one rule for a BioT environment's URL, which the
// BioT client, the config file and the sign-in page all apply: https, or
// http for localhost and loopback addresses only (a password must never
// travel in clear text), a scheme and a host, no user info, query or
// fragment. It imports only the standard library, so every reader of a URL
// can use it.
package bioturl

import (
	"errors"
	"fmt"
	"net"
	"net/url"
	"strings"
)

// Check checks raw as a BioT URL and answers it in the form the client
// uses: scheme in lower case, no trailing slash; a path prefix is kept. Its
// errors never repeat raw, which may hold a password.
func Check(raw string) (string, error) {
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
		if !IsLoopback(u.Hostname()) {
			return "", fmt.Errorf("http://%s is not allowed: credentials would travel in clear text; use https (http is only for localhost)", u.Host)
		}
	default:
		return "", fmt.Errorf("scheme %q is not supported: use https", u.Scheme)
	}
	u.Path = strings.TrimRight(u.Path, "/")
	u.RawPath = strings.TrimRight(u.RawPath, "/")
	return u.String(), nil
}

// IsLoopback reports whether host is "localhost" or a loopback IP. Other
// names ending in .localhost are refused: whether they resolve to loopback
// depends on the resolver.
func IsLoopback(host string) bool {
	if strings.EqualFold(strings.TrimSuffix(host, "."), "localhost") {
		return true
	}
	ip := net.ParseIP(host)
	return ip != nil && ip.IsLoopback()
}
