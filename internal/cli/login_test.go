package cli

import "testing"

// TestIsPhone: what plain login takes for a phone number, and so signs in
// with a code instead of asking for a password.
func TestIsPhone(t *testing.T) {
	for s, want := range map[string]bool{
		"+15550100123":       true,
		" +1 (555) 010-0123": true,
		"+44 20.7946.0958":   true,
		"ana@example.com":    false,
		"+ana@example.com":   false,
		"15550100123":        false, // no country code: not international form
		"+12345":             false, // too short for a phone
		"+1555+0100":         false,
		"":                   false,
	} {
		if got := isPhone(s); got != want {
			t.Errorf("isPhone(%q) = %v, want %v", s, got, want)
		}
	}
}
