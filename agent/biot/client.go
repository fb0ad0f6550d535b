package biot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Client talks to the UMS of one BioT environment. It holds no session and
// is safe for concurrent use.
type Client struct {
	base      string // scheme://host[:port][/prefix], no trailing slash
	hc        *http.Client
	userAgent string

	fwdOnce sync.Once
	fwd     http.RoundTripper // see Forwarder
}

// New checks baseURL and returns a client for it.
//
// baseURL is the environment's "Rest API URL", such as
// https://api.dev.example.biot-med.com; a path prefix is kept and a trailing
// slash dropped. It must be https, or http when the host is "localhost" or a
// loopback address; it must carry no user info, query or fragment.
//
// hc nil means NewHTTPClient(nil). A given hc is copied, never changed, and
// the copy refuses redirects whatever hc.CheckRedirect says. version goes into
// the User-Agent header as "biot-agent/<version>".
func New(baseURL string, hc *http.Client, version string) (*Client, error) {
	base, err := normalizeBaseURL(baseURL)
	if err != nil {
		return nil, fmt.Errorf("biot: base URL: %w", err)
	}
	if hc == nil {
		hc = NewHTTPClient(nil)
	} else {
		cp := *hc
		cp.CheckRedirect = refuseRedirect
		hc = &cp
	}
	return &Client{base: base, hc: hc, userAgent: "biot-agent/" + cleanVersion(version)}, nil
}

// BaseURL returns the normalized base URL, without a trailing slash.
func (c *Client) BaseURL() string { return c.base }

// The calls, as they appear in APIError.Op and the other errors.
const (
	OpLogin   = "login"
	OpMFA     = "mfa"
	OpResend  = "resend"
	OpRefresh = "refresh"
	OpLogout  = "logout"
	OpSelf    = "self"
	OpHealth  = "health"

	OpOTPCode  = "otp-code"      // ask for a sign-in code by SMS
	OpOTPLogin = "otp-login"     // sign in with that code
	OpService  = "service-login" // a service user's id and secret key
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

// GenerateOTP asks BioT to send a sign-in code to the phone of a user whose
// credentialType is OTP (POST /ums/v2/users/otp/generate). It returns the
// request the code belongs to, for LoginOTP, and the phone masked as BioT
// shows it ("" when BioT does not say). A phone BioT does not know answers
// 409 PHONE_NOT_VALID, which classifies as ClassCredentials.
func (c *Client) GenerateOTP(ctx context.Context, phone string) (requestID, maskedPhone string, err error) {
	if phone == "" {
		return "", "", fmt.Errorf("biot: %s: %w: no phone", OpOTPCode, ErrBadArgument)
	}
	body := struct {
		Phone string `json:"phone"`
	}{phone}
	a, err := c.do(ctx, call{op: OpOTPCode, method: http.MethodPost, path: "/ums/v2/users/otp/generate", body: body})
	if err != nil {
		return "", "", err
	}
	return decodeOTPCode(OpOTPCode, a.status, a.body)
}

// LoginOTP signs in with the request id GenerateOTP answered and the code
// sent to the phone (POST /ums/v2/users/otp/login). The answer is the usual
// LoginResponse, refresh token included. A wrong or expired code is
// ClassCredentials: ask the person, never retry on your own.
func (c *Client) LoginOTP(ctx context.Context, requestID, code string) (*LoginResponse, error) {
	if requestID == "" {
		return nil, fmt.Errorf("biot: %s: %w: no request id", OpOTPLogin, ErrBadArgument)
	}
	if code == "" {
		return nil, fmt.Errorf("biot: %s: %w: no code", OpOTPLogin, ErrBadArgument)
	}
	body := struct {
		RequestID string `json:"requestId"`
		Code      string `json:"code"`
	}{requestID, code}
	return c.login(ctx, call{op: OpOTPLogin, method: http.MethodPost, path: "/ums/v2/users/otp/login",
		body: body, secrets: []string{code, requestID}})
}

// ServiceToken is a service user's access token. There is no refresh
// token: sign in again before Expiration.
type ServiceToken struct {
	AccessToken string
	Expiration  time.Time // UTC
	// ServerDate is the server's Date header (zero when absent): the clock
	// Expiration was computed on.
	ServerDate time.Time
}

// ServiceToken signs a service user in with its id and secret key
// (POST /ums/v2/services/accessToken). SERVICE_LOCKED is ClassLocked and
// LOGIN_FAILED ClassCredentials: never retry either on your own, since
// repeated failures may lock the service user.
func (c *Client) ServiceToken(ctx context.Context, id, secretKey string) (*ServiceToken, error) {
	if id == "" {
		return nil, fmt.Errorf("biot: %s: %w: no service user id", OpService, ErrBadArgument)
	}
	if secretKey == "" {
		return nil, fmt.Errorf("biot: %s: %w: no secret key", OpService, ErrBadArgument)
	}
	body := struct {
		ID        string `json:"id"`
		SecretKey string `json:"secretKey"`
	}{id, secretKey}
	a, err := c.do(ctx, call{op: OpService, method: http.MethodPost, path: "/ums/v2/services/accessToken",
		body: body, secrets: []string{secretKey}})
	if err != nil {
		return nil, err
	}
	t, err := decodeServiceToken(OpService, a.status, a.body)
	if err != nil {
		return nil, err
	}
	t.ServerDate = a.date
	return t, nil
}

// login sends a call that UMS answers with a LoginResponse.
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

// Health is UMS's answer to a health check.
type Health struct {
	Status  int    // the HTTP status, 2xx
	Version string // UMS's version, when it says
	TraceID string
	// ServerDate is the server's Date header, zero when absent: compare it
	// with the local clock to find a skew that would misjudge expirations.
	// It has a resolution of one second.
	ServerDate time.Time
}

// Health asks whether UMS is up (GET /ums/system/healthCheck). An error
// status is an *APIError; a 2xx whose body is not a JSON object is a
// *MalformedError (a portal or proxy answered, not UMS).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	a, err := c.do(ctx, call{op: OpHealth, method: http.MethodGet, path: "/ums/system/healthCheck"})
	if err != nil {
		return nil, err
	}
	h, err := decodeHealth(OpHealth, a.status, a.body)
	if err != nil {
		return nil, err
	}
	h.ServerDate = a.date
	return h, nil
}

