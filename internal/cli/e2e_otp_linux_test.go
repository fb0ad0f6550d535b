package cli_test

import (
	"fmt"
	"os"
	"os/exec"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/sys/unix"
)

// openPTY opens a new pseudo-terminal: the side a person types on, and the
// path of the side a program reads as its terminal.
func openPTY(t *testing.T) (person *os.File, ttyPath string) {
	t.Helper()
	m, err := os.OpenFile("/dev/ptmx", os.O_RDWR|syscall.O_NOCTTY, 0)
	if err != nil {
		t.Fatalf("no pseudo-terminal to type on: %v", err)
	}
	t.Cleanup(func() { m.Close() })
	if err := unix.IoctlSetPointerInt(int(m.Fd()), unix.TIOCSPTLCK, 0); err != nil {
		t.Fatalf("unlocking the pseudo-terminal: %v", err)
	}
	n, err := unix.IoctlGetInt(int(m.Fd()), unix.TIOCGPTN)
	if err != nil {
		t.Fatalf("naming the pseudo-terminal: %v", err)
	}
	return m, fmt.Sprintf("/dev/pts/%d", n)
}

// TestCodeSignInOnATerminal is a person at a terminal: login --phone says
// where the code went and asks for it; a wrong code is said and asked again
// (nothing sent to BioT on its own); Enter alone makes BioT send a new code,
// saying so; the new code signs in.
func TestCodeSignInOnATerminal(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: otpSim()})
	w.startAgent()
	person, tty := openPTY(t)
	shown := drain(person)

	const prompt = "Code (Enter alone sends a new one): "
	line := "biot-agent login --phone " + otpPhone + " < " + tty
	p := w.startCmd(line, exec.Command("sh", "-c", "exec "+line), w.env, "")
	asked := func(n int, what string) {
		t.Helper()
		waitFor(t, 10*time.Second, what, func() bool {
			if p.exited() {
				t.Fatalf("%s exited while the test waited for %s: %+v", line, what, p.res)
			}
			return strings.Count(p.stderr.String(), prompt) == n
		})
	}
	asked(1, "the first question for the code")
	if !strings.Contains(p.stderr.String(), "BioT sent a sign-in code to "+otpMasked) {
		t.Errorf("login said %q before asking, want it to say where the code went (%s)", p.stderr, otpMasked)
	}
	first := w.smsCode(otpPhone)
	wrong := "000000"
	if wrong == first {
		wrong = "000001"
	}
	w.secrets.add("a wrong SMS code", wrong)
	typeLine(t, person, wrong)
	asked(2, "the question again after a wrong code")
	if after := p.stderr.String(); !strings.Contains(after, "did not accept the code sent to "+otpMasked) {
		t.Errorf("after a wrong code login said %q, want it to say BioT did not accept it", after)
	}
	if s := w.sim.Stats(); s.OTPRejected != 1 || s.OTPSent != 1 {
		t.Errorf("after a wrong code BioT refused %d and sent %d codes, want 1 and 1", s.OTPRejected, s.OTPSent)
	}

	typeLine(t, person, "")
	asked(3, "the question after asking for a new code")
	if after := p.stderr.String(); !strings.Contains(after, "new code to "+otpMasked) {
		t.Errorf("after Enter alone login said %q, want it to say a new code was sent", after)
	}
	if s := w.sim.Stats(); s.OTPSent != 2 {
		t.Errorf("after Enter alone BioT sent %d codes, want 2", s.OTPSent)
	}
	typeLine(t, person, w.smsCode(otpPhone))
	res := p.wait()
	wantExit(t, res, 0, line)
	if !strings.Contains(res.stderr, "Signed in as "+otpPhone) {
		t.Errorf("%s said %q, want \"Signed in as %s\"", line, res.stderr, otpPhone)
	}
	w.wantSelf(w.token(), otpPhone)
	if s := w.sim.Stats(); s.OTPLogins != 1 || s.OTPRejected != 1 {
		t.Errorf("BioT saw %d code sign-ins and %d refused codes, want 1 and 1", s.OTPLogins, s.OTPRejected)
	}
	person.Close()
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Error("the terminal was still read 5 s after it closed")
	}
}

// TestPhoneTypedAsUsernameSignsInWithACode: a person who has no password
// runs plain `biot-agent login` and types their phone number where it asks
// for the username, as they would on BioT's own page: login asks BioT for
// a code instead of a password they do not have.
func TestPhoneTypedAsUsernameSignsInWithACode(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: otpSim()})
	w.startAgent()
	person, tty := openPTY(t)
	shown := drain(person)

	line := "biot-agent login < " + tty
	p := w.startCmd(line, exec.Command("sh", "-c", "exec "+line), w.env, "")
	waitFor(t, 10*time.Second, "the question for the username", func() bool {
		return strings.Contains(p.stderr.String(), "BioT username: ") || p.exited()
	})
	typeLine(t, person, otpPhone)
	waitFor(t, 10*time.Second, "the question for the code", func() bool {
		if p.exited() {
			t.Fatalf("%s exited: %+v", line, p.res)
		}
		return strings.Contains(p.stderr.String(), "Code (Enter alone sends a new one): ")
	})
	if s := p.stderr.String(); strings.Contains(s, "Password") || !strings.Contains(s, "BioT sent a sign-in code to "+otpMasked) {
		t.Errorf("after a phone number as username login said %q; want the code sent to %s, no password asked", s, otpMasked)
	}
	typeLine(t, person, w.smsCode(otpPhone))
	res := p.wait()
	wantExit(t, res, 0, line)
	w.wantSelf(w.token(), otpPhone)
	person.Close()
	select {
	case <-shown:
	case <-time.After(5 * time.Second):
		t.Error("the terminal was still read 5 s after it closed")
	}
}
