package ipc

import (
	"context"
	"crypto/rand"
	"crypto/subtle"
	"encoding/base64"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"os"
	"strings"

	"biot-agent/internal/peercred"
)

// Loopback serves the agent's proxy over plain HTTP on 127.0.0.1, for tools
// that take nothing but a base URL (SDKs, Postman's CLI, notebooks):
// `biot-agent exec --proxy` runs one for as long as its child runs. A
// request to URL()+"/PATH?QUERY" is sent to the agent's /v1/proxy/PATH?QUERY
// (for the Client's environment) and its answer comes back as it comes.
//
// Every local user, and every web page in a browser, can reach a loopback
// port, so a Loopback has four guards:
//
//   - the first segment of every path must be a key of 128 random bits,
//     which only URL() holds; it is never logged;
//   - the Host header must be the listener's own address (127.0.0.1:PORT):
//     a page on a name that resolves to 127.0.0.1 (DNS rebinding) sends its
//     own name there;
//   - a request that carries Origin or Referer, or that a browser marks as
//     sent by a page (Sec-Fetch-Site other than "none"), is refused;
//   - on Linux, a connection from another user is refused before HTTP sees
//     it (the peer's owner, read from /proc/net/tcp). Where the system
//     cannot tell (macOS, Windows), the key stands alone against other
//     users.
//
// Refusals answer 403 forbidden, as the socket's do.
type Loopback struct {
	client *Client
	log    *slog.Logger
	ln     net.Listener
	srv    *http.Server
	host   string // 127.0.0.1:PORT, the only Host accepted
	key    string
	proxy  *httputil.ReverseProxy
	closed context.Context // ends with Close, and every upgraded exchange with it
	close  context.CancelFunc
}

// ListenLoopback opens a Loopback on a free port of 127.0.0.1 that sends
// requests on through c. logger (nil: none) hears of refusals, never the
// key.
func ListenLoopback(c *Client, logger *slog.Logger) (*Loopback, error) {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	var raw [16]byte
	if _, err := rand.Read(raw[:]); err != nil {
		return nil, fmt.Errorf("loopback: key: %w", err)
	}
	ln, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("loopback: %w", err)
	}
	l := &Loopback{
		client: c,
		log:    logger,
		host:   ln.Addr().String(),
		key:    base64.RawURLEncoding.EncodeToString(raw[:]),
	}
	l.ln = &peerListener{Listener: ln, uid: os.Geteuid(), log: logger}
	l.closed, l.close = context.WithCancel(context.Background())
	l.proxy = &httputil.ReverseProxy{
		Rewrite:       l.rewrite,
		Transport:     &loopbackTransport{base: c.httpClient().Transport, closed: l.closed},
		FlushInterval: -1,
		BufferPool:    copyBuffers,
		ErrorLog:      slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
		ErrorHandler:  l.failed,
	}
	l.srv = &http.Server{
		Handler:           l,
		ReadHeaderTimeout: readHeaderTimeout,
		IdleTimeout:       idleTimeout,
		MaxHeaderBytes:    maxHeaderBytes,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelDebug),
	}
	return l, nil
}

// URL is the base URL, http://127.0.0.1:PORT/KEY, without a trailing
// slash. It holds the key: hand it to the program that should call BioT,
// and to nothing that logs it.
func (l *Loopback) URL() string { return "http://" + l.host + "/" + l.key }

// Addr is the listener's address, 127.0.0.1:PORT; it holds no key.
func (l *Loopback) Addr() string { return l.host }

// Serve answers requests until Close; it then returns http.ErrServerClosed.
func (l *Loopback) Serve() error { return l.srv.Serve(l.ln) }

// Close stops the listener and cuts every connection at once, upgraded
// ones (WebSocket) included: the Loopback lives exactly as long as whoever
// closes it wants.
func (l *Loopback) Close() error {
	l.close()
	return l.srv.Close()
}

// loopbackTransport sends requests on to the agent. An exchange that
// switched protocols (a WebSocket) is out of the server's hands once its
// connection is hijacked, so Close would not reach it: its connection to
// the agent closes with the Loopback instead, which ends it.
type loopbackTransport struct {
	base   http.RoundTripper
	closed context.Context
}

