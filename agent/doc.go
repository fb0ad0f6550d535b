// Package agent keeps one identity signed in to one BioT environment: a
// person, or a service user.
//
// It is the whole session logic and nothing else: it signs in through the
// BioT client in package biot, refreshes the access token ahead of its
// expiry, saves every rotated refresh token to a [Store] before the new
// access token is served, and publishes each change of state to whoever
// subscribes. It knows nothing of sockets, trays or notifications, and its
// types carry no JSON: package tray uses it in process, and
// internal/localapi serves it on the socket in package ipc's types.
//
// A person signs in with a password ([Agent.Login]), then an SMS code when
// BioT asks for one ([Agent.SubmitMFA]); a user whose credentialType is
// OTP has no password and signs in with a code sent to the phone
// ([Agent.RequestCode], then SubmitMFA). Either way a sign-in that waits
// for its code is pending beside the state (Status.MFAPending), a refused
// code is said in words and never sent again on its own, and the session
// then lives and refreshes the same way.
//
// A service user ([Config.Service], a machine identity for jobs, CI and
// servers) has an id and a secret key, and BioT gives it an access token
// with no refresh token. The agent signs it in at start and again when a
// fifth of the token's lifetime, or 5 minutes, is left (whichever is less,
// read on BioT's clock), never more often than once a second; it reads the
// secret from its source at each sign-in, so a replaced secret is used at
// the next one, and stores nothing. A secret BioT refuses (LOGIN_FAILED),
// a locked service user (SERVICE_LOCKED) or a secret that cannot be read
// is tried once: needs_login, with BioT's words, until [Agent.SignIn].
// Status.Identity tells the two kinds apart.
//
// The session is in one of four states:
//
//   - signed_out: nobody is signed in.
//   - signed_in: a valid access token is at hand and refreshes (a service
//     user's sign-ins) are on time; also while a saved session is resumed,
//     or a service user's first sign-in is under way.
//   - offline: a refresh or a service user's sign-in failed for a passing
//     reason (network, 5xx, the firewall); the agent retries with backoff
//     and keeps serving the access token while it is still valid.
//   - needs_login: BioT rejected the refresh token, or it expired, or BioT
//     refused a service user's secret or says it is locked; only a fresh
//     sign-in helps, and the agent makes none on its own.
//
// Time comes from a [Clock], so tests can move it; every deadline is compared
// on the wall clock, because a Go timer runs late after a laptop slept.
package agent
