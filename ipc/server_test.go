package ipc

import (
	"encoding/json"
	"strings"
	"testing"
	"time"
)

func TestStatusReportsSessionAndVersion(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	st, err := ta.client.Status(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if st.State != StateSignedIn || st.Username != "alice@example.com" || st.Version != "1.2.3-test" || st.Store.Kind != "memory" {
		t.Errorf("status = %+v", st)
	}
	resp, body := ta.raw(t, newReq(t, "GET", "/v1/status", nil))
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
	var m map[string]any
	if err := json.Unmarshal(body, &m); err != nil {
		t.Fatal(err)
	}
	if m["version"] != "1.2.3-test" || m["state"] != "signed_in" {
		t.Errorf("status JSON is not flat: %s", body)
	}
}

func TestTokenAnswers(t *testing.T) {
	ta := startAgent(t, StateSignedIn)

	tok, err := ta.client.Token(t.Context(), TokenOptions{})
	if err != nil {
		t.Fatal(err)
	}
	if tok.Token != fakeToken || tok.Username != "alice@example.com" || !tok.ExpiresAt.Equal(time.Date(2030, 1, 2, 3, 4, 5, 0, time.UTC)) {
		t.Errorf("token = %+v", tok)
	}

	s, err := ta.client.TokenString(t.Context(), TokenOptions{MinValid: 5 * time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	if s != fakeToken {
		t.Errorf("text token = %q, want the token alone without a newline", s)
	}
	if ta.fb.lastMinValid != 5*time.Minute {
		t.Errorf("backend got min_valid %v, want 5m", ta.fb.lastMinValid)
	}

	req := newReq(t, "GET", "/v1/token", nil)
	req.Header.Set("Accept", "text/plain")
	resp, body := ta.raw(t, req)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/plain") || string(body) != fakeToken {
		t.Errorf("Accept: text/plain answered %q %q", ct, body)
	}
	if got := resp.Header.Get("Cache-Control"); got != "no-store" {
		t.Errorf("Cache-Control = %q, want no-store", got)
	}
}

func TestTokenWhenSignedOutFailsAtOnce(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	_, err := ta.client.Token(t.Context(), TokenOptions{})
	apiErr(t, err, "signed_out", 401)

	req := newReq(t, "GET", "/v1/token", nil)
	req.Header.Set("Accept", "text/plain")
	resp, body := ta.raw(t, req)
	if resp.StatusCode != 401 || !strings.Contains(string(body), `"code":"signed_out"`) {
		t.Errorf("text/plain error answered %d %s, want a JSON error", resp.StatusCode, body)
	}
}

func TestTokenQueryValidation(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	tests := []struct {
		name  string
		query string
		ok    bool
	}{
		{"no query", "", true},
		{"min_valid within bounds", "min_valid=5m", true},
		{"min_valid at the 24h bound", "min_valid=24h", true},
		{"min_valid zero", "min_valid=0s", false},
		{"min_valid negative", "min_valid=-1m", false},
		{"min_valid over a day", "min_valid=24h1s", false},
		{"min_valid without unit", "min_valid=300", false},
		{"min_valid not a duration", "min_valid=soon", false},
		{"wait zero", "wait=0s", true},
		{"wait at the 10m bound", "wait=10m", true},
		{"wait over 10m", "wait=10m1s", false},
		{"wait negative", "wait=-5s", false},
		{"wait not a duration", "wait=forever", false},
		{"both valid", "min_valid=1m&wait=1s", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := ta.raw(t, newReq(t, "GET", "/v1/token?"+tt.query, nil))
			if tt.ok {
				if resp.StatusCode != 200 {
					t.Fatalf("answered %d %s, want 200", resp.StatusCode, body)
				}
				return
			}
			e := apiErr(t, responseError(resp, body), CodeBadRequest, 400)
			if param, _, _ := strings.Cut(tt.query, "="); !strings.Contains(e.Message, param) {
				t.Errorf("message %q does not name %s", e.Message, param)
			}
		})
	}
}

func TestLoginFlows(t *testing.T) {
	t.Run("password signs in", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut)
		if err := ta.client.Login(t.Context(), "bob@example.com", fakePassword); err != nil {
			t.Fatal(err)
		}
		st, _ := ta.client.Status(t.Context())
		if st.State != StateSignedIn || st.Username != "bob@example.com" {
			t.Errorf("after login status = %+v", st)
		}
		resp, body := ta.raw(t, newReq(t, "POST", "/v1/login", []byte(`{"username":"bob@example.com","password":"`+fakePassword+`"}`)))
		if resp.StatusCode != 200 || !strings.Contains(string(body), `"state":"signed_in"`) {
			t.Errorf("login answered %d %s, want 200 and the status", resp.StatusCode, body)
		}
	})
	t.Run("MFA code finishes the sign-in", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut)
		err := ta.client.Login(t.Context(), "mfa@example.com", fakePassword)
		apiErr(t, err, "mfa_required", 401)
		if err := ta.client.ResendMFA(t.Context()); err != nil {
			t.Fatalf("resend: %v", err)
		}
		apiErr(t, ta.client.SubmitMFA(t.Context(), "000000"), "login_failed", 401)
		if err := ta.client.SubmitMFA(t.Context(), fakeCode); err != nil {
			t.Fatal(err)
		}
		if tok, err := ta.client.TokenString(t.Context(), TokenOptions{}); err != nil || tok != fakeToken {
			t.Errorf("after MFA token = %q, %v", tok, err)
		}
	})
	t.Run("a code sent to a phone signs in", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut)
		sentTo, err := ta.client.RequestCode(t.Context(), fakePhone)
		if err != nil || sentTo != fakePhoneMasked {
			t.Fatalf("RequestCode = %q, %v; want %q", sentTo, err, fakePhoneMasked)
		}
		if st, _ := ta.client.Status(t.Context()); !st.MFAPending || st.State != StateSignedOut {
			t.Errorf("status while the code is pending = %+v, want signed_out and mfaPending", st)
		}
		if err := ta.client.ResendMFA(t.Context()); err != nil {
			t.Fatalf("resend: %v", err)
		}
		apiErr(t, ta.client.SubmitMFA(t.Context(), "000000"), "login_failed", 401)
		if err := ta.client.SubmitMFA(t.Context(), fakeCode); err != nil {
			t.Fatal(err)
		}
		st, _ := ta.client.Status(t.Context())
		if st.State != StateSignedIn || st.Username != fakePhone {
			t.Errorf("after the code status = %+v, want signed in as %s", st, fakePhone)
		}
	})
	t.Run("a phone BioT does not know", func(t *testing.T) {
		ta := startAgent(t, StateSignedOut)
		_, err := ta.client.RequestCode(t.Context(), "+15555550199")
		apiErr(t, err, "login_failed", 401)
	})
	tests := []struct {
		name     string
		username string
		password string
		code     Code
		status   int
	}{
		{"wrong password", "bob@example.com", "nope", "login_failed", 401},
		{"locked account", "locked@example.com", fakePassword, "locked", 423},
		{"password reset", "reset@example.com", fakePassword, "password_reset_required", 403},
		{"unexpected failure", "broken@example.com", fakePassword, CodeInternal, 500},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			ta := startAgent(t, StateSignedOut)
			e := apiErr(t, ta.client.Login(t.Context(), tt.username, tt.password), tt.code, tt.status)
			switch tt.code {
			case "locked":
				if e.MinutesLeft != 7 {
					t.Errorf("minutesLeft = %d, want 7", e.MinutesLeft)
				}
			case CodeInternal:
				if strings.Contains(e.Message, "keyring") {
					t.Errorf("internal detail reached the client: %q", e.Message)
				}
				if !strings.Contains(ta.logs.String(), "keyring exploded") {
					t.Errorf("internal detail missing from the log:\n%s", ta.logs)
				}
			}
		})
	}
}

