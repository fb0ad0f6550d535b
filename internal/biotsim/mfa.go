package biotsim

import (
	"crypto/subtle"
	"net/http"
)

// mfaLogin answers POST /ums/v2/users/login/mfa: the interim token of a
// sign-in plus the SMS code give the full LoginResponse.
func (s *Server) mfaLogin(w http.ResponseWriter, r *http.Request) {
	// Authentication before the body, as Spring's filters do.
	c, err := s.bearer(r, ScopeMFALogin)
	if err != nil {
		s.rejectBearer(w)
		return
	}
	var req struct {
		Code *string `json:"code"`
	}
	if !decodeBody(w, r, &req) {
		s.count(func(st *Stats) { st.MFARejected++ })
		return
	}
	code := ""
	if req.Code != nil {
		code = *req.Code
	}

	s.mu.Lock()
	now := s.now()
	ch := s.mfa[c.Subject]
	u := s.userByIDLocked(c.Subject)
	if u == nil || ch == nil || now.After(ch.expires) ||
		subtle.ConstantTimeCompare([]byte(ch.code), []byte(code)) != 1 {
		s.stats.MFARejected++
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, codeLoginFailed, "Login failed: wrong or expired verification code", nil)
		return
	}
	delete(s.mfa, c.Subject) // a code signs in once
	s.stats.MFALogins++
	g := s.fullGrantLocked(u, now)
	s.mu.Unlock()
	s.answerGrant(w, g)
}

// mfaResend answers POST /ums/v2/users/login/mfa/resend: a new code, which
// replaces the old one.
func (s *Server) mfaResend(w http.ResponseWriter, r *http.Request) {
	c, err := s.bearer(r, ScopeResendMFA)
	if err != nil {
		s.rejectBearer(w)
		return
	}
	s.mu.Lock()
	u := s.userByIDLocked(c.Subject)
	if u == nil || u.MFAPhone == "" {
		s.mu.Unlock()
		s.rejectBearer(w)
		return
	}
	m := s.newSMSLocked(u, s.now())
	s.stats.MFAResends++
	s.mu.Unlock()
	s.send(m)
	writeJSON(w, http.StatusOK, resendMfaResponse{MFAExpiration: formatTime(m.expires)})
}
