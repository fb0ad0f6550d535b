// Package biotsim is an in-process simulator of BioT's User Management
// Service (UMS), release 2.4.2, served over real HTTPS on 127.0.0.1.
//
// It exists for two readers: the tests of the whole project, which need a
// BioT that can lock accounts, rotate refresh tokens, ask for SMS codes and
// fail in the ways a real network fails; and `biot-agent demo`, which needs
// a BioT to sign in to without an account. It follows BioT's UMS OpenAPI
// spec 2.4.2 (biot-med/biot-openapi, 2.4.2/ums/spec.json): status codes,
// error bodies, date formats. This repository carries no copy of the spec;
// with BIOT_UMS_SPEC set to its path, the simulator's own tests check every
// answer they get against it.
//
// # Starting one
//
//	sim, err := biotsim.New(biotsim.Options{
//		Users: []biotsim.User{{Username: "alice@example.com", Password: "pw"}},
//	})
//	defer sim.Close()
//	client := sim.Client() // or trust sim.CertPool() / sim.CACertPEM() yourself
//	// base URL: sim.URL(); endpoints live under sim.URL()+"/ums"
//
// Each Server makes its own certificate authority (ECDSA P-256) and its own
// RSA key for tokens, so tokens and certificates of one Server mean nothing
// to another. It speaks HTTP/1.1 only, so that FaultDown can drop a
// connection the way a dead load balancer does.
//
// # Endpoints
//
//	POST /ums/v2/users/login            {username,password} -> LoginResponse
//	POST /ums/v2/users/login/mfa        Bearer interim token, {code} -> LoginResponse
//	POST /ums/v2/users/login/mfa/resend Bearer interim token -> {mfaExpiration}
//	POST /ums/v2/users/token/refresh    {refreshToken} -> LoginResponse (rotates)
//	POST /ums/v2/users/logout           {refreshToken} -> 200, empty body
//	POST /ums/v2/users/otp/generate     {phone} -> {requestId, phone (masked)}
//	POST /ums/v2/users/otp/login        {requestId,code} -> LoginResponse
//	POST /ums/v2/services/accessToken   {id,secretKey} -> {accessToken, accessTokenExpiration}
//	GET  /ums/v2/users/self             Bearer access token -> UserResponse
//	GET  /ums/system/healthCheck        -> VersionResponse
//	GET  /ums/v1/security/public-key    -> {publicKey} (base64 DER, guess)
//
// Other paths answer 404 and other methods 405, both with BioT's error body.
// Below /_sim/ (PathTest), a prefix no BioT service has, live the
// simulator's own endpoints, for tests of programs that forward requests to
// BioT: an echo of any request (PathEcho), a download of any size
// (PathBytes), an event stream that stays open (PathEvents) and any status
// in BioT's error body (PathStatus).
// Every error body is {"code","message","serviceName":"ums","traceId",
// "environment":"simulator","details":{}} sent as application/json, and every
// answer carries a Date header. Expirations are UTC with exactly three
// fraction digits ("2025-11-24T09:23:14.945Z") and come from Options.Now.
//
// # Identities
//
// A [User] signs in with a password (and an SMS code when MFAPhone is
// set), or, with OTP set, with a code sent to the phone that is its
// username: otp/generate sends the code and names the request, otp/login
// trades the request id and the code for a LoginResponse like any other,
// refresh token included. A new code replaces the user's earlier one; a
// wrong code may be tried again while the code lives (MFATTL); a used,
// expired or unknown one answers 403 LOGIN_FAILED. LastSMSCode tells a
// test the code, by username (the phone).
//
// A [ServiceUser] is a machine identity: its id and secret key give an
// access token, no refresh token, that lives as long as the service user's
// AccessTokenExpirationInMinutes (or TokenTTL, for tests that want
// seconds); the client signs in again before it runs out. A locked one
// answers 401 SERVICE_LOCKED, checked before the secret; an unknown id or
// a wrong secret 403 LOGIN_FAILED. LockServiceUser and SetServiceSecret
// change it midway, as an administrator would.
//
// # Tokens
//
// Access tokens are RS512 JWTs with the header {"alg":"RS512"} and the
// claims BioT's tokens were seen with: sub (user id), exp, jti, tenantId
// (organization id), refreshTokenId, scopes and tokenType "USER"; no iat,
// iss, aud or nbf. A service user's have sub its id, no refreshTokenId,
// and tokenType "SERVICE" (a guess). PublicKey verifies them. They are stateless, like
// BioT's: logout and RevokeRefreshTokens end refresh tokens, not access
// tokens already handed out; RevokeAccessTokens ends those (and leaves the
// refresh tokens alive), as BioT refuses a token it ended early.
//
// Refresh tokens are RS512 JWTs too, because BioT's are (their length
// matters to keyrings), with tokenType "REFRESH"; clients must treat them as
// opaque. Each refresh answers a new pair and the presented refresh token
// dies at once; the new one lives RefreshTTL from the refresh (sliding
// lifetime, a guess). Presenting a rotated-out token again answers 403
// REFRESH_TOKEN_NOT_VALID and counts in Stats.RefreshReuse (and, by token,
// in Stats.ReuseByToken); it does not end the newer tokens of that session
// (BioT's behaviour there is unknown). RefreshTokenLive tells a test
// whether a token a client kept is the live one.
// Expired, logged-out, revoked and unknown tokens answer the same 403.
//
// # Guesses, where the spec is silent
//
//   - A wrong or expired SMS code answers 403 LOGIN_FAILED (the spec lists
//     only 200 and 400 for /login/mfa).
//   - A missing, expired, foreign or wrong-scope bearer token answers 401
//     TOKEN_NOT_VALID on every bearer endpoint, including the MFA interim
//     token on /users/self.
//   - A locked account is reported before the password is checked, as Spring
//     Security does; a refresh for a user since locked or removed answers 403
//     LOGIN_FAILED (the spec lists that code for refresh).
//   - A malformed body, a missing required field, or a Content-Type other
//     than application/json answers 400 BAD_REQUEST.
//   - Logout answers 200 whatever the token (the spec lists only 200 and
//     400).
//   - The masked phone keeps the leading "+" and the last four digits.
//   - otp/generate answers 409 PHONE_NOT_VALID, details {"phone"}, for a
//     phone that is not E.164 or is no OTP user's (the spec names the
//     code and "Details: [phone, userId]", not when); it sends a code to a
//     locked user too, whose otp/login then answers 401 USER_LOCKED (the
//     spec lists no 401 for otp/generate). A password sign-in of an OTP
//     user answers 403 LOGIN_FAILED.
//   - An id that is not a UUID, on otp/login or services/accessToken,
//     answers 400 BAD_REQUEST (the spec's format is uuid).
//   - An MFA user who must also reset the password learns it from
//     /login/mfa, whose answer then has passwordResetRequired and a null
//     refreshJwt.
//
// # Faults
//
// SetFault makes every endpoint misbehave; SetFaultFor limits a fault to the
// given paths (the Path constants) and wins over SetFault for those paths.
// SetFault(FaultNone) clears everything. A fault answers in place of UMS, so
// it changes no state: a refresh answered by Fault500 or FaultTruncated
// leaves the presented refresh token alive. FaultSlow only delays: the
// request then goes through. FaultNoRefreshJwt is the exception: it acts
// only on the refresh path, answers a real new access token with refreshJwt
// null, and leaves the presented refresh token alive (there is no newer one
// to use).
//
// # Logs
//
// Options.Logf receives the SMS codes of the demo and little else. No token
// or password ever reaches it.
package biotsim
