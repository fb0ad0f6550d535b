package signin

import (
	"context"
	"crypto/x509"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/internal/fakeclock"
	"biot-agent/internal/testkit"
)

// These tests are about the page and its guards, so a fake stands in for
// the agent: it answers exactly the errors a test needs, which a real BioT
// would make slow or impossible to stage (a locked account, a dead
// network). The real *agent.Agent against the biotsim simulator is driven
// by chromium in browser_test.go, and by the end-to-end test of the binary.
type fakeBackend struct {
	mu      sync.Mutex
	status  agent.Status
	login   func(username, password string) error
	request func(phone string) (string, error)
	submit  func(code string) error
	resend  func() error
	calls   []string // "login <username> <password>", "request <phone>", "mfa <code>", "resend"
}

func (f *fakeBackend) Login(_ context.Context, username, password string) error {
	f.mu.Lock()
	f.calls = append(f.calls, "login "+username+" "+password)
	fn := f.login
	f.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(username, password)
}

func (f *fakeBackend) RequestCode(_ context.Context, phone string) (string, error) {
	f.mu.Lock()
	f.calls = append(f.calls, "request "+phone)
	fn := f.request
	f.mu.Unlock()
	if fn == nil {
		return "", nil
	}
	return fn(phone)
}

func (f *fakeBackend) SubmitMFA(_ context.Context, code string) error {
	f.mu.Lock()
	f.calls = append(f.calls, "mfa "+code)
	fn := f.submit
	f.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn(code)
}

func (f *fakeBackend) ResendMFA(context.Context) error {
	f.mu.Lock()
	f.calls = append(f.calls, "resend")
	fn := f.resend
	f.mu.Unlock()
	if fn == nil {
		return nil
	}
	return fn()
}

func (f *fakeBackend) Status() agent.Status {
	f.mu.Lock()
	defer f.mu.Unlock()
	return f.status
}

func (f *fakeBackend) setStatus(fn func(*agent.Status)) {
	f.mu.Lock()
	defer f.mu.Unlock()
	fn(&f.status)
}

func (f *fakeBackend) callList() []string {
	f.mu.Lock()
	defer f.mu.Unlock()
	return append([]string(nil), f.calls...)
}

const (
	testUser     = "ana@example.com"
	testPassword = "Tr0ub4dor&3-not-in-any-page"
	testBaseURL  = "https://api.dev.acme.biot-med.com"
)

// env is one Server with a fake backend for the environment "dev" (and
// for those the add page adds), a browser-like client (with a cookie jar)
// and the log the server writes.
type env struct {
	t      *testing.T
	b      *fakeBackend
	srv    *Server
	clock  *fakeclock.Clock
	logs   *testkit.SyncBuffer
	client *http.Client
	url    string // the page from the first Start, for dev

	mu     sync.Mutex
	envs   map[string]*fakeBackend // by name; "dev" is b
	added  []string                // "name url", each AddEnvironment
	addErr error                   // what AddEnvironment answers
}

// envOptions tune newEnv.
type envOptions struct {
	roots *x509.CertPool // the certificates the URL check trusts
}

func newEnv(t *testing.T, opts ...envOptions) *env {
	t.Helper()
	var o envOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	e := &env{
		t:     t,
		b:     &fakeBackend{status: agent.Status{Env: "dev", State: agent.StateSignedOut, BaseURL: testBaseURL}},
		clock: fakeclock.New(time.Date(2025, 11, 24, 9, 0, 0, 0, time.UTC)),
		logs:  &testkit.SyncBuffer{},
	}
	e.envs = map[string]*fakeBackend{"dev": e.b}
	e.srv = New(e.lookup, Options{
		Logger:         slog.New(slog.NewTextHandler(e.logs, &slog.HandlerOptions{Level: slog.LevelDebug})),
		Clock:          e.clock,
		AddEnvironment: e.addEnvironment,
		Roots:          o.roots,
		Version:        "signin-test",
	})
	t.Cleanup(func() {
		if err := e.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		if strings.Contains(e.logs.String(), testPassword) {
			t.Errorf("the password reached the log:\n%s", e.logs)
		}
	})
	e.url = e.start()
	e.client = e.newClient()
	return e
}

