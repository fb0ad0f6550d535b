package signin

import (
	"bufio"
	"encoding/base64"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
)

func TestURLIsLoopbackWithA256BitSecret(t *testing.T) {
	e := newEnv(t)
	u, err := url.Parse(e.url)
	if err != nil {
		t.Fatal(err)
	}
	if u.Scheme != "http" || u.Hostname() != "127.0.0.1" || u.Port() == "" {
		t.Fatalf("URL %s is not http://127.0.0.1:<port>/...", e.url)
	}
	secret, ok := secretOf(u.Path)
	if !ok {
		t.Fatalf("URL path %q is not /<secret>/", u.Path)
	}
	raw, err := base64.RawURLEncoding.DecodeString(secret)
	if err != nil || len(raw) != 32 {
		t.Fatalf("secret %q is not 256 bits of base64url (%d bytes, %v)", secret, len(raw), err)
	}
	if second := e.start(); second == e.url || originOf(second) != originOf(e.url) {
		t.Errorf("a second Start gave %s after %s: want a new secret on the same port", second, e.url)
	}
}

func TestListensOnLoopbackOnly(t *testing.T) {
	e := newEnv(t)
	port := mustPort(t, e.url)
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	tried := 0
	for _, a := range addrs {
		ipn, ok := a.(*net.IPNet)
		if !ok || ipn.IP.IsLoopback() {
			continue
		}
		tried++
		c, err := net.DialTimeout("tcp", net.JoinHostPort(ipn.IP.String(), port), 2*time.Second)
		if err == nil {
			c.Close()
			t.Errorf("the page's port answers on %s, not only on 127.0.0.1", ipn.IP)
		}
	}
	if tried == 0 {
		t.Log("no non-loopback address on this machine; only 127.0.0.1 was checked")
	}
	c, err := net.DialTimeout("tcp", "127.0.0.1:"+port, 2*time.Second)
	if err != nil {
		t.Fatalf("the page's port does not answer on 127.0.0.1: %v", err)
	}
	c.Close()
}

func TestRefusesNonLoopbackPeers(t *testing.T) {
	e := newEnv(t)
	u, _ := url.Parse(e.url)
	for _, remote := range []string{"192.0.2.7:50000", "[2001:db8::1]:50000", "10.0.0.1:1", "garbage"} {
		t.Run(remote, func(t *testing.T) {
			// A loopback listener never sees such a peer; the check is a
			// second wall, so it is called directly.
			req := httptest.NewRequest(http.MethodGet, e.url, nil)
			req.RemoteAddr = remote
			req.Host = u.Host
			rec := httptest.NewRecorder()
			e.srv.serveHTTP(rec, req)
			if rec.Code != http.StatusForbidden {
				t.Errorf("status %d for a peer at %s, want 403", rec.Code, remote)
			}
			wantNoText(t, rec.Body.String(), "<form", "Sign in")
		})
	}
	t.Run("loopback", func(t *testing.T) {
		req := httptest.NewRequest(http.MethodGet, e.url, nil)
		req.RemoteAddr = "127.0.0.1:50000"
		req.Host = u.Host
		rec := httptest.NewRecorder()
		e.srv.serveHTTP(rec, req)
		if rec.Code != http.StatusOK {
			t.Errorf("status %d for a loopback peer, want 200", rec.Code)
		}
	})
}

func TestHostHeaderMustBeExact(t *testing.T) {
	e := newEnv(t)
	port := mustPort(t, e.url)
	n, _ := strconv.Atoi(port)
	tests := []struct {
		name, host string
		want       int
	}{
		{"exact", "127.0.0.1:" + port, http.StatusOK},
		{"rebinding name", "evil.example:" + port, http.StatusMisdirectedRequest},
		{"localhost", "localhost:" + port, http.StatusMisdirectedRequest},
		{"no port", "127.0.0.1", http.StatusMisdirectedRequest},
		{"other port", "127.0.0.1:" + strconv.Itoa(n+1), http.StatusMisdirectedRequest},
		{"ipv6 loopback", "[::1]:" + port, http.StatusMisdirectedRequest},
		{"trailing dot", "127.0.0.1.:" + port, http.StatusMisdirectedRequest},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			req, _ := http.NewRequest(http.MethodGet, e.url, nil)
			req.Host = tt.host
			r := e.do(e.client, req)
			if r.status != tt.want {
				t.Fatalf("Host %q: status %d, want %d", tt.host, r.status, tt.want)
			}
			if tt.want != http.StatusOK {
				wantNoText(t, r.body, "<form", "csrf", "BioT")
			}
		})
	}
}

