package biot

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"strings"
)

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

// problems collects what is wrong with a decoded answer.
type problems struct {
	missing []string
	bad     []string
}

func (p *problems) miss(field string)       { p.missing = append(p.missing, field) }
func (p *problems) wrong(field, why string) { p.bad = append(p.bad, field+" "+why) }
func (p *problems) ok() bool                { return len(p.missing) == 0 && len(p.bad) == 0 }
func (p *problems) need(field string, s *string) {
	if s == nil || *s == "" {
		p.miss(field)
	}
}

func (p *problems) err(op string, status int) error {
	if p.ok() {
		return nil
	}
	var parts []string
	if len(p.missing) > 0 {
		parts = append(parts, "missing "+strings.Join(p.missing, ", "))
	}
	parts = append(parts, p.bad...)
	return &MalformedError{Op: op, Status: status, Missing: p.missing, Reason: strings.Join(parts, "; ")}
}

// unmarshal decodes body into v, describing a failure without quoting the
// body: encoding/json's messages can hold pieces of it.
func unmarshal(op string, status int, body []byte, v any) error {
	if string(bytes.TrimSpace(body)) == "null" {
		return &MalformedError{Op: op, Status: status, Reason: "not a JSON object"}
	}
	err := json.Unmarshal(body, v)
	if err == nil {
		return nil
	}
	reason := "not JSON"
	var typeErr *json.UnmarshalTypeError
	if errors.As(err, &typeErr) {
		if typeErr.Field == "" {
			reason = "not a JSON object"
		} else {
			reason = typeErr.Field + " has the wrong type"
		}
	} else if len(body) == 0 {
		reason = "empty body"
	}
	return &MalformedError{Op: op, Status: status, Reason: reason}
}
