package biot

import (
	"context"
	"net/http"
)

// User is the signed-in user, as GET /ums/v2/users/self answers it (the
// fields the agent needs of the spec's UserResponse).
type User struct {
	ID                  string
	Username            string
	OwnerOrganizationID string
	CredentialType      string // "PASSWORD" or "OTP"
	Locked              bool
	Active              bool
}

// Self reads the user the access token belongs to (GET /ums/v2/users/self).
func (c *Client) Self(ctx context.Context, accessToken string) (*User, error) {
	if err := checkToken(OpSelf, "access token", accessToken); err != nil {
		return nil, err
	}
	a, err := c.do(ctx, call{op: OpSelf, method: http.MethodGet, path: "/ums/v2/users/self",
		bearer: accessToken, secrets: []string{accessToken}})
	if err != nil {
		return nil, err
	}
	return decodeUser(OpSelf, a.status, a.body)
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
