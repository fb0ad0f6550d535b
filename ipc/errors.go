package ipc

import (
	"errors"
	"fmt"
	"net/http"
)

// Code is the "code" of an error answer; scripts branch on it. The package
// documentation lists them with their HTTP status.
type Code string

// The error codes of the local API.
const (
	CodeSignedOut        Code = "signed_out"              // nobody is signed in
	CodeNeedsLogin       Code = "needs_login"             // the session is over; sign in again
	CodeMFARequired      Code = "mfa_required"            // send the SMS code (POST /v1/login {"code"})
	CodeLoginFailed      Code = "login_failed"            // wrong username, password or code
	CodePasswordReset    Code = "password_reset_required" // BioT wants a new password first
	CodeLocked           Code = "locked"                  // the account is locked
	CodeOffline          Code = "offline"                 // BioT unreachable and no valid token left
	CodeWaitTimeout      Code = "wait_timeout"            // no token within the asked wait
	CodeBadRequest       Code = "bad_request"             // malformed query or body
	CodeForbidden        Code = "forbidden"               // another user, or a browser
	CodeNotFound         Code = "not_found"               // no such endpoint
	CodeMethodNotAllowed Code = "method_not_allowed"      // endpoint exists, method does not
	CodeInternal         Code = "internal"                // the agent failed; its log says why

	CodeUnknownEnvironment  Code = "unknown_environment"  // no environment of that name is configured
	CodeEnvironmentRequired Code = "environment_required" // no name given, and no default to fall back on

	CodeReadOnly        Code = "read_only"        // the environment is read-only: the proxy sends only GET, HEAD and OPTIONS
	CodeBioTUnreachable Code = "biot_unreachable" // the proxy got no answer from BioT, or only part of one

	// CodeHTTPError is the client's own: the answer was not the agent's
	// JSON (net/http itself refused the request, or something else
	// listens on the socket). No agent sends it.
	CodeHTTPError Code = "http_error"
)

// Error is an error of the local API. A [Backend] returns it to have the
// server answer its Code; [Client] returns it for every error answer.
type Error struct {
	Code    Code
	Message string // fit to show a person; never a secret
	// HTTPStatus is the status the agent answered with. A Backend leaves
	// it 0: the server takes the status from the code.
	HTTPStatus  int
	MinutesLeft int // for CodeLocked, when BioT says
}

func (e *Error) Error() string {
	if e.Message != "" {
		return e.Message
	}
	return fmt.Sprintf("biot-agent answered %s (HTTP %d)", e.Code, e.HTTPStatus)
}

// ErrorInfo is the "error" member of every error answer.
type ErrorInfo struct {
	Code        Code   `json:"code"`
	Message     string `json:"message"`
	MinutesLeft int    `json:"minutesLeft,omitempty"` // locked accounts, when BioT says
}

// ErrorBody is the JSON of every error answer: {"error":{...}}.
type ErrorBody struct {
	Error ErrorInfo `json:"error"`
}

func badRequest(msg string) *Error {
	return &Error{Code: CodeBadRequest, Message: msg}
}

// codeStatus is the HTTP status of each code; see the package
// documentation for why each was chosen.
var codeStatus = map[Code]int{
	CodeSignedOut:     http.StatusUnauthorized,
	CodeNeedsLogin:    http.StatusUnauthorized,
	CodeMFARequired:   http.StatusUnauthorized,
	CodeLoginFailed:   http.StatusUnauthorized,
	CodePasswordReset: http.StatusForbidden,
	CodeLocked:        http.StatusLocked,
	CodeOffline:       http.StatusServiceUnavailable,
	CodeWaitTimeout:   http.StatusGatewayTimeout,
	CodeBadRequest:    http.StatusBadRequest,

	CodeUnknownEnvironment:  http.StatusNotFound,
	CodeEnvironmentRequired: http.StatusBadRequest,
	CodeForbidden:           http.StatusForbidden,
	CodeNotFound:            http.StatusNotFound,
	CodeMethodNotAllowed:    http.StatusMethodNotAllowed,
	CodeReadOnly:            http.StatusForbidden,
	CodeBioTUnreachable:     http.StatusBadGateway,
}

// codeDefault is the message of an error that came without one.
var codeDefault = map[Code]string{
	CodeSignedOut:        "nobody is signed in; sign in with: biot-agent login",
	CodeNeedsLogin:       "the session is over; sign in again with: biot-agent login",
	CodeMFARequired:      "send the SMS code to finish signing in",
	CodeLoginFailed:      "wrong username, password or code",
	CodePasswordReset:    "BioT asks for a new password first",
	CodeLocked:           "the account is locked",
	CodeOffline:          "BioT cannot be reached and no valid token is left",
	CodeWaitTimeout:      "no token within the asked wait",
	CodeBadRequest:       "bad request",
	CodeForbidden:        "forbidden",
	CodeNotFound:         "no such endpoint",
	CodeMethodNotAllowed: "method not allowed",
	CodeReadOnly:         "this environment is read-only: only GET, HEAD and OPTIONS are sent to BioT",
	CodeBioTUnreachable:  "BioT could not be reached",
}

// internalMessage is all a client learns of an unexpected failure; the
// detail goes to the agent's log.
const internalMessage = "biot-agent failed unexpectedly; see its log"

// toAPI turns any error into the status and body the client receives.
// ok is false for errors the mapping does not know: those are internal.
func toAPI(err error) (status int, info ErrorInfo, ok bool) {
	var e *Error
	if errors.As(err, &e) {
		if status, known := codeStatus[e.Code]; known {
			info := ErrorInfo{Code: e.Code, Message: e.Message}
			if info.Message == "" {
				info.Message = codeDefault[e.Code]
			}
			if e.Code == CodeLocked {
				info.MinutesLeft = e.MinutesLeft
			}
			return status, info, true
		}
	}
	return http.StatusInternalServerError, ErrorInfo{Code: CodeInternal, Message: internalMessage}, false
}

// codeOf is the Code of err, or "" when err is not an *Error.
func codeOf(err error) Code {
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return ""
}
