package biot

import (
	"crypto/tls"
	"crypto/x509"
	"net"
	"net/http"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"biot-agent/internal/bioturl"
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
		warmSystemRoots()
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

// warmSystemRoots parses the system's roots in the background, once per
// process, as Go keeps them. Go parses them (some 150 certificates, several
// milliseconds) on the first handshake that needs them; starting now spares
// the first call to BioT, often the refresh a waiting script needs right
// after the agent starts.
//
// The parse allocates some 2.7 MB, nearly all of it garbage once the pool
// is built: more than the rest of an agent's start-up and sign-in together.
// Go returns no freed memory to the system before its second collection,
// for an agent that then idles the forced one two minutes later, and then
// returns it over minutes; the parse's pages are handed back at once
// instead, so an idle agent does not hold its start-up's garbage.
var warmSystemRoots = sync.OnceFunc(func() {
	go func() {
		_, _ = x509.SystemCertPool()
		debug.FreeOSMemory()
	}()
})

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

// CloseIdleConnections closes the connections the client keeps warm, its
// own and its Forwarder's, that are not in use: for a client about to be
// dropped (its environment removed, or its URL changed), so they do not
// stay open to that BioT until they idle out. A connection in use is kept
// until its request ends. Its *http.Client's, when given to New and
// shared with other clients, closes theirs too: they open new ones when
// next needed.
func (c *Client) CloseIdleConnections() {
	c.hc.CloseIdleConnections()
	if fwd, ok := c.Forwarder().(interface{ CloseIdleConnections() }); ok {
		fwd.CloseIdleConnections()
	}
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

// normalizeBaseURL checks a base URL as New describes it (the rule of
// package bioturl) and drops a trailing slash.
func normalizeBaseURL(raw string) (string, error) { return bioturl.Check(raw) }

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
