package biot

import (
	"errors"
	"strings"
	"time"
)

// zoneless is an ISO-8601 date-time without offset, as Java's LocalDateTime
// writes it. The spec promises RFC 3339, but a BioT server runs on UTC, so
// such a time is read as UTC rather than refused.
const zoneless = "2006-01-02T15:04:05.999999999"

// parseTime reads a date-time of the spec ("format": "date-time", RFC 3339),
// such as BioT's 2025-11-24T09:23:14.945Z: with or without a fraction, with
// Z or an offset, in either letter case. The result is in UTC.
func parseTime(s string) (time.Time, error) {
	s = strings.ToUpper(strings.TrimSpace(s)) // RFC 3339 allows "t" and "z"
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UTC(), nil
	}
	if t, err := time.Parse(zoneless, s); err == nil {
		return t, nil
	}
	return time.Time{}, errors.New("not an RFC 3339 date-time")
}

// needTime checks a required date-time field.
func (p *problems) needTime(field string, s *string) time.Time {
	if s == nil || *s == "" {
		p.miss(field)
		return time.Time{}
	}
	t, err := parseTime(*s)
	if err != nil {
		p.wrong(field, "is not an RFC 3339 date-time")
	}
	return t
}

// optTime checks an optional date-time field; absent is the zero time.
func (p *problems) optTime(field string, s *string) time.Time {
	if s == nil || *s == "" {
		return time.Time{}
	}
	return p.needTime(field, s)
}
