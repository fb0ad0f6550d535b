package ipc

import (
	"bytes"
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestNoSecretInLogs drives every path that handles a token, password or
// SMS code, with debug logging on, and searches the log for them.
func TestNoSecretInLogs(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	ctx := t.Context()

	_ = ta.client.Login(ctx, "bob@example.com", "wrong "+fakePassword)
	_ = ta.client.Login(ctx, "broken@example.com", fakePassword) // an internal error, logged in full
	_ = ta.client.Login(ctx, "mfa@example.com", fakePassword)
	_ = ta.client.SubmitMFA(ctx, "999999")
	if err := ta.client.SubmitMFA(ctx, fakeCode); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.client.Token(ctx, TokenOptions{MinValid: time.Minute, Wait: time.Second}); err != nil {
		t.Fatal(err)
	}
	if _, err := ta.client.TokenString(ctx, TokenOptions{}); err != nil {
		t.Fatal(err)
	}
	// A malformed body carrying a password, and a refused browser request.
	ta.raw(t, newReq(t, http.MethodPost, "/v1/login", []byte(`{"username":"x","password":"`+fakePassword+`",}`)))
	req := newReq(t, http.MethodGet, "/v1/token", nil)
	req.Header.Set("Origin", "https://evil.example")
	ta.raw(t, req)
	// A sign-in by a code sent to a phone: a wrong code, then the right one.
	if _, err := ta.client.RequestCode(ctx, fakePhone); err != nil {
		t.Fatal(err)
	}
	_ = ta.client.SubmitMFA(ctx, "271828")
	if err := ta.client.SubmitMFA(ctx, fakeCode); err != nil {
		t.Fatal(err)
	}
	events, err := ta.client.Events(ctx)
	if err != nil {
		t.Fatal(err)
	}
	nextEvent(t, events)
	if err := ta.client.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	ta.stop(t)

	logs := ta.logs.String()
	if !strings.Contains(logs, `"path":"/v1/token"`) || !strings.Contains(logs, "keyring exploded") {
		t.Fatalf("the log misses the requests, so this test proves nothing:\n%s", logs)
	}
	for _, secret := range []string{fakeToken, fakePassword, fakeCode, "999999", "271828"} {
		if strings.Contains(logs, secret) {
			for _, line := range bytes.Split([]byte(logs), []byte("\n")) {
				if bytes.Contains(line, []byte(secret)) {
					t.Errorf("a secret reached the log: %s", line)
				}
			}
		}
	}
}
