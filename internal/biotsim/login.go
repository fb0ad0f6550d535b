package biotsim

import (
	"crypto/rand"
	"crypto/subtle"
	"fmt"
	"math/big"
	"net/http"
	"time"
)

// login answers POST /ums/v2/users/login.
func (s *Server) login(w http.ResponseWriter, r *http.Request) {
	var req struct {
		Username *string `json:"username"`
		Password *string `json:"password"`
	}
	if !decodeBody(w, r, &req) {
		s.count(func(st *Stats) { st.LoginsRejected++ })
		return
	}
	if req.Username == nil {
		s.count(func(st *Stats) { st.LoginsRejected++ })
		writeError(w, http.StatusBadRequest, codeBadRequest, "username is required", nil)
		return
	}
	password := ""
	if req.Password != nil {
		password = *req.Password
	}

	s.mu.Lock()
	now := s.now()
	u := s.users[*req.Username]
	switch {
	case u != nil && u.LockedMinutes > 0:
		s.stats.LoginsRejected++
		minutes := u.LockedMinutes
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, codeUserLockedWithTime,
			fmt.Sprintf("User is locked, try again in %d minutes", minutes),
			map[string]any{"timeLeftInMinutes": minutes})
		return
	case u != nil && u.locked():
		s.stats.LoginsRejected++
		s.mu.Unlock()
		writeError(w, http.StatusUnauthorized, codeUserLocked, "User is locked", nil)
		return
	case u == nil || u.OTP || subtle.ConstantTimeCompare([]byte(u.Password), []byte(password)) != 1:
		s.stats.LoginsRejected++
		s.mu.Unlock()
		writeError(w, http.StatusForbidden, codeLoginFailed, "Login failed: wrong username or password", nil)
		return
	}
	s.stats.Logins++
	u.lastLogin = now
	if u.MFAPhone == "" {
		g := s.fullGrantLocked(u, now)
		s.mu.Unlock()
		s.answerGrant(w, g)
		return
	}
	m := s.newSMSLocked(u, now)
	g := grant{
		userID:    u.ID,
		orgID:     u.OrganizationID,
		scopes:    interimScopes,
		accessExp: now.Add(s.cfg.AccessTTL),
		mfaExp:    m.expires,
		phone:     maskPhone(u.MFAPhone),
	}
	s.mu.Unlock()
	s.send(m)
	s.answerGrant(w, g)
}

// sms is a code on its way to a phone.
type sms struct {
	phone, username, code string
	expires               time.Time
}

// newSMSLocked makes a new 6-digit code for u, replacing any earlier one.
// s.mu must be held; the caller sends it once the lock is released, so a
// Logf that calls back into the Server cannot deadlock.
func (s *Server) newSMSLocked(u *User, now time.Time) sms {
	m := sms{phone: maskPhone(u.MFAPhone), username: u.Username, code: smsCode(), expires: now.Add(s.cfg.MFATTL)}
	s.mfa[u.ID] = &mfaChallenge{code: m.code, expires: m.expires}
	s.lastSMS[u.Username] = m.code
	s.stats.SMSSent++
	return m
}

// send "sends" the SMS: the code goes to Logf, which is the demo's point;
// an SMS code is no password.
func (s *Server) send(m sms) {
	s.logf("biotsim: SMS to %s for %s: your BioT code is %s", m.phone, m.username, m.code)
}

func smsCode() string {
	n, err := rand.Int(rand.Reader, big.NewInt(1_000_000))
	if err != nil {
		n = big.NewInt(0) // crypto/rand does not fail (Go 1.24+)
	}
	return fmt.Sprintf("%06d", n.Int64())
}
