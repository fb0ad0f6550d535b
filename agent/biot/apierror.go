package biot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

// APIError is an answer with an error status. When the body was BioT's
// error JSON ({"code","message","serviceName","traceId","environment",
// "details"}) its fields are here; otherwise Firewall is set: something in
// front of BioT answered (AWS WAF sends a 403 with an HTML page, a gateway a
// 502 or 504). Message and Details are scrubbed of the request's secrets.
type APIError struct {
	Op          string // the call: "login", "mfa", "resend", "refresh", "logout", "self" or "health"
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

func asAPIError(err error) (*APIError, bool) {
	var e *APIError
	ok := errors.As(err, &e)
	return e, ok
}
