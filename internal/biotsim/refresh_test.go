package biotsim

import (
	"testing"
	"time"
)

func TestRefreshRotates(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	l := signIn(t, s, alice)
	seen := map[string]bool{l.RefreshJwt.Token: true}
	var spent []string
	cur := l
	for i := range 5 {
		clock.Advance(10 * time.Minute)
		next := refresh(t, s, cur.RefreshJwt.Token).login(t)
		if next.RefreshJwt == nil {
			t.Fatalf("refresh %d: no new refresh token", i+1)
		}
		if seen[next.RefreshJwt.Token] {
			t.Fatalf("refresh %d answered a refresh token seen before", i+1)
		}
		seen[next.RefreshJwt.Token] = true
		if next.UserID != l.UserID || next.OwnerOrganizationID != l.OwnerOrganizationID {
			t.Errorf("refresh %d changed the user: %+v", i+1, next)
		}
		// The refresh lifetime slides from each refresh.
		if want := formatTime(clock.Now().Add(24 * time.Hour)); next.RefreshJwt.Expiration != want {
			t.Errorf("refresh %d: refresh expiration %s, want %s", i+1, next.RefreshJwt.Expiration, want)
		}
		if r := self(t, s, next.AccessJwt.Token); r.Status != 200 {
			t.Errorf("refresh %d: the new access token does not work: %d", i+1, r.Status)
		}
		spent = append(spent, cur.RefreshJwt.Token)
		cur = next
	}
	// Every rotated-out token is dead, and each reuse is counted.
	for i, tok := range spent {
		wantError(t, refresh(t, s, tok), 403, "REFRESH_TOKEN_NOT_VALID")
		if got := s.Stats().RefreshReuse; got != i+1 {
			t.Errorf("RefreshReuse = %d after %d reuses", got, i+1)
		}
	}
	// Reuse does not end the newest token.
	if r := refresh(t, s, cur.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("the newest token died after reuse of older ones: %d", r.Status)
	}
	st := s.Stats()
	if st.Refreshes != 6 || st.RefreshesRejected != 5 || st.RefreshReuse != 5 {
		t.Errorf("stats: %d refreshes, %d rejected, %d reuse; want 6, 5, 5", st.Refreshes, st.RefreshesRejected, st.RefreshReuse)
	}
}

func TestRefreshRejections(t *testing.T) {
	rows := []struct {
		name  string
		spoil func(t *testing.T, s *Server, clock *fakeClock, l loginResponse) string // returns the token to present
		reuse bool
	}{
		{"expired", func(t *testing.T, s *Server, clock *fakeClock, l loginResponse) string {
			clock.Advance(24 * time.Hour)
			return l.RefreshJwt.Token
		}, false},
		{"revoked", func(t *testing.T, s *Server, clock *fakeClock, l loginResponse) string {
			s.RevokeRefreshTokens(alice.Username)
			return l.RefreshJwt.Token
		}, false},
		{"logged out", func(t *testing.T, s *Server, clock *fakeClock, l loginResponse) string {
			if r := do(t, s, logoutCall(l.RefreshJwt.Token)); r.Status != 200 {
				t.Fatalf("logout: %d", r.Status)
			}
			return l.RefreshJwt.Token
		}, false},
		{"unknown", func(*testing.T, *Server, *fakeClock, loginResponse) string { return "eyJhbGciOiJSUzUxMiJ9.e30.AAAA" }, false},
		{"empty", func(*testing.T, *Server, *fakeClock, loginResponse) string { return "" }, false},
		{"an access token", func(_ *testing.T, _ *Server, _ *fakeClock, l loginResponse) string { return l.AccessJwt.Token }, false},
		{"rotated out", func(t *testing.T, s *Server, _ *fakeClock, l loginResponse) string {
			refresh(t, s, l.RefreshJwt.Token).login(t)
			return l.RefreshJwt.Token
		}, true},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			clock := newFakeClock()
			s := start(t, clock)
			l := signIn(t, s, alice)
			tok := row.spoil(t, s, clock, l)
			wantError(t, refresh(t, s, tok), 403, "REFRESH_TOKEN_NOT_VALID")
			want := 0
			if row.reuse {
				want = 1
			}
			if got := s.Stats().RefreshReuse; got != want {
				t.Errorf("RefreshReuse = %d, want %d", got, want)
			}
		})
	}
}

func TestRevokeEndsOnlyThatUser(t *testing.T) {
	s := start(t, nil)
	a1 := signIn(t, s, alice)
	a2 := signIn(t, s, alice)
	other := User{Username: "heidi@example.com", Password: "pw"}
	s.AddUser(other)
	h := signIn(t, s, other)

	s.RevokeRefreshTokens(alice.Username)
	wantError(t, refresh(t, s, a1.RefreshJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
	wantError(t, refresh(t, s, a2.RefreshJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
	if r := refresh(t, s, h.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("another user's session died: %d", r.Status)
	}
	// Access tokens are stateless: still good until they expire.
	if r := self(t, s, a1.AccessJwt.Token); r.Status != 200 {
		t.Errorf("access token after revoke: %d", r.Status)
	}
	// A new sign-in works.
	if r := refresh(t, s, signIn(t, s, alice).RefreshJwt.Token); r.Status != 200 {
		t.Errorf("refresh after a new sign-in: %d", r.Status)
	}
}

func TestLogout(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	keep := signIn(t, s, alice) // another session of the same user
	r := do(t, s, logoutCall(l.RefreshJwt.Token))
	if r.Status != 200 || len(r.Body) != 0 {
		t.Fatalf("logout: %d %q, want 200 and no body", r.Status, r.Body)
	}
	wantError(t, refresh(t, s, l.RefreshJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
	if r := refresh(t, s, keep.RefreshJwt.Token); r.Status != 200 {
		t.Errorf("logout ended another session: %d", r.Status)
	}
	// Twice is fine.
	if r := do(t, s, logoutCall(l.RefreshJwt.Token)); r.Status != 200 {
		t.Errorf("second logout: %d", r.Status)
	}
	if got := s.Stats(); got.Logouts != 2 || got.RefreshReuse != 0 {
		t.Errorf("stats: %d logouts, %d reuse; want 2 and 0", got.Logouts, got.RefreshReuse)
	}
}
