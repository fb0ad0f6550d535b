package bioturl

import (
	"strings"
	"testing"
)

func TestCheck(t *testing.T) {
	tests := []struct {
		raw, want, err string
	}{
		{"https://api.dev.acme.biot-med.com/", "https://api.dev.acme.biot-med.com", ""},
		{" HTTPS://api.acme.biot-med.com/base/ ", "https://api.acme.biot-med.com/base", ""},
		{"http://localhost:8443", "http://localhost:8443", ""},
		{"http://127.0.0.1:9", "http://127.0.0.1:9", ""},
		{"http://[::1]:9", "http://[::1]:9", ""},
		{"http://api.acme.biot-med.com", "", "clear text"},
		{"http://evil.localhost", "", "clear text"},
		{"ftp://api.acme.biot-med.com", "", "not supported"},
		{"api.acme.biot-med.com", "", "needs a scheme and a host"},
		{"https://ana:hunter2@api.acme.biot-med.com", "", "username or password"},
		{"https://api.acme.biot-med.com?x=1", "", "query"},
		{"https://api.acme.biot-med.com#top", "", "fragment"},
	}
	for _, tt := range tests {
		got, err := Check(tt.raw)
		switch {
		case tt.err == "" && (err != nil || got != tt.want):
			t.Errorf("Check(%q) = %q, %v; want %q", tt.raw, got, err, tt.want)
		case tt.err != "" && (err == nil || !strings.Contains(err.Error(), tt.err)):
			t.Errorf("Check(%q) = %q, %v; want an error saying %q", tt.raw, got, err, tt.err)
		}
		if err != nil && strings.Contains(err.Error(), "hunter2") {
			t.Errorf("Check(%q)'s error shows the password: %v", tt.raw, err)
		}
	}
}