func TestLoginBadBodies(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	tests := []struct {
		name, body string
		noForm     bool // a JSON object of none of the five forms: the answer names them
	}{
		{"empty body", ``, false},
		{"empty object", `{}`, true},
		{"username without password", `{"username":"bob@example.com"}`, true},
		{"password and code together", `{"username":"bob@example.com","password":"x","code":"1"}`, true},
		{"code and resend together", `{"code":"1","resend":true}`, true},
		{"phone and code together", `{"phone":"+15555550142","code":"1"}`, true},
		{"phone and password together", `{"phone":"+15555550142","password":"x"}`, true},
		{"phone and username together", `{"phone":"+15555550142","username":"bob@example.com"}`, true},
		{"phone and resend together", `{"phone":"+15555550142","resend":true}`, true},
		{"service and password together", `{"service":true,"username":"bob@example.com","password":"x"}`, true},
		{"a person's environment asked for a service user's sign-in", `{"service":true}`, false},
		{"unknown field", `{"user":"bob","password":"x"}`, false},
		{"not JSON", `username=bob&password=x`, false},
		{"an array", `[1,2]`, false},
		{"two objects", `{"code":"1"}{"code":"2"}`, false},
		{"wrong type", `{"resend":"yes"}`, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := ta.raw(t, newReq(t, "POST", "/v1/login", []byte(tt.body)))
			e := apiErr(t, responseError(resp, body), CodeBadRequest, 400)
			if tt.noForm {
				for _, form := range []string{`{"username","password"}`, `{"phone"}`, `{"code"}`, `{"resend":true}`, `{"service":true}`} {
					if !strings.Contains(e.Message, form) {
						t.Errorf("the answer %q does not name the form %s", e.Message, form)
					}
				}
			}
			if strings.Contains(string(body), `"x"`) || strings.Contains(string(body), "bob=") {
				t.Errorf("the answer quotes the body: %s", body)
			}
		})
	}
}

