package biot

import (
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// JWTExpiry reads the exp claim of a JWT without verifying its signature:
// the agent only needs to know when BioT will stop accepting the token, and
// BioT checks the signature itself. ok is false when the token is not a JWT
// or has no usable exp.
func JWTExpiry(token string) (time.Time, bool) {
	claims := jwt.MapClaims{}
	if _, _, err := jwt.NewParser().ParseUnverified(token, claims); err != nil {
		return time.Time{}, false
	}
	exp, err := claims.GetExpirationTime()
	if err != nil || exp == nil {
		return time.Time{}, false
	}
	return exp.UTC(), true
}
