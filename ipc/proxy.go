package ipc

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httputil"
	"net/url"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// The proxy: /v1/proxy/PATH and /v1/environments/NAME/proxy/PATH, sent on
// to the environment's BioT with its access token. The package
// documentation says what a caller sees; the why is here.

// Headers of the proxy's answers.
const (
	// ErrorHeader names the code of an answer the agent made itself on a
	// proxy path (the session is over, the environment is read-only, BioT
	// did not answer), so a client tells it from BioT's own answer without
	// reading the body.
	ErrorHeader = "Biot-Agent-Error"
	// RetryHeader, on a 401 the proxy passes on from BioT, says why it
	// did not renew the token and send the request again.
	RetryHeader = "Biot-Agent-Retry"
)

const (
	proxyPrefix = "/v1/proxy"
	envsPrefix  = "/v1/environments/"
	// maxRetryBody is the largest request body the proxy keeps, so it can
	// send the request again after a renewal. Larger ones stream through
	// as they come, once.
	maxRetryBody = 8 << 20
	// maxKeptBodies bounds the bytes of request bodies the proxy keeps at
	// once, across every request of the process: a crowd of large bodies
	// would otherwise hold maxRetryBody each. A body that does not fit
	// streams through once, as a larger one does.
	maxKeptBodies = 64 << 20
	// proxyIdle ends a proxied exchange in which no byte moved either way
	// for this long. While bytes move, the connection's deadlines keep
	// moving with them: a download or an event stream lasts as long as it
	// flows.
	proxyIdle = 10 * time.Minute
)

// proxyPath splits a request path into the environment it names ("" for
// /v1/proxy/...) and the rest, the path to send to BioT; ok is false when
// path is not a proxy path.
func proxyPath(path string) (env, rest string, ok bool) {
	if after, found := strings.CutPrefix(path, proxyPrefix); found && (after == "" || after[0] == '/') {
		return "", strings.TrimPrefix(after, "/"), true
	}
	after, found := strings.CutPrefix(path, envsPrefix)
	if !found {
		return "", "", false
	}
	env, after, found = strings.Cut(after, "/")
	if !found || env == "" {
		return "", "", false
	}
	after, found = strings.CutPrefix(after, "proxy")
	if !found || (after != "" && after[0] != '/') {
		return "", "", false
	}
	return env, strings.TrimPrefix(after, "/"), true
}

// handleProxy answers a proxy path: any method, sent on to BioT.
func (s *Server) handleProxy(w http.ResponseWriter, r *http.Request, pathEnv string) {
	// The route was found on the decoded path; what goes to BioT is the
	// path as the caller escaped it, byte for byte.
	env, rest, ok := proxyPath(r.URL.EscapedPath())
	if !ok || env != pathEnv {
		s.writeProxyError(w, r, badRequest("the agent's part of a proxy path (/v1/proxy/, /v1/environments/NAME/proxy/) must not be escaped"))
		return
	}
	// The query is BioT's: only the path and the Biot-Env header name the
	// environment here.
	if h := r.Header.Get(EnvHeader); h != "" && h != env {
		if env != "" {
			s.writeProxyError(w, r, badRequest(fmt.Sprintf("the request names two environments, %q and %q", env, h)))
			return
		}
		env = h
	}
	sess, err := s.Backend.Session(env)
	if err != nil {
		s.writeProxyError(w, r, err)
		return
	}
	up := sess.Upstream()
	if up.ReadOnly && !readMethod(r.Method) {
		s.writeProxyError(w, r, &Error{Code: CodeReadOnly, Message: fmt.Sprintf(
			"the environment %s is read-only: a %s is not sent to BioT (only GET, HEAD and OPTIONS are)", sess.Status().Env, r.Method)})
		return
	}
	target, err := proxyURL(up.BaseURL, rest, r.URL.RawQuery)
	if err != nil {
		s.writeProxyError(w, r, err)
		return
	}
	idle := s.idle()
	fw := &flowWriter{ResponseWriter: w, rc: http.NewResponseController(w), idle: idle}
	fw.touch() // lifts ReadTimeout: the body streams, under proxyIdle
	// Shutdown ends a stream in flight: its deadlines pass, and with them
	// the request's context.
	defer context.AfterFunc(s.stopCtx, fw.expire)()

	tok, ok := sess.CurrentToken(0)
	if !ok {
		if tok, err = token(r.Context(), sess, 0); err != nil {
			s.writeProxyError(w, r, err)
			return
		}
	}
	f := &forwarder{sess: sess, base: up.Transport, tok: tok.Token, auth: "Bearer " + tok.Token, stop: s.stopCtx, idle: idle}
	if f.base == nil {
		f.base = http.DefaultTransport
	}
	if up := r.Header.Get("Upgrade"); up != "" && !strings.EqualFold(up, "websocket") {
		// Only a WebSocket passes through (over HTTP/1.1 to BioT, whatever
		// it offers): any other offer (h2c from curl --http2, say) is
		// dropped, and the request goes as a server that ignores the offer
		// answers it.
		f.dropUpgrade = true
	}
	in := &flowBody{ReadCloser: r.Body, fw: fw}
	defer f.release()
	if err := f.readBody(in, r.ContentLength); err != nil {
		s.writeProxyError(w, r, badRequest("the request's body could not be read: "+err.Error()))
		return
	}
	rp := &httputil.ReverseProxy{
		Rewrite:       func(pr *httputil.ProxyRequest) { f.rewrite(pr, target, in) },
		Transport:     f,
		FlushInterval: -1, // every write goes out at once: event streams, and downloads never held whole
		BufferPool:    copyBuffers,
		ErrorLog:      s.proxyLog,
		ErrorHandler:  s.proxyFailed,
	}
	rp.ServeHTTP(fw, r)
}

