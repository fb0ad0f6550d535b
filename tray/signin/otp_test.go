package signin

import (
	"context"
	"log/slog"
	"net/http"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
	"biot-agent/internal/testkit"
)

// A user whose credentialType is OTP has no password: the page asks BioT
// to send a code to the phone, then asks for the code. These tests put
// the real agent behind the page, and the simulator over HTTPS behind the
// agent, so what is refused and what signs in is BioT's doing, as it
// would be; the fake backend of helpers_test.go stands in only where an
// answer cannot be staged with the simulator.

const (
	testPhone  = "+15550100123" // an OTP user's username
	testMasked = "+*******0123" // as BioT shows it
)

// otpEnv is a sign-in page for dev, whose agent talks to a simulator that
// knows testPhone (and testUser, with a password).
type otpEnv struct {
	*env
	sim    *biotsim.Server
	simNow *fakeclock.Clock // the simulator's clock: codes expire on it
	a      *agent.Agent

	mu    sync.Mutex
	codes []string // every code the simulator sent, for the leak check
}

func newOTPEnv(t *testing.T) *otpEnv {
	t.Helper()
	o := &otpEnv{simNow: fakeclock.New(time.Now())}
	sim, err := biotsim.New(biotsim.Options{
		Users: []biotsim.User{{Username: testPhone, OTP: true}, {Username: testUser, Password: testPassword}},
		Now:   o.simNow.Now,
	})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	o.sim = sim
	client, err := biot.New(sim.URL(), biot.NewHTTPClient(sim.CertPool()), "signin-test")
	if err != nil {
		t.Fatal(err)
	}
	logs := &testkit.SyncBuffer{}
	log := slog.New(slog.NewTextHandler(logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	o.a, err = agent.New(agent.Config{Env: "dev", Client: client, Store: keyring.NewMemory("test"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = o.a.Run(ctx); close(done) }()

	e := &env{t: t, clock: fakeclock.New(time.Now()), logs: logs}
	e.srv = New(func(name string) (Backend, error) {
		if name != "dev" {
			return nil, &agent.Error{Kind: agent.KindUnknownEnvironment, Message: "no environment named " + name}
		}
		return o.a, nil
	}, Options{Logger: log, Clock: e.clock})
	t.Cleanup(func() {
		if err := e.srv.Close(); err != nil {
			t.Errorf("Close: %v", err)
		}
		cancel()
		<-done
		o.mu.Lock()
		defer o.mu.Unlock()
		for _, c := range o.codes {
			if strings.Contains(logs.String(), c) {
				t.Errorf("an SMS code reached the log:\n%s", logs)
			}
		}
	})
	e.url = e.start()
	e.client = e.newClient()
	o.env = e
	return o
}

// lastCode is the code BioT sent last to testPhone.
func (o *otpEnv) lastCode() string {
	o.t.Helper()
	c := o.sim.LastSMSCode(testPhone)
	if c == "" {
		o.t.Fatal("BioT sent no code")
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	if !slices.Contains(o.codes, c) {
		o.codes = append(o.codes, c)
	}
	return c
}

// askCode opens the page and asks for a code for phone, as typed.
func (o *otpEnv) askCode(phone string) reply {
	o.t.Helper()
	return o.submit(o.get(o.url), o.url, phoneForm(phone))
}

// sendCode posts code from the code step r.
func (o *otpEnv) sendCode(r reply, code string) reply {
	o.t.Helper()
	r = o.submit(r, o.url, url.Values{"action": {"code"}, "code": {code}})
	wantStatus(o.t, r, http.StatusOK)
	wantNoText(o.t, r.body, `value="`+code+`"`)
	return r
}

// wantStats checks what BioT saw: codes sent, sign-ins by code, codes
// refused.
func (o *otpEnv) wantStats(sent, logins, rejected int) {
	o.t.Helper()
	st := o.sim.Stats()
	if st.OTPSent != sent || st.OTPLogins != logins || st.OTPRejected != rejected {
		o.t.Errorf("BioT sent %d codes, signed in %d by code and refused %d; want %d, %d, %d",
			st.OTPSent, st.OTPLogins, st.OTPRejected, sent, logins, rejected)
	}
}

// wantSignedIn checks the page says so, and that the agent serves a token
// for the phone's account.
func (o *otpEnv) wantSignedIn(r reply) {
	o.t.Helper()
	wantText(o.t, r.body, "Signed in as <strong>"+testPhone+"</strong> to <strong>dev</strong>", "You can close this tab.")
	wantNoText(o.t, r.body, "<form")
	ctx, cancel := context.WithTimeout(o.t.Context(), 10*time.Second)
	defer cancel()
	if tok, err := o.a.Token(ctx, 0); err != nil || tok.Username != testPhone {
		o.t.Fatalf("the agent serves %q, %v; want a token for %s", tok.Username, err, testPhone)
	}
}

func phoneForm(phone string) url.Values {
	return url.Values{"action": {"phone"}, "phone": {phone}}
}

// wantCodeStep checks r is the code step of a sign-in by code.
func wantCodeStep(t *testing.T, r reply) {
	t.Helper()
	wantStatus(t, r, http.StatusOK)
	wantText(t, r.body, "<title>Enter the SMS code for dev · BioT agent</title>",
		"BioT sent a code to "+testMasked+": enter it to finish signing in.",
		`<label for="code">SMS code</label>`, `autocomplete="one-time-code"`,
		`value="resend" formnovalidate>Send it again</button>`,
		`value="restart" formnovalidate>Use another number, or a password</button>`)
	wantNoText(t, r.body, `type="password"`, `type="tel"`, "Resend code")
}

// wantSendItAgainStandsOut checks that after a refused code the page says
// a code may have expired and that Send it again is the prominent button.
func wantSendItAgainStandsOut(t *testing.T, r reply) {
	t.Helper()
	wantText(t, r.body, `role="alert"><strong>Wrong or expired code</strong>`,
		"BioT did not accept the code sent to "+testMasked+": it is wrong, or it expired",
		"ask for a new code", "A code works for a few minutes only", "press Send it again",
		`<button type="submit" name="action" value="resend" formnovalidate>Send it again</button>`,
		`<button type="submit" class="secondary" name="action" value="code">Verify</button>`)
}

func TestCodeSignIn(t *testing.T) {
	o := newOTPEnv(t)
	page := o.get(o.url)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page.body,
		`<details class="phone">`, "<summary>Sign in with a code sent to my phone</summary>",
		`<label for="phone">Phone number</label>`,
		`<input type="tel" id="phone" name="phone" value="" autocomplete="tel"`, `aria-describedby="phone-help"`,
		"such as +15550100123", `<button type="submit" name="action" value="phone">Send me a code</button>`,
		// The password form is still the first thing offered.
		`autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>`)
	if strings.Count(page.body, "autofocus") != 1 {
		t.Errorf("want exactly one autofocus field:\n%s", page.body)
	}

	// Typed as people write a number: BioT gets it in E.164.
	r := o.askCode(" +1 (555) 010-0123 ")
	wantCodeStep(t, r)
	wantNoText(t, r.body, `role="alert"`)
	wantText(t, o.get(o.url).body, "BioT sent a code to "+testMasked) // a reload keeps the step
	if st := o.a.Status(); !st.MFAPending || st.Username != testPhone {
		t.Fatalf("the agent waits for no code for %s: %+v", testPhone, st)
	}

	r = o.sendCode(r, o.lastCode())
	o.wantSignedIn(r)
	o.wantStats(1, 1, 0)

	// The page is spent.
	wantExpired(t, o.get(o.url))
	wantExpired(t, o.submit(page, o.url, phoneForm(testPhone)))
	o.wantStats(1, 1, 0)

	// Next time, the page offers the phone form at once, with the number.
	next := o.get(o.start()).body
	wantText(t, next, `<details class="phone" open>`, `name="phone" value="`+testPhone+`"`,
		`aria-describedby="phone-help" autofocus>`, `name="username" value=""`)
	if strings.Count(next, "autofocus") != 1 {
		t.Errorf("want exactly one autofocus field:\n%s", next)
	}
}

func TestCodeWrongThenRight(t *testing.T) {
	o := newOTPEnv(t)
	r := o.askCode(testPhone)
	right := o.lastCode()
	wrong := "000000"
	if wrong == right {
		wrong = "000001"
	}
	r = o.sendCode(r, wrong)
	wantCodeStep(t, r)
	wantSendItAgainStandsOut(t, r)
	if st := o.a.Status(); st.State == agent.StateSignedIn || !st.MFAPending {
		t.Fatalf("after a wrong code the agent is %+v, want still waiting for the code", st)
	}
	// Refused once, and nothing sent again on its own.
	o.wantStats(1, 0, 1)

	o.wantSignedIn(o.sendCode(r, right))
	o.wantStats(1, 1, 1)
}

func TestCodeExpired(t *testing.T) {
	o := newOTPEnv(t)
	r := o.askCode(testPhone)
	old := o.lastCode()
	o.simNow.Advance(6 * time.Minute) // BioT's codes live 5 minutes
	r = o.sendCode(r, old)
	wantCodeStep(t, r)
	wantSendItAgainStandsOut(t, r)
	o.wantStats(1, 0, 1) // no new code without a click

	r = o.submit(r, o.url, url.Values{"action": {"resend"}})
	wantCodeStep(t, r)
	wantText(t, r.body, `role="status">BioT sent a new code to `+testMasked+". Enter the newest one: the one before no longer works.")
	wantNoText(t, r.body, `role="alert"`)
	fresh := o.lastCode()
	if fresh == old {
		t.Fatal("Send it again sent no new code")
	}
	o.wantSignedIn(o.sendCode(r, fresh))
	o.wantStats(2, 1, 1)
}

func TestCodeSentAgain(t *testing.T) {
	o := newOTPEnv(t)
	r := o.askCode(testPhone)
	first := o.lastCode()
	r = o.submit(r, o.url, url.Values{"action": {"resend"}})
	wantCodeStep(t, r)
	wantText(t, r.body, "BioT sent a new code to "+testMasked)
	second := o.lastCode()
	if second == first {
		t.Fatal("Send it again sent no new code")
	}
	o.wantStats(2, 0, 0)

	// The first code works no more: a new one replaces it.
	r = o.sendCode(r, first)
	wantCodeStep(t, r)
	wantSendItAgainStandsOut(t, r)
	o.wantSignedIn(o.sendCode(r, second))
	o.wantStats(2, 1, 1)
}

func TestCodeForAnUnknownPhone(t *testing.T) {
	for typed, want := range map[string]string{
		"+15550100999":    "+15550100999",
		"555 0100":        "5550100", // as BioT got it: without the space
		" (555) 010-0199": "5550100199",
		testUser:          testUser, // not a number: sent as typed, dots and all
	} {
		t.Run(typed, func(t *testing.T) {
			o := newOTPEnv(t)
			r := o.askCode(typed)
			wantStatus(t, r, http.StatusOK)
			// The agent's words, in the phone form, with the number kept.
			wantText(t, r.body, `<details class="phone" open>`,
				`<summary>Sign in with a code sent to my phone</summary>
<div class="box problem" role="alert"><strong>BioT sent no code</strong>`,
				"BioT sends no sign-in code to "+want, "check the number, in international form such as +15550100123",
				`name="phone" value="`+strings.TrimSpace(typed)+`"`, `aria-describedby="phone-help" autofocus>`, `type="password"`)
			wantNoText(t, r.body, `id="code"`)
			if strings.Count(r.body, "autofocus") != 1 || strings.Count(r.body, `role="alert"`) != 1 {
				t.Errorf("want one autofocus field and one alert:\n%s", r.body)
			}
			o.wantStats(0, 0, 0)
			if st := o.a.Status(); st.MFAPending || st.State != agent.StateSignedOut {
				t.Errorf("the agent is %+v after a refused number", st)
			}
		})
	}
}

// From the code step, the link back offers the password form again, and
// the phone form with the number kept.
func TestBackToThePasswordFormFromACode(t *testing.T) {
	o := newOTPEnv(t)
	r := o.askCode(testPhone)
	r = o.submit(r, o.url, url.Values{"action": {"restart"}})
	wantStatus(t, r, http.StatusOK)
	wantText(t, r.body, "Sign in to BioT dev", `type="password"`, `<details class="phone" open>`, `name="phone" value="`+testPhone+`"`)
	wantNoText(t, r.body, `id="code"`, `role="alert"`)

	r = o.submit(r, o.url, signInForm(testUser, testPassword))
	wantText(t, r.body, "Signed in as <strong>"+testUser+"</strong>")
	o.wantStats(1, 0, 0)
}

// The fake backend stages what the simulator cannot: the agent dropping
// the sign-in, and BioT refusing to send a new code.

func TestCodeSignInDroppedGoesBackToThePhoneForm(t *testing.T) {
	e := newEnv(t)
	e.b.request = func(phone string) (string, error) {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending, s.Username = true, phone })
		return testMasked, nil
	}
	e.b.submit = func(string) error {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending = false })
		return &agent.Error{Kind: agent.KindLoginFailed, Message: "the sign-in of " + testPhone + " expired before it was finished: sign in again"}
	}
	r := e.submit(e.get(e.url), e.url, phoneForm(testPhone))
	r = e.submit(r, e.url, url.Values{"action": {"code"}, "code": {"123456"}})
	wantText(t, r.body, "Sign in to BioT dev", `<details class="phone" open>`, "Wrong or expired code",
		"expired before it was finished", `name="phone" value="`+testPhone+`"`)
	wantNoText(t, r.body, `id="code"`, "123456")
	want := []string{"request " + testPhone, "mfa 123456"}
	if calls := e.b.callList(); !slices.Equal(calls, want) {
		t.Errorf("backend calls %q, want %q", calls, want)
	}
}

