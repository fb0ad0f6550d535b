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
// when err is a lock (ClassLocked) that says so. BioT's spec names the
// detail timeLeftInMinutes without its shape, so it is looked for anywhere
// in Details: a number or numeric string, alone, nested or in a list. When
// the details do not say, the message of a USER_LOCKED_WITH_TIME error is
// read ("... 15 minutes"). A fraction of a minute counts as a whole one.
func LockedMinutes(err error) (int, bool) {
	if Classify(err) != ClassLocked {
		return 0, false
	}
	api, ok := asAPIError(err)
	if !ok {
		return 0, false
	}
	if m, ok := findMinutes(api.Details, 0); ok {
		return m, true
	}
	if strings.EqualFold(api.Code, "USER_LOCKED_WITH_TIME") {
		return minutesInText(api.Message)
	}
	return 0, false
}

const minutesKey = "timeleftinminutes"

// maxDepth bounds the search through nested details.
const maxDepth = 16

// findMinutes looks for timeLeftInMinutes in v; a list of details also
// counts when it holds the number alone (details: [15]).
func findMinutes(v any, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	switch v := v.(type) {
	case map[string]any:
		for k, x := range v {
			if strings.EqualFold(k, minutesKey) {
				if m, ok := minutesValue(x, depth+1); ok {
					return m, true
				}
			}
		}
		for _, x := range v {
			if m, ok := findMinutes(x, depth+1); ok {
				return m, true
			}
		}
		if len(v) == 1 { // details kept under "value": [15] or "15"
			if x, ok := v["value"]; ok {
				return minutesValue(x, depth+1)
			}
		}
	case []any:
		for _, x := range v {
			if m, ok := findMinutes(x, depth+1); ok {
				return m, true
			}
		}
	}
	return 0, false
}

// minutesValue reads a number of minutes: a number, a numeric string, or a
// list whose first such element is one.
func minutesValue(v any, depth int) (int, bool) {
	if depth > maxDepth {
		return 0, false
	}
	switch v := v.(type) {
	case json.Number:
		return minutesFloat(string(v))
	case float64:
		return minutesFromFloat(v)
	case int:
		return minutesFromFloat(float64(v))
	case string:
		s := strings.TrimSpace(v)
		if m, ok := minutesFloat(s); ok {
			return m, true
		}
		return minutesInText(s)
	case []any:
		for _, x := range v {
			if m, ok := minutesValue(x, depth+1); ok {
				return m, true
			}
		}
	case map[string]any:
		return findMinutes(v, depth+1)
	}
	return 0, false
}

func minutesFloat(s string) (int, bool) {
	f, err := strconv.ParseFloat(s, 64)
	if err != nil {
		return 0, false
	}
	return minutesFromFloat(f)
}

// maxMinutes is a year: anything longer is not a lock time.
const maxMinutes = 366 * 24 * 60

func minutesFromFloat(f float64) (int, bool) {
	if math.IsNaN(f) || f < 0 || f > maxMinutes {
		return 0, false
	}
	return int(math.Ceil(f)), true
}

// The patterns of minutesInText, compiled on first use (a locked account)
// rather than at package init, which every run of the binary pays.
var (
	numberBeforeMin = lazyRegexp(`(?i)(\d+)\s*(?:more\s+)?min`)
	numberAfterKey  = lazyRegexp(`(?i)timeLeftInMinutes\D{0,5}?(\d+)`)
	loneNumber      = lazyRegexp(`(?:^|[\s(\[:=])(\d+)(?:$|[\s)\].,;:])`)
)

// lazyRegexp compiles expr the first time the returned function is called.
func lazyRegexp(expr string) func() *regexp.Regexp {
	return sync.OnceValue(func() *regexp.Regexp { return regexp.MustCompile(expr) })
}

// minutesInText finds the minutes in a message such as "User is locked,
// try again in 15 minutes": a number before "min", after
// "timeLeftInMinutes", or the only number standing alone.
func minutesInText(s string) (int, bool) {
	for _, re := range []*regexp.Regexp{numberBeforeMin(), numberAfterKey()} {
		if m := re.FindStringSubmatch(s); m != nil {
			return minutesFloat(m[1])
		}
	}
	if all := loneNumber().FindAllStringSubmatch(s, 2); len(all) == 1 {
		return minutesFloat(all[0][1])
	}
	return 0, false
}