// lookup finds the fake backend of an environment, as agent.Environments
// would its agent.
func (e *env) lookup(name string) (Backend, error) {
	e.mu.Lock()
	defer e.mu.Unlock()
	if b, ok := e.envs[name]; ok {
		return b, nil
	}
	return nil, &agent.Error{Kind: agent.KindUnknownEnvironment, Message: "no environment named " + name}
}

// addEnvironment stands in for the configuration's: it records the call
// and makes a signed-out backend for the environment.
func (e *env) addEnvironment(_ context.Context, name, url string) error {
	e.mu.Lock()
	defer e.mu.Unlock()
	e.added = append(e.added, name+" "+url)
	if e.addErr != nil {
		return e.addErr
	}
	e.envs[name] = &fakeBackend{status: agent.Status{Env: name, State: agent.StateSignedOut, BaseURL: url}}
	return nil
}

func (e *env) addedList() []string {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.added...)
}

// backendOf is the fake backend of name, once added.
func (e *env) backendOf(name string) *fakeBackend {
	e.mu.Lock()
	defer e.mu.Unlock()
	return e.envs[name]
}

// start opens a fresh sign-in page for dev.
func (e *env) start() string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u, err := e.srv.Start(ctx, "dev")
	if err != nil {
		e.t.Fatalf("Start: %v", err)
	}
	return u
}

// startAdd opens a fresh page that adds an environment.
func (e *env) startAdd() string {
	e.t.Helper()
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	u, err := e.srv.StartAdd(ctx)
	if err != nil {
		e.t.Fatalf("StartAdd: %v", err)
	}
	return u
}

// newClient is a client with its own cookie jar, like a browser profile.
func (e *env) newClient() *http.Client {
	jar, err := cookiejar.New(nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return &http.Client{Jar: jar, Timeout: 10 * time.Second,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// reply is an answer, read whole.
type reply struct {
	status int
	header http.Header
	body   string
}

func (e *env) do(c *http.Client, req *http.Request) reply {
	e.t.Helper()
	resp, err := c.Do(req)
	if err != nil {
		e.t.Fatalf("%s %s: %v", req.Method, req.URL.Path, err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		e.t.Fatal(err)
	}
	return reply{status: resp.StatusCode, header: resp.Header, body: string(b)}
}

func (e *env) get(u string) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodGet, u, nil)
	if err != nil {
		e.t.Fatal(err)
	}
	return e.do(e.client, req)
}

// submit posts the page's form the way a browser does: the hidden CSRF
// field from the page, the cookie from the jar, the page's own Origin.
func (e *env) submit(page reply, pageURL string, fields url.Values) reply {
	e.t.Helper()
	fields.Set("csrf", csrfOf(e.t, page.body))
	return e.post(e.client, pageURL, fields, originOf(pageURL))
}

func (e *env) post(c *http.Client, u string, fields url.Values, origin string) reply {
	e.t.Helper()
	req, err := http.NewRequest(http.MethodPost, u, strings.NewReader(fields.Encode()))
	if err != nil {
		e.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	if origin != "" {
		req.Header.Set("Origin", origin)
	}
	return e.do(c, req)
}

func originOf(pageURL string) string {
	u, err := url.Parse(pageURL)
	if err != nil {
		panic(err)
	}
	return u.Scheme + "://" + u.Host
}

var csrfField = regexp.MustCompile(`<input type="hidden" name="csrf" value="([^"]+)">`)

// csrfOf reads the hidden CSRF field out of a page.
func csrfOf(t *testing.T, body string) string {
	t.Helper()
	m := csrfField.FindStringSubmatch(body)
	if m == nil {
		t.Fatalf("no CSRF field in the page:\n%s", body)
	}
	return m[1]
}

// signInForm is the first step's fields.
func signInForm(username, password string) url.Values {
	return url.Values{"action": {"password"}, "username": {username}, "password": {password}}
}

func wantStatus(t *testing.T, r reply, want int) {
	t.Helper()
	if r.status != want {
		t.Fatalf("status %d, want %d; body:\n%s", r.status, want, r.body)
	}
}

func wantText(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(body, p) && !strings.Contains(html.UnescapeString(body), p) {
			t.Errorf("the page lacks %q:\n%s", p, body)
		}
	}
}

func wantNoText(t *testing.T, body string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if strings.Contains(body, p) || strings.Contains(html.UnescapeString(body), p) {
			t.Errorf("the page shows %q, and must not:\n%s", p, body)
		}
	}
}
