package biot

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net"
	"net/http"
	"time"
)

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

// RedirectError says the server answered a redirect, which was not followed.
// BioT itself does not redirect its API; a redirect means a wrong base URL or
// something in between (a captive portal, a proxy), so it counts as transient.
type RedirectError struct {
	Op       string // the call, as in APIError.Op; empty inside a bare *url.Error
	Status   int    // 301, 302, 303, 307 or 308
	Location string // where it pointed, without query or user info
}

func (e *RedirectError) Error() string {
	op := ""
	if e.Op != "" {
		op = e.Op + ": "
	}
	return fmt.Sprintf("biot: %sredirected (%d) to %s; not followed: check the base URL", op, e.Status, e.Location)
}

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

// asRedirect finds a *RedirectError in err.
func asRedirect(err error) (*RedirectError, bool) {
	var re *RedirectError
	ok := errors.As(err, &re)
	return re, ok
}
