package biot_test

import (
	"strings"
	"testing"
	"time"

	"biot-agent/agent/biot"
	"biot-agent/internal/biotsim"
)

// The calls of the other identities against the simulator, which follows
// BioT's spec (and is checked against it): what the scripted servers of
// the other tests cannot show is that the calls and the simulator agree.

const (
	simPhone   = "+15550100123"
	simService = "5e7b9f0c-2d4a-4c1e-9b3a-7f6d5c4b3a21"
	simSecret  = "robot-Secret-1a2b3c4d"
)

func startSim(t *testing.T, cfg biotsim.Options) (*biotsim.Server, *biot.Client) {
	t.Helper()
	cfg.Users = append(cfg.Users, biotsim.User{Username: simPhone, OTP: true})
	cfg.ServiceUsers = append(cfg.ServiceUsers, biotsim.ServiceUser{ID: simService, Secret: simSecret, AccessTokenExpirationInMinutes: 7})
	sim, err := biotsim.New(cfg)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	c, err := biot.New(sim.URL(), biot.NewHTTPClient(sim.CertPool()), "test")
	if err != nil {
		t.Fatal(err)
	}
	return sim, c
}

// noSecret fails when err shows one of secrets.
func noSecret(t *testing.T, err error, secrets ...string) {
	t.Helper()
	for _, s := range secrets {
		if err != nil && s != "" && strings.Contains(err.Error(), s) {
			t.Errorf("error shows a secret: %v", err)
		}
	}
}

func TestOTPAgainstTheSimulator(t *testing.T) {
	sim, c := startSim(t, biotsim.Options{})
	ctx := t.Context()

	if _, _, err := c.GenerateOTP(ctx, "+15550100000"); biot.Classify(err) != biot.ClassCredentials || !strings.Contains(err.Error(), "PHONE_NOT_VALID") {
		t.Errorf("a phone nobody has: %v (%v), want PHONE_NOT_VALID, credentials", err, biot.Classify(err))
	}
	req, masked, err := c.GenerateOTP(ctx, simPhone)
	if err != nil {
		t.Fatal(err)
	}
	if masked != "+*******0123" || req == "" {
		t.Errorf("request %q, masked phone %q", req, masked)
	}
	code := sim.LastSMSCode(simPhone)
	wrong := "000000"
	if code == wrong {
		wrong = "111111"
	}
	_, err = c.LoginOTP(ctx, req, wrong)
	if biot.Classify(err) != biot.ClassCredentials {
		t.Errorf("a wrong code: %v (%v), want credentials", err, biot.Classify(err))
	}
	noSecret(t, err, wrong, req)

	r, err := c.LoginOTP(ctx, req, code)
	if err != nil {
		t.Fatal(err)
	}
	if r.RefreshJwt == nil || r.AccessJwt.Token == "" || r.UserID == "" || r.MFARequired || r.ServerDate.IsZero() {
		t.Fatalf("OTP login answered %+v; want a full pair", r)
	}
	if _, err := c.Refresh(ctx, r.RefreshJwt.Token); err != nil {
		t.Errorf("refresh after an OTP login: %v", err)
	}
	u, err := c.Self(ctx, r.AccessJwt.Token)
	if err != nil || u.CredentialType != "OTP" || u.Username != simPhone {
		t.Errorf("self: %+v, %v", u, err)
	}
	if st := sim.Stats(); st.OTPSent != 1 || st.OTPLogins != 1 || st.OTPRejected != 1 {
		t.Errorf("stats %+v", st)
	}
}

func TestServiceTokenAgainstTheSimulator(t *testing.T) {
	now := time.Date(2026, 3, 2, 10, 0, 0, 0, time.UTC)
	sim, c := startSim(t, biotsim.Options{Now: func() time.Time { return now }})
	ctx := t.Context()

	tok, err := c.ServiceToken(ctx, simService, simSecret)
	if err != nil {
		t.Fatal(err)
	}
	if !tok.Expiration.Equal(now.Add(7*time.Minute)) || !tok.ServerDate.Equal(now) || tok.AccessToken == "" {
		t.Errorf("token expires %v on BioT's clock %v; want 7 minutes after %v", tok.Expiration, tok.ServerDate, now)
	}
	if exp, ok := biot.JWTExpiry(tok.AccessToken); !ok || !exp.Equal(tok.Expiration) {
		t.Errorf("JWT exp %v, %v; want %v", exp, ok, tok.Expiration)
	}

	_, err = c.ServiceToken(ctx, simService, "wrong-"+simSecret)
	if biot.Classify(err) != biot.ClassCredentials || !strings.Contains(err.Error(), "403 LOGIN_FAILED") {
		t.Errorf("a wrong secret: %v (%v), want LOGIN_FAILED, credentials", err, biot.Classify(err))
	}
	noSecret(t, err, simSecret)

	sim.LockServiceUser(simService, true)
	_, err = c.ServiceToken(ctx, simService, simSecret)
	if biot.Classify(err) != biot.ClassLocked || !strings.Contains(err.Error(), "401 SERVICE_LOCKED") {
		t.Errorf("a locked service user: %v (%v), want SERVICE_LOCKED, locked", err, biot.Classify(err))
	}
	noSecret(t, err, simSecret)

	sim.LockServiceUser(simService, false)
	sim.SetFaultFor(biotsim.Fault500, biotsim.PathService)
	if _, err := c.ServiceToken(ctx, simService, simSecret); biot.Classify(err) != biot.ClassTransient {
		t.Errorf("a 500: %v, want transient", err)
	}
	sim.SetFaultFor(biotsim.FaultFirewall, biotsim.PathService)
	if _, err := c.ServiceToken(ctx, simService, simSecret); biot.Classify(err) != biot.ClassTransient {
		t.Errorf("the firewall's page: %v, want transient", err)
	}
	if st := sim.Stats(); st.ServiceSignIns != 1 || st.ServiceRejected != 2 {
		t.Errorf("stats: %d sign-ins, %d rejected; want 1 and 2", st.ServiceSignIns, st.ServiceRejected)
	}
}
