package cli_test

import (
	"strings"
	"testing"

	"biot-agent/internal/biotsim"
)

func TestMFASignInAsksForTheCodeThenTakesItFromStdin(t *testing.T) {
	t.Parallel()
	const bo, boPW = "bo@example.com", "bo-password-77ac1"
	w := newWorld(t, worldOptions{sim: &biotsim.Options{Users: []biotsim.User{
		{Username: bo, Password: boPW, MFAPhone: "+15555550123"},
	}}})
	w.startAgent()

	res := w.login(bo, boPW)
	wantExit(t, res, 3, "login of an MFA user")
	wantOneLine(t, res.stderr, "login of an MFA user", "SMS", "biot-agent login --code-stdin")
	st, _ := w.status()
	if !st.MFAPending {
		t.Errorf("status after the first step: mfaPending is false, want true")
	}

	code := w.sim.LastSMSCode(bo)
	if code == "" {
		t.Fatal("the simulator sent no SMS code")
	}
	w.secrets.add("the SMS code", code)
	res = w.run(code+"\n", "login", "--code-stdin")
	wantExit(t, res, 0, "login --code-stdin")
	wantOneLine(t, res.stderr, "login --code-stdin", "Signed in as "+bo)
	w.wantSelf(w.token(), bo)
	if s := w.sim.Stats(); s.MFALogins != 1 || s.SMSSent != 1 {
		t.Errorf("BioT saw %d MFA sign-ins and sent %d codes, want 1 and 1", s.MFALogins, s.SMSSent)
	}
}

func TestRefusedSignInsSayWhyInOneLineAndAreNeverRetried(t *testing.T) {
	t.Parallel()
	users := []biotsim.User{
		{Username: "cy@example.com", Password: "cy-right-password"},
		{Username: "di@example.com", Password: "di-password-0b3", LockedMinutes: 17},
		{Username: "ed@example.com", Password: "ed-password-9d1", PasswordResetRequired: true},
	}
	w := newWorld(t, worldOptions{sim: &biotsim.Options{Users: users}})
	w.secrets.add("a wrong password", "cy-wrong-password")
	w.startAgent()

	tests := []struct {
		name, username, password string
		want                     []string
	}{
		{"wrong password", "cy@example.com", "cy-wrong-password", []string{"wrong"}},
		{"locked, with minutes left", "di@example.com", "di-password-0b3", []string{"locked", "17 minutes"}},
		{"password reset required", "ed@example.com", "ed-password-9d1", []string{"new password", "ed@example.com"}},
	}
	for _, tt := range tests {
		// In sequence: each counts BioT's login requests before and after.
		t.Run(tt.name, func(t *testing.T) {
			before := w.sim.Stats().ByPath[biotsim.PathLogin]
			res := w.login(tt.username, tt.password)
			wantExit(t, res, 3, "login")
			wantOneLine(t, res.stderr, "login", tt.want...)
			if !strings.HasPrefix(res.stderr, "biot-agent: ") {
				t.Errorf("login said %q, want it to start with \"biot-agent: \"", res.stderr)
			}
			if n := w.sim.Stats().ByPath[biotsim.PathLogin] - before; n != 1 {
				t.Errorf("BioT saw %d login requests, want exactly 1", n)
			}
		})
	}
	st, _ := w.status()
	if st.State != "signed_out" {
		t.Errorf("after three refused sign-ins the state is %q, want signed_out", st.State)
	}
	if n := w.sim.Stats().ByPath[biotsim.PathLogin]; n != len(tests) {
		t.Errorf("BioT saw %d login requests in all, want %d: a refused sign-in was retried", n, len(tests))
	}
}
