package biot

import (
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

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
