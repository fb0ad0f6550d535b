package biot

import (
	"context"
	"errors"
	"net"
	"strconv"
	"strings"
)

// Class says what a caller should do about an error of this package.
type Class int

const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassTransient: retry later, with backoff. Network errors, timeouts,
	// 5xx, 429, redirects, answers from a firewall or proxy, and 2xx answers
	// that are not what the spec promises. Nothing says the session is over.
	ClassTransient
	// ClassCredentials: the username and password, or the SMS code, were
	// rejected. Ask the person; never retry on your own, since repeated
	// failures lock the account.
	ClassCredentials
	// ClassLocked: the account is locked; LockedMinutes may say how long.
	ClassLocked
	// ClassSessionOver: the refresh token (or the access or interim token)
	// is no longer accepted; only a fresh sign-in helps.
	ClassSessionOver
	// ClassDenied: BioT knows the user but refuses the call (ACCESS_DENIED).
	ClassDenied
	// ClassInvalid: BioT refused the request as such (another 4xx), or the
	// call was refused before sending (ErrBadArgument). Retrying the same
	// request will not help.
	ClassInvalid
	// ClassCanceled: the caller canceled the context; nothing is known
	// about BioT.
	ClassCanceled
)

var classNames = [...]string{"none", "transient", "credentials", "locked", "session_over", "denied", "invalid", "canceled"}

func (c Class) String() string {
	if c >= 0 && int(c) < len(classNames) {
		return classNames[c]
	}
	return "Class(" + strconv.Itoa(int(c)) + ")"
}

// Classify tells what err means for the caller. nil is ClassNone; an error
// from elsewhere is ClassTransient when it is a timeout or network error and
// ClassInvalid otherwise.
func Classify(err error) Class {
	if err == nil {
		return ClassNone
	}
	var (
		api   *APIError
		mal   *MalformedError
		unr   *UnreachableError
		redir *RedirectError
		ne    net.Error
	)
	switch {
	case errors.Is(err, context.Canceled):
		return ClassCanceled
	case errors.As(err, &api):
		return api.class()
	case errors.As(err, &mal), errors.As(err, &unr), errors.As(err, &redir):
		return ClassTransient
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne):
		return ClassTransient
	}
	return ClassInvalid
}

func (e *APIError) class() Class {
	code := strings.ToUpper(e.Code)
	switch {
	case e.Firewall || e.Status >= 500 || e.Status == 429:
		return ClassTransient
	case strings.HasPrefix(code, "USER_LOCKED"): // USER_LOCKED, USER_LOCKED_WITH_TIME
		return ClassLocked
	case code == "ACCESS_DENIED":
		return ClassDenied
	}
	authStatus := e.Status == 401 || e.Status == 403
	switch e.Op {
	case OpLogin:
		if code == "LOGIN_FAILED" {
			return ClassCredentials
		}
	case OpMFA:
		// The interim token ran out: the sign-in must start over. Any other
		// refusal of the code step is a wrong or expired SMS code.
		if code == "TOKEN_NOT_VALID" {
			return ClassSessionOver
		}
		if authStatus {
			return ClassCredentials
		}
	case OpResend:
		// Only the interim token is sent: a refusal means it ran out.
		if authStatus {
			return ClassSessionOver
		}
	case OpRefresh, OpLogout:
		if code == "REFRESH_TOKEN_NOT_VALID" || code == "LOGIN_FAILED" || code == "TOKEN_NOT_VALID" || e.Status == 401 {
			return ClassSessionOver
		}
	case OpSelf:
		if code == "TOKEN_NOT_VALID" || e.Status == 401 {
			return ClassSessionOver
		}
	}
	if e.Status >= 400 && e.Status < 500 {
		return ClassInvalid
	}
	return ClassTransient // 1xx or 3xx with a BioT body: not an answer to act on
}
