package biot

import (
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// The LoginResponse shapes the spec allows decode to what a caller needs.
func TestLoginResponseShapes(t *testing.T) {
	tk := testTokens()
	plus2 := time.FixedZone("+02:00", 2*60*60)
	tests := []struct {
		name string
		body string
		want func(tk tokens) *LoginResponse
	}{
		{
			name: "MFA pending: interim token, no refresh token, code expiry and masked phone",
			body: `{"userId":"` + userID + `","ownerOrganizationId":"` + orgID + `",` +
				`"accessJwt":{"token":"` + tk.interim + `","expiration":"` + accessExpText + `"},` +
				`"mfaRequired":true,"mfaExpiration":"2025-11-24T09:13:14.945Z","phone":"+*******4567"}`,
			want: func(tk tokens) *LoginResponse {
				return &LoginResponse{UserID: userID, OwnerOrganizationID: orgID, AccessJwt: JWT{tk.interim, accessExp},
					MFARequired: true, MFAExpiration: time.Date(2025, 11, 24, 9, 13, 14, 945_000_000, time.UTC), Phone: "+*******4567"}
			},
		},
		{
			name: "password reset required: refreshJwt null",
			body: `{"userId":"` + userID + `","ownerOrganizationId":"` + orgID + `",` +
				`"accessJwt":{"token":"` + tk.access + `","expiration":"` + accessExpText + `"},` +
				`"refreshJwt":null,"mfaRequired":false,"passwordResetRequired":true}`,
			want: func(tk tokens) *LoginResponse {
				return &LoginResponse{UserID: userID, OwnerOrganizationID: orgID, AccessJwt: JWT{tk.access, accessExp},
					PasswordResetRequired: true}
			},
		},
		{
			name: "refresh answer without refreshJwt at all",
			body: `{"userId":"` + userID + `","ownerOrganizationId":"` + orgID + `",` +
				`"accessJwt":{"token":"` + tk.access + `","expiration":"` + accessExpText + `"}}`,
			want: func(tk tokens) *LoginResponse {
				return &LoginResponse{UserID: userID, OwnerOrganizationID: orgID, AccessJwt: JWT{tk.access, accessExp}}
			},
		},
		{
			name: "expirations with an offset and without a fraction",
			body: `{"userId":"` + userID + `","ownerOrganizationId":"` + orgID + `",` +
				`"accessJwt":{"token":"` + tk.access + `","expiration":"2025-11-24T11:23:14.945+02:00"},` +
				`"refreshJwt":{"token":"` + tk.refresh + `","expiration":"2025-11-25T09:08:14Z"}}`,
			want: func(tk tokens) *LoginResponse {
				return &LoginResponse{UserID: userID, OwnerOrganizationID: orgID,
					AccessJwt:  JWT{tk.access, time.Date(2025, 11, 24, 11, 23, 14, 945_000_000, plus2).UTC()},
					RefreshJwt: &JWT{tk.refresh, time.Date(2025, 11, 25, 9, 8, 14, 0, time.UTC)}}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, reply(200, "application/json", tt.body))
			got, err := s.client.Refresh(t.Context(), tk.refresh)
			if err != nil {
				t.Fatalf("Refresh: %v", err)
			}
			got.ServerDate = time.Time{} // the server's own clock; checked in TestEndpoints
			if want := tt.want(tk); !reflect.DeepEqual(got, want) {
				t.Errorf("got  %+v\nwant %+v", got, want)
			}
		})
	}
}

func TestParseTime(t *testing.T) {
	want := time.Date(2025, 11, 24, 9, 23, 14, 945_000_000, time.UTC)
	tests := []struct {
		in   string
		want time.Time
		ok   bool
	}{
		{"2025-11-24T09:23:14.945Z", want, true},
		{"2025-11-24T09:23:14.945000000Z", want, true},
		{"2025-11-24t09:23:14.945z", want, true},
		{"2025-11-24T10:23:14.945+01:00", want, true},
		{"2025-11-24T04:23:14.945-05:00", want, true},
		{"2025-11-24T09:23:14Z", want.Truncate(time.Second), true},
		{"2025-11-24T09:23:14.945", want, true}, // zoneless, read as UTC
		{"2025-11-24", time.Time{}, false},
		{"1764000000", time.Time{}, false},
		{"tomorrow", time.Time{}, false},
		{"", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.in, func(t *testing.T) {
			got, err := parseTime(tt.in)
			if (err == nil) != tt.ok || !got.Equal(tt.want) {
				t.Errorf("parseTime(%q) = %v, %v; want %v, ok=%v", tt.in, got, err, tt.want, tt.ok)
			}
		})
	}
}

func TestJWTExpiry(t *testing.T) {
	exp := time.Date(2025, 11, 24, 9, 23, 14, 0, time.UTC)
	real := signJWT(jwt.MapClaims{"sub": userID, "exp": exp.Unix(), "jti": "j1", "tenantId": orgID,
		"refreshTokenId": "r1", "scopes": []string{"UMS_USERS_SELF_GET_USER"}, "tokenType": "USER"})
	parts := strings.Split(real, ".")
	tests := []struct {
		name   string
		token  string
		want   time.Time
		wantOK bool
	}{
		{"an RS512 token as BioT signs it", real, exp, true},
		{"the signature is not checked", parts[0] + "." + parts[1] + ".c2lnbmF0dXJl", exp, true},
		{"no exp claim", signJWT(jwt.MapClaims{"sub": userID}), time.Time{}, false},
		{"exp not a number", signJWT(jwt.MapClaims{"exp": "tomorrow"}), time.Time{}, false},
		{"garbage", "not-a-jwt", time.Time{}, false},
		{"three parts of garbage", "a.b.c", time.Time{}, false},
		{"empty", "", time.Time{}, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, ok := JWTExpiry(tt.token)
			if ok != tt.wantOK || !got.Equal(tt.want) {
				t.Errorf("JWTExpiry = %v, %v; want %v, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
}