func TestLogoutSignsOut(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	if err := ta.client.Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	st, _ := ta.client.Status(t.Context())
	if st.State != StateSignedOut {
		t.Errorf("after logout state = %s", st.State)
	}
	_, err := ta.client.Token(t.Context(), TokenOptions{})
	apiErr(t, err, "signed_out", 401)
}

func TestRouting(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	tests := []struct {
		name   string
		method string
		target string
		header map[string]string
		status int
		code   Code
	}{
		{"unknown path", "GET", "/v1/nope", nil, 404, CodeNotFound},
		{"no version", "GET", "/token", nil, 404, CodeNotFound},
		{"trailing slash", "GET", "/v1/token/", nil, 404, CodeNotFound},
		{"POST to token", "POST", "/v1/token", nil, 405, CodeMethodNotAllowed},
		{"GET to login", "GET", "/v1/login", nil, 405, CodeMethodNotAllowed},
		{"DELETE to status", "DELETE", "/v1/status", nil, 405, CodeMethodNotAllowed},
		{"Origin from a web page", "GET", "/v1/token", map[string]string{"Origin": "https://evil.example"}, 403, CodeForbidden},
		{"empty Origin", "GET", "/v1/token", map[string]string{"Origin": ""}, 403, CodeForbidden},
		{"Referer from a web page", "GET", "/v1/token", map[string]string{"Referer": "https://evil.example/page"}, 403, CodeForbidden},
		{"Origin on login", "POST", "/v1/login", map[string]string{"Origin": "null"}, 403, CodeForbidden},
		{"any Host is fine", "GET", "/v1/status", map[string]string{"Host": "whatever.example"}, 200, ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			before := ta.fb.tokenCallCount()
			req := newReq(t, tt.method, tt.target, nil)
			for k, v := range tt.header {
				if k == "Host" {
					req.Host = v
					continue
				}
				req.Header[k] = []string{v}
			}
			resp, body := ta.raw(t, req)
			if tt.status == 200 {
				if resp.StatusCode != 200 {
					t.Fatalf("answered %d %s", resp.StatusCode, body)
				}
				return
			}
			apiErr(t, responseError(resp, body), tt.code, tt.status)
			if strings.Contains(string(body), fakeToken) {
				t.Error("a refused request got the token")
			}
			if ta.fb.tokenCallCount() != before {
				t.Error("a refused request reached the backend")
			}
			if tt.status == 405 && resp.Header.Get("Allow") == "" {
				t.Error("405 without an Allow header")
			}
		})
	}
}
