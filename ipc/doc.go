// Package ipc is the agent's local API: HTTP/1.1 over a Unix socket, and the
// Go client that the CLI and other programs use to reach it.
//
// # The socket
//
// [SocketPath] says where the agent listens: $BIOT_AGENT_SOCK, else
// $XDG_RUNTIME_DIR/biot-agent/agent.sock, else
// <temp>/biot-agent-<uid>/agent.sock. [Listen] opens it with three guards,
// each of which alone keeps other users out:
//
//   - the folder is ours and 0700 (a looser folder of ours is tightened; one
//     owned by someone else, or a shared sticky folder such as /tmp, is
//     refused);
//   - the socket is bound under umask 077 and is 0600;
//   - every connection's peer user id is read from the kernel (SO_PEERCRED
//     on Linux, LOCAL_PEERCRED on macOS) and another user gets a 403
//     forbidden without ever reaching the HTTP handlers. Where the system
//     cannot tell (other Unixes, Windows), the file permissions stand alone.
//
// A socket file nobody answers on is a crashed agent's and is removed; one
// that answers, or a lock held on <socket>.lock, means another agent runs
// and Listen returns an error matching [ErrAlreadyRunning].
//
// # Endpoints
//
// Clients use a fake host ("biot-agent"); the Host header is ignored.
// Requests that carry Origin or Referer are refused with 403 forbidden: no
// browser may drive the socket. Every answer but the proxy's carries
// Cache-Control: no-store. Request bodies are limited to 64 KiB (but the
// proxy's) and headers to 16 KiB.
//
// The agent serves several BioT environments, each a name (dev, prod, …),
// a BioT URL and one account, each with its own session. Every endpoint
// but /v1/environments acts on one: the one named by ?env=NAME, else by a
// Biot-Env: NAME header (for tools that cannot change the query), else the
// default environment (the configured default, else the only one); the
// proxy, whose query is BioT's, takes the name from its path or the header
// only. A name that is not configured is answered 404 unknown_environment;
// no name and no default, 400 environment_required; two that differ, 400
// bad_request.
//
//	GET  /v1/token   200 a Token as JSON, or with Accept: text/plain the
//	                 token alone, without a trailing newline.
//	                 ?min_valid=5m  token valid for at least this (0 < d <= 24h)
//	                 ?wait=30s      when no token is available because nobody
//	                                is signed in, the session needs a sign-in,
//	                                MFA is pending or BioT is unreachable, wait
//	                                up to this long (0 <= d <= 10m) for the
//	                                session to change, and retry. The wait ends
//	                                early when the session moves into
//	                                signed_out (a logout) or needs_login (a
//	                                rejected refresh), with that error.
//	GET  /v1/status  200 Status fields plus "version" (StatusResponse);
//	                 "env" names the environment.
//	POST /v1/login   {"username","password"}, {"phone"} (a user who signs in
//	                 with a code sent to that phone, E.164), {"code"} (the
//	                 SMS code of either), {"resend":true} (send the code
//	                 again) or {"service":true} (a service user signs in
//	                 again with its secret key as it is now), each with an
//	                 optional "env"; 200 and the new
//	                 status; while a code is awaited, "mfaPending" is true
//	                 and "codeSentTo" the phone as BioT masks it.
//	POST /v1/logout  200 and the new status.
//	GET  /v1/events  text/event-stream: "data: <an Event as JSON>" for the
//	                 current status (seq 0), then one per change, and a
//	                 ": heartbeat" comment every 30 s. Every event carries
//	                 "env".
//	GET  /v1/environments  200 every environment's status, by name, and
//	                 the default's name (Environments).
//	ANY  /v1/proxy/PATH?QUERY  BioT's answer to the same request sent to
//	                 <the environment's BioT URL>/PATH?QUERY with its
//	                 access token (see The proxy).
//	ANY  /v1/environments/NAME/proxy/PATH?QUERY  the same for the
//	                 environment NAME, for tools that take only a base URL.
//
// # The proxy
//
// Scripts, notebooks and SDKs call BioT through the agent instead of
// handling tokens themselves:
//
//	curl --unix-socket "$BIOT_AGENT_SOCK" http://biot-agent/v1/proxy/ums/v2/users/self
//
// The path after /v1/proxy/ and the query go to BioT byte for byte, as
// escaped; the query is BioT's, so only the path form or the Biot-Env
// header names the environment there (?env= goes to BioT). Paths with . or
// .. segments are refused. Any method goes, and a body of any size (one of
// up to 8 MiB is read whole first, see below; a larger one streams). The
// answer streams back: BioT's status, headers and body as they come, an
// event stream event by event, a download without being held in memory, a
// redirect untouched (never followed). A WebSocket upgrade passes
// through, bytes both ways; any other Upgrade offer (h2c) is dropped and
// the request goes as an ordinary one. An exchange ends when no byte has
// moved either way for 10 minutes, and when the agent stops.
//
// The agent sets Authorization itself (the caller's own is dropped), drops
// Cookie and Biot-Env, adds no X-Forwarded-* (and passes on none of the
// caller's, nor Forwarded), and talks HTTPS to BioT only (http only to a
// loopback BioT), over connections it keeps warm for every caller.
//
// When BioT answers 401 (its token was refused before it expired: BioT ended
// it early), the agent renews the token and sends the request once more,
// so the caller sees the second answer. Every request refused together
// shares one refresh. It does so only for a body of up to 8 MiB, which it
// keeps to send again; a larger body streams through once, and its 401
// comes back with "Biot-Agent-Retry: no (body over 8 MiB)". The agent
// keeps at most 64 MiB of bodies at once, across every request: a body
// that does not fit streams the same way, and its 401 says so in
// Biot-Agent-Retry. A token
// renewed moments ago (10 s) is not renewed again: its 401 comes back with
// a Biot-Agent-Retry saying so. Any other answer, 403 (ACCESS_DENIED or a
// firewall's page) and 5xx included, comes back as BioT sent it, with no
// retry.
//
// Answers the agent makes itself on a proxy path are its JSON errors below,
// with a "Biot-Agent-Error: CODE" header so a client tells them from BioT's:
// signed_out, needs_login and mfa_required (401) when there is no session,
// offline (503) when no token can be had, read_only (403) when the
// environment is read-only (read_only = true in config.toml) and the
// method is not GET, HEAD or OPTIONS, nothing having reached BioT, and
// biot_unreachable (502) when BioT gave no answer.
//
// # Errors
//
// Every error is JSON: {"error":{"code":"...","message":"..."}}, with
// "minutesLeft" for a locked account when BioT says. Scripts should branch
// on the code; the status only groups them:
//
//	signed_out               401  nobody is signed in
//	needs_login              401  the session is over; sign in again
//	mfa_required             401  send the SMS code (POST /v1/login {"code"})
//	login_failed             401  wrong username, password or code
//	password_reset_required  403  BioT wants a new password first
//	locked                   423  the account is locked (423 Locked says it
//	                              best, and no client mistakes it for "try
//	                              another password")
//	offline                  503  BioT unreachable and no valid token left
//	wait_timeout             504  no token within ?wait (504, not 408: HTTP
//	                              clients treat 408 as a broken connection
//	                              and may resend the request)
//	bad_request              400  malformed query or body
//	forbidden                403  another user, or a request from a browser
//	not_found                404  no such endpoint
//	unknown_environment      404  no environment of that name is configured;
//	                              the message lists those that are
//	environment_required     400  no environment named and no default: name
//	                              one (the message lists them), or add one
//	method_not_allowed       405  with an Allow header
//	read_only                403  the proxy sends only GET, HEAD and OPTIONS
//	                              to a read-only environment
//	biot_unreachable         502  the proxy got no answer from BioT
//	internal                 500  anything else; the detail is in the log
//
// The codes are the [Code] constants of this package. Malformed HTTP
// (garbage bytes, headers over the limit) is answered by net/http itself
// with a plain-text 400 or 431 before any handler runs; the server carries
// on.
//
// # Types
//
// The answers are this package's own types ([Token], [StatusResponse],
// [Event], [ErrorBody]), so a Go program that talks to the socket imports
// no session code. The server serves a [Backend] in the same types;
// package internal/localapi adapts the agent to it.
//
// # The client
//
// [Client] calls every endpoint and answers errors as [*Error] (with the
// code above, or [CodeHTTPError] when the answer was not the agent's JSON)
// or [ErrAgentNotRunning]. [Client.Proxy] sends a request to BioT through
// the proxy and hands back BioT's answer unread. [Transport] is an
// http.RoundTripper that adds "Authorization: Bearer <token>" from the
// agent to each request. [Loopback] serves the proxy on 127.0.0.1 under a
// base URL with a secret key, for tools that take nothing but a base URL
// (`biot-agent exec --proxy`).
//
// No token, password or SMS code is ever logged or put in an error.
package ipc
