package biotsim

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// fakeClock is the injectable clock of Options.Now: tests move it instead of
// waiting. It stands in for time itself, which a test cannot jump.
type fakeClock struct {
	mu sync.Mutex
	t  time.Time
}

func newFakeClock() *fakeClock {
	return &fakeClock{t: time.Date(2025, 11, 24, 9, 8, 14, 945_123_456, time.UTC)}
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.t
}

func (c *fakeClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.t = c.t.Add(d)
}

// Test users. Usernames are at least five characters, the spec's minimum.
var (
	alice  = User{Username: "alice@example.com", Password: "alice-pw-Secret1"}
	mfaBob = User{Username: "bob@example.com", Password: "bob-pw-Secret2", MFAPhone: "+12345678901"}
	resetC = User{Username: "carol@example.com", Password: "carol-pw-Secret3", PasswordResetRequired: true}
	lockD  = User{Username: "dave@example.com", Password: "dave-pw-Secret4", Locked: true}
	lockE  = User{Username: "erin@example.com", Password: "erin-pw-Secret5", Locked: true, LockedMinutes: 7}
	// otpF signs in with a code sent to the phone that is its username.
	otpF = User{Username: "+15550100123", OTP: true}
	// robot is a service user whose tokens live 7 minutes.
	robot = ServiceUser{ID: "5e7b9f0c-2d4a-4c1e-9b3a-7f6d5c4b3a21", Secret: "robot-Secret6", AccessTokenExpirationInMinutes: 7}
)

// start runs a Server with the test users and the given clock (nil: real
// time), closed when the test ends.
func start(t *testing.T, clock *fakeClock, mod ...func(*Options)) *Server {
	t.Helper()
	cfg := Options{Users: []User{alice, mfaBob, resetC, lockD, lockE, otpF}, ServiceUsers: []ServiceUser{robot}}
	if clock != nil {
		cfg.Now = clock.Now
	}
	for _, m := range mod {
		m(&cfg)
	}
	s, err := New(cfg)
	if err != nil {
		t.Fatalf("New: %v", err)
	}
	t.Cleanup(s.Close)
	t.Cleanup(func() { // runs before Close
		if c, ok := clients.LoadAndDelete(s); ok {
			c.(*http.Client).CloseIdleConnections()
		}
	})
	return s
}

// reply is one answer, read whole.
type reply struct {
	Status int
	Header http.Header
	Body   []byte
}

func (r reply) decode(t *testing.T, v any) {
	t.Helper()
	if err := json.Unmarshal(r.Body, v); err != nil {
		t.Fatalf("answer %d is not JSON: %v: %q", r.Status, err, r.Body)
	}
}

func (r reply) errorCode(t *testing.T) string {
	t.Helper()
	var e struct{ Code string }
	r.decode(t, &e)
	return e.Code
}

func (r reply) login(t *testing.T) loginResponse {
	t.Helper()
	if r.Status != http.StatusOK {
		t.Fatalf("want 200 LoginResponse, got %d: %s", r.Status, r.Body)
	}
	var l loginResponse
	r.decode(t, &l)
	return l
}

// call is one request. Body is marshalled to JSON unless it is a string,
// which is sent as is.
type call struct {
	Method, Path string
	Bearer       string
	Body         any
	ContentType  string // default application/json when there is a body
}

// do sends c over real HTTPS with a plain client that trusts only the
// Server's CA, and checks the answer: what every answer has (checkAnswer)
// and, when BIOT_UMS_SPEC names BioT's spec, that the spec allows it.
func do(t *testing.T, s *Server, c call) reply {
	t.Helper()
	r, err := send(t.Context(), s, c)
	if err != nil {
		t.Fatalf("%s %s: %v", c.Method, c.Path, err)
	}
	checkAnswer(t, c.Method, c.Path, r)
	if sp := optionalSpec(t); sp != nil {
		sp.conforms(t, c.Method, c.Path, r)
	}
	return r
}

