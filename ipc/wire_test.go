package ipc

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"
)

// The socket API is a contract with scripts: these are its bytes, field by
// field, with what omitempty leaves out. A change here breaks someone.
func TestWireJSON(t *testing.T) {
	at := time.Date(2026, 11, 28, 9, 30, 15, 123456789, time.UTC)
	ref, next := at.Add(time.Hour), at.Add(-time.Minute)
	full := Status{
		Env: "dev", Identity: "service", State: StateOffline, Message: "m", Username: "u", UserID: "id", OrganizationID: "o", BaseURL: "https://b",
		AccessExpiresAt: &at, RefreshExpiresAt: &ref, NextRefreshAt: &next,
		LastRefresh: &RefreshResult{Time: at, OK: false, Error: "e"},
		MFAPending:  true,
		Store:       StoreInfo{Kind: "memory", Persistent: true, Problem: "p"},
	}
	const fullJSON = `{"env":"dev","identity":"service","state":"offline","message":"m","username":"u","userId":"id","organizationId":"o","baseURL":"https://b",` +
		`"accessExpiresAt":"2026-11-28T09:30:15.123456789Z","refreshExpiresAt":"2026-11-28T10:30:15.123456789Z",` +
		`"lastRefresh":{"time":"2026-11-28T09:30:15.123456789Z","ok":false,"error":"e"},` +
		`"nextRefreshAt":"2026-11-28T09:29:15.123456789Z","mfaPending":true,"store":{"kind":"memory","persistent":true,"problem":"p"}`
	tests := []struct {
		name string
		v    any
		want string
	}{
		{"token", Token{Token: "t<&>", ExpiresAt: at, UserID: "u", Username: "n", OrganizationID: "o", BaseURL: "b"},
			`{"token":"t\u003c\u0026\u003e","expiresAt":"2026-11-28T09:30:15.123456789Z","userId":"u","username":"n","organizationId":"o","baseURL":"b"}`},
		{"empty token", Token{},
			`{"token":"","expiresAt":"0001-01-01T00:00:00Z","userId":"","username":"","organizationId":"","baseURL":""}`},
		{"status", StatusResponse{Status: full, Version: "v"}, fullJSON + `,"version":"v"}`},
		{"empty status", StatusResponse{}, `{"state":"","store":{"kind":"","persistent":false},"version":""}`},
		{"event", Event{Seq: 3, Env: "dev", Status: full}, `{"seq":3,"env":"dev","status":` + fullJSON + `}}`},
		{"empty event", Event{}, `{"seq":0,"env":"","status":{"state":"","store":{"kind":"","persistent":false}}}`},
		{"environments", Environments{Default: "dev", Environments: []Status{{Env: "dev", State: StateSignedOut}}},
			`{"default":"dev","environments":[{"env":"dev","state":"signed_out","store":{"kind":"","persistent":false}}]}`},
		{"no environment yet", Environments{Environments: []Status{}}, `{"environments":[]}`},
		{"status while a code is awaited", StatusResponse{
			Status: Status{Env: "dev", State: StateSignedOut, Username: "+15555550142", MFAPending: true, CodeSentTo: "+1*******0142"}, Version: "v",
		}, `{"env":"dev","state":"signed_out","username":"+15555550142","mfaPending":true,"codeSentTo":"+1*******0142","store":{"kind":"","persistent":false},"version":"v"}`},
		// What the client sends: each form's fields alone, so an agent
		// that knows fewer forms still understands the ones it knows.
		{"password sign-in", loginRequest{Username: "u", Password: "p"}, `{"username":"u","password":"p"}`},
		{"sign-in by phone", loginRequest{Phone: "+15555550142"}, `{"phone":"+15555550142"}`},
		{"SMS code", loginRequest{Code: "123456"}, `{"code":"123456"}`},
		{"resend", loginRequest{Resend: true}, `{"resend":true}`},
		{"service user's sign-in", loginRequest{Service: true}, `{"service":true}`},
		{"refresh that went well", RefreshResult{Time: at, OK: true}, `{"time":"2026-11-28T09:30:15.123456789Z","ok":true}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			b, err := json.Marshal(tt.v)
			if err != nil {
				t.Fatal(err)
			}
			if string(b) != tt.want {
				t.Errorf("JSON\n got %s\nwant %s", b, tt.want)
			}
		})
	}
}

// Error bodies, as the server writes them.
func TestWireErrorJSON(t *testing.T) {
	tests := []struct {
		name   string
		err    error
		status int
		want   string
	}{
		{"locked with minutes", &Error{Code: CodeLocked, Message: "locked", MinutesLeft: 7}, 423,
			`{"error":{"code":"locked","message":"locked","minutesLeft":7}}`},
		{"locked without minutes", &Error{Code: CodeLocked}, 423,
			`{"error":{"code":"locked","message":"the account is locked"}}`},
		{"minutes only for locked", &Error{Code: CodeOffline, Message: "down", MinutesLeft: 3}, 503,
			`{"error":{"code":"offline","message":"down"}}`},
		{"bad request", badRequest("no"), 400, `{"error":{"code":"bad_request","message":"no"}}`},
		{"unknown", http.ErrHandlerTimeout, 500,
			`{"error":{"code":"internal","message":"biot-agent failed unexpectedly; see its log"}}`},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := &Server{}
			rec := httptest.NewRecorder()
			s.writeError(rec, httptest.NewRequest("GET", "/v1/token", nil), tt.err)
			if rec.Code != tt.status || rec.Body.String() != tt.want+"\n" {
				t.Errorf("answered %d %s, want %d %s", rec.Code, rec.Body, tt.status, tt.want)
			}
		})
	}
}

// The token answer on the socket: its JSON and a newline, and the same
// bytes again for the same token.
func TestWireTokenAnswer(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	const want = `{"token":"` + fakeToken + `","expiresAt":"2030-01-02T03:04:05Z","userId":"u-1",` +
		`"username":"alice@example.com","organizationId":"","baseURL":"https://api.example.com"}` + "\n"
	for range 2 {
		resp, body := ta.raw(t, newReq(t, "GET", "/v1/token", nil))
		if resp.StatusCode != 200 || string(body) != want || resp.Header.Get("Content-Type") != "application/json" {
			t.Errorf("answered %d %q %s\nwant 200 application/json %s", resp.StatusCode, resp.Header.Get("Content-Type"), body, want)
		}
	}
}

// The answer to {"phone"} on the socket: the status, the sign-in waiting
// for its code, and where BioT sent it.
func TestWireLoginByPhoneAnswer(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	resp, body := ta.raw(t, newReq(t, "POST", "/v1/login", []byte(`{"phone":"`+fakePhone+`"}`)))
	const want = `{"state":"signed_out","username":"` + fakePhone + `","mfaPending":true,"codeSentTo":"` + fakePhoneMasked + `",` +
		`"store":{"kind":"memory","persistent":false},"version":"1.2.3-test"}` + "\n"
	if resp.StatusCode != 200 || string(body) != want {
		t.Errorf("answered %d %s\nwant 200 %s", resp.StatusCode, body, want)
	}
}