func TestNothingServedElsewhere(t *testing.T) {
	e := newEnv(t)
	u, _ := url.Parse(e.url)
	secret, _ := secretOf(u.Path)
	for _, tt := range []struct{ name, path string }{
		{"root", "/"},
		{"favicon", "/favicon.ico"},
		{"no trailing slash", "/" + secret},
		{"below the page", "/" + secret + "/x"},
		{"double slash after", "/" + secret + "//"},
		{"double slash before", "//" + secret + "/"},
		{"secret cut short", "/" + secret[:len(secret)-1] + "/"},
		{"secret in capitals", "/" + strings.ToUpper(secret) + "/"},
		{"dot dot", "/" + secret + "/../"},
		{"escaped slash", "/%2F" + secret + "/"},
	} {
		path := tt.path
		t.Run(tt.name, func(t *testing.T) {
			r := rawGet(t, u.Host, path)
			if r.status != http.StatusNotFound {
				t.Fatalf("GET %s: status %d, want 404", path, r.status)
			}
			if strings.TrimSpace(r.body) != "404 page not found" {
				t.Errorf("GET %s tells more than not found: %q", path, r.body)
			}
			if r.header.Get("Set-Cookie") != "" {
				t.Errorf("GET %s set a cookie", path)
			}
		})
	}
	t.Run("POST elsewhere", func(t *testing.T) {
		r := e.post(e.client, originOf(e.url)+"/", signInForm(testUser, testPassword), originOf(e.url))
		wantStatus(t, r, http.StatusNotFound)
		if calls := e.b.callList(); len(calls) != 0 {
			t.Errorf("the backend was called: %v", calls)
		}
	})
}

func TestSecurityHeadersOnEveryAnswer(t *testing.T) {
	e := newEnv(t)
	base := originOf(e.url)
	misdirected, _ := http.NewRequest(http.MethodGet, e.url, nil)
	misdirected.Host = "evil.example"
	answers := map[string]reply{
		"page":        e.get(e.url),
		"not found":   e.get(base + "/nothing/"),
		"misdirected": e.do(e.client, misdirected),
	}
	old := e.url
	e.start()
	answers["expired"] = e.get(old)

	for name, r := range answers {
		t.Run(name, func(t *testing.T) {
			h := r.header
			if got := h.Get("Cache-Control"); got != "no-store" {
				t.Errorf("Cache-Control %q, want no-store", got)
			}
			csp := h.Get("Content-Security-Policy")
			for _, part := range []string{"default-src 'none'", "style-src 'unsafe-inline'", "form-action 'self'", "frame-ancestors 'none'"} {
				if !strings.Contains(csp, part) {
					t.Errorf("Content-Security-Policy %q lacks %q", csp, part)
				}
			}
			if strings.Contains(csp, "http") || strings.Contains(csp, "*") {
				t.Errorf("Content-Security-Policy %q allows something external", csp)
			}
			if got := h.Get("X-Frame-Options"); got != "DENY" {
				t.Errorf("X-Frame-Options %q, want DENY", got)
			}
			// same-origin, not no-referrer: see the package doc. The
			// browser tests pass only because chromium then sends the
			// page's real Origin with each POST.
			if got := h.Get("Referrer-Policy"); got != "same-origin" {
				t.Errorf("Referrer-Policy %q, want same-origin", got)
			}
			if got := h.Get("X-Content-Type-Options"); got != "nosniff" {
				t.Errorf("X-Content-Type-Options %q, want nosniff", got)
			}
		})
	}
}

func TestPageIsSelfContained(t *testing.T) {
	e := newEnv(t)
	body := e.get(e.url).body
	wantNoText(t, body, "<script", " src=", " href=", "url(", "@import", "javascript:")
	if h := regexp.MustCompile(`(?i)\son[a-z]+=`).FindString(body); h != "" {
		t.Errorf("the page has an event handler attribute %q", h)
	}
	if strings.Count(body, "http") != strings.Count(body, testBaseURL) {
		t.Errorf("the page names an address other than the environment's:\n%s", body)
	}
}

func TestCSRFCookieAndField(t *testing.T) {
	e := newEnv(t)
	r := e.get(e.url)
	field := csrfOf(t, r.body)
	cookies := (&http.Response{Header: r.header}).Cookies()
	if len(cookies) != 1 {
		t.Fatalf("want one cookie, got %d: %v", len(cookies), r.header["Set-Cookie"])
	}
	c := cookies[0]
	u, _ := url.Parse(e.url)
	if c.Value != field {
		t.Errorf("cookie value differs from the hidden field")
	}
	if c.SameSite != http.SameSiteStrictMode || !c.HttpOnly || c.Path != u.Path {
		t.Errorf("cookie %s: want SameSite=Strict, HttpOnly, Path=%s", r.header.Get("Set-Cookie"), u.Path)
	}
	if raw, err := base64.RawURLEncoding.DecodeString(field); err != nil || len(raw) != 32 {
		t.Errorf("CSRF token is not 256 random bits")
	}

	// Another page has another token.
	other := e.start()
	if csrfOf(t, e.get(other).body) == field {
		t.Errorf("two pages share a CSRF token")
	}
}