// readMethod reports whether a read-only environment lets method through.
func readMethod(method string) bool {
	switch method {
	case http.MethodGet, http.MethodHead, http.MethodOptions:
		return true
	}
	return false
}

// proxyURL is the URL a proxied request goes to: BioT's base URL, then
// rest (escaped as the caller sent it) and the caller's query, as sent.
func proxyURL(base, rest, rawQuery string) (*url.URL, error) {
	parsed, err := url.Parse(base)
	if err != nil || (parsed.Scheme != "https" && parsed.Scheme != "http") || parsed.Host == "" {
		return nil, fmt.Errorf("proxy: the environment's BioT URL %q is not one", base)
	}
	return joinURL(parsed, rest, rawQuery)
}

// joinURL is base, then rest (escaped as sent) and rawQuery. base is not
// changed.
func joinURL(base *url.URL, rest, rawQuery string) (*url.URL, error) {
	u := *base
	restPath, err := url.PathUnescape(rest)
	if err != nil {
		return nil, badRequest("the path is not validly escaped")
	}
	for seg := range strings.SplitSeq(restPath, "/") {
		if seg == "." || seg == ".." {
			return nil, badRequest("the path must not hold . or .. segments")
		}
	}
	esc := u.EscapedPath()
	u.Path += "/" + restPath
	u.RawPath = esc + "/" + rest
	u.RawQuery = rawQuery
	return &u, nil
}

// copyBuffers are the buffers the proxy copies answers through, kept from
// one request to the next instead of one new 32 KiB buffer each.
var copyBuffers httputil.BufferPool = &bufferPool{}

type bufferPool struct{ p sync.Pool }

func (b *bufferPool) Get() []byte {
	if buf, ok := b.p.Get().(*[]byte); ok {
		return *buf
	}
	return make([]byte, 32<<10)
}

func (b *bufferPool) Put(buf []byte) { b.p.Put(&buf) }

// writeProxyError answers err as the agent's own answer on a proxy path.
func (s *Server) writeProxyError(w http.ResponseWriter, r *http.Request, err error) {
	_, info, _ := toAPI(err)
	w.Header().Set(ErrorHeader, string(info.Code))
	w.Header().Set("Cache-Control", "no-store")
	s.writeError(w, r, err)
}

