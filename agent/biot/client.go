package biot

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
)

// Client talks to the UMS of one BioT environment. It holds no session and
// is safe for concurrent use.
type Client struct {
	base      string // scheme://host[:port][/prefix], no trailing slash
	hc        *http.Client
	userAgent string
}

// New checks baseURL and returns a client for it.
//
// baseURL is the environment's "Rest API URL", such as
// https://api.dev.example.biot-med.com; a path prefix is kept and a trailing
// slash dropped. It must be https, or http when the host is "localhost" or a
// loopback address; it must carry no user info, query or fragment.
//
// hc nil means NewHTTPClient(nil). A given hc is copied, never changed, and
// the copy refuses redirects whatever hc.CheckRedirect says. version goes into
// the User-Agent header as "biot-agent/<version>".
func New(baseURL string, hc *http.Client, version string) (*Client, error) {
	base, err := normalizeBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("biot: base URL: %w", err)
	}
	if hc == nil {
		hc = NewHTTPClient(nil)
	} else {
		cp := *hc
		cp.CheckRedirect = refuseRedirect
		hc = &cp
	}
	return &Client{base: base, hc: hc, userAgent: "biot-agent/" + cleanVersion(version)}, nil
}

// BaseURL returns the normalized base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

func normalizeBaseURL(raw string) (string, error) {
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

// cleanVersion keeps the User-Agent a valid header: printable ASCII only.
func cleanVersion(v string) string {
	v = strings.Map(func(r rune) rune {
		if r <= ' ' || r >= 0x7f {
			return -1
		}
		return r
	}, v)
	if v == "" {
		return "dev"
	}
	return v
}