func TestPostsWithoutTheRightTokenAreRefused(t *testing.T) {
	e := newEnv(t)
	page := e.get(e.url)
	token := csrfOf(t, page.body)
	origin := originOf(e.url)
	withToken := func(tok string) url.Values {
		f := signInForm(testUser, testPassword)
		if tok != "" {
			f.Set("csrf", tok)
		}
		return f
	}
	noJar := &http.Client{Timeout: 5 * time.Second}

	tests := []struct {
		name   string
		client *http.Client
		fields url.Values
	}{
		{"no field", e.client, withToken("")},
		{"wrong field", e.client, withToken(strings.Repeat("A", len(token)))},
		{"short field", e.client, withToken(token[:10])},
		{"field but no cookie", noJar, withToken(token)},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			r := e.post(tt.client, e.url, tt.fields, origin)
			wantStatus(t, r, http.StatusForbidden)
			wantNoText(t, r.body, testPassword, "<form")
		})
	}
	t.Run("cookie of another value", func(t *testing.T) {
		req, _ := http.NewRequest(http.MethodPost, e.url, strings.NewReader(withToken(token).Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		req.AddCookie(&http.Cookie{Name: csrfCookie, Value: strings.Repeat("B", len(token))})
		wantStatus(t, e.do(noJar, req), http.StatusForbidden)
	})
	if calls := e.b.callList(); len(calls) != 0 {
		t.Fatalf("a refused POST reached the backend: %v", calls)
	}
	// And the right token goes through.
	wantStatus(t, e.submit(page, e.url, signInForm(testUser, testPassword)), http.StatusOK)
	if calls := e.b.callList(); len(calls) != 1 {
		t.Fatalf("backend calls %v, want one login", calls)
	}
}

func TestCrossOriginPostsAreRefused(t *testing.T) {
	port := ""
	tests := []struct {
		name   string
		origin func() string
		want   int
	}{
		{"another site", func() string { return "http://evil.example" }, http.StatusForbidden},
		{"opaque origin", func() string { return "null" }, http.StatusForbidden},
		{"localhost name", func() string { return "http://localhost:" + port }, http.StatusForbidden},
		{"https", func() string { return "https://127.0.0.1:" + port }, http.StatusForbidden},
		{"the page itself", func() string { return "http://127.0.0.1:" + port }, http.StatusOK},
		{"no Origin header", func() string { return "" }, http.StatusOK},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			port = mustPort(t, e.url)
			page := e.get(e.url)
			f := signInForm(testUser, testPassword)
			f.Set("csrf", csrfOf(t, page.body))
			r := e.post(e.client, e.url, f, tt.origin())
			wantStatus(t, r, tt.want)
			if calls := e.b.callList(); (len(calls) == 1) != (tt.want == http.StatusOK) {
				t.Errorf("backend calls %v after status %d", calls, r.status)
			}
		})
	}
}

func TestBodyIsLimited(t *testing.T) {
	e := newEnv(t)
	page := e.get(e.url)
	f := signInForm(testUser, strings.Repeat("x", 64<<10))
	f.Set("csrf", csrfOf(t, page.body))
	r := e.post(e.client, e.url, f, "")
	wantStatus(t, r, http.StatusRequestEntityTooLarge)
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("an oversized POST reached the backend")
	}
}

func TestOtherMethodsAreRefused(t *testing.T) {
	e := newEnv(t)
	for _, m := range []string{http.MethodPut, http.MethodDelete, http.MethodPatch, http.MethodOptions} {
		req, _ := http.NewRequest(m, e.url, nil)
		r := e.do(e.client, req)
		if r.status != http.StatusMethodNotAllowed {
			t.Errorf("%s: status %d, want 405", m, r.status)
		}
	}
}

