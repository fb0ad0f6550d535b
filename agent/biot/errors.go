package biot

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"math"
	"net"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"syscall"
)

// This file is the errors of the package (the doc comment lists them),
// what each means to a caller (Classify, LockedMinutes), and how secrets
// are kept out of them.

// APIError is an answer with an error status. When the body was BioT's
// error JSON ({"code","message","serviceName","traceId","environment",
// "details"}) its fields are here; otherwise Firewall is set: something in
// front of BioT answered (AWS WAF sends a 403 with an HTML page, a gateway a
// 502 or 504). Message and Details are scrubbed of the request's secrets.
type APIError struct {
	Op          string // the call: one of the Op constants, such as "login" or "refresh"
	Status      int    // the HTTP status
	Code        string // BioT's error code, such as LOGIN_FAILED; empty when Firewall
	Message     string
	TraceID     string // quote it to BioT support
	ServiceName string
	Environment string
	// Details is BioT's "details" object, numbers as json.Number. Details
	// of another JSON type are kept under the key "value".
	Details map[string]any
	// Firewall: the body was not BioT's error JSON, so a firewall or proxy
	// answered, not BioT.
	Firewall bool
}

// Error reads like "biot: refresh: 403 REFRESH_TOKEN_NOT_VALID: <message>
// (trace a07a7e532f3541d8)".
func (e *APIError) Error() string {
	if e.Firewall {
		return fmt.Sprintf("biot: %s: %d from a firewall or proxy (not a BioT answer)", e.Op, e.Status)
	}
	var b strings.Builder
	fmt.Fprintf(&b, "biot: %s: %d %s", e.Op, e.Status, e.Code)
	if e.Message != "" {
		b.WriteString(": ")
		b.WriteString(e.Message)
	}
	if e.TraceID != "" {
		fmt.Fprintf(&b, " (trace %s)", e.TraceID)
	}
	return b.String()
}

// maxText bounds each text field kept from an error body, so that a
// verbose answer cannot flood a log line.
const maxText = 300

// decodeAPIError reads an error answer. It never fails: a body that is not
// BioT's error JSON makes a Firewall error.
func decodeAPIError(op string, status int, body []byte, secrets []string) *APIError {
	e := &APIError{Op: op, Status: status}
	var m map[string]any
	dec := json.NewDecoder(bytes.NewReader(body))
	dec.UseNumber() // keep numbers in details exact
	if err := dec.Decode(&m); err != nil || m == nil {
		e.Firewall = true
		return e
	}
	text := func(key string) string {
		s, _ := m[key].(string)
		return clean(s, secrets)
	}
	e.Code = text("code")
	e.Message = text("message")
	if e.Code == "" {
		// JSON, but not BioT's: API gateways answer {"message":"Forbidden"}.
		e.Firewall = true
		return e
	}
	e.TraceID = text("traceId")
	e.ServiceName = text("serviceName")
	e.Environment = text("environment")
	switch d := m["details"].(type) {
	case nil:
	case map[string]any:
		e.Details = scrubValue(d, secrets).(map[string]any)
	default:
		e.Details = map[string]any{"value": scrubValue(d, secrets)}
	}
	return e
}

func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}

// MalformedError says a success answer was not what the spec promises: not
// JSON (a portal or proxy page), or without a required field. It counts as
// transient: the next answer may be right. The body itself is never quoted,
// since it may hold tokens.
type MalformedError struct {
	Op      string   // the call, as in APIError.Op
	Status  int      // the HTTP status, 2xx
	Missing []string // required fields absent, null or empty, such as "accessJwt.token"
	Reason  string   // what is wrong, in words
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("biot: %s: malformed answer (HTTP %d): %s", e.Op, e.Status, e.Reason)
}

// UnreachableError says a call got no complete answer from BioT: the name
// did not resolve, the connection was refused or dropped, the certificate
// was not trusted, or no answer came in time. It counts as transient.
type UnreachableError struct {
	Op     string // the call, as in APIError.Op
	Reason string // the cause in a few words, such as "connection refused"
	Err    error  // the cause, for errors.Is and errors.As
	detail string // Err's text, scrubbed
}

func (e *UnreachableError) Error() string {
	return "biot: " + e.Op + ": BioT unreachable (" + e.Reason + "): " + e.detail
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Timeout reports whether no answer came in time.
func (e *UnreachableError) Timeout() bool { return e.Reason == reasonTimeout }

const reasonTimeout = "no answer in time"

// newUnreachable names why op got no answer, its text scrubbed of the
// request's secrets.
func newUnreachable(op string, err error, secrets []string) *UnreachableError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err // the method and URL add nothing the Op does not say
	}
	return &UnreachableError{Op: op, Reason: reason(err), Err: err, detail: scrub(inner.Error(), secrets)}
}

// reason puts the cause of a transport error in words.
func reason(err error) string {
	var (
		ne      net.Error
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return reasonTimeout
	case errors.As(err, &dnsErr):
		return "host name not found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &host):
		return "certificate not trusted"
	case errors.As(err, &record):
		return "the server does not speak TLS"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection dropped"
	default:
		return "network error"
	}
}

// RedirectError says the server answered a redirect, which was not followed.
// BioT itself does not redirect its API; a redirect means a wrong base URL or
// something in between (a captive portal, a proxy), so it counts as transient.
type RedirectError struct {
	Op       string // the call, as in APIError.Op; empty inside a bare *url.Error
	Status   int    // 301, 302, 303, 307 or 308
	Location string // where it pointed, without query or user info
}

