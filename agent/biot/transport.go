package biot

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// This file is how a Client reaches BioT: which base URLs it accepts, and
// the *http.Client it sends through (timeouts, certificates, no redirects).

// Timeouts of the client NewHTTPClient builds. callTimeout also bounds every
// call of a Client whose context has no earlier deadline.
const (
	dialTimeout           = 10 * time.Second
	tlsHandshakeTimeout   = 10 * time.Second
	responseHeaderTimeout = 20 * time.Second
	callTimeout           = 30 * time.Second
	idleConnTimeout       = 90 * time.Second
)

// NewHTTPClient returns the *http.Client a Client should use: dial and TLS
// handshake limited to 10 s, response headers to 20 s, the whole call to 30 s;
// idle connections are kept for reuse. Certificates are checked against roots,
// or against the system roots when roots is nil (so SSL_CERT_FILE and
// SSL_CERT_DIR work); verification is never skipped. Proxies come from the
// environment (HTTPS_PROXY, NO_PROXY).
//
// Redirects are not followed: a redirected POST would lose its body, or carry
// the credentials to another host. The call fails with a *RedirectError
// (inside a *url.Error) instead.
func NewHTTPClient(roots *x509.CertPool) *http.Client {
	if roots == nil {
		// Go parses the system's roots (some 150 certificates, several
		// milliseconds) on the first handshake that needs them. Start now,
		// so that the first call to BioT, often the refresh a waiting
		// script needs right after the agent starts, does not pay for it.
		go func() { _, _ = x509.SystemCertPool() }()
	}
	dialer := &net.Dialer{Timeout: dialTimeout, KeepAlive: 30 * time.Second}
	tr := &http.Transport{
		Proxy:       http.ProxyFromEnvironment,
		DialContext: dialer.DialContext,
		TLSClientConfig: &tls.Config{
			RootCAs:    roots, // nil: the system roots
			MinVersion: tls.VersionTLS12,
		},
		ForceAttemptHTTP2:      true, // a custom dialer and TLS config turn it off otherwise
		TLSHandshakeTimeout:    tlsHandshakeTimeout,
		ResponseHeaderTimeout:  responseHeaderTimeout,
		ExpectContinueTimeout:  time.Second,
		MaxIdleConns:           8,
		MaxIdleConnsPerHost:    4,
		IdleConnTimeout:        idleConnTimeout,
		MaxResponseHeaderBytes: 64 << 10,
	}
	return &http.Client{Transport: tr, Timeout: callTimeout, CheckRedirect: refuseRedirect}
}

// forwardHeaderTimeout bounds the wait for the headers of an answer to a
// request forwarded for a caller: BioT's slow calls (a search, a report)
// may take longer than its session calls ever do.
const forwardHeaderTimeout = 2 * time.Minute

// Forwarder returns the http.RoundTripper for requests sent to this
// client's BioT on a caller's behalf (the agent's proxy), made once per
// client: the settings of the client's own transport (certificates, proxy,
// dial and handshake limits) with a pool of connections of its own, kept
// warm between requests, no bound on a call's whole length (a download or
// an event stream lasts what it lasts) and a longer wait for an answer's
// headers. It follows no redirect: a RoundTripper never does.
//
// When the client's *http.Client has a transport other than an
// *http.Transport (a test's), Forwarder answers that one.
func (c *Client) Forwarder() http.RoundTripper {
	c.fwdOnce.Do(func() {
		switch tr := c.hc.Transport.(type) {
		case nil:
			c.fwd = http.DefaultTransport
		case *http.Transport:
			fwd := tr.Clone()
			fwd.ResponseHeaderTimeout = forwardHeaderTimeout
			fwd.MaxIdleConns = 64
			fwd.MaxIdleConnsPerHost = 32
			c.fwd = fwd
		default:
			c.fwd = tr
		}
	})
	return c.fwd
}

// refuseRedirect is the CheckRedirect of every Client's *http.Client: it
// stops at the redirect and says where it pointed.
func refuseRedirect(req *http.Request, _ []*http.Request) error {
	e := &RedirectError{}
	if req.Response != nil {
		e.Status = req.Response.StatusCode
	}
	if req.URL != nil {
		loc := *req.URL
		loc.User, loc.RawQuery, loc.ForceQuery, loc.Fragment, loc.RawFragment = nil, "", false, "", ""
		e.Location = loc.String()
	}
	return e
}

// normalizeBaseURL checks a base URL as New describes it and drops a
// trailing slash.
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
