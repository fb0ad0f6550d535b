package ipc

import (
	"errors"
	"net/http"

	"biot-agent/agent"
)

// apiError is an error the server answers as it is, with its own status.
type apiError struct {
	status int
	info   ErrorInfo
}

func (e *apiError) Error() string { return e.info.Message }

func badRequest(msg string) *apiError {
	return &apiError{http.StatusBadRequest, ErrorInfo{Code: CodeBadRequest, Message: msg}}
}

// kindStatus is the HTTP status of each agent error kind; see the package
// documentation for why each was chosen.
var kindStatus = map[agent.Kind]int{
	agent.KindSignedOut:     http.StatusUnauthorized,
	agent.KindNeedsLogin:    http.StatusUnauthorized,
	agent.KindMFARequired:   http.StatusUnauthorized,
	agent.KindLoginFailed:   http.StatusUnauthorized,
	agent.KindPasswordReset: http.StatusForbidden,
	agent.KindLocked:        http.StatusLocked,
	agent.KindOffline:       http.StatusServiceUnavailable,
	agent.KindBadRequest:    http.StatusBadRequest,
}

// kindDefault is the message of an agent error that came without one.
var kindDefault = map[agent.Kind]string{
	agent.KindSignedOut:     "nobody is signed in; sign in with: biot-agent login",
	agent.KindNeedsLogin:    "the session is over; sign in again with: biot-agent login",
	agent.KindMFARequired:   "send the SMS code to finish signing in",
	agent.KindLoginFailed:   "wrong username, password or code",
	agent.KindPasswordReset: "BioT asks for a new password first",
	agent.KindLocked:        "the account is locked",
	agent.KindOffline:       "BioT cannot be reached and no valid token is left",
	agent.KindBadRequest:    "bad request",
}

// internalMessage is all a client learns of an unexpected failure; the
// detail goes to the agent's log.
const internalMessage = "biot-agent failed unexpectedly; see its log"

// toAPI turns any error into the status and body the client receives.
// ok is false for errors the mapping does not know: those are internal.
func toAPI(err error) (status int, info ErrorInfo, ok bool) {
	var ae *apiError
	if errors.As(err, &ae) {
		return ae.status, ae.info, true
	}
	var e *agent.Error
	if errors.As(err, &e) {
		if status, known := kindStatus[e.Kind]; known {
			msg := e.Message
			if msg == "" {
				msg = kindDefault[e.Kind]
			}
			info := ErrorInfo{Code: string(e.Kind), Message: msg}
			if e.Kind == agent.KindLocked {
				info.MinutesLeft = e.MinutesLeft
			}
			return status, info, true
		}
	}
	return http.StatusInternalServerError, ErrorInfo{Code: CodeInternal, Message: internalMessage}, false
}
