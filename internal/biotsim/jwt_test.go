package biotsim

import (
	"encoding/base64"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// parseClaims verifies tok with PublicKey as any client of BioT would
// (RS512 only) and returns its claims.
func parseClaims(t *testing.T, s *Server, tok string) claims {
	t.Helper()
	var c claims
	_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return s.PublicKey(), nil },
		jwt.WithValidMethods([]string{"RS512"}), jwt.WithoutClaimsValidation())
	if err != nil {
		t.Fatalf("token does not verify with PublicKey: %v", err)
	}
	return c
}

// segment decodes one part of a JWT into a map of raw JSON values.
func segment(t *testing.T, tok string, i int) map[string]json.RawMessage {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("token has %d parts, want 3", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[i])
	if err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	var m map[string]json.RawMessage
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatalf("segment %d: %v", i, err)
	}
	return m
}

func keys(m map[string]json.RawMessage) []string {
	var ks []string
	for k := range m {
		ks = append(ks, k)
	}
	slices.Sort(ks)
	return ks
}

func TestAccessTokenIsBioTShaped(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock)
	l := signIn(t, s, alice)

	head := segment(t, l.AccessJwt.Token, 0)
	if len(head) != 1 || string(head["alg"]) != `"RS512"` {
		t.Errorf("header = %v, want exactly {\"alg\":\"RS512\"}", head)
	}
	body := segment(t, l.AccessJwt.Token, 1)
	if got, want := keys(body), []string{"exp", "jti", "refreshTokenId", "scopes", "sub", "tenantId", "tokenType"}; !slices.Equal(got, want) {
		t.Errorf("claims %v, want %v (no iat, iss, aud, nbf)", got, want)
	}
	if !strings.HasPrefix(string(body["scopes"]), "[") {
		t.Errorf("scopes is %s, want an array", body["scopes"])
	}

	c := parseClaims(t, s, l.AccessJwt.Token)
	if c.Subject != l.UserID || c.TenantID != l.OwnerOrganizationID || c.TokenType != "USER" || c.ID == "" {
		t.Errorf("claims %+v do not match the login %+v", c, l)
	}
	rc := parseClaims(t, s, l.RefreshJwt.Token)
	if c.RefreshTokenID != rc.ID {
		t.Errorf("refreshTokenId %s is not the refresh token's jti %s", c.RefreshTokenID, rc.ID)
	}

	// Expirations come from Options.Now, in BioT's form, and agree with exp.
	now := clock.Now()
	if want := formatTime(now.Add(15 * time.Minute)); l.AccessJwt.Expiration != want {
		t.Errorf("access expiration %s, want %s", l.AccessJwt.Expiration, want)
	}
	if want := formatTime(now.Add(24 * time.Hour)); l.RefreshJwt.Expiration != want {
		t.Errorf("refresh expiration %s, want %s", l.RefreshJwt.Expiration, want)
	}
	for _, e := range []string{l.AccessJwt.Expiration, l.RefreshJwt.Expiration} {
		if !biotTime.MatchString(e) {
			t.Errorf("expiration %q does not match %s", e, biotTime)
		}
	}
	exp, _ := time.Parse(time.RFC3339Nano, l.AccessJwt.Expiration)
	if c.ExpiresAt.Unix() != exp.Unix() {
		t.Errorf("exp %d disagrees with expiration %s", c.ExpiresAt.Unix(), l.AccessJwt.Expiration)
	}
}

func TestTokensOfAnotherServerAreRejected(t *testing.T) {
	s1 := start(t, nil)
	s2 := start(t, nil)
	l := signIn(t, s1, alice)
	wantError(t, self(t, s2, l.AccessJwt.Token), 401, "TOKEN_NOT_VALID")
	wantError(t, refresh(t, s2, l.RefreshJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
}

func TestForgedTokensAreRejected(t *testing.T) {
	s := start(t, nil)
	l := signIn(t, s, alice)
	c := parseClaims(t, s, l.AccessJwt.Token)
	none, err := jwt.NewWithClaims(jwt.SigningMethodNone, c).SignedString(jwt.UnsafeAllowNoneSignatureType)
	if err != nil {
		t.Fatal(err)
	}
	hs, err := jwt.NewWithClaims(jwt.SigningMethodHS512, c).SignedString([]byte("guess"))
	if err != nil {
		t.Fatal(err)
	}
	parts := strings.Split(l.AccessJwt.Token, ".")
	tampered := parts[0] + "." + parts[1] + "x." + parts[2]
	for name, tok := range map[string]string{"alg none": none, "HS512": hs, "tampered payload": tampered} {
		t.Run(name, func(t *testing.T) {
			wantError(t, self(t, s, tok), 401, "TOKEN_NOT_VALID")
		})
	}
}

func TestTTLsFromConfig(t *testing.T) {
	clock := newFakeClock()
	s := start(t, clock, func(c *Options) { c.AccessTTL = 90 * time.Second; c.RefreshTTL = 10 * time.Minute })
	l := signIn(t, s, alice)
	if want := formatTime(clock.Now().Add(90 * time.Second)); l.AccessJwt.Expiration != want {
		t.Errorf("access expiration %s, want %s", l.AccessJwt.Expiration, want)
	}
	clock.Advance(90 * time.Second)
	wantError(t, self(t, s, l.AccessJwt.Token), 401, "TOKEN_NOT_VALID")
	clock.Advance(10*time.Minute - 90*time.Second)
	wantError(t, refresh(t, s, l.RefreshJwt.Token), 403, "REFRESH_TOKEN_NOT_VALID")
}
