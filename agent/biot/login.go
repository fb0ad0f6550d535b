package biot

import (
	"context"
	"fmt"
	"net/http"
	"time"
)

// JWT is a token with its expiry, as UMS answers it.
type JWT struct {
	Token      string
	Expiration time.Time // UTC
}

// LoginResponse is UMS's answer to a sign-in, an MFA code or a refresh.
type LoginResponse struct {
	UserID              string
	OwnerOrganizationID string
	// AccessJwt is the access token; while MFARequired it is the interim
	// token that only LoginMFA and ResendMFA accept.
	AccessJwt JWT
	// RefreshJwt is nil when BioT sends none: while MFA is pending, and when
	// PasswordResetRequired (the session then cannot be kept alive).
	RefreshJwt            *JWT
	MFARequired           bool
	MFAExpiration         time.Time // when the SMS code expires; zero when not sent
	PasswordResetRequired bool
	Phone                 string // masked, for "code sent to ..."
	// ServerDate is the server's Date header (zero when absent): the clock
	// the expirations were computed on.
	ServerDate time.Time
}

// Login signs in with a username and password (POST /ums/v2/users/login).
// Never retry a ClassCredentials failure on your own: failures lock the
// account.
func (c *Client) Login(ctx context.Context, username, password string) (*LoginResponse, error) {
	if username == "" {
		return nil, fmt.Errorf("biot: %s: %w: no username", OpLogin, ErrBadArgument)
	}
	body := struct {
		Username string `json:"username"`
		Password string `json:"password"`
	}{username, password}
	return c.login(ctx, call{op: OpLogin, method: http.MethodPost, path: "/ums/v2/users/login",
		body: body, secrets: []string{password}})
}

// LoginMFA finishes a sign-in that answered MFARequired, with the SMS code
// and the interim access token (POST /ums/v2/users/login/mfa).
func (c *Client) LoginMFA(ctx context.Context, interimAccess, code string) (*LoginResponse, error) {
	if err := checkToken(OpMFA, "interim access token", interimAccess); err != nil {
		return nil, err
	}
	if code == "" {
		return nil, fmt.Errorf("biot: %s: %w: no SMS code", OpMFA, ErrBadArgument)
	}
	body := struct {
		Code string `json:"code"`
	}{code}
	return c.login(ctx, call{op: OpMFA, method: http.MethodPost, path: "/ums/v2/users/login/mfa",
		bearer: interimAccess, body: body, secrets: []string{interimAccess, code}})
}

// ResendMFA asks for another SMS code (POST /ums/v2/users/login/mfa/resend)
// and returns when it expires; zero when BioT does not say.
func (c *Client) ResendMFA(ctx context.Context, interimAccess string) (time.Time, error) {
	if err := checkToken(OpResend, "interim access token", interimAccess); err != nil {
		return time.Time{}, err
	}
	a, err := c.do(ctx, call{op: OpResend, method: http.MethodPost, path: "/ums/v2/users/login/mfa/resend",
		bearer: interimAccess, secrets: []string{interimAccess}})
	if err != nil {
		return time.Time{}, err
	}
	return decodeResend(OpResend, a.status, a.body)
}

// Refresh trades a refresh token for a new access token and, usually, a new
// refresh token (POST /ums/v2/users/token/refresh). The presented refresh
// token must be taken as spent once the call was sent.
func (c *Client) Refresh(ctx context.Context, refreshToken string) (*LoginResponse, error) {
	if err := checkToken(OpRefresh, "refresh token", refreshToken); err != nil {
		return nil, err
	}
	body := struct {
		RefreshToken string `json:"refreshToken"`
	}{refreshToken}
	return c.login(ctx, call{op: OpRefresh, method: http.MethodPost, path: "/ums/v2/users/token/refresh",
		body: body, secrets: []string{refreshToken}})
}

// Logout ends the session the refresh token belongs to
// (POST /ums/v2/users/logout). Access tokens already issued stay valid
// until they expire.
func (c *Client) Logout(ctx context.Context, refreshToken string) error {
	if err := checkToken(OpLogout, "refresh token", refreshToken); err != nil {
		return err
	}
	body := struct {
		RefreshToken string `json:"refreshToken"`
	}{refreshToken}
	_, err := c.do(ctx, call{op: OpLogout, method: http.MethodPost, path: "/ums/v2/users/logout",
		body: body, secrets: []string{refreshToken}})
	return err
}

func (c *Client) login(ctx context.Context, cl call) (*LoginResponse, error) {
	a, err := c.do(ctx, cl)
	if err != nil {
		return nil, err
	}
	r, err := decodeLoginResponse(cl.op, a.status, a.body)
	if err != nil {
		return nil, err
	}
	r.ServerDate = a.date
	return r, nil
}