// proxyFailed is the ErrorHandler of the proxy: no answer came from BioT
// (or the renewal of a refused token failed, an *Error).
func (s *Server) proxyFailed(w http.ResponseWriter, r *http.Request, err error) {
	switch {
	case codeOf(err) != "":
		s.writeProxyError(w, r, err)
	case r.Context().Err() != nil:
		// The caller went away, or the agent is stopping: the answer is
		// for the record, as nobody is likely to read it.
		s.writeProxyError(w, r, &Error{Code: CodeBioTUnreachable, Message: "the request ended before BioT answered"})
	default:
		s.log().Warn("proxy: no answer from BioT", "method", r.Method, "err", err)
		s.writeProxyError(w, r, &Error{Code: CodeBioTUnreachable, Message: "BioT could not be reached: " + err.Error()})
	}
}

// forwarder sends one proxied request to BioT with the session's token
// and, when BioT refuses the token, once more with its renewal.
type forwarder struct {
	sess Session
	base http.RoundTripper
	tok  string
	auth string // "Bearer " + tok
	// body is the request's body when it was kept whole (buffered):
	// only then can the request be sent again.
	body     []byte
	buffered bool
	prefix   []byte // a body not kept: what was read of it
	why      string // why a body was not kept, for RetryHeader
	held     int64  // bytes of keptBodies this request holds

	dropUpgrade bool            // the caller offered an upgrade other than WebSocket
	stop        context.Context // ends with the server: an upgraded exchange ends with it
	idle        time.Duration   // an upgraded exchange idle this long ends
}

// readBody keeps a body of up to maxRetryBody bytes, when the process's
// budget for kept bodies (keptBodies) has room for it; of a larger one, or
// one that does not fit, it keeps only what it read to find out. What it
// keeps stays counted until release.
func (f *forwarder) readBody(body io.Reader, length int64) error {
	switch {
	case length == 0:
		f.buffered = true
		return nil
	case length > maxRetryBody:
		f.why = whyTooLarge
		return nil
	case length > 0:
		if !f.hold(length) {
			f.why = whyBudget
			return nil
		}
		buf := make([]byte, length)
		if _, err := io.ReadFull(body, buf); err != nil {
			return err
		}
		f.body, f.buffered = buf, true
		return nil
	}
	// No length given (chunked): the buffer grows as the body comes, each
	// step counted before it is made.
	var buf []byte
	for {
		if len(buf) > maxRetryBody {
			f.prefix, f.why = buf, whyTooLarge
			return nil
		}
		if len(buf) == cap(buf) {
			next := min(max(2*cap(buf), 64<<10), maxRetryBody+1)
			if !f.hold(int64(next - cap(buf))) {
				f.prefix, f.why = buf, whyBudget
				return nil
			}
			grown := make([]byte, len(buf), next)
			copy(grown, buf)
			buf = grown
		}
		n, err := body.Read(buf[len(buf):cap(buf)])
		buf = buf[:len(buf)+n]
		if err == io.EOF {
			f.body, f.buffered = buf, true
			return nil
		}
		if err != nil {
			return err
		}
	}
}

// Why a 401 was not sent again, in RetryHeader.
const (
	whyTooLarge = "no (body over 8 MiB)"
	whyBudget   = "no (body streamed: the agent was keeping 64 MiB of other requests' bodies)"
)

// hold counts n more bytes of this request's body against keptBodies;
// false when they do not fit.
func (f *forwarder) hold(n int64) bool {
	if !keptBodies.take(n) {
		return false
	}
	f.held += n
	return true
}

// release gives back what the request's body held of keptBodies, once
// the request has ended.
func (f *forwarder) release() {
	keptBodies.give(f.held)
	f.held = 0
}

// keptBodies is the process's budget for the request bodies the proxy
// keeps.
var keptBodies = &bodyBudget{max: maxKeptBodies}

// bodyBudget counts bytes held against a maximum.
type bodyBudget struct {
	max  int64
	used atomic.Int64
}

// take counts n more bytes, unless that would go over the maximum.
func (b *bodyBudget) take(n int64) bool {
	for {
		used := b.used.Load()
		if used+n > b.max {
			return false
		}
		if b.used.CompareAndSwap(used, used+n) {
			return true
		}
	}
}

