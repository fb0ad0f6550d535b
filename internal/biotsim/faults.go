package biotsim

import (
	"net/http"
	"strconv"
	"time"
)

// Fault is a way the road to BioT fails. See the package documentation for
// how faults are scoped.
type Fault int

const (
	// FaultNone: UMS answers normally.
	FaultNone Fault = iota
	// FaultDown: the connection is accepted, then closed with no answer,
	// like a dead load balancer; clients see EOF or a reset.
	FaultDown
	// Fault500: 500 INTERNAL_SERVER_ERROR in BioT's error body.
	Fault500
	// Fault504: 504 GATEWAY_TIMEOUT in BioT's error body.
	Fault504
	// FaultFirewall: 403 with an HTML page like AWS WAF's, no BioT body.
	FaultFirewall
	// FaultSlow: the request waits Options.SlowDelay, then goes through;
	// it is dropped if the client gives up or the Server closes first.
	FaultSlow
	// FaultTruncated: 200 application/json whose body stops mid-object
	// (the HTTP message itself is complete).
	FaultTruncated
	// FaultHTMLPage: 200 text/html, like a captive portal or a
	// maintenance page.
	FaultHTMLPage
	// FaultBadGateway: 502 text/html, like a load balancer whose target is
	// gone.
	FaultBadGateway
	// FaultNoRefreshJwt: refresh answers 200 with a new access token and
	// refreshJwt null; other endpoints are unaffected.
	FaultNoRefreshJwt
)

var faultNames = [...]string{
	FaultNone:         "none",
	FaultDown:         "down",
	Fault500:          "500",
	Fault504:          "504",
	FaultFirewall:     "firewall",
	FaultSlow:         "slow",
	FaultTruncated:    "truncated",
	FaultHTMLPage:     "html-page",
	FaultBadGateway:   "bad-gateway",
	FaultNoRefreshJwt: "no-refresh-jwt",
}

func (f Fault) String() string {
	if f >= 0 && int(f) < len(faultNames) {
		return faultNames[f]
	}
	return "Fault(" + strconv.Itoa(int(f)) + ")"
}

// SetFault makes every path suffer f, and forgets faults set for single
// paths; SetFault(FaultNone) brings everything back.
func (s *Server) SetFault(f Fault) {
	s.mu.Lock()
	defer s.mu.Unlock()
	s.fault = f
	clear(s.faultFor)
}

// SetFaultFor makes the given paths (such as PathRefresh) suffer f,
// whatever SetFault said; FaultNone makes them answer normally again. Other
// paths are unchanged.
func (s *Server) SetFaultFor(f Fault, paths ...string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, p := range paths {
		s.faultFor[p] = f
	}
}

// applyFault answers r the way f fails and reports whether it did; false
// means the request goes on to UMS.
func (s *Server) applyFault(w http.ResponseWriter, r *http.Request, f Fault) bool {
	switch f {
	case FaultNone, FaultNoRefreshJwt:
		return false
	case FaultSlow:
		t := time.NewTimer(s.cfg.SlowDelay)
		defer t.Stop()
		select {
		case <-t.C:
			s.count(func(st *Stats) { st.Faults++ })
			return false
		case <-r.Context().Done():
		case <-s.done:
		}
		s.count(func(st *Stats) { st.Faults++ })
		hangUp(w)
		return true
	}
	s.count(func(st *Stats) { st.Faults++ })
	switch f {
	case FaultDown:
		hangUp(w)
	case Fault500:
		writeError(w, http.StatusInternalServerError, codeInternal, "Internal server error", nil)
	case Fault504:
		writeError(w, http.StatusGatewayTimeout, codeGatewayTimeout, "Gateway timeout", nil)
	case FaultFirewall:
		writeHTML(w, http.StatusForbidden, wafPage)
	case FaultTruncated:
		body := truncatedBody
		h := w.Header()
		h.Set("Content-Type", "application/json")
		h.Set("Content-Length", strconv.Itoa(len(body)))
		w.WriteHeader(http.StatusOK)
		_, _ = w.Write([]byte(body))
	case FaultHTMLPage:
		writeHTML(w, http.StatusOK, maintenancePage)
	case FaultBadGateway:
		writeHTML(w, http.StatusBadGateway, badGatewayPage)
	default:
		writeError(w, http.StatusInternalServerError, codeInternal, "Unknown simulator fault", nil)
	}
	return true
}

// hangUp closes the connection without an answer.
func hangUp(w http.ResponseWriter) {
	if hj, ok := w.(http.Hijacker); ok {
		if conn, _, err := hj.Hijack(); err == nil {
			_ = conn.Close()
			return
		}
	}
	// net/http closes the connection, without logging, on this panic.
	panic(http.ErrAbortHandler)
}

func writeHTML(w http.ResponseWriter, status int, page string) {
	h := w.Header()
	h.Set("Content-Type", "text/html")
	h.Set("Content-Length", strconv.Itoa(len(page)))
	w.WriteHeader(status)
	_, _ = w.Write([]byte(page))
}

// truncatedBody is the first part of a LoginResponse; its token is no
// token of this Server.
const truncatedBody = `{"userId":"00000000-0000-4000-8000-000000000000","ownerOrganizationId":"00000000-0000-4000-8000-000000000001","accessJwt":{"token":"eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiIwMDAw`

// wafPage is what AWS WAF behind an application load balancer answers when
// it blocks a request.
const wafPage = `<html>
<head><title>403 Forbidden</title></head>
<body>
<center><h1>403 Forbidden</h1></center>
</body>
</html>
`

const badGatewayPage = `<html>
<head><title>502 Bad Gateway</title></head>
<body>
<center><h1>502 Bad Gateway</h1></center>
</body>
</html>
`

const maintenancePage = `<!DOCTYPE html>
<html>
<head><title>Scheduled maintenance</title></head>
<body>
<h1>We'll be back soon</h1>
<p>The service is down for scheduled maintenance.</p>
</body>
</html>
`
