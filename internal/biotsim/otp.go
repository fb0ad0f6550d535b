package biotsim

import (
	"crypto/subtle"
	"net/http"
	"regexp"
	"time"
)

// otpRequest is a sign-in code sent to an OTP user's phone, waiting to be
// sent back with its request id.
type otpRequest struct {
	username string
	code     string
	expires  time.Time
}

// e164 is the form the spec asks of a phone: a plus, then up to 15 digits,
// the first not a zero.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// otpGenerate answers POST /ums/v2/users/otp/generate: a code goes to the
// phone of the OTP user whose username it is, and the answer names the
// request the code belongs to. A new code replaces the user's earlier one,
// whose request id then signs in no more.
func (s *Server) otpGenerate(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Phone *string `json:"phone"`
	}
	if !decodeBody(w, r, &req) {
		return
	}
	if req.Phone == nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "phone is required", nil)
		return
	}
	phone := *req.Phone

	s.mu.Lock()
	u := s.users[phone]
	if !e164.MatchString(phone) || u == nil || !u.OTP {
		s.mu.Unlock()
		// A phone is no secret; the details name it as the spec says
		// ("Details: [phone, userId]"), without a user id nobody has.
		writeError(w, http.StatusConflict, codePhoneNotValid,
			"Phone is not valid: no user signs in with a code sent to it", map[string]any{"phone": phone})
		return
	}
	now := s.now()
	id := newUUID()
	for rid, old := range s.otp {
		if old.username == u.Username {
			delete(s.otp, rid)
		}
	}
	m := sms{phone: maskPhone(phone), username: u.Username, code: smsCode(), expires: now.Add(s.cfg.MFATTL)}
	s.otp[id] = &otpRequest{username: u.Username, code: m.code, expires: m.expires}
	s.lastSMS[u.Username] = m.code
	s.stats.SMSSent++
	s.stats.OTPSent++
	s.mu.Unlock()
	s.send(m)
	writeJSON(w, http.StatusOK, generateOtpResponse{RequestID: id, Phone: m.phone})
}

// otpLogin answers POST /ums/v2/users/otp/login: the request id and the code
// sent with it give the full LoginResponse, refresh token included.
func (s *Server) otpLogin(w http.ResponseWriter, r *http.Request) {
	var req struct {
		RequestID *string `json:"requestId"`
		Code      *string `json:"code"`
	}
	if !decodeBody(w, r, &req) {
		s.count(func(st *Stats) { st.OTPRejected++ })
		return
	}
	if req.RequestID == nil || req.Code == nil {
		s.count(func(st *Stats) { st.OTPRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "requestId and code are required", nil)
		return
	}
	if !uuidShape.MatchString(*req.RequestID) {
		s.count(func(st *Stats) { st.OTPRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "requestId is not a UUID", nil)
		return
	}

	s.mu.Lock()
	now := s.now()
	o := s.otp[*req.RequestID]
	var u *User
	if o != nil {
		u = s.users[o.username]
	}
	switch {
	case u != nil && u.locked():
		// As for a password, a locked account is told before the code is
		// looked at.
		s.stats.OTPRejected++
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, codeUserLocked, "User is locked", nil)
		return
	case u == nil || !u.OTP || now.After(o.expires) ||
		subtle.ConstantTimeCompare([]byte(o.code), []byte(*req.Code)) != 1:
		// A wrong code may be tried again while the request lives; an
		// unknown, used or expired request answers the same.
		s.stats.OTPRejected++
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, codeLoginFailed, "Login failed: wrong or expired code", nil)
		return
	}
	delete(s.otp, *req.RequestID) // a code signs in once
	s.stats.OTPLogins++
	u.lastLogin = now
	g := s.fullGrantLocked(u, now)
	s.mu.Unlock()
	s.answerGrant(w, g)
}

// uuidShape is any UUID, as the spec's "format": "uuid" asks.
var uuidShape = regexp.MustCompile(`^[0-9a-fA-F]{8}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{4}-[0-9a-fA-F]{12}$`)