func TestPasswordNeverLeaves(t *testing.T) {
	e := newEnv(t)
	e.b.login = func(string, string) error { return loginFailed() }
	page := e.get(e.url)
	wantText(t, page.body, `<form method="post"`, `type="password"`)

	r := e.submit(page, e.url, signInForm(testUser, testPassword))
	wantText(t, r.body, "Wrong username or password")
	wantNoText(t, r.body, testPassword)
	if strings.Contains(r.header.Get("Set-Cookie"), testPassword) {
		t.Error("the password is in a cookie")
	}

	// A password in the URL is not taken: only the POST body counts.
	q := url.Values{"password": {testPassword}, "username": {testUser}, "action": {"password"}}
	f := url.Values{"action": {"password"}, "csrf": {csrfOf(t, r.body)}}
	e.post(e.client, e.url+"?"+q.Encode(), f, "")
	calls := e.b.callList()
	if len(calls) != 2 || calls[1] != "login  " {
		t.Errorf("backend calls %q: the URL's password was used", calls)
	}
	// The password is absent from the log; newEnv's cleanup checks it.
}

// rawGet sends a GET for path exactly as written (Go's client would mend
// some of them) and reads the answer.
func rawGet(t *testing.T, host, path string) reply {
	t.Helper()
	c, err := net.DialTimeout("tcp", host, 5*time.Second)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	if _, err := fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: close\r\n\r\n", path, host); err != nil {
		t.Fatal(err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func mustPort(t *testing.T, pageURL string) string {
	t.Helper()
	u, err := url.Parse(pageURL)
	if err != nil {
		t.Fatal(err)
	}
	return u.Port()
}

// The phone form and the code step of a sign-in by code are under the same
// guards as the password form: the page's token and origin, one live page,
// one completed sign-in per page.
func TestCodeActionsAreGuarded(t *testing.T) {
	forms := map[string]url.Values{
		"phone":   phoneForm(testPhone),
		"code":    {"action": {"code"}, "code": {"424242"}},
		"resend":  {"action": {"resend"}},
		"restart": {"action": {"restart"}},
	}
	byCode := func(e *env) {
		e.b.request = func(string) (string, error) {
			e.b.setStatus(func(s *agent.Status) { s.MFAPending = true })
			return testMasked, nil
		}
	}
	for name, f := range forms {
		t.Run(name, func(t *testing.T) {
			e := newEnv(t)
			byCode(e)
			r := e.submit(e.get(e.url), e.url, phoneForm(testPhone)) // at the code step
			wantText(t, r.body, `id="code"`)
			token := csrfOf(t, r.body)
			origin := originOf(e.url)
			noJar := &http.Client{Timeout: 5 * time.Second}
			with := func(tok string) url.Values {
				g := url.Values{}
				for k, v := range f {
					g[k] = v
				}
				if tok != "" {
					g.Set("csrf", tok)
				}
				return g
			}
			for what, refused := range map[string]reply{
				"no token":       e.post(e.client, e.url, with(""), origin),
				"wrong token":    e.post(e.client, e.url, with(strings.Repeat("A", len(token))), origin),
				"no cookie":      e.post(noJar, e.url, with(token), origin),
				"another origin": e.post(e.client, e.url, with(token), "http://evil.example"),
			} {
				if refused.status != http.StatusForbidden {
					t.Errorf("%s: status %d, want 403", what, refused.status)
				}
			}
			if calls := e.b.callList(); len(calls) != 1 {
				t.Fatalf("a refused POST reached the backend: %q", calls)
			}

			// A second page ends this one, whatever its step.
			second := e.start()
			wantExpired(t, e.post(e.client, e.url, with(token), origin))
			if calls := e.b.callList(); len(calls) != 1 {
				t.Fatalf("a dead page reached the backend: %q", calls)
			}

			// A page that signed in by code is spent.
			page := e.get(second)
			r = e.submit(page, second, phoneForm(testPhone))
			wantText(t, e.submit(r, second, url.Values{"action": {"code"}, "code": {"424242"}}).body, "Signed in")
			calls := len(e.b.callList())
			wantExpired(t, e.submit(page, second, with("")))
			if n := len(e.b.callList()); n != calls {
				t.Errorf("a spent page reached the backend: %q", e.b.callList())
			}
		})
	}
}

// What is typed in the phone form comes back escaped, and only there.
func TestPhoneIsEscaped(t *testing.T) {
	e := newEnv(t)
	e.b.request = func(phone string) (string, error) {
		return "", &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT sends no sign-in code to " + phone}
	}
	typed := `"><script>alert(1)</script><input name="x`
	r := e.submit(e.get(e.url), e.url, phoneForm(typed))
	wantStatus(t, r, http.StatusOK)
	if strings.Contains(r.body, "<script") || strings.Contains(r.body, `<input name="x`) {
		t.Errorf("the typed number reached the page unescaped:\n%s", r.body)
	}
	wantText(t, r.body, "BioT sent no code", `value="&#34;&gt;&lt;script&gt;`)
}
