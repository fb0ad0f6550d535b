package ipc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"
)

// Limits of the server. Reads are bounded by ReadTimeout; each handler then
// allows itself the time its work needs (see allowTime).
const (
	readHeaderTimeout = 5 * time.Second
	readTimeout       = 10 * time.Second
	idleTimeout       = 2 * time.Minute
	maxHeaderBytes    = 16 << 10
	maxBodyBytes      = 64 << 10
	// requestBudget bounds one call into the agent (a sign-in talks to
	// BioT). The client waits a little longer, so it hears the answer.
	requestBudget = 90 * time.Second
	// writeBudget bounds one write of an event stream to a stuck client.
	writeBudget      = 10 * time.Second
	defaultHeartbeat = 30 * time.Second
)

// Server answers the local API for a Backend. Set its fields, then call
// Serve with a listener from [Listen].
type Server struct {
	Backend Backend
	Version string       // reported by GET /v1/status
	Logger  *slog.Logger // nil: no logging

	heartbeat   time.Duration // between event-stream comments; tests shorten it
	readTimeout time.Duration // 0 means readTimeout; tests shorten it
	proxyIdle   time.Duration // 0 means proxyIdle; tests shorten it

	initOnce  sync.Once
	hs        *http.Server
	done      chan struct{}   // closed by Shutdown: long polls and streams end
	stopCtx   context.Context // ends with done, for what takes a context
	stop      context.CancelFunc
	proxyLog  *log.Logger // the proxy's complaints (a stream broken off), at debug level
	closeOnce sync.Once
	lastToken atomic.Pointer[tokenAnswer] // see tokenJSON
}

func (s *Server) init() {
	s.initOnce.Do(func() {
		s.done = make(chan struct{})
		s.stopCtx, s.stop = context.WithCancel(context.Background())
		s.proxyLog = slog.NewLogLogger(s.log().Handler(), slog.LevelDebug)
		rt := s.readTimeout
		if rt <= 0 {
			rt = readTimeout
		}
		s.hs = &http.Server{
			Handler:           s.handler(),
			ReadHeaderTimeout: readHeaderTimeout,
			ReadTimeout:       rt,
			IdleTimeout:       idleTimeout,
			MaxHeaderBytes:    maxHeaderBytes,
			ErrorLog:          slog.NewLogLogger(s.log().Handler(), slog.LevelWarn),
		}
	})
}

// Serve answers connections from l until Shutdown; it then returns
// http.ErrServerClosed, like http.Server.Serve.
func (s *Server) Serve(l net.Listener) error {
	s.init()
	if pl, ok := l.(*listener); ok {
		pl.logger.Store(s.log())
	}
	return s.hs.Serve(l)
}

// Shutdown stops accepting connections (removing the socket file), ends
// token waits and event streams, and waits for answers in flight until ctx
// ends.
func (s *Server) Shutdown(ctx context.Context) error {
	s.init()
	s.closeOnce.Do(func() {
		close(s.done)
		s.stop()
	})
	return s.hs.Shutdown(ctx)
}

// idle is how long a proxied exchange may move no byte (see proxyIdle).
func (s *Server) idle() time.Duration {
	if s.proxyIdle > 0 {
		return s.proxyIdle
	}
	return proxyIdle
}

func (s *Server) log() *slog.Logger {
	if s.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return s.Logger
}

// handler routes requests and applies the rules every request obeys.
func (s *Server) handler() http.Handler {
	routes := map[string]map[string]http.HandlerFunc{
		"/v1/token":  {http.MethodGet: s.handleToken},
		"/v1/status": {http.MethodGet: s.handleStatus},
		"/v1/login":  {http.MethodPost: s.handleLogin},
		"/v1/logout": {http.MethodPost: s.handleLogout},
		"/v1/events": {http.MethodGet: s.handleEvents},

		"/v1/environments": {http.MethodGet: s.handleEnvironments},
	}
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		// The request log costs a clock reading and a wrapper: only when
		// it is written. The query holds only durations; never log headers
		// or bodies.
		if lg := s.log(); lg.Enabled(r.Context(), slog.LevelDebug) {
			start := time.Now()
			rec := &statusRecorder{ResponseWriter: w}
			defer func() {
				lg.Debug("request", "method", r.Method, "path", r.URL.Path, "status", rec.status, "took", time.Since(start).Round(time.Millisecond))
			}()
			w = rec
		}
		// A web page can make a browser send requests to a local socket
		// through a proxy or a helper; browsers always mark those with
		// Origin or Referer, and no legitimate client sends them.
		if fromBrowser(r) {
			w.Header().Set("Cache-Control", "no-store")
			s.writeError(w, r, &Error{Code: CodeForbidden, Message: "requests from web pages are refused"})
			return
		}
		// The proxy's answers are BioT's, headers and all.
		if env, _, ok := proxyPath(r.URL.Path); ok {
			s.handleProxy(w, r, env)
			return
		}
		w.Header().Set("Cache-Control", "no-store")
		methods, ok := routes[r.URL.Path]
		if !ok {
			s.writeError(w, r, &Error{Code: CodeNotFound, Message: "no such endpoint: " + r.URL.Path})
			return
		}
		h, ok := methods[r.Method]
		if !ok {
			allow := make([]string, 0, len(methods))
			for m := range methods {
				allow = append(allow, m)
			}
			sort.Strings(allow)
			w.Header().Set("Allow", strings.Join(allow, ", "))
			s.writeError(w, r, &Error{Code: CodeMethodNotAllowed, Message: r.Method + " is not allowed here; use " + strings.Join(allow, ", ")})
			return
		}
		if r.Body != http.NoBody {
			r.Body = http.MaxBytesReader(w, r.Body, maxBodyBytes)
		}
		// There is no server-wide WriteTimeout (it would cut event streams);
		// bound each answer instead, so a client that stops reading cannot
		// hold a goroutine forever. Handlers that need longer extend it.
		_ = http.NewResponseController(w).SetWriteDeadline(time.Now().Add(requestBudget + writeBudget))
		h(w, r)
	})
}

