package biotsim

import (
	"testing"
	"time"
)

func TestOTPSignIn(t *testing.T) {
	clock := newFakeClock()
	var logs logSink
	s := start(t, clock, func(c *Options) { c.Logf = logs.logf })

	g := sendCode(t, s, otpF.Username)
	if !uuidRE.MatchString(g.RequestID) {
		t.Errorf("requestId %q is not a UUID", g.RequestID)
	}
	if g.Phone != "+*******0123" {
		t.Errorf("phone = %q, want it masked", g.Phone)
	}
	code := s.LastSMSCode(otpF.Username)
	if !sixDigits.MatchString(code) {
		t.Fatalf("code %q is not 6 digits", code)
	}
	if !logs.contains(code) {
		t.Error("the code was not passed to Logf")
	}

	// A wrong code may be tried again; the right one then signs in.
	wantError(t, do(t, s, otpLoginCall(g.RequestID, wrongCode(code))), 403, "LOGIN_FAILED")
	l := do(t, s, otpLoginCall(g.RequestID, code)).login(t)
	if l.MFARequired || l.RefreshJwt == nil || l.PasswordResetRequired {
		t.Fatalf("OTP login: %+v; want a full pair", l)
	}
	if c := parseClaims(t, s, l.AccessJwt.Token); c.Subject != l.UserID || c.TokenType != "USER" {
		t.Errorf("claims %+v", c)
	}
	var u userResponse
	self(t, s, l.AccessJwt.Token).decode(t, &u)
	if u.CredentialType != "OTP" || u.Username != otpF.Username || u.LoginTimestamp != formatTime(clock.Now()) {
		t.Errorf("self: %+v; want credentialType OTP, the phone as username, and the login's time", u)
	}
	if r := refresh(t, s, l.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("refresh after an OTP login: %d", r.Status)
	}
	// A code signs in once.
	wantError(t, do(t, s, otpLoginCall(g.RequestID, code)), 403, "LOGIN_FAILED")

	st := s.Stats()
	if st.OTPSent != 1 || st.SMSSent != 1 || st.OTPLogins != 1 || st.OTPRejected != 2 || st.Logins != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestOTPCodeExpires(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock, func(c *Options) { c.MFATTL = time.Minute })
	g := sendCode(t, s, otpF.Username)
	clock.Advance(time.Minute + time.Millisecond)
	wantError(t, do(t, s, otpLoginCall(g.RequestID, s.LastSMSCode(otpF.Username))), 403, "LOGIN_FAILED")
}

func TestOTPNewCodeReplacesTheOld(t *testing.T) {
	s := start(t, nil)
	first := sendCode(t, s, otpF.Username)
	code1 := s.LastSMSCode(otpF.Username)
	second := sendCode(t, s, otpF.Username)
	code2 := s.LastSMSCode(otpF.Username)
	if first.RequestID == second.RequestID {
		t.Fatal("two codes, one request id")
	}
	wantError(t, do(t, s, otpLoginCall(first.RequestID, code1)), 403, "LOGIN_FAILED")
	do(t, s, otpLoginCall(second.RequestID, code2)).login(t)
	if st := s.Stats(); st.OTPSent != 2 {
		t.Errorf("OTPSent = %d, want 2", st.OTPSent)
	}
}

func TestOTPRefusals(t *testing.T) {
	s := start(t, nil)
	lockedOTP := User{Username: "+15550100999", OTP: true, Locked: true}
	s.AddUser(lockedOTP)

	for _, phone := range []string{alice.Username, "+15550100000", "15550100123", "+0123", ""} {
		r := do(t, s, otpCodeCall(phone))
		wantError(t, r, 409, "PHONE_NOT_VALID")
		var e struct{ Details map[string]string }
		r.decode(t, &e)
		if e.Details["phone"] != phone {
			t.Errorf("details %v, want the phone %q", e.Details, phone)
		}
	}
	// A locked OTP user gets a code, and hears of the lock on signing in.
	g := sendCode(t, s, lockedOTP.Username)
	wantError(t, do(t, s, otpLoginCall(g.RequestID, s.LastSMSCode(lockedOTP.Username))), 401, "USER_LOCKED")
	// An OTP user has no password.
	wantError(t, login(t, s, otpF), 403, "LOGIN_FAILED")
	wantError(t, login(t, s, User{Username: otpF.Username, Password: "anything"}), 403, "LOGIN_FAILED")

	wantError(t, do(t, s, otpLoginCall("3fa85f64-5717-4562-b3fc-2c963f66afa6", "123456")), 403, "LOGIN_FAILED")
	wantError(t, do(t, s, otpLoginCall("not-a-uuid", "123456")), 400, "BAD_REQUEST")
	wantError(t, do(t, s, call{Method: "POST", Path: PathOTPLogin, Body: map[string]string{"code": "1"}}), 400, "BAD_REQUEST")
	wantError(t, do(t, s, call{Method: "POST", Path: PathOTPCode, Body: `{}`}), 400, "BAD_REQUEST")
}
