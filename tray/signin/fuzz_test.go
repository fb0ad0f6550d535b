package signin

import (
	"context"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"biot-agent/agent"
)

// fuzzPassword is the password every fuzzed form carries after its own
// fields; no answer may ever show it.
const fuzzPassword = "fuzz-P4ssw0rd-never-echoed"

// FuzzSignInRequest feeds the sign-in page's handler arbitrary requests:
// any method, path, Host, peer address, Origin, cookie and form body. The
// path, Host, peer, cookie and form token each either take the live page's
// right value or the fuzzer's bytes, so the fuzzer reaches every guard.
// The handler must never panic or hang, every answer must carry the
// security headers, the backend must be reached only by a request that
// passed every guard, and no answer may show the password, nor the page's
// secret or CSRF token to a request that did not already name the page.
//
//	go test -run '^$' -fuzz '^FuzzSignInRequest$' ./tray/signin
func FuzzSignInRequest(f *testing.F) {
	// which: bit 0 right path, bit 1 right Host, bit 2 loopback peer,
	// bit 3 right cookie, bit 4 right form token, bit 5 right Origin,
	// bit 6 the path of an ended page.
	const all = 0b111111
	f.Add(uint8(all), "POST", "/x/", "evil.example", "192.0.2.1:1", "", "", "action=password&username=ana")
	f.Add(uint8(all), "GET", "/", "", "", "", "", "")
	f.Add(uint8(all&^1), "POST", "/%2F../", "", "", "", "", "action=password&username=ana")
	f.Add(uint8(all&^2), "POST", "", "127.0.0.1", "", "", "", "action=code&code=123456")
	f.Add(uint8(all&^4), "POST", "", "", "[::ffff:127.0.0.1]:80", "", "", "action=resend")
	f.Add(uint8(all), "POST", "", "", "", "", "", "action=phone&phone=%2B1+(555)+010-0123")
	f.Add(uint8(all), "POST", "", "", "", "", "", "action=phone&phone=%3Cb%3E%22")
	f.Add(uint8(all&^8), "POST", "", "", "", "", "", "action=phone&phone=%2B15550100123")
	f.Add(uint8(all&^8), "POST", "", "", "", "", "AAAA", "action=restart")
	f.Add(uint8(all&^16), "POST", "", "", "", "", "", "csrf=AAAA&action=password")
	f.Add(uint8(all&^32), "POST", "", "", "", "null", "", "action=password")
	f.Add(uint8(all|64), "GET", "", "", "", "", "", "")
	f.Add(uint8(all), "HEAD", "", "", "", "", "", "")
	f.Add(uint8(all), "OPTIONS", "", "", "", "", "", "")
	f.Add(uint8(all), "POST", "", "", "", "", "", "action=%zz&password=%")
	f.Add(uint8(all), "POST", "", "", "", "", "", strings.Repeat("a=b&", 3000))
	f.Add(uint8(0), "\x00", "\xff", "\r\n", "::", "\n", ";", "\x00")

	srv := New(func(string) (Backend, error) { return fuzzBackend{}, nil }, Options{Logger: slog.New(slog.DiscardHandler)})
	f.Cleanup(func() { _ = srv.Close() })
	deadURL, err := srv.Start(context.Background(), "dev")
	if err != nil {
		f.Fatal(err)
	}
	deadPath := mustPath(f, deadURL)

	f.Fuzz(func(t *testing.T, which uint8, method, path, host, remote, origin, cookie, body string) {
		pageURL, err := srv.Start(context.Background(), "dev") // a fresh page each time: no state carries over
		if err != nil {
			t.Fatal(err)
		}
		livePath := mustPath(t, pageURL)
		srv.mu.Lock()
		p := srv.cur
		srv.mu.Unlock()
		right := func(bit uint) bool { return which&(1<<bit) != 0 }
		if right(0) {
			path = livePath
		}
		if right(6) {
			path = deadPath
		}
		if right(1) {
			host = srv.hostport()
		}
		if right(2) {
			remote = "127.0.0.1:50000"
		}
		if right(3) {
			cookie = p.csrf
		}
		if right(4) {
			body += "&csrf=" + url.QueryEscape(p.csrf)
		}
		if right(5) {
			origin = "http://" + srv.hostport()
		}
		body += "&password=" + fuzzPassword

		req, err := http.NewRequest(method, "http://127.0.0.1/", strings.NewReader(body))
		if err != nil {
			return // not a method net/http would hand a handler
		}
		req.URL.Path, req.URL.RawPath = path, ""
		if u, err := url.ParseRequestURI(path); err == nil {
			req.URL = u // escapes kept as sent, as the server parses them
		}
		req.Host = host
		req.RemoteAddr = remote
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		if cookie != "" {
			req.Header.Set("Cookie", csrfCookie+"="+cookie)
		}
		calls := fuzzCalls.Load()
		rec := httptest.NewRecorder()
		done := make(chan struct{})
		go func() {
			defer close(done)
			srv.serveHTTP(rec, req)
		}()
		select {
		case <-done:
		case <-time.After(10 * time.Second):
			t.Fatalf("the handler hung on %s %q", method, path)
		}

		if rec.Code < 200 || rec.Code > 599 {
			t.Fatalf("status %d", rec.Code)
		}
		for k, v := range securityHeaders {
			if got := rec.Header().Get(k); got != v {
				t.Fatalf("answer %d without %s: %q", rec.Code, k, got)
			}
		}
		out := rec.Body.String() + strings.Join(rec.Header()["Set-Cookie"], "\n")
		if strings.Contains(out, fuzzPassword) && !strings.Contains(body[:len(body)-len(fuzzPassword)], fuzzPassword) {
			t.Fatalf("the password shows in a %d answer", rec.Code)
		}
		// Only a request that named the live page may learn its secret
		// or its CSRF token.
		named := req.URL.EscapedPath() == livePath
		if !named && (strings.Contains(out, p.csrf) || strings.Contains(out, strings.Trim(livePath, "/"))) &&
			!strings.Contains(body+cookie+origin+host+remote+path, p.csrf) {
			t.Fatalf("a request for %q learned the page's secrets (status %d)", path, rec.Code)
		}
		if fuzzCalls.Load() != calls {
			passed := named && req.Method == http.MethodPost && loopback(remote) && host == srv.hostport() &&
				(origin == "" || origin == "http://"+srv.hostport()) && cookie == p.csrf
			if !passed {
				t.Fatalf("a request that failed a guard reached the backend: %s %q Host %q peer %q Origin %q", method, path, host, remote, origin)
			}
		}
	})
}

func mustPath(tb testing.TB, pageURL string) string {
	tb.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		tb.Fatal(err)
	}
	return u.Path
}

// fuzzBackend refuses every sign-in at once; it counts the calls so the
// fuzz target can tell which requests got past the guards. A fake, because
// the target is the page's request handling and must run millions of times
// a minute.
type fuzzBackend struct{}

var fuzzCalls atomic.Int64

func (fuzzBackend) Login(context.Context, string, string) error {
	fuzzCalls.Add(1)
	return loginFailed()
}
func (fuzzBackend) RequestCode(_ context.Context, phone string) (string, error) {
	fuzzCalls.Add(1)
	if !e164.MatchString(phone) {
		return "", &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT sends no sign-in code to " + phone}
	}
	return "+*******" + phone[len(phone)-2:], nil
}
func (fuzzBackend) SubmitMFA(context.Context, string) error { fuzzCalls.Add(1); return loginFailed() }
func (fuzzBackend) ResendMFA(context.Context) error         { fuzzCalls.Add(1); return mfaRequired() }
func (fuzzBackend) Status() agent.Status                    { return agent.Status{Env: "dev", BaseURL: testBaseURL} }
