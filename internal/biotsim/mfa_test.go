package biotsim

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"
)

var sixDigits = regexp.MustCompile(`^\d{6}$`)

func TestMFAFlowWithResend(t *testing.T) {
	clock := newFakeClock()
	var logs logSink
	s := start(t, clock, func(c *Options) { c.Logf = logs.logf })

	first := login(t, s, mfaBob).login(t)
	if !first.MFARequired || first.RefreshJwt != nil {
		t.Fatalf("MFA login: mfaRequired %v, refreshJwt %v; want true and null", first.MFARequired, first.RefreshJwt)
	}
	if first.Phone != "+*******8901" {
		t.Errorf("phone = %q, want it masked", first.Phone)
	}
	if want := formatTime(clock.Now().Add(5 * time.Minute)); first.MFAExpiration != want {
		t.Errorf("mfaExpiration = %s, want %s", first.MFAExpiration, want)
	}
	if c := parseClaims(t, s, first.AccessJwt.Token); !slices.Equal(c.Scopes, []string{"UMS_MFA_LOGIN", "UMS_RESEND_MFA_SMS"}) {
		t.Errorf("interim scopes = %v", c.Scopes)
	}
	code1 := s.LastSMSCode(mfaBob.Username)
	if !sixDigits.MatchString(code1) {
		t.Fatalf("SMS code %q is not 6 digits", code1)
	}
	if !logs.contains(code1) {
		t.Error("the SMS code was not passed to Logf")
	}

	interim := first.AccessJwt.Token
	wantError(t, self(t, s, interim), 401, "TOKEN_NOT_VALID")
	wantError(t, do(t, s, mfaCall(interim, wrongCode(code1))), 403, "LOGIN_FAILED")

	// Resend: a new code with a new expiration; the old code dies.
	clock.Advance(time.Minute)
	var resent resendMfaResponse
	do(t, s, call{Method: "POST", Path: PathMFAResend, Bearer: interim}).decode(t, &resent)
	if want := formatTime(clock.Now().Add(5 * time.Minute)); resent.MFAExpiration != want {
		t.Errorf("resend mfaExpiration = %s, want %s", resent.MFAExpiration, want)
	}
	code2 := s.LastSMSCode(mfaBob.Username)
	if code2 != code1 { // equal once in a million: then there is nothing to tell apart
		wantError(t, do(t, s, mfaCall(interim, code1)), 403, "LOGIN_FAILED")
	}

	full := do(t, s, mfaCall(interim, code2)).login(t)
	if full.MFARequired || full.RefreshJwt == nil || full.UserID != first.UserID {
		t.Fatalf("after the code: %+v, want a full pair for the same user", full)
	}
	if r := self(t, s, full.AccessJwt.Token); r.Status != 200 {
		t.Errorf("self with the full token: %d", r.Status)
	}
	if r := refresh(t, s, full.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("refresh after MFA: %d", r.Status)
	}
	// A code signs in once.
	wantError(t, do(t, s, mfaCall(interim, code2)), 403, "LOGIN_FAILED")

	st := s.Stats()
	if st.Logins != 1 || st.MFALogins != 1 || st.MFAResends != 1 || st.SMSSent != 2 || st.MFARejected < 2 {
		t.Errorf("stats %+v", st)
	}
}

func TestMFACodeExpires(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	interim := login(t, s, mfaBob).login(t).AccessJwt.Token
	clock.Advance(5*time.Minute + time.Millisecond)
	wantError(t, do(t, s, mfaCall(interim, s.LastSMSCode(mfaBob.Username))), 403, "LOGIN_FAILED")
}

func TestMFAInterimTokenExpires(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	interim := login(t, s, mfaBob).login(t).AccessJwt.Token
	clock.Advance(15*time.Minute + time.Second)
	wantError(t, do(t, s, mfaCall(interim, s.LastSMSCode(mfaBob.Username))), 401, "TOKEN_NOT_VALID")
	wantError(t, do(t, s, call{Method: "POST", Path: PathMFAResend, Bearer: interim}), 401, "TOKEN_NOT_VALID")
}

func TestMFAWithPasswordReset(t *testing.T) {
	s := start(t, nil)
	both := User{Username: "grace@example.com", Password: "pw", MFAPhone: "+15550001111", PasswordResetRequired: true}
	s.AddUser(both)
	first := login(t, s, both).login(t)
	if !first.MFARequired {
		t.Fatal("MFA comes first")
	}
	after := do(t, s, mfaCall(first.AccessJwt.Token, s.LastSMSCode(both.Username))).login(t)
	if !after.PasswordResetRequired || after.RefreshJwt != nil {
		t.Errorf("after MFA: passwordResetRequired %v, refreshJwt %v; want true and null", after.PasswordResetRequired, after.RefreshJwt)
	}
}

func TestLastSMSCodeOfSomeoneWithout(t *testing.T) {
	s := start(t, nil)
	if c := s.LastSMSCode(alice.Username); c != "" {
		t.Errorf("LastSMSCode of a user without MFA = %q", c)
	}
}

func wrongCode(code string) string {
	if code == "000000" {
		return "111111"
	}
	return "000000"
}

// logSink collects Logf lines.
type logSink struct {
	mu    sync.Mutex
	lines []string
}

func (l *logSink) logf(format string, args ...any) {
	l.mu.Lock()
	defer l.mu.Unlock()
	l.lines = append(l.lines, fmt.Sprintf(format, args...))
}

func (l *logSink) all() []string {
	l.mu.Lock()
	defer l.mu.Unlock()
	return slices.Clone(l.lines)
}

func (l *logSink) contains(sub string) bool {
	for _, line := range l.all() {
		if strings.Contains(line, sub) {
			return true
		}
	}
	return false
}

// TestLogfMayCallBack: the demo's Logf may ask the Server things; that must
// not deadlock.
func TestLogfMayCallBack(t *testing.T) {
	var s *Server
	got := make(chan string, 4)
	s = start(t, nil, func(c *Options) {
		c.Logf = func(string, ...any) { got <- s.LastSMSCode(mfaBob.Username) }
	})
	login(t, s, mfaBob).login(t)
	select {
	case code := <-got:
		if !sixDigits.MatchString(code) {
			t.Errorf("Logf saw code %q", code)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("Logf was not called")
	}
}
