package signin

import (
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
)

// The agent's own words for each answer, as agent/login.go writes them.
func loginFailed() error {
	return &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT rejected the sign-in of " + testUser + ": wrong username or password"}
}

func mfaRequired() error {
	return &agent.Error{Kind: agent.KindMFARequired, Message: "BioT sent an SMS code to +*******8901: enter it to finish signing in"}
}

func TestPasswordSignIn(t *testing.T) {
	e := newEnv(t)
	e.b.login = func(username, _ string) error {
		e.b.setStatus(func(s *agent.Status) { s.State, s.Username = agent.StateSignedIn, username })
		return nil
	}
	page := e.get(e.url)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page.body,
		"<title>Sign in to dev · BioT agent</title>", "Sign in to BioT dev", "Environment: <strong>dev</strong> · "+testBaseURL,
		`<label for="username">`, `<label for="password">`,
		`autocomplete="username"`, `autocomplete="current-password"`,
		`id="username" name="username" value="" autocomplete="username" autocapitalize="none" spellcheck="false" required autofocus>`,
		`<button type="submit" name="action" value="password">Sign in</button>`)

	r := e.submit(page, e.url, signInForm(testUser, testPassword))
	wantStatus(t, r, http.StatusOK)
	wantText(t, r.body, "Signed in as <strong>"+testUser+"</strong> to <strong>dev</strong> (api.dev.acme.biot-med.com).", "You can close this tab.")
	wantNoText(t, r.body, "<form", testPassword)
	if calls := e.b.callList(); len(calls) != 1 || calls[0] != "login "+testUser+" "+testPassword {
		t.Errorf("backend calls %q, want one login", calls)
	}
}

func TestUsernameIsPrefilled(t *testing.T) {
	e := newEnv(t)
	e.b.setStatus(func(s *agent.Status) { s.Username = testUser; s.State = agent.StateNeedsLogin })
	body := e.get(e.url).body
	wantText(t, body,
		`name="username" value="`+testUser+`"`,
		`autocomplete="current-password" required autofocus>`)
	if strings.Count(body, "autofocus") != 1 {
		t.Errorf("want exactly one autofocus field:\n%s", body)
	}
}

func TestErrorsInWords(t *testing.T) {
	tests := []struct {
		name string
		err  error
		want []string
	}{
		{"wrong password", loginFailed(),
			[]string{"Wrong username or password", "Repeated failures lock the account"}},
		{"locked with minutes", &agent.Error{Kind: agent.KindLocked, MinutesLeft: 12,
			Message: "the BioT account " + testUser + " is locked; try again in 12 minutes"},
			[]string{"Account locked for 12 more minutes", "try again in 12 minutes"}},
		{"locked for a minute", &agent.Error{Kind: agent.KindLocked, MinutesLeft: 1, Message: "the BioT account is locked; try again in 1 minute"},
			[]string{"Account locked for 1 more minute<"}},
		{"locked for good", &agent.Error{Kind: agent.KindLocked, Message: "the BioT account " + testUser + " is locked"},
			[]string{"Account locked", "Ask your BioT administrator"}},
		{"password reset", &agent.Error{Kind: agent.KindPasswordReset,
			Message: "BioT requires a new password for " + testUser + ": set it in the BioT console, then sign in again"},
			[]string{"New password required", "Set it in the BioT console"}},
		{"offline", &agent.Error{Kind: agent.KindOffline,
			Message: "biot: login: BioT unreachable (connection refused): dial tcp 127.0.0.1:1: connect: connection refused"},
			[]string{"BioT cannot be reached", "connection refused", "Check the network connection"}},
		{"missing field", &agent.Error{Kind: agent.KindBadRequest, Message: "username and password are both needed"},
			[]string{"Something is missing", "username and password are both needed"}},
		{"not the agent's error", errors.New("context canceled"),
			[]string{"The sign-in did not finish", "Try again."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			e := newEnv(t)
			e.b.login = func(string, string) error { return tt.err }
			r := e.submit(e.get(e.url), e.url, signInForm(testUser, testPassword))
			wantStatus(t, r, http.StatusOK)
			wantText(t, r.body, tt.want...)
			// The same form again, with the username kept and the
			// password not.
			wantText(t, r.body, `role="alert"`, `name="username" value="`+testUser+`"`, `type="password"`)
			wantNoText(t, r.body, testPassword)
			if tt.name != "not the agent's error" {
				wantNoText(t, r.body, "context canceled")
			}
			if calls := e.b.callList(); len(calls) != 1 {
				t.Errorf("backend calls %q: a failed sign-in must not be retried", calls)
			}
		})
	}
}