func (t *loopbackTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := t.base.RoundTrip(req)
	if err == nil && resp.StatusCode == http.StatusSwitchingProtocols {
		if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
			resp.Body = watchUpgraded(rwc, t.closed, 0) // the agent bounds its idle time
		}
	}
	return resp, err
}

func (l *Loopback) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	switch {
	case r.Host != l.host:
		l.refuse(w, "the Host must be "+l.host, "refused a request for another host (a web page's, through DNS rebinding?)", "host", r.Host)
	case fromBrowser(r) || (r.Header.Get("Sec-Fetch-Site") != "" && r.Header.Get("Sec-Fetch-Site") != "none"):
		l.refuse(w, "requests from web pages are refused", "refused a request from a web page", "origin", r.Header.Get("Origin"))
	case !l.keyed(r.URL.EscapedPath()):
		l.refuse(w, "wrong or missing key: use the whole base URL biot-agent gave", "refused a request without the key")
	default:
		l.proxy.ServeHTTP(w, r)
	}
}

// keyed reports whether path starts with the key as its whole first
// segment, comparing in constant time.
func (l *Loopback) keyed(path string) bool {
	first, _, _ := strings.Cut(strings.TrimPrefix(path, "/"), "/")
	return subtle.ConstantTimeCompare([]byte(first), []byte(l.key)) == 1
}

func (l *Loopback) refuse(w http.ResponseWriter, msg, logMsg string, args ...any) {
	l.log.Warn(logMsg, args...)
	w.Header().Set("Cache-Control", "no-store")
	w.Header().Set(ErrorHeader, string(CodeForbidden))
	writeJSON(w, http.StatusForbidden, ErrorBody{Error: ErrorInfo{Code: CodeForbidden, Message: msg}})
}

// rewrite sends /KEY/PATH?QUERY to the agent's /v1/proxy/PATH?QUERY, as
// escaped, for the client's environment.
func (l *Loopback) rewrite(pr *httputil.ProxyRequest) {
	esc := strings.TrimPrefix(strings.TrimPrefix(pr.In.URL.EscapedPath(), "/"+l.key), "/")
	rest, err := url.PathUnescape(esc)
	if err != nil {
		rest = esc // cannot be: EscapedPath answers a valid escaping
	}
	pr.Out.URL = &url.URL{
		Scheme:   "http",
		Host:     fakeHost,
		Path:     proxyPrefix + "/" + rest,
		RawPath:  proxyPrefix + "/" + esc,
		RawQuery: pr.In.URL.RawQuery,
	}
	pr.Out.Host = fakeHost
	pr.Out.Header.Del(EnvHeader)
	if l.client.Env != "" {
		pr.Out.Header.Set(EnvHeader, l.client.Env)
	}
}

// failed answers when the agent gave no answer.
func (l *Loopback) failed(w http.ResponseWriter, r *http.Request, err error) {
	if r.Context().Err() != nil {
		return // the caller went away
	}
	msg := "biot-agent did not answer: " + err.Error()
	if errors.Is(err, ErrAgentNotRunning) {
		msg = err.Error()
	}
	w.Header().Set(ErrorHeader, string(CodeHTTPError))
	writeJSON(w, http.StatusBadGateway, ErrorBody{Error: ErrorInfo{Code: CodeHTTPError, Message: msg}})
}

// peerListener hands the server only connections from our own user, where
// the system can tell (see peercred); others are answered 403 and closed.
type peerListener struct {
	net.Listener
	uid int
	log *slog.Logger
}

func (l *peerListener) Accept() (net.Conn, error) {
	for {
		c, err := l.Listener.Accept()
		if err != nil {
			return nil, err
		}
		cred, err := peercred.Get(c)
		if errors.Is(err, peercred.ErrUnsupported) || (err == nil && cred.UID == l.uid) {
			return c, nil
		}
		if err != nil {
			l.log.Warn("refused a connection whose owner could not be read", "err", err)
		} else {
			l.log.Warn("refused a connection from another user", "peer_uid", cred.UID)
		}
		go refuse(c, l.uid)
	}
}
