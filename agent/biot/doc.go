// Package biot is the HTTP client for BioT's User Management Service (UMS):
// the few calls that sign a person in and keep the session alive. It follows
// BioT's OpenAPI spec of UMS 2.4.2, whose paths live under /ums. It speaks
// for the three kinds of identity BioT has: users with a password (and,
// with MFA, an SMS code), users whose credentialType is OTP (a code sent
// to their phone, no password), and service users (an id and a secret key).
//
//	c, err := biot.New("https://api.dev.example.biot-med.com", nil, version)
//	resp, err := c.Login(ctx, username, password)   // POST /ums/v2/users/login
//	resp, err = c.LoginMFA(ctx, resp.AccessJwt.Token, smsCode) // when resp.MFARequired
//	resp, err = c.Refresh(ctx, resp.RefreshJwt.Token) // rotates the refresh token
//	err = c.Logout(ctx, resp.RefreshJwt.Token)
//
//	req, masked, err := c.GenerateOTP(ctx, "+15550100123") // POST /ums/v2/users/otp/generate
//	resp, err = c.LoginOTP(ctx, req, smsCode)               // POST /ums/v2/users/otp/login
//
//	tok, err := c.ServiceToken(ctx, serviceUserID, secretKey) // POST /ums/v2/services/accessToken
//	// no refresh token: call ServiceToken again before tok.Expiration
//
// Self reads the signed-in user, ResendMFA asks for another SMS code and
// Health asks whether UMS is up and what its clock says.
//
// # Transport
//
// New takes https base URLs only; plain http is allowed for loopback hosts,
// where test servers live, because BioT redirects http to https and Go's
// client would turn a redirected POST into a GET or carry the body elsewhere.
// For the same reason redirects are never followed, whichever *http.Client
// the caller hands in: a redirect is a [*RedirectError]. [NewHTTPClient] builds
// the client to use: explicit timeouts, certificates always verified (against
// the system roots, so SSL_CERT_FILE works, or a given pool). Every call has
// a deadline even when the caller's context has none. Bodies are read through
// a 1 MiB limit.
//
// # Errors
//
// A failed call returns one of:
//
//   - [*APIError]: BioT, or a firewall or proxy in front of it, answered an
//     error status. Firewall is set when the body was not BioT's error JSON
//     (AWS WAF answers 403 with HTML).
//   - [*MalformedError]: a success status whose body is not what the spec
//     promises (not JSON, or a required field missing).
//   - [*UnreachableError]: no answer at all: DNS, refused connection, TLS
//     certificate, timeout, dropped connection.
//   - [*RedirectError]: the server answered a redirect, which was not followed.
//   - the caller's context.Canceled, wrapped so that errors.Is finds it.
//
// [Classify] reduces any of them to a [Class] that says what to do: retry
// later (ClassTransient), ask for the password, code or secret again
// (ClassCredentials: LOGIN_FAILED, PHONE_NOT_VALID), wait ([LockedMinutes]
// says how long; USER_LOCKED, SERVICE_LOCKED), sign in anew
// (ClassSessionOver), or give up (ClassDenied, ClassInvalid).
//
// No error string holds a password, SMS code, secret key or token: bodies
// are never quoted, and the messages BioT sends back are scrubbed of the
// secrets of the request and of anything shaped like a JWT.
package biot