func (e *RedirectError) Error() string {
	op := ""
	if e.Op != "" {
		op = e.Op + ": "
	}
	return fmt.Sprintf("biot: %sredirected (%d) to %s; not followed: check the base URL", op, e.Status, e.Location)
}

// asRedirect finds a *RedirectError in err.
func asRedirect(err error) (*RedirectError, bool) {
	var re *RedirectError
	ok := errors.As(err, &re)
	return re, ok
}

// ErrBadArgument is wrapped by the errors of calls refused before anything
// was sent, such as a Refresh without a token. It classifies as ClassInvalid.
var ErrBadArgument = errors.New("bad argument")

// Class says what a caller should do about an error of this package.
type Class int

const (
	// ClassNone: no error.
	ClassNone Class = iota
	// ClassTransient: retry later, with backoff. Network errors, timeouts,
	// 5xx, 429, redirects, answers from a firewall or proxy, and 2xx answers
	// that are not what the spec promises. Nothing says the session is over.
	ClassTransient
	// ClassCredentials: the username and password, the SMS code, the
	// phone a code was asked for, or a service user's id and secret key
	// were rejected. Ask the person (or fix the secret); never retry on
	// your own, since repeated failures lock the account.
	ClassCredentials
	// ClassLocked: the account (or service user) is locked;
	// LockedMinutes may say how long.
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
	case strings.HasPrefix(code, "USER_LOCKED"), code == "SERVICE_LOCKED": // USER_LOCKED, USER_LOCKED_WITH_TIME
		return ClassLocked
	case code == "ACCESS_DENIED":
		return ClassDenied
	}
	authStatus := e.Status == 401 || e.Status == 403
	switch e.Op {
	case OpLogin, OpOTPLogin, OpService:
		if code == "LOGIN_FAILED" {
			return ClassCredentials
		}
	case OpOTPCode:
		if code == "PHONE_NOT_VALID" {
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

// LockedMinutes returns how many minutes a locked account stays locked,
// when err is a lock (ClassLocked) that says so. BioT's spec answers
// USER_LOCKED_WITH_TIME with "Details: [timeLeftInMinutes]" in its
// ErrorResponse, whose details is an object: the minutes are
// details.timeLeftInMinutes, a number or a numeric string. When the details
// do not say, the message of a USER_LOCKED_WITH_TIME error is read ("... 15
// minutes"). A fraction of a minute counts as a whole one.
func LockedMinutes(err error) (int, bool) {
	if Classify(err) != ClassLocked {
		return 0, false
	}
	api, ok := asAPIError(err)
	if !ok {
		return 0, false
	}
	if m, ok := minutes(api.Details["timeLeftInMinutes"]); ok {
		return m, true
	}
	if strings.EqualFold(api.Code, "USER_LOCKED_WITH_TIME") {
		if m := minutesInMessage().FindStringSubmatch(api.Message); m != nil {
			return minutes(m[1])
		}
	}
	return 0, false
}

// maxMinutes is a year: anything longer is not a lock time.
const maxMinutes = 366 * 24 * 60

// minutes reads a number of minutes, a JSON number or a numeric string.
func minutes(v any) (int, bool) {
	var s string
	switch v := v.(type) {
	case json.Number:
		s = string(v)
	case string:
		s = strings.TrimSpace(v)
	default:
		return 0, false
	}
	f, err := strconv.ParseFloat(s, 64)
	if err != nil || math.IsNaN(f) || f < 0 || f > maxMinutes {
		return 0, false
	}
	return int(math.Ceil(f)), true
}

// minutesInMessage finds the minutes in a message such as "User is locked,
// try again in 15 minutes". It is compiled on first use (a locked account)
// rather than at package init, which every run of the binary pays.
var minutesInMessage = lazyRegexp(`(?i)\b(\d+)\s*min`)

// Secrets out of errors: the values a request sent, and anything shaped
// like a JWT, are replaced before BioT's words are kept.

const redacted = "[redacted]"

// jwtShape matches anything that looks like a JWT (header.payload.signature,
// the header starting with {" in base64url), so that a token BioT quotes
// back is hidden even when it is not one this request sent. It is compiled
// on first use: only errors need it, and compiling at package init would
// cost every run of the binary, `biot-agent token` included.
var jwtShape = lazyRegexp(`eyJ[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]*`)

// scrub hides secrets and JWT-shaped strings in s.
func scrub(s string, secrets []string) string {
	for _, sec := range secrets {
		if sec != "" {
			s = strings.ReplaceAll(s, sec, redacted)
		}
	}
	return jwtShape().ReplaceAllString(s, redacted)
}

// clean makes s fit for one log line: secrets out, control characters
// turned to spaces, at most maxText runes.
func clean(s string, secrets []string) string {
	s = scrub(s, secrets) // before cutting, so that no part of a secret is left
	s = strings.Map(func(r rune) rune {
		if r < ' ' || r == 0x7f {
			return ' '
		}
		return r
	}, s)
	if r := []rune(s); len(r) > maxText {
		s = string(r[:maxText]) + "…"
	}
	return strings.TrimSpace(s)
}

// scrubValue scrubs every string inside a decoded JSON value.
func scrubValue(v any, secrets []string) any {
	switch v := v.(type) {
	case string:
		return scrub(v, secrets)
	case map[string]any:
		out := make(map[string]any, len(v))
		for k, x := range v {
			out[scrub(k, secrets)] = scrubValue(x, secrets)
		}
		return out
	case []any:
		out := make([]any, len(v))
		for i, x := range v {
			out[i] = scrubValue(x, secrets)
		}
		return out
	default:
		return v
	}
}

// lazyRegexp compiles expr the first time the returned function is called.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
