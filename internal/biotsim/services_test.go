package biotsim

import (
	"slices"
	"testing"
	"time"
)

func serviceToken(t *testing.T, s *Server, id, secret string) serviceTokenResponse {
	t.Helper()
	r := do(t, s, serviceCall(id, secret))
	if r.Status != 200 {
		t.Fatalf("services/accessToken: %d %s", r.Status, r.Body)
	}
	var st serviceTokenResponse
	r.decode(t, &st)
	return st
}

func TestServiceSignIn(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	tok := serviceToken(t, s, robot.ID, robot.Secret)
	if want := formatTime(clock.Now().Add(7 * time.Minute)); tok.AccessTokenExpiration != want {
		t.Errorf("accessTokenExpiration = %s, want %s (7 minutes on)", tok.AccessTokenExpiration, want)
	}
	c := parseClaims(t, s, tok.AccessToken)
	if c.Subject != robot.ID || c.TokenType != "SERVICE" || c.RefreshTokenID != "" || c.TenantID == "" {
		t.Errorf("claims %+v", c)
	}
	if !c.ExpiresAt.Time.Equal(clock.Now().Add(7 * time.Minute).Truncate(time.Second)) {
		t.Errorf("exp %v", c.ExpiresAt)
	}
	if got := keys(segment(t, tok.AccessToken, 1)); !slices.Equal(got, []string{"exp", "jti", "scopes", "sub", "tenantId", "tokenType"}) {
		t.Errorf("claims %v", got)
	}
	// A service token is no user's: /users/self refuses it.
	wantError(t, self(t, s, tok.AccessToken), 401, "TOKEN_NOT_VALID")
	if st := s.Stats(); st.ServiceSignIns != 1 || st.ServiceRejected != 0 {
		t.Errorf("stats %+v", st)
	}
}

func TestServiceLifetimes(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock, func(c *Options) { c.AccessTTL = 20 * time.Minute })
	rows := []struct {
		name string
		su   ServiceUser
		want time.Duration
	}{
		{"minutes", ServiceUser{Secret: "a", AccessTokenExpirationInMinutes: 3}, 3 * time.Minute},
		{"seconds, for tests", ServiceUser{Secret: "b", AccessTokenExpirationInMinutes: 3, TokenTTL: 3 * time.Second}, 3 * time.Second},
		{"neither: AccessTTL", ServiceUser{Secret: "c"}, 20 * time.Minute},
	}
	for _, row := range rows {
		id := s.AddServiceUser(row.su)
		tok := serviceToken(t, s, id, row.su.Secret)
		if want := formatTime(clock.Now().Add(row.want)); tok.AccessTokenExpiration != want {
			t.Errorf("%s: expiration %s, want %s", row.name, tok.AccessTokenExpiration, want)
		}
	}
}

func TestServiceRefusals(t *testing.T) {
	s := start(t, nil)
	wantError(t, do(t, s, serviceCall(robot.ID, "wrong")), 403, "LOGIN_FAILED")
	wantError(t, do(t, s, serviceCall("3fa85f64-5717-4562-b3fc-2c963f66afa6", robot.Secret)), 403, "LOGIN_FAILED")
	wantError(t, do(t, s, serviceCall("robot", robot.Secret)), 400, "BAD_REQUEST")
	wantError(t, do(t, s, call{Method: "POST", Path: PathService, Body: map[string]string{"id": robot.ID}}), 400, "BAD_REQUEST")

	// Locked: told before the secret is looked at; unlocked, it signs in.
	s.LockServiceUser(robot.ID, true)
	wantError(t, do(t, s, serviceCall(robot.ID, robot.Secret)), 401, "SERVICE_LOCKED")
	wantError(t, do(t, s, serviceCall(robot.ID, "wrong")), 401, "SERVICE_LOCKED")
	s.LockServiceUser(robot.ID, false)
	serviceToken(t, s, robot.ID, robot.Secret)

	// A new secret: the old one signs in no more.
	s.SetServiceSecret(robot.ID, "robot-Secret7")
	wantError(t, do(t, s, serviceCall(robot.ID, robot.Secret)), 403, "LOGIN_FAILED")
	serviceToken(t, s, robot.ID, "robot-Secret7")

	if st := s.Stats(); st.ServiceSignIns != 2 || st.ServiceRejected != 7 {
		t.Errorf("stats: %d sign-ins, %d rejected; want 2 and 7", st.ServiceSignIns, st.ServiceRejected)
	}
}

func TestAddServiceUserReplaces(t *testing.T) {
	s := start(t, nil)
	id := s.AddServiceUser(ServiceUser{Secret: "one"})
	if !uuidRE.MatchString(id) {
		t.Fatalf("made-up id %q is not a UUID", id)
	}
	org := parseClaims(t, s, serviceToken(t, s, id, "one").AccessToken).TenantID
	if again := s.AddServiceUser(ServiceUser{ID: id, Secret: "two"}); again != id {
		t.Fatalf("replacing answered id %s, want %s", again, id)
	}
	wantError(t, do(t, s, serviceCall(id, "one")), 403, "LOGIN_FAILED")
	if got := parseClaims(t, s, serviceToken(t, s, id, "two").AccessToken).TenantID; got != org {
		t.Errorf("organization %s after replacing, want %s kept", got, org)
	}
}
