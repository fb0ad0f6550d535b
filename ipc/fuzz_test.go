package ipc

import (
	"context"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

// FuzzHandler feeds arbitrary requests to the handler: it must never panic,
// every failure must be a JSON error with a code and a message, and the
// token must appear only in a 2xx answer to GET /v1/token.
//
//	go test -fuzz=FuzzHandler ./ipc
func FuzzHandler(f *testing.F) {
	f.Add(uint8(0), "GET", "/v1/token", "min_valid=5m&wait=1s", "Accept", "text/plain", []byte(nil))
	f.Add(uint8(1), "GET", "/v1/token", "wait=10m", "Accept", "application/json", []byte(nil))
	f.Add(uint8(2), "POST", "/v1/login", "", "Content-Type", "application/json", []byte(`{"username":"a","password":"b"}`))
	f.Add(uint8(0), "POST", "/v1/login", "", "Origin", "https://x", []byte(`{"code":"123"}`))
	f.Add(uint8(3), "POST", "/v1/login", "", "X", "y", []byte(`{"resend":true}`))
	f.Add(uint8(1), "POST", "/v1/login", "", "Content-Type", "application/json", []byte(`{"phone":"+15555550142"}`))
	f.Add(uint8(0), "GET", "/v1/events", "", "Accept", "text/event-stream", []byte(nil))
	f.Add(uint8(0), "POST", "/v1/logout", "", "Referer", "r", []byte(`garbage`))
	f.Add(uint8(0), "PUT", "/v1/status", "x=%zz", "Accept", "*/*", []byte(`{`))
	f.Add(uint8(1), "GET", "/v1/token", "min_valid=1e9h", "Accept", "text/plain;q=0.1, application/json", []byte(nil))
	// The proxy: the fake's BioT answers nothing, so every answer is the
	// agent's own.
	f.Add(uint8(0), "POST", "/v1/proxy/ums/v2/users/self", "env=x&%zz", "Authorization", "Bearer caller", []byte(`{}`))
	f.Add(uint8(1), "DELETE", "/v1/environments/default/proxy/a/../b", "", "Biot-Env", "other", []byte(nil))

	states := []State{StateSignedIn, StateSignedOut, StateOffline, StateNeedsLogin}
	f.Fuzz(func(t *testing.T, state uint8, method, path, query, hname, hvalue string, body []byte) {
		fb := newFakeBackend(states[int(state)%len(states)])
		s := &Server{Backend: oneEnv{fb}, Version: "fuzz"}
		s.init()
		// A finished context ends long polls and event streams at once,
		// as a client that went away would.
		ctx, cancel := context.WithCancel(context.Background())
		cancel()
		req, err := http.NewRequestWithContext(ctx, method, "http://biot-agent/", strings.NewReader(string(body)))
		if err != nil {
			return // not a method net/http would hand a handler
		}
		req.URL.Path = path
		req.URL.RawQuery = query
		req.Header.Set(hname, hvalue)
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			s.hs.Handler.ServeHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the handler hung on %s %s?%s", method, path, query)
		}

		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		out := rec.Body.String()
		if rec.Code >= 300 {
			var eb ErrorBody
			if err := json.Unmarshal(rec.Body.Bytes(), &eb); err != nil || eb.Error.Code == "" || eb.Error.Message == "" {
				t.Fatalf("%d answer is not a JSON error: %q", rec.Code, out)
			}
			if ct := rec.Header().Get("Content-Type"); ct != "application/json" {
				t.Fatalf("%d answer has Content-Type %q", rec.Code, ct)
			}
		}
		if strings.Contains(out, fakeToken) && (rec.Code != 200 || req.Method != "GET" || path != "/v1/token") {
			t.Fatalf("the token leaked in a %d answer to %s %s", rec.Code, method, path)
		}
		if rec.Header().Get("Cache-Control") != "no-store" {
			t.Fatal("answer without Cache-Control: no-store")
		}
	})
}
