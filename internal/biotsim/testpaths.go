package biotsim

import (
	"encoding/base64"
	"io"
	"net/http"
	"strconv"
	"strings"
)

// The simulator's own endpoints, for tests of programs that forward
// requests to BioT (the agent's proxy). They are no part of BioT: they live
// under PathTest, a prefix no BioT service uses, and each but the status
// one wants a valid access token as /users/self does, answering 401
// TOKEN_NOT_VALID without one.
const (
	// PathTest is the prefix of the simulator's own endpoints.
	PathTest = "/_sim/"
	// PathEcho, and any path below it, answers any method with what it
	// received, as JSON (see Echo).
	PathEcho = "/_sim/echo"
	// PathBytes answers GET with ?n= bytes (at most 1 GiB) of a fixed
	// pattern (see PatternByte), as application/octet-stream with a
	// Content-Length, written 32 KiB at a time.
	PathBytes = "/_sim/bytes"
	// PathEvents answers GET with a text/event-stream: one event,
	// "data: 1", flushed at once; then it holds the stream open, sending
	// nothing, until the client or the Server goes away. A client that
	// reads the event has seen it streamed.
	PathEvents = "/_sim/events"
	// PathStatus + "NNN" answers that status with BioT's error body, its
	// code as BioT names it (403 ACCESS_DENIED, 504 GATEWAY_TIMEOUT, ...);
	// 3xx answers a redirect to PathEcho instead, with a Location header
	// and no body. It wants no token.
	PathStatus = "/_sim/status/"
)

// Echo is what PathEcho answers: the request as the simulator received it.
type Echo struct {
	Method string `json:"method"`
	// RequestURI is the target exactly as sent: the path as escaped and the
	// raw query.
	RequestURI string              `json:"requestURI"`
	Header     map[string][]string `json:"header"` // as received, Authorization included
	Body       string              `json:"body"`   // base64 of the body's bytes
}

// PatternByte is byte i of what PathBytes answers.
func PatternByte(i int64) byte { return byte(i*7 + i>>13) }

// maxEchoBody bounds what PathEcho reads and answers.
const maxEchoBody = 64 << 20

// serveTest answers the simulator's own endpoints; false means path is not
// one of them.
func (s *Server) serveTest(w http.ResponseWriter, r *http.Request) bool {
	path := r.URL.Path
	if !strings.HasPrefix(path, PathTest) {
		return false
	}
	if code, ok := strings.CutPrefix(path, PathStatus); ok {
		s.testStatus(w, code)
		return true
	}
	if path != PathEcho && !strings.HasPrefix(path, PathEcho+"/") && path != PathBytes && path != PathEvents {
		writeError(w, http.StatusNotFound, codeNotFound, "No such endpoint", nil)
		return true
	}
	if _, err := s.bearer(r, ScopeSelfGet); err != nil {
		s.rejectBearer(w)
		return true
	}
	switch {
	case path == PathBytes:
		s.testBytes(w, r)
	case path == PathEvents:
		s.testEvents(w, r)
	default:
		testEcho(w, r)
	}
	return true
}

func testEcho(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxEchoBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "request body unreadable or too large", nil)
		return
	}
	writeJSON(w, http.StatusOK, Echo{
		Method:     r.Method,
		RequestURI: r.RequestURI,
		Header:     r.Header,
		Body:       base64.StdEncoding.EncodeToString(body),
	})
}

func (s *Server) testBytes(w http.ResponseWriter, r *http.Request) {
	if r.Method != http.MethodGet {
		w.Header().Set("Allow", http.MethodGet)
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed, "Method not allowed; use GET", nil)
		return
	}
	n, err := strconv.ParseInt(r.URL.Query().Get("n"), 10, 64)
	if err != nil || n < 0 || n > 1<<30 {
		writeError(w, http.StatusBadRequest, codeBadRequest, "n must be a number of bytes up to 1 GiB", nil)
		return
	}
	w.Header().Set("Content-Type", "application/octet-stream")
	w.Header().Set("Content-Length", strconv.FormatInt(n, 10))
	w.WriteHeader(http.StatusOK)
	buf := make([]byte, 32<<10)
	for off := int64(0); off < n; {
		chunk := buf[:min(int64(len(buf)), n-off)]
		for i := range chunk {
			chunk[i] = PatternByte(off + int64(i))
		}
		if _, err := w.Write(chunk); err != nil {
			return
		}
		off += int64(len(chunk))
	}
}

func (s *Server) testEvents(w http.ResponseWriter, r *http.Request) {
	w.Header().Set("Content-Type", "text/event-stream")
	w.Header().Set("Cache-Control", "no-store")
	w.WriteHeader(http.StatusOK)
	_, _ = io.WriteString(w, "data: 1\n\n")
	_ = http.NewResponseController(w).Flush()
	select {
	case <-r.Context().Done():
	case <-s.done:
	}
}

// statusCodes are BioT's codes for the statuses PathStatus answers.
var statusCodes = map[int]string{
	http.StatusBadRequest:          codeBadRequest,
	http.StatusUnauthorized:        codeTokenNotValid,
	http.StatusForbidden:           "ACCESS_DENIED",
	http.StatusNotFound:            codeNotFound,
	http.StatusInternalServerError: codeInternal,
	http.StatusServiceUnavailable:  "SERVICE_UNAVAILABLE",
	http.StatusGatewayTimeout:      codeGatewayTimeout,
}

func (s *Server) testStatus(w http.ResponseWriter, code string) {
	status, err := strconv.Atoi(code)
	switch {
	case err != nil || status < 200 || status > 599:
		writeError(w, http.StatusNotFound, codeNotFound, "No such endpoint", nil)
	case status < 300:
		w.WriteHeader(status)
	case status < 400:
		w.Header().Set("Location", PathEcho+"/redirected")
		w.WriteHeader(status)
	default:
		c, ok := statusCodes[status]
		if !ok {
			c = "ERROR_" + code
		}
		writeError(w, status, c, http.StatusText(status), nil)
	}
}
