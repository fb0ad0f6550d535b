package agent_test

import (
	"context"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

// phone is the username of a user whose credentialType is OTP.
const phone = "+15550100123"

func otpUsers() []biotsim.User {
	return []biotsim.User{{Username: user, Password: password}, {Username: phone, OTP: true}}
}

func TestSignInWithACode(t *testing.T) {
	store := keyring.NewMemory("test")
	h := start(t, options{store: store, sim: biotsim.Options{Users: otpUsers(), AccessTTL: 2 * time.Second}})
	ctx := context.Background()

	sentTo, err := h.agent.RequestCode(ctx, " +1 (555) 010-0123 ") // as people write it
	if err != nil {
		t.Fatalf("RequestCode: %v", err)
	}
	if sentTo != "+*******0123" {
		t.Errorf("code sent to %q, want the masked phone", sentTo)
	}
	if st := h.agent.Status(); !st.MFAPending || st.State != agent.StateSignedOut || st.Username != phone {
		t.Fatalf("status while the code is awaited = %+v", st)
	}
	if _, err := h.agent.Token(ctx, 0); agent.KindOf(err) != agent.KindMFARequired {
		t.Errorf("Token while the code is awaited = %v, want mfa_required", err)
	}
	code := h.sim.LastSMSCode(phone)
	h.secrets = append(h.secrets, code)
	if err := h.agent.SubmitMFA(ctx, code); err != nil {
		t.Fatalf("SubmitMFA with the right code: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	tok := h.token(0)
	if tok.Username != phone || tok.UserID == "" {
		t.Errorf("token details %+v", tok)
	}
	self, err := h.client.Self(ctx, tok.Token)
	if err != nil || self.CredentialType != "OTP" {
		t.Fatalf("BioT on the served token: %+v, %v", self, err)
	}
	if st := h.agent.Status(); st.MFAPending || st.RefreshExpiresAt == nil {
		t.Errorf("status after signing in = %+v", st)
	}

	// The session then lives like any other: refreshed ahead of expiry,
	// saved, and resumed by a restart without a new code.
	h.waitEvent(func(ev agent.Event) bool {
		return ev.Status.LastRefresh != nil && ev.Status.LastRefresh.OK
	}, "a refresh")
	if next := h.token(0); next.Token == tok.Token {
		t.Error("the refresh served the old token")
	}
	h.stop()
	again := start(t, options{store: store, sims: h.sim})
	again.waitState(agent.StateSignedIn)
	if tok := again.token(0); tok.Username != phone {
		t.Errorf("resumed as %q, want %q", tok.Username, phone)
	}
	if st := h.sim.Stats(); st.OTPSent != 1 || st.OTPLogins != 1 || st.OTPRejected != 0 {
		t.Errorf("BioT saw %d codes sent, %d sign-ins, %d refused; want 1, 1, 0", st.OTPSent, st.OTPLogins, st.OTPRejected)
	}
}

func TestAWrongCodeSaysSoAndWaits(t *testing.T) {
	h := start(t, options{sim: biotsim.Options{Users: otpUsers()}})
	ctx := context.Background()
	if _, err := h.agent.RequestCode(ctx, phone); err != nil {
		t.Fatal(err)
	}
	code := h.sim.LastSMSCode(phone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	h.secrets = append(h.secrets, code, wrong)
	err := h.agent.SubmitMFA(ctx, wrong)
	if agent.KindOf(err) != agent.KindLoginFailed || !strings.Contains(err.Error(), "wrong, or it expired") ||
		!strings.Contains(err.Error(), "+*******0123") {
		t.Fatalf("a wrong code = %v; want login_failed, in words, naming the masked phone", err)
	}
	if strings.Contains(err.Error(), wrong) {
		t.Errorf("the code is in the error: %v", err)
	}
	// Nothing was retried; the sign-in still waits, and the right code
	// then signs in.
	if st := h.sim.Stats(); st.OTPRejected != 1 || st.OTPSent != 1 {
		t.Errorf("BioT saw %d refused codes and %d sent; want 1 and 1", st.OTPRejected, st.OTPSent)
	}
	if st := h.agent.Status(); !st.MFAPending {
		t.Fatalf("the sign-in was dropped after a wrong code: %+v", st)
	}
	if err := h.agent.SubmitMFA(ctx, code); err != nil {
		t.Fatalf("the right code after a wrong one: %v", err)
	}
	h.waitState(agent.StateSignedIn)
}

func TestAnExpiredCodeSaysSoAndANewOneWorks(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h := start(t, options{clock: clock, sim: biotsim.Options{Users: otpUsers(), Now: clock.Now, MFATTL: time.Minute}})
	ctx := context.Background()
	if _, err := h.agent.RequestCode(ctx, phone); err != nil {
		t.Fatal(err)
	}
	old := h.sim.LastSMSCode(phone)
	clock.Advance(time.Minute + time.Second)
	err := h.agent.SubmitMFA(ctx, old)
	if agent.KindOf(err) != agent.KindLoginFailed || !strings.Contains(err.Error(), "expired") || !strings.Contains(err.Error(), "ask for a new code") {
		t.Fatalf("an expired code = %v; want login_failed saying it may have expired", err)
	}

	// Send it again: a new code, and the old one stays dead.
	if err := h.agent.ResendMFA(ctx); err != nil {
		t.Fatalf("ResendMFA: %v", err)
	}
	code := h.sim.LastSMSCode(phone)
	h.secrets = append(h.secrets, old, code)
	if code != old { // equal once in a million
		if err := h.agent.SubmitMFA(ctx, old); agent.KindOf(err) != agent.KindLoginFailed {
			t.Errorf("the replaced code = %v, want login_failed", err)
		}
	}
	if err := h.agent.SubmitMFA(ctx, code); err != nil {
		t.Fatalf("the new code: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	if st := h.sim.Stats(); st.OTPSent != 2 || st.OTPLogins != 1 {
		t.Errorf("BioT sent %d codes and signed in %d times; want 2 and 1", st.OTPSent, st.OTPLogins)
	}
}

func TestRequestCodeRefusals(t *testing.T) {
	locked := biotsim.User{Username: "+15550100999", OTP: true, Locked: true}
	h := start(t, options{sim: biotsim.Options{Users: append(otpUsers(), locked)}})
	ctx := context.Background()

	if _, err := h.agent.RequestCode(ctx, "  "); agent.KindOf(err) != agent.KindBadRequest {
		t.Errorf("an empty phone = %v, want bad_request", err)
	}
	for _, p := range []string{"+15550100000", user} {
		_, err := h.agent.RequestCode(ctx, p)
		if agent.KindOf(err) != agent.KindLoginFailed || !strings.Contains(err.Error(), "PHONE_NOT_VALID") ||
			!strings.Contains(err.Error(), "sends no sign-in code to "+p) {
			t.Errorf("RequestCode(%q) = %v; want login_failed naming the phone and BioT's code", p, err)
		}
	}
	if st := h.agent.Status(); st.MFAPending {
		t.Errorf("a refused phone left a sign-in waiting: %+v", st)
	}
	if err := h.agent.SubmitMFA(ctx, "123456"); agent.KindOf(err) != agent.KindBadRequest {
		t.Errorf("a code with no sign-in waiting = %v, want bad_request", err)
	}

	if _, err := h.agent.RequestCode(ctx, locked.Username); err != nil {
		t.Fatal(err)
	}
	if err := h.agent.SubmitMFA(ctx, h.sim.LastSMSCode(locked.Username)); agent.KindOf(err) != agent.KindLocked {
		t.Errorf("the code of a locked user = %v, want locked", err)
	}
	// A user with a password has none to sign in with by code, and the
	// OTP user has no password.
	if err := h.agent.Login(ctx, phone, "anything"); agent.KindOf(err) != agent.KindLoginFailed {
		t.Errorf("a password for an OTP user = %v, want login_failed", err)
	}
	if st := h.sim.Stats(); st.ByPath[biotsim.PathOTPLogin] != 1 || st.ByPath[biotsim.PathOTPCode] != 3 {
		t.Errorf("BioT saw %d code sign-ins and %d code requests; want 1 and 3 (nothing retried)",
			st.ByPath[biotsim.PathOTPLogin], st.ByPath[biotsim.PathOTPCode])
	}
}
