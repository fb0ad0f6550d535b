package biotsim

import (
	"crypto/rand"
	"encoding/hex"
	"fmt"
	"strings"
	"time"
)

// User is an account of the simulated UMS.
type User struct {
	Username string // matched exactly, case included
	Password string
	// ID and OrganizationID are UUIDs; New and AddUser make them up when
	// empty (or keep those of the user being replaced).
	ID, OrganizationID string
	// MFAPhone, when set, turns on SMS sign-in for the user; E.164, such
	// as "+12345678901".
	MFAPhone string
	// OTP makes the user's credentialType OTP: Username is then the
	// user's phone (E.164, as the spec asks of such usernames), the user
	// has no password, and signs in only with a code sent to that phone
	// (/users/otp/generate, then /users/otp/login). Password sign-in
	// answers 403 LOGIN_FAILED.
	OTP bool
	// PasswordResetRequired makes sign-in answer passwordResetRequired and
	// no refresh token.
	PasswordResetRequired bool
	// Locked makes sign-in answer 401 USER_LOCKED. LockedMinutes > 0
	// (with or without Locked) makes it USER_LOCKED_WITH_TIME with
	// details.timeLeftInMinutes; the minutes do not count down.
	Locked        bool
	LockedMinutes int

	lastLogin time.Time
}

// AddUser adds u, or replaces the user with the same username. Replacing
// keeps the old ID and organization when u leaves them empty, so live
// sessions stay the user's: that is how a test locks an account midway.
func (s *Server) AddUser(u User) {
	u.lastLogin = time.Time{}
	s.mu.Lock()
	defer s.mu.Unlock()
	if old, ok := s.users[u.Username]; ok {
		if u.ID == "" {
			u.ID = old.ID
		}
		if u.OrganizationID == "" {
			u.OrganizationID = old.OrganizationID
		}
		u.lastLogin = old.lastLogin
		delete(s.byID, old.ID)
	}
	if u.ID == "" {
		u.ID = newUUID()
	}
	if u.OrganizationID == "" {
		u.OrganizationID = newUUID()
	}
	s.users[u.Username] = &u
	s.byID[u.ID] = u.Username
}

func (u *User) locked() bool { return u.Locked || u.LockedMinutes > 0 }

// credentialType is the user's credentialType in the spec's words.
func (u *User) credentialType() string {
	if u.OTP {
		return "OTP"
	}
	return "PASSWORD"
}

// userByIDLocked finds a user by id; s.mu must be held.
func (s *Server) userByIDLocked(id string) *User {
	name, ok := s.byID[id]
	if !ok {
		return nil
	}
	return s.users[name]
}

// maskPhone hides all digits of an E.164 number but the last four, the
// way SMS sign-in pages usually show it (BioT's exact mask is unknown).
func maskPhone(phone string) string {
	digits := 0
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			digits++
		}
	}
	var b strings.Builder
	seen := 0
	for _, r := range phone {
		if r >= '0' && r <= '9' {
			seen++
			if digits-seen >= 4 {
				r = '*'
			}
		}
		b.WriteRune(r)
	}
	return b.String()
}

// newUUID makes a random (version 4) UUID.
func newUUID() string {
	var b [16]byte
	_, _ = rand.Read(b[:]) // never fails; see crypto/rand.Read
	b[6] = b[6]&0x0f | 0x40
	b[8] = b[8]&0x3f | 0x80
	return fmt.Sprintf("%x-%x-%x-%x-%x", b[0:4], b[4:6], b[6:8], b[8:10], b[10:16])
}

// randomHex makes n random bytes in hex.
func randomHex(n int) string {
	b := make([]byte, n)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}
