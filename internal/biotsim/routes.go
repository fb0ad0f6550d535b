package biotsim

import (
	"context"
	"net/http"
	"slices"
)

// The paths the simulator answers, for SetFaultFor and for callers that
// build URLs: URL()+PathLogin.
const (
	PathLogin     = "/ums/v2/users/login"
	PathMFALogin  = "/ums/v2/users/login/mfa"
	PathMFAResend = "/ums/v2/users/login/mfa/resend"
	PathRefresh   = "/ums/v2/users/token/refresh"
	PathLogout    = "/ums/v2/users/logout"
	PathOTPCode   = "/ums/v2/users/otp/generate"
	PathOTPLogin  = "/ums/v2/users/otp/login"
	PathService   = "/ums/v2/services/accessToken"
	PathSelf      = "/ums/v2/users/self"
	PathHealth    = "/ums/system/healthCheck"
	PathPublicKey = "/ums/v1/security/public-key"
)

type route struct {
	method  string
	handler func(*Server, http.ResponseWriter, *http.Request)
}

var routes = map[string]route{
	PathLogin:     {http.MethodPost, (*Server).login},
	PathMFALogin:  {http.MethodPost, (*Server).mfaLogin},
	PathMFAResend: {http.MethodPost, (*Server).mfaResend},
	PathRefresh:   {http.MethodPost, (*Server).refresh},
	PathLogout:    {http.MethodPost, (*Server).logout},
	PathOTPCode:   {http.MethodPost, (*Server).otpGenerate},
	PathOTPLogin:  {http.MethodPost, (*Server).otpLogin},
	PathService:   {http.MethodPost, (*Server).serviceAccessToken},
	PathSelf:      {http.MethodGet, (*Server).self},
	PathHealth:    {http.MethodGet, (*Server).healthCheck},
	PathPublicKey: {http.MethodGet, (*Server).publicKey},
}

// Paths lists the paths the simulator answers, sorted.
func Paths() []string {
	var ps []string
	for p := range routes {
		ps = append(ps, p)
	}
	slices.Sort(ps)
	return ps
}

type faultKey struct{}

func faultFrom(ctx context.Context) Fault {
	f, _ := ctx.Value(faultKey{}).(Fault)
	return f
}

// ServeHTTP counts the request, lets the fault in force answer it, and
// otherwise routes it.
func (s *Server) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	path := r.URL.Path
	s.mu.Lock()
	s.stats.Requests++
	s.stats.ByPath[path]++
	f, ok := s.faultFor[path]
	if !ok {
		f = s.fault
	}
	s.mu.Unlock()

	// The Date header comes from the simulated clock, as a server's comes
	// from its own: clients may judge clock skew and token lifetimes by it.
	w.Header().Set("Date", s.now().UTC().Format(http.TimeFormat))
	if s.applyFault(w, r, f) {
		return
	}
	if f == FaultNoRefreshJwt {
		r = r.WithContext(context.WithValue(r.Context(), faultKey{}, f))
	}
	if s.serveTest(w, r) {
		return
	}
	rt, ok := routes[path]
	switch {
	case !ok:
		writeError(w, http.StatusNotFound, codeNotFound, "No such endpoint", nil)
	case r.Method != rt.method:
		w.Header().Set("Allow", rt.method)
		writeError(w, http.StatusMethodNotAllowed, codeMethodNotAllowed,
			"Method not allowed; use "+rt.method, nil)
	default:
		rt.handler(s, w, r)
	}
}