func TestMFASignIn(t *testing.T) {
	e := newEnv(t)
	e.b.login = func(username, _ string) error {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending, s.Username = true, username })
		return mfaRequired()
	}
	e.b.submit = func(code string) error {
		if code != "424242" {
			return &agent.Error{Kind: agent.KindLoginFailed, Message: "BioT did not accept the SMS code: check it and try again"}
		}
		e.b.setStatus(func(s *agent.Status) { s.MFAPending, s.State = false, agent.StateSignedIn })
		return nil
	}
	r := e.submit(e.get(e.url), e.url, signInForm(testUser, testPassword))
	wantText(t, r.body, "Enter the SMS code", "BioT sent an SMS code to +*******8901",
		`autocomplete="one-time-code"`, `inputmode="numeric"`, `<label for="code">`, "Resend code")
	wantNoText(t, r.body, testPassword, `type="password"`)
	// Enter in the code field presses the first button: Verify.
	if v, s := strings.Index(r.body, `value="code">Verify`), strings.Index(r.body, `value="resend"`); v < 0 || s < 0 || v > s {
		t.Errorf("Verify must be the form's first button:\n%s", r.body)
	}

	t.Run("reload keeps the step", func(t *testing.T) {
		wantText(t, e.get(e.url).body, "Enter the SMS code", "+*******8901")
	})
	t.Run("resend", func(t *testing.T) {
		r = e.submit(r, e.url, url.Values{"action": {"resend"}})
		wantText(t, r.body, "BioT sent a new code", "Enter the SMS code", "+*******8901")
	})
	t.Run("wrong code", func(t *testing.T) {
		r = e.submit(r, e.url, url.Values{"action": {"code"}, "code": {"000000"}})
		wantText(t, r.body, "Wrong or expired code", "did not accept the SMS code", "Enter the SMS code")
		wantNoText(t, r.body, "000000")
	})
	t.Run("right code", func(t *testing.T) {
		r = e.submit(r, e.url, url.Values{"action": {"code"}, "code": {"424242"}})
		wantText(t, r.body, "Signed in as <strong>"+testUser+"</strong>", "You can close this tab.")
	})
	want := []string{"login " + testUser + " " + testPassword, "resend", "mfa 000000", "mfa 424242"}
	if calls := e.b.callList(); strings.Join(calls, "|") != strings.Join(want, "|") {
		t.Errorf("backend calls %q, want %q", calls, want)
	}
	if strings.Contains(e.logs.String(), "424242") {
		t.Errorf("the SMS code reached the log")
	}
}

func TestExpiredCodeGoesBackToThePassword(t *testing.T) {
	e := newEnv(t)
	e.b.login = func(string, string) error {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending = true })
		return mfaRequired()
	}
	e.b.submit = func(string) error {
		e.b.setStatus(func(s *agent.Status) { s.MFAPending = false; s.Username = testUser })
		return &agent.Error{Kind: agent.KindLoginFailed, Message: "the SMS code for " + testUser + " expired: sign in again"}
	}
	r := e.submit(e.get(e.url), e.url, signInForm(testUser, testPassword))
	r = e.submit(r, e.url, url.Values{"action": {"code"}, "code": {"123456"}})
	wantText(t, r.body, "Wrong or expired code", "expired: sign in again", "Sign in to BioT", `type="password"`, `value="`+testUser+`"`)
}

func TestAnotherAccountFromTheCodeStep(t *testing.T) {
	e := newEnv(t)
	e.b.login = func(string, string) error { return mfaRequired() }
	r := e.submit(e.get(e.url), e.url, signInForm(testUser, testPassword))
	r = e.submit(r, e.url, url.Values{"action": {"restart"}})
	wantText(t, r.body, "Sign in to BioT", `type="password"`)
}

func TestPageDiesAfterSuccess(t *testing.T) {
	e := newEnv(t)
	page := e.get(e.url)
	wantText(t, e.submit(page, e.url, signInForm(testUser, testPassword)).body, "Signed in")
	for name, r := range map[string]reply{
		"GET":  e.get(e.url),
		"POST": e.submit(page, e.url, signInForm(testUser, testPassword)),
	} {
		t.Run(name, func(t *testing.T) { wantExpired(t, r) })
	}
	if calls := e.b.callList(); len(calls) != 1 {
		t.Errorf("backend calls %q: a spent page signed in again", calls)
	}
}

func TestPageDiesAfterTTL(t *testing.T) {
	e := newEnv(t)
	page := e.get(e.url)
	e.clock.Advance(DefaultTTL - time.Second)
	wantText(t, e.get(e.url).body, "Sign in to BioT")
	e.clock.Advance(time.Second)
	wantExpired(t, e.get(e.url))
	wantExpired(t, e.submit(page, e.url, signInForm(testUser, testPassword)))
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("an expired page reached the backend: %q", calls)
	}
	// A fresh Start brings a fresh page.
	wantText(t, e.get(e.start()).body, "Sign in to BioT")
}

func TestSecondStartKillsTheFirst(t *testing.T) {
	e := newEnv(t)
	first := e.get(e.url)
	second := e.start()
	wantExpired(t, e.get(e.url))
	wantExpired(t, e.submit(first, e.url, signInForm(testUser, testPassword)))
	wantText(t, e.get(second).body, "Sign in to BioT")
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("a dead page reached the backend: %q", calls)
	}
}

func TestCloseStopsEverything(t *testing.T) {
	e := newEnv(t)
	if err := e.srv.Close(); err != nil {
		t.Fatal(err)
	}
	if _, err := e.client.Get(e.url); err == nil {
		t.Error("the page still answers after Close")
	}
	if _, err := e.srv.Start(t.Context(), "dev"); err == nil {
		t.Error("Start after Close succeeded")
	}
}

func wantExpired(t *testing.T, r reply) {
	t.Helper()
	wantStatus(t, r, http.StatusGone)
	wantText(t, r.body, "This sign-in link has expired", "click <strong>Sign in…</strong>")
	wantNoText(t, r.body, "<form", "<input", "csrf")
}
