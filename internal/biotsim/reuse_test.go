package biotsim

import (
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestReuseIsCountedByTokenAndLivenessIsReported(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	first := signIn(t, s, alice)
	old := first.RefreshJwt.Token
	if !s.RefreshTokenLive(old) {
		t.Fatal("a fresh refresh token is not reported live")
	}
	next := refresh(t, s, old).login(t)
	if s.RefreshTokenLive(old) || !s.RefreshTokenLive(next.RefreshJwt.Token) {
		t.Fatal("after a rotation, the old token must be dead and the new one live")
	}
	if s.RefreshTokenLive(first.AccessJwt.Token) || s.RefreshTokenLive("garbage") {
		t.Error("an access token or garbage is reported as a live refresh token")
	}

	// The same rotated-out token twice counts twice under its own id.
	wantError(t, refresh(t, s, old), 403, "REFRESH_TOKEN_NOT_VALID")
	wantError(t, refresh(t, s, old), 403, "REFRESH_TOKEN_NOT_VALID")
	var c jwt.RegisteredClaims
	if _, _, err := jwt.NewParser().ParseUnverified(old, &c); err != nil {
		t.Fatal(err)
	}
	st := s.Stats()
	if st.RefreshReuse != 2 || len(st.ReuseByToken) != 1 || st.ReuseByToken[c.ID] != 2 {
		t.Errorf("reuse %d, by token %v; want 2, all under %s", st.RefreshReuse, st.ReuseByToken, c.ID)
	}
	// An unknown token is rejected without counting as a reuse.
	wantError(t, refresh(t, s, first.AccessJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
	if got := s.Stats().RefreshReuse; got != 2 {
		t.Errorf("reuse %d after presenting a token that was never a refresh token", got)
	}

	// Expiry and logout end liveness too.
	clock.Advance(25 * time.Hour)
	if s.RefreshTokenLive(next.RefreshJwt.Token) {
		t.Error("an expired refresh token is reported live")
	}
}