// give hands back n bytes.
func (b *bodyBudget) give(n int64) { b.used.Add(-n) }

// rewrite makes the request BioT gets: the target URL, the agent's token
// in place of whatever the caller sent, no cookie, and the body.
// httputil.ReverseProxy has dropped the hop-by-hop headers and the
// caller's X-Forwarded-* and Forwarded, and adds none of its own under
// Rewrite.
func (f *forwarder) rewrite(pr *httputil.ProxyRequest, target *url.URL, in *flowBody) {
	out := pr.Out
	u := *target
	out.URL = &u
	out.Host = ""
	h := out.Header
	h.Del("Cookie")
	h.Del(EnvHeader)
	h.Set("Authorization", f.auth)
	if f.dropUpgrade {
		h.Del("Upgrade")
		h.Del("Connection")
	}
	switch {
	case f.buffered:
		out.Body, out.GetBody = f.newBody()
		out.ContentLength = int64(len(f.body))
		out.TransferEncoding = nil
		// The body is here already; waiting for BioT's 100 Continue
		// would only delay it.
		h.Del("Expect")
	case f.prefix != nil:
		out.Body = struct {
			io.Reader
			io.Closer
		}{io.MultiReader(bytes.NewReader(f.prefix), in), in}
	default:
		out.Body = in
	}
}

// newBody answers a fresh reader of the kept body, and the GetBody that
// makes more (so net/http may send it again on a new connection).
func (f *forwarder) newBody() (io.ReadCloser, func() (io.ReadCloser, error)) {
	if len(f.body) == 0 {
		return nil, nil
	}
	get := func() (io.ReadCloser, error) { return io.NopCloser(bytes.NewReader(f.body)), nil }
	b, _ := get()
	return b, get
}

// RoundTrip sends req; on a 401 to a kept body it renews the token (one
// refresh for every request refused together) and sends req once more.
// Anything else, 403 and 5xx included, goes back as it came.
func (f *forwarder) RoundTrip(req *http.Request) (*http.Response, error) {
	resp, err := f.base.RoundTrip(req)
	if err != nil || resp.StatusCode != http.StatusUnauthorized {
		return f.watch(resp), err
	}
	if !f.buffered {
		resp.Header.Set(RetryHeader, f.why)
		return resp, nil
	}
	tok, err := f.sess.Renew(req.Context(), f.tok)
	if err != nil {
		discard(resp)
		return nil, err
	}
	if tok.Token == f.tok {
		resp.Header.Set(RetryHeader, "no (BioT refused a token renewed moments ago)")
		return resp, nil
	}
	discard(resp)
	f.tok, f.auth = tok.Token, "Bearer "+tok.Token
	again := req.Clone(req.Context())
	again.Header.Set("Authorization", f.auth)
	again.Body, again.GetBody = f.newBody()
	resp, err = f.base.RoundTrip(again)
	return f.watch(resp), err
}

// watch bounds an exchange that switched protocols (a WebSocket): once
// httputil.ReverseProxy has hijacked the caller's connection, no server
// deadline or timeout applies to it any more, so the connection to BioT
// ends it instead, when no byte has moved either way for f.idle and when
// the server stops. Other answers pass as they are.
func (f *forwarder) watch(resp *http.Response) *http.Response {
	if resp == nil || resp.StatusCode != http.StatusSwitchingProtocols {
		return resp
	}
	if rwc, ok := resp.Body.(io.ReadWriteCloser); ok {
		resp.Body = watchUpgraded(rwc, f.stop, f.idle)
	}
	return resp
}

// upgraded is the connection to BioT of an exchange that switched
// protocols. httputil.ReverseProxy copies every byte of the exchange,
// both ways, through it, and ends the exchange when it fails or closes.
type upgraded struct {
	io.ReadWriteCloser
	idle time.Duration
	last atomic.Int64 // when a byte last moved, in Unix nanoseconds

	mu     sync.Mutex
	timer  *time.Timer // nil: no idle bound
	unhook func() bool // ends the watch of the server's stop
	closed bool
}

