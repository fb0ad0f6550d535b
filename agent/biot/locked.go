package biot

import (
	"encoding/json"
	"math"
	"regexp"
	"strconv"
	"strings"
	"sync"
)

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

// lazyRegexp compiles expr the first time the returned function is called.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}