// fromBrowser reports whether r carries Origin or Referer, which browsers
// set and no other client of ours does.
func fromBrowser(r *http.Request) bool {
	_, origin := r.Header["Origin"]
	_, referer := r.Header["Referer"]
	return origin || referer
}

// allowTime gives the current request d more to run. ReadTimeout counts
// from the start of the request and would otherwise be the only bound left
// on the connection; the deadline set here both lifts it for a long poll or
// a slow sign-in and bounds them: once it passes, the server's background
// read fails and cancels the request's context. Call it only once the body
// is read, so a slow body still meets ReadTimeout.
func allowTime(w http.ResponseWriter, d time.Duration) {
	rc := http.NewResponseController(w)
	deadline := time.Now().Add(d)
	_ = rc.SetReadDeadline(deadline)
	_ = rc.SetWriteDeadline(deadline.Add(writeBudget))
}

// writeError answers err as a JSON error. Unknown errors are logged in
// full and answered with a generic message.
func (s *Server) writeError(w http.ResponseWriter, r *http.Request, err error) {
	status, info, known := toAPI(err)
	if known {
		s.log().Debug("answered an error", "path", r.URL.Path, "code", info.Code)
	} else {
		s.log().Error("internal error", "path", r.URL.Path, "err", err)
	}
	writeJSON(w, status, ErrorBody{Error: info})
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		status = http.StatusInternalServerError
		body = []byte(`{"error":{"code":"` + string(CodeInternal) + `","message":"` + internalMessage + `"}}`)
	}
	w.Header().Set("Content-Type", "application/json")
	w.WriteHeader(status)
	_, _ = w.Write(append(body, '\n'))
}

// statusRecorder remembers the status for the request log. Unwrap keeps
// http.ResponseController working through it.
type statusRecorder struct {
	http.ResponseWriter
	status int
}

func (r *statusRecorder) WriteHeader(code int) {
	if r.status == 0 {
		r.status = code
	}
	r.ResponseWriter.WriteHeader(code)
}

func (r *statusRecorder) Write(p []byte) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return r.ResponseWriter.Write(p)
}

// WriteString passes strings through without a copy to bytes, as
// net/http's own ResponseWriter takes them (io.WriteString finds it here).
func (r *statusRecorder) WriteString(s string) (int, error) {
	if r.status == 0 {
		r.status = http.StatusOK
	}
	return io.WriteString(r.ResponseWriter, s)
}

func (r *statusRecorder) Unwrap() http.ResponseWriter { return r.ResponseWriter }

// EnvHeader names the environment a request is for, for tools that cannot
// change the query (env=NAME); the query wins when both are given.
const EnvHeader = "Biot-Env"

// session finds the environment a request names: env= in the query, else
// the Biot-Env header, else fromBody (a field of a JSON body), else the
// default. Two that name different environments are refused: a script
// must never act somewhere it did not mean to.
func (s *Server) session(r *http.Request, q url.Values, fromBody string) (Session, error) {
	name := ""
	for _, n := range []string{q.Get("env"), r.Header.Get(EnvHeader), fromBody} {
		switch {
		case n == "" || n == name:
		case name == "":
			name = n
		default:
			return nil, badRequest(fmt.Sprintf("the request names two environments, %q and %q", name, n))
		}
	}
	return s.Backend.Session(name)
}

// queryOf parses the query only when there is one.
func queryOf(r *http.Request) url.Values {
	if r.URL.RawQuery == "" {
		return nil
	}
	return r.URL.Query()
}
