package biot

import (
	"errors"
	"fmt"
	"testing"
)

// BioT's spec names the minutes of USER_LOCKED_WITH_TIME
// details.timeLeftInMinutes; the message is read when the details do not
// say. Nothing else pretends to be minutes.
func TestLockedMinutes(t *testing.T) {
	tests := []struct {
		name    string
		status  int
		body    string
		want    int
		wantOK  bool
		wrapped bool
	}{
		{"a number", 401, biotError("USER_LOCKED_WITH_TIME", "User is locked", `{"timeLeftInMinutes":15}`), 15, true, false},
		{"a numeric string", 401, biotError("USER_LOCKED_WITH_TIME", "User is locked", `{"timeLeftInMinutes":"15"}`), 15, true, false},
		{"a fraction counts as a whole minute", 401, biotError("USER_LOCKED_WITH_TIME", "", `{"timeLeftInMinutes":14.2}`), 15, true, false},
		{"the details win over the message", 401, biotError("USER_LOCKED_WITH_TIME", "Try again in 20 minutes", `{"timeLeftInMinutes":15}`), 15, true, false},
		{"in the message", 401, biotError("USER_LOCKED_WITH_TIME", "User is locked. Try again in 20 minutes", ""), 20, true, false},
		{"through a wrapped error", 401, biotError("USER_LOCKED_WITH_TIME", "", `{"timeLeftInMinutes":6}`), 6, true, true},
		{"elsewhere in the details is not the spec's field", 401, biotError("USER_LOCKED_WITH_TIME", "User is locked", `{"lock":{"timeLeftInMinutes":3}}`), 0, false, false},
		{"a user id is not minutes", 401, biotError("USER_LOCKED_WITH_TIME", "User 3fa85f64-5717-4562-b3fc-2c963f66afa6 is locked", ""), 0, false, false},
		{"negative minutes", 401, biotError("USER_LOCKED_WITH_TIME", "", `{"timeLeftInMinutes":-3}`), 0, false, false},
		{"garbage minutes", 401, biotError("USER_LOCKED_WITH_TIME", "", `{"timeLeftInMinutes":"soon"}`), 0, false, false},
		{"more than a year is not a lock time", 401, biotError("USER_LOCKED_WITH_TIME", "", `{"timeLeftInMinutes":1e9}`), 0, false, false},
		{"USER_LOCKED says no time", 401, biotError("USER_LOCKED", "User is locked", ""), 0, false, false},
		{"not a lock", 403, biotError("LOGIN_FAILED", "Login failed", `{"timeLeftInMinutes":15}`), 0, false, false},
		{"a firewall page", 401, "<html>15 minutes</html>", 0, false, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			var err error = decodeAPIError(OpLogin, tt.status, []byte(tt.body), nil)
			if tt.wrapped {
				err = fmt.Errorf("agent: sign in: %w", err)
			}
			got, ok := LockedMinutes(err)
			if got != tt.want || ok != tt.wantOK {
				t.Errorf("LockedMinutes = %d, %v; want %d, %v", got, ok, tt.want, tt.wantOK)
			}
		})
	}
	if m, ok := LockedMinutes(nil); ok {
		t.Errorf("LockedMinutes(nil) = %d, true", m)
	}
	if m, ok := LockedMinutes(errors.New("locked for 5 minutes")); ok {
		t.Errorf("LockedMinutes(a foreign error) = %d, true", m)
	}
}
