package biot

import "time"

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

func str(s *string) string {
	if s == nil {
		return ""
	}
	return *s
}