func TestCodeNotSentAgain(t *testing.T) {
	e := newEnv(t)
	e.b.request = func(phone string) (string, error) {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending = true })
		return "", nil // BioT did not say where
	}
	e.b.resend = func() error {
		return &agent.Error{Kind: agent.KindOffline, Message: "biot: otp: BioT unreachable (connection refused)"}
	}
	r := e.submit(e.get(e.url), e.url, phoneForm(testPhone))
	wantText(t, r.body, "BioT sent a code to your phone: enter it to finish signing in.")
	r = e.submit(r, e.url, url.Values{"action": {"resend"}})
	wantText(t, r.body, "BioT cannot be reached", "connection refused", `id="code"`, "Send it again")
	wantNoText(t, r.body, "BioT sent a new code")

	e.b.resend = func() error {
		return &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT sends no sign-in code to " + testPhone + " (PHONE_NOT_VALID)"}
	}
	r = e.submit(r, e.url, url.Values{"action": {"resend"}})
	wantText(t, r.body, "BioT sent no new code", "(PHONE_NOT_VALID)", `id="code"`)
	wantNoText(t, r.body, "Wrong or expired code")
	if calls := e.b.callList(); len(calls) != 3 {
		t.Errorf("backend calls %q: one request and two resends, nothing on its own", calls)
	}
}

func TestPhoneErrorsInWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"offline", &agent.Error{Kind: agent.KindOffline, Message: "biot: otp: BioT unreachable (connection refused)"},
			[]string{"BioT cannot be reached", "connection refused"}},
		{"locked", &agent.Error{Kind: agent.KindLocked, MinutesLeft: 3, Message: "the BioT account " + testPhone + " is locked; try again in 3 minutes"},
			[]string{"Account locked for 3 more minutes"}},
		{"empty", &agent.Error{Kind: agent.KindBadRequest, Message: "the phone number is empty"},
			[]string{"Something is missing", "the phone number is empty"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.b.request = func(string) (string, error) { return "", tt.err }
			r := e.submit(e.get(e.url), e.url, phoneForm(testPhone))
			wantText(t, r.body, tt.want...)
			wantText(t, r.body, `<details class="phone" open>`, `name="phone" value="`+testPhone+`"`)
			if calls := e.b.callList(); len(calls) != 1 {
				t.Errorf("backend calls %q: a refused request must not be retried", calls)
			}
		})
	}
}

// After a refused number, a password sign-in that fails says so in the
// password form, which has the focus; the phone form keeps the number.
func TestPasswordAfterARefusedNumber(t *testing.T) {
	e := newEnv(t)
	e.b.request = func(phone string) (string, error) {
		return "", &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT sends no sign-in code to " + phone}
	}
	e.b.login = func(string, string) error { return loginFailed() }
	r := e.submit(e.get(e.url), e.url, phoneForm(testPhone))
	wantText(t, r.body, "BioT sent no code")
	r = e.submit(r, e.url, signInForm(testUser, testPassword))
	wantText(t, r.body, `<div class="box problem" role="alert"><strong>Wrong username or password</strong>`,
		`name="username" value="`+testUser+`"`, `autocomplete="current-password" required autofocus>`,
		`<details class="phone" open>`, `name="phone" value="`+testPhone+`"`)
	wantNoText(t, r.body, "BioT sent no code", testPassword)
	if strings.Count(r.body, "autofocus") != 1 || strings.Count(r.body, `role="alert"`) != 1 {
		t.Errorf("want one autofocus field and one alert:\n%s", r.body)
	}
}

// The password form sent again from the code step of a sign-in by code
// (the browser's Back) is a password sign-in: its failure is said there.
func TestPasswordFromTheCodeStep(t *testing.T) {
	e := newEnv(t)
	e.b.request = func(string) (string, error) { return testMasked, nil }
	e.b.login = func(string, string) error { return loginFailed() }
	page := e.get(e.url)
	wantText(t, e.submit(page, e.url, phoneForm(testPhone)).body, `id="code"`)
	r := e.submit(page, e.url, signInForm(testUser, testPassword))
	wantText(t, r.body, "Sign in to BioT dev", `role="alert"><strong>Wrong username or password</strong>`, `autocomplete="current-password" required autofocus>`)
	wantNoText(t, r.body, `id="code"`, "BioT sent no code")
}