// send is do without the checks and without failing, for faults.
func send(ctx context.Context, s *Server, c call) (reply, error) {
	ctx, cancel := context.WithTimeout(ctx, 20*time.Second)
	defer cancel()
	var body io.Reader
	if c.Body != nil {
		switch b := c.Body.(type) {
		case string:
			body = strings.NewReader(b)
		default:
			raw, err := json.Marshal(b)
			if err != nil {
				return reply{}, err
			}
			body = bytes.NewReader(raw)
		}
	}
	req, err := http.NewRequestWithContext(ctx, c.Method, s.URL()+c.Path, body)
	if err != nil {
		return reply{}, err
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", "biotsim-test")
	if c.Body != nil {
		ct := c.ContentType
		if ct == "" {
			ct = "application/json"
		}
		req.Header.Set("Content-Type", ct)
	}
	if c.Bearer != "" {
		req.Header.Set("Authorization", "Bearer "+c.Bearer)
	}
	resp, err := testClient(s).Do(req)
	if err != nil {
		return reply{}, err
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		return reply{}, err
	}
	return reply{Status: resp.StatusCode, Header: resp.Header, Body: raw}, nil
}

var clients sync.Map // *Server -> *http.Client

// testClient is a plain net/http client trusting CertPool(), one per
// Server so connections are reused as a real client would.
func testClient(s *Server) *http.Client {
	if c, ok := clients.Load(s); ok {
		return c.(*http.Client)
	}
	tr := http.DefaultTransport.(*http.Transport).Clone()
	tr.TLSClientConfig.RootCAs = s.CertPool()
	tr.MaxIdleConnsPerHost = 256
	c, _ := clients.LoadOrStore(s, &http.Client{Transport: tr})
	return c.(*http.Client)
}

// Shorthands for the calls tests make most.

func login(t *testing.T, s *Server, u User) reply {
	t.Helper()
	return do(t, s, call{Method: "POST", Path: PathLogin, Body: map[string]string{"username": u.Username, "password": u.Password}})
}

func refresh(t *testing.T, s *Server, token string) reply {
	t.Helper()
	return do(t, s, call{Method: "POST", Path: PathRefresh, Body: map[string]string{"refreshToken": token}})
}

func self(t *testing.T, s *Server, access string) reply {
	t.Helper()
	return do(t, s, call{Method: "GET", Path: PathSelf, Bearer: access})
}

// signIn logs a user without MFA in and returns the answer.
func signIn(t *testing.T, s *Server, u User) loginResponse {
	t.Helper()
	l := login(t, s, u).login(t)
	if l.RefreshJwt == nil {
		t.Fatalf("login of %s: no refresh token", u.Username)
	}
	return l
}

func otpCodeCall(phone string) call {
	return call{Method: "POST", Path: PathOTPCode, Body: map[string]string{"phone": phone}}
}

func otpLoginCall(requestID, code string) call {
	return call{Method: "POST", Path: PathOTPLogin, Body: map[string]string{"requestId": requestID, "code": code}}
}

func serviceCall(id, secret string) call {
	return call{Method: "POST", Path: PathService, Body: map[string]string{"id": id, "secretKey": secret}}
}

// sendCode asks for a code for phone and returns the request id.
func sendCode(t *testing.T, s *Server, phone string) generateOtpResponse {
	t.Helper()
	r := do(t, s, otpCodeCall(phone))
	if r.Status != http.StatusOK {
		t.Fatalf("otp/generate for %s: %d %s", phone, r.Status, r.Body)
	}
	var g generateOtpResponse
	r.decode(t, &g)
	return g
}

func wantError(t *testing.T, r reply, status int, code string) {
	t.Helper()
	if r.Status != status {
		t.Fatalf("want %d %s, got %d: %s", status, code, r.Status, r.Body)
	}
	if got := r.errorCode(t); got != code {
		t.Fatalf("want code %s, got %s: %s", code, got, r.Body)
	}
}