// watchUpgraded closes rwc when stop ends and, for idle > 0, once no byte
// has moved through it for idle.
func watchUpgraded(rwc io.ReadWriteCloser, stop context.Context, idle time.Duration) *upgraded {
	u := &upgraded{ReadWriteCloser: rwc, idle: idle}
	u.last.Store(time.Now().UnixNano())
	u.mu.Lock() // the timer and the hook may fire before they are stored
	defer u.mu.Unlock()
	if idle > 0 {
		u.timer = time.AfterFunc(idle, u.checkIdle)
	}
	u.unhook = context.AfterFunc(stop, func() { _ = u.Close() })
	return u
}

// checkIdle closes u when no byte moved for u.idle, else looks again when
// that may be so.
func (u *upgraded) checkIdle() {
	u.mu.Lock()
	since := time.Since(time.Unix(0, u.last.Load()))
	if since < u.idle && !u.closed {
		u.timer.Reset(u.idle - since)
		u.mu.Unlock()
		return
	}
	u.mu.Unlock()
	_ = u.Close()
}

func (u *upgraded) Read(p []byte) (int, error) {
	n, err := u.ReadWriteCloser.Read(p)
	if n > 0 {
		u.last.Store(time.Now().UnixNano())
	}
	return n, err
}

func (u *upgraded) Write(p []byte) (int, error) {
	n, err := u.ReadWriteCloser.Write(p)
	if n > 0 {
		u.last.Store(time.Now().UnixNano())
	}
	return n, err
}

// Close closes the connection to BioT, once.
func (u *upgraded) Close() error {
	u.mu.Lock()
	if u.closed {
		u.mu.Unlock()
		return net.ErrClosed
	}
	u.closed = true
	if u.timer != nil {
		u.timer.Stop()
	}
	unhook := u.unhook
	u.mu.Unlock()
	unhook()
	return u.ReadWriteCloser.Close()
}

// discard reads a little of an answer nobody will see, so its connection
// can serve the next request, and closes it.
func discard(resp *http.Response) {
	_, _ = io.CopyN(io.Discard, resp.Body, 64<<10)
	resp.Body.Close()
}

// flowWriter moves the connection's deadlines along while a proxied
// exchange moves bytes, so that only an idle one ends (see proxyIdle).
// Unwrap keeps http.ResponseController (flushes, and the hijack of an
// upgrade) working through it.
type flowWriter struct {
	http.ResponseWriter
	rc   *http.ResponseController
	idle time.Duration // see proxyIdle
	next atomic.Int64  // when the deadlines move next, in Unix nanoseconds

	mu      sync.Mutex // one move of the deadlines at a time
	expired bool
}

// touch moves the deadlines to fw.idle from now, at most every quarter
// of it: setting a deadline resets a timer, not worth paying on every
// write.
func (fw *flowWriter) touch() {
	now := time.Now()
	if now.UnixNano() < fw.next.Load() {
		return
	}
	fw.next.Store(now.Add(fw.idle / 4).UnixNano())
	fw.mu.Lock()
	defer fw.mu.Unlock()
	if !fw.expired {
		_ = fw.rc.SetReadDeadline(now.Add(fw.idle))
		_ = fw.rc.SetWriteDeadline(now.Add(fw.idle))
	}
}

// expire ends the exchange: its deadlines pass now, for good, so the
// server's read of the connection fails and cancels the request's context
// (and with it the request to BioT), and writes fail.
func (fw *flowWriter) expire() {
	fw.mu.Lock()
	defer fw.mu.Unlock()
	fw.expired = true
	now := time.Now()
	_ = fw.rc.SetReadDeadline(now)
	_ = fw.rc.SetWriteDeadline(now)
}

func (fw *flowWriter) Write(p []byte) (int, error) {
	fw.touch()
	return fw.ResponseWriter.Write(p)
}

func (fw *flowWriter) Unwrap() http.ResponseWriter { return fw.ResponseWriter }

// flowBody is the request's body, moving the deadlines as it is read.
type flowBody struct {
	io.ReadCloser
	fw *flowWriter
}

func (b *flowBody) Read(p []byte) (int, error) {
	n, err := b.ReadCloser.Read(p)
	if n > 0 {
		b.fw.touch()
	}
	return n, err
}
