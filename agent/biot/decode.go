package biot

import (
	"bytes"
	"encoding/json"
	"errors"
	"strings"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

// This file reads UMS's answers: the JSON bodies of the calls, checked
// for what the spec requires (a shortfall is a *MalformedError), their
// date-times, and the expiry inside a JWT.

// The wire forms. Pointers tell "absent or null" from "empty".
type (
	wireJWT struct {
		Token      *string `json:"token"`
		Expiration *string `json:"expiration"`
	}
	wireLogin struct {
		UserID                *string  `json:"userId"`
		OwnerOrganizationID   *string  `json:"ownerOrganizationId"`
		AccessJwt             *wireJWT `json:"accessJwt"`
		RefreshJwt            *wireJWT `json:"refreshJwt"`
		MFARequired           bool     `json:"mfaRequired"`
		MFAExpiration         *string  `json:"mfaExpiration"`
		PasswordResetRequired bool     `json:"passwordResetRequired"`
		Phone                 *string  `json:"phone"`
	}
)

// decodeLoginResponse reads a LoginResponse. The spec requires userId,
// ownerOrganizationId and accessJwt {token, expiration}; refreshJwt may be
// null, but when present it is a JwtToken and needs both fields too.
func decodeLoginResponse(op string, status int, body []byte) (*LoginResponse, error) {
	var w wireLogin
	if err := unmarshal(op, status, body, &w); err != nil {
		return nil, err
	}
	var p problems
	r := &LoginResponse{
		MFARequired:           w.MFARequired,
		PasswordResetRequired: w.PasswordResetRequired,
		Phone:                 str(w.Phone),
		UserID:                str(w.UserID),
		OwnerOrganizationID:   str(w.OwnerOrganizationID),
	}
	if w.AccessJwt == nil {
		p.miss("accessJwt")
	} else {
		r.AccessJwt = p.jwt("accessJwt", w.AccessJwt)
	}
	if w.RefreshJwt != nil {
		j := p.jwt("refreshJwt", w.RefreshJwt)
		r.RefreshJwt = &j
	}
	p.need("userId", w.UserID)
	p.need("ownerOrganizationId", w.OwnerOrganizationID)
	r.MFAExpiration = p.optTime("mfaExpiration", w.MFAExpiration)
	if err := p.err(op, status); err != nil {
		return nil, err
	}
	return r, nil
}

// jwt checks a JwtToken, whose token and expiration are both required.
func (p *problems) jwt(field string, w *wireJWT) JWT {
	p.need(field+".token", w.Token)
	return JWT{Token: str(w.Token), Expiration: p.needTime(field+".expiration", w.Expiration)}
}

// decodeResend reads {"mfaExpiration"}; the field is optional in the spec.
func decodeResend(op string, status int, body []byte) (time.Time, error) {
	var w struct {
		MFAExpiration *string `json:"mfaExpiration"`
	}
	if err := unmarshal(op, status, body, &w); err != nil {
		return time.Time{}, err
	}
	var p problems
	t := p.optTime("mfaExpiration", w.MFAExpiration)
	return t, p.err(op, status)
}

// decodeOTPCode reads a GenerateOtpResponse: requestId is required, the
// masked phone is not.
func decodeOTPCode(op string, status int, body []byte) (requestID, phone string, err error) {
	var w struct {
		RequestID *string `json:"requestId"`
		Phone     *string `json:"phone"`
	}
	if err := unmarshal(op, status, body, &w); err != nil {
		return "", "", err
	}
	var p problems
	p.need("requestId", w.RequestID)
	if err := p.err(op, status); err != nil {
		return "", "", err
	}
	return str(w.RequestID), clean(str(w.Phone), nil), nil
}

// decodeServiceToken reads a ServiceUserAccessTokenResponse, whose
// accessToken and accessTokenExpiration are both required.
func decodeServiceToken(op string, status int, body []byte) (*ServiceToken, error) {
	var w struct {
		AccessToken           *string `json:"accessToken"`
		AccessTokenExpiration *string `json:"accessTokenExpiration"`
	}
	if err := unmarshal(op, status, body, &w); err != nil {
		return nil, err
	}
	var p problems
	p.need("accessToken", w.AccessToken)
	exp := p.needTime("accessTokenExpiration", w.AccessTokenExpiration)
	if err := p.err(op, status); err != nil {
		return nil, err
	}
	return &ServiceToken{AccessToken: str(w.AccessToken), Expiration: exp}, nil
}

// decodeUser reads a UserResponse; the spec requires id, username and
// ownerOrganizationId.
func decodeUser(op string, status int, body []byte) (*User, error) {
	var w struct {
		ID                  *string `json:"id"`
		Username            *string `json:"username"`
		OwnerOrganizationID *string `json:"ownerOrganizationId"`
		CredentialType      *string `json:"credentialType"`
		Locked              bool    `json:"locked"`
		Active              bool    `json:"active"`
	}
	if err := unmarshal(op, status, body, &w); err != nil {
		return nil, err
	}
	var p problems
	p.need("id", w.ID)
	p.need("username", w.Username)
	p.need("ownerOrganizationId", w.OwnerOrganizationID)
	if err := p.err(op, status); err != nil {
		return nil, err
	}
	return &User{
		ID:                  str(w.ID),
		Username:            str(w.Username),
		OwnerOrganizationID: str(w.OwnerOrganizationID),
		CredentialType:      str(w.CredentialType),
		Locked:              w.Locked,
		Active:              w.Active,
	}, nil
}

// decodeHealth reads a health check's answer, the spec's VersionResponse:
// it requires none of its fields, but the body must be a JSON object.
func decodeHealth(op string, status int, body []byte) (*Health, error) {
	var w struct {
		Version *string `json:"version"`
		TraceID *string `json:"traceId"`
	}
	if err := unmarshal(op, status, body, &w); err != nil {
		return nil, err
	}
	return &Health{Status: status, Version: clean(str(w.Version), nil), TraceID: clean(str(w.TraceID), nil)}, nil
}

// unmarshal decodes body into v, describing a failure without quoting the
// body: encoding/json's messages can hold pieces of it.
func unmarshal(op string, status int, body []byte, v any) error {
	if string(bytes.TrimSpace(body)) == "null" {
		return &MalformedError{Op: op, Status: status, Reason: "not a JSON object"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	reason := "not JSON"
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			reason = "not a JSON object"
		} else {
			reason = typeErr.Field + " has the wrong type"
		}
	} else if len(body) == 0 {
		reason = "empty body"
	}
	return &MalformedError{Op: op, Status: status, Reason: reason}
}

// problems collects what is wrong with a decoded answer.
type problems struct {
	missing []string
	bad     []string
}

func (p *problems) miss(field string)       { p.missing = append(p.missing, field) }
func (p *problems) wrong(field, why string) { p.bad = append(p.bad, field+" "+why) }
func (p *problems) ok() bool                { return len(p.missing) == 0 && len(p.bad) == 0 }
func (p *problems) need(field string, s *string) {
	if s == nil || *s == "" {
		p.miss(field)
	}
}

func (p *problems) err(op string, status int) error {
	if p.ok() {
		return nil
	}
	var parts []string
	if len(p.missing) > 0 {
		parts = append(parts, "missing "+strings.Join(p.missing, ", "))
	}
	parts = append(parts, p.bad...)
	return &MalformedError{Op: op, Status: status, Missing: p.missing, Reason: strings.Join(parts, "; ")}
}

// zoneless is an ISO-8601 date-time without offset, as Java's LocalDateTime
// writes it. The spec promises RFC 3339, but a BioT server runs on UTC, so
// such a time is read as UTC rather than refused.
const zoneless = "2006-01-02T15:04:05.999999999"

// parseTime reads a date-time of the spec ("format": "date-time", RFC 3339),
// such as BioT's 2025-11-24T09:23:14.945Z: with or without a fraction, with
// Z or an offset, in either letter case. The result is in UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.ToUpper(strings.TrimSpace(s)) // RFC 3339 allows "t" and "z"
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(zoneless, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("not an RFC 3339 date-time")
}

// needTime checks a required date-time field.
func (p *problems) needTime(field string, s *string) time.Time {
	if s == nil || *s == "" {
		p.miss(field)
		return time.Time{}
	}
	t, err := parseTime(*s)
	if err != nil {
		p.wrong(field, "is not an RFC 3339 date-time")
	}
	return t
}

// optTime checks an optional date-time field; absent is the zero time.
func (p *problems) optTime(field string, s *string) time.Time {
	if s == nil || *s == "" {
		return time.Time{}
	}
	return p.needTime(field, s)
}

// str reads an optional string; absent and null are "".
func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}

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