// checkToken refuses a token that is empty or could not be a header value,
// before anything is sent.
func checkToken(op, what, tok string) error {
	if tok == "" {
		return fmt.Errorf("biot: %s: %w: no %s", op, ErrBadArgument, what)
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return fmt.Errorf("biot: %s: %w: the %s has characters no token has", op, ErrBadArgument, what)
	}
	return nil
}

// call is one request to UMS.
type call struct {
	op     string
	method string
	path   string // below the base URL, starting with /ums/
	bearer string // the Authorization token, or ""
	body   any    // sent as JSON when not nil
	// secrets are the values of this request that must never appear in an
	// error; BioT's messages are scrubbed of them.
	secrets []string
}

// answer is a success answer, read in full.
type answer struct {
	status int
	body   []byte
	date   time.Time // the server's Date header; zero when absent or unreadable
}

// maxBody is the most of an answer that is read. UMS answers are a few
// kilobytes; more is not UMS.
const maxBody = 1 << 20

// do sends cl and returns the answer when its status is 2xx. Any other
// status becomes an *APIError; no answer becomes an *UnreachableError,
// a *RedirectError, or the caller's context.Canceled.
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	// Every call has a deadline, whatever the caller's context and
	// http.Client say.
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil { // only strings are sent, so this does not happen
			return nil, fmt.Errorf("biot: %s: encode request: %w", cl.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, fmt.Errorf("biot: %s: build request: %w", cl.op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cl.bearer)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, cl, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(ctx, cl, err)
	}
	tooLarge := len(data) > maxBody
	if tooLarge {
		data = data[:maxBody]
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeAPIError(cl.op, resp.StatusCode, data, cl.secrets)
	}
	if tooLarge {
		return nil, &MalformedError{Op: cl.op, Status: resp.StatusCode, Reason: "answer larger than 1 MiB"}
	}
	a := &answer{status: resp.StatusCode, body: data}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.date = d.UTC()
	}
	return a, nil
}

// transportError names why a call got no (complete) answer.
func transportError(ctx context.Context, cl call, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller gave up: not BioT's fault, nothing to retry.
		return fmt.Errorf("biot: %s: %w", cl.op, ctx.Err())
	}
	if re, ok := asRedirect(err); ok {
		cp := *re
		cp.Op = cl.op
		return &cp
	}
	return newUnreachable(cl.op, err, cl.secrets)
}
