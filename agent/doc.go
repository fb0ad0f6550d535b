// Package agent keeps one person signed in to one BioT environment.
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
// The session is in one of four states:
//
//   - signed_out: nobody is signed in.
//   - signed_in: a valid access token is at hand and refreshes are on time.
//   - offline: a refresh failed for a passing reason (network, 5xx, the
//     firewall); the agent retries with backoff and keeps serving the access
//     token while it is still valid.
//   - needs_login: BioT rejected the refresh token, or it expired; only a
//     fresh sign-in helps.
//
// Time comes from a [Clock], so tests can move it; every deadline is compared
// on the wall clock, because a Go timer runs late after a laptop slept.
package agent
