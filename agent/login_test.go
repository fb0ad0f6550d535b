package agent_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
)

func TestLoginServesAWorkingToken(t *testing.T) {
	h := start(t, options{})
	tok := h.login()

	if tok.Username != user || tok.BaseURL != h.sim.URL() || tok.UserID == "" || tok.OrganizationID == "" {
		t.Errorf("token details = %+v", tok)
	}
	self, err := h.client.Self(context.Background(), tok.Token)
	if err != nil {
		t.Fatalf("BioT refused the served token: %v", err)
	}
	if self.Username != user {
		t.Errorf("BioT says the token is %q's, want %q", self.Username, user)
	}
	st := h.agent.Status()
	if st.State != agent.StateSignedIn || st.Identity != agent.IdentityUser || st.AccessExpiresAt == nil || st.RefreshExpiresAt == nil || st.NextRefreshAt == nil {
		t.Errorf("status after sign-in = %+v", st)
	}
	stored, err := h.stored()
	if err != nil || stored.RefreshToken == "" || stored.Username != user {
		t.Errorf("stored session = %+v, %v; want the refresh token of %s", stored, err, user)
	}
}

func TestLoginRefusals(t *testing.T) {
	tests := []struct {
		name        string
		user        biotsim.User
		password    string
		kind        agent.Kind
		minutesLeft int
		says        string
	}{
		{"wrong password", biotsim.User{Username: user, Password: password}, "not-the-password", agent.KindLoginFailed, 0, "wrong username or password"},
		{"unknown user", biotsim.User{Username: "someone@example.com", Password: password}, password, agent.KindLoginFailed, 0, "wrong username or password"},
		{"locked", biotsim.User{Username: user, Password: password, Locked: true}, password, agent.KindLocked, 0, "is locked"},
		{"locked for a while", biotsim.User{Username: user, Password: password, Locked: true, LockedMinutes: 7}, password, agent.KindLocked, 7, "try again in 7 minutes"},
		{"password reset", biotsim.User{Username: user, Password: password, PasswordResetRequired: true}, password, agent.KindPasswordReset, 0, "requires a new password"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := start(t, options{sim: biotsim.Options{Users: []biotsim.User{tt.user}}})
			err := h.agent.Login(context.Background(), user, tt.password)
			var e *agent.Error
			if !errors.As(err, &e) || e.Kind != tt.kind {
				t.Fatalf("Login = %v, want an error of kind %s", err, tt.kind)
			}
			if e.MinutesLeft != tt.minutesLeft {
				t.Errorf("minutes left = %d, want %d", e.MinutesLeft, tt.minutesLeft)
			}
			if !strings.Contains(e.Message, tt.says) {
				t.Errorf("message %q does not say %q", e.Message, tt.says)
			}
			if strings.Contains(e.Error(), tt.password) {
				t.Errorf("the password is in the error: %q", e.Error())
			}
			if st := h.agent.Status(); st.State != agent.StateSignedOut {
				t.Errorf("state after a refused sign-in = %s, want signed_out", st.State)
			}
			if _, err := h.stored(); !errors.Is(err, agent.ErrNoSession) {
				t.Errorf("a refused sign-in stored something: %v", err)
			}
			if got := h.sim.Stats().ByPath[biotsim.PathLogin]; got != 1 {
				t.Errorf("the password was sent %d times, want once (never retried)", got)
			}
		})
	}
}

func TestMFALogin(t *testing.T) {
	h := start(t, options{sim: biotsim.Options{Users: []biotsim.User{{Username: user, Password: password, MFAPhone: "+12345678901"}}}})
	ctx := context.Background()

	err := h.agent.Login(ctx, user, password)
	if agent.KindOf(err) != agent.KindMFARequired {
		t.Fatalf("Login = %v, want mfa_required", err)
	}
	if st := h.agent.Status(); !st.MFAPending || st.State != agent.StateSignedOut {
		t.Fatalf("status while the code is awaited = %+v", st)
	}
	if _, err := h.agent.Token(ctx, 0); agent.KindOf(err) != agent.KindMFARequired {
		t.Errorf("Token while the code is awaited = %v, want mfa_required", err)
	}
	if err := h.agent.SubmitMFA(ctx, "000000x"); agent.KindOf(err) != agent.KindLoginFailed {
		t.Errorf("a wrong code = %v, want login_failed", err)
	}
	first := h.sim.LastSMSCode(user)
	if err := h.agent.ResendMFA(ctx); err != nil {
		t.Fatalf("ResendMFA: %v", err)
	}
	code := h.sim.LastSMSCode(user)
	if code == "" || h.sim.Stats().SMSSent != 2 {
		t.Fatalf("resend sent no new code (first %q, now %q)", first, code)
	}
	if err := h.agent.SubmitMFA(ctx, code); err != nil {
		t.Fatalf("SubmitMFA with the right code: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	tok := h.token(0)
	if _, err := h.client.Self(ctx, tok.Token); err != nil {
		t.Errorf("BioT refused the token of the MFA sign-in: %v", err)
	}
	if st := h.agent.Status(); st.MFAPending {
		t.Errorf("still waiting for a code after signing in")
	}
}

func TestLogoutEndsTheSessionEverywhere(t *testing.T) {
	h := start(t, options{})
	h.login()
	stored, err := h.stored()
	if err != nil {
		t.Fatal(err)
	}
	if err := h.agent.Logout(context.Background()); err != nil {
		t.Fatalf("Logout: %v", err)
	}
	h.waitState(agent.StateSignedOut)
	if _, err := h.agent.Token(context.Background(), 0); agent.KindOf(err) != agent.KindSignedOut {
		t.Errorf("Token after sign-out = %v, want signed_out", err)
	}
	if _, err := h.stored(); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("the stored session survived the sign-out: %v", err)
	}
	if _, err := h.client.Refresh(context.Background(), stored.RefreshToken); err == nil {
		t.Errorf("BioT still honours the refresh token after sign-out")
	}
}
