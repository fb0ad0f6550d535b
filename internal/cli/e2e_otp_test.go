package cli_test

import (
	"context"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
)

// A user whose credentialType is OTP: no password, the phone is the
// username, and BioT sends a code to it at each sign-in. The simulator
// masks the phone as BioT's pages do.
const (
	otpPhone  = "+15555550142"
	otpMasked = "+*******0142"
)

func otpSim() *biotsim.Options {
	return &biotsim.Options{Users: []biotsim.User{{Username: otpPhone, OTP: true}}}
}

// smsCode is the code BioT sent last to the phone, registered with the
// leak check: from here on it must be in no output, file, argument or
// environment.
func (w *world) smsCode(phone string) string {
	w.t.Helper()
	code := w.sim.LastSMSCode(phone)
	if code == "" {
		w.t.Fatalf("BioT sent no code to %s", phone)
	}
	w.secrets.add("an SMS code sent to "+phone, code)
	return code
}

// wantNoSecretInProcess fails the test if the running process's command
// line or environment holds a secret the test saw.
func (w *world) wantNoSecretInProcess(pid int, what string) {
	w.t.Helper()
	for _, f := range []string{"cmdline", "environ"} {
		b, err := os.ReadFile(filepath.Join("/proc", strconv.Itoa(pid), f))
		if err != nil {
			w.t.Logf("no /proc to read the %s's %s from: %v", what, f, err)
			continue
		}
		if found := w.secrets.in(string(b)); len(found) > 0 {
			w.t.Errorf("the %s's %s holds %s", what, f, strings.Join(found, ", "))
		}
	}
}

// TestCodeSignInByCLI signs in a user without a password from the command
// line, as a script does: in one go (--phone, then the code on standard
// input once BioT sent it), and in two steps (--phone without a terminal,
// then --code-stdin). Where the code went is said, a phone BioT does not
// know is refused in one line, and --phone with a password is a usage
// error.
func TestCodeSignInByCLI(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: otpSim()})
	a := w.startAgent()

	// In one go. The code reaches standard input through a pipe the test
	// writes to only once BioT sent it, as a script reading the SMS would.
	p, line, pipe := w.loginByCodeThroughAPipe()
	waitFor(t, 10*time.Second, "login to say where BioT sent the code", func() bool {
		return strings.Contains(p.stderr.String(), "BioT sent a sign-in code to "+otpMasked)
	})
	code := w.smsCode(otpPhone)
	if _, err := io.WriteString(pipe, code+"\n"); err != nil {
		t.Fatal(err)
	}
	pipe.Close()
	res := p.wait()
	wantExit(t, res, 0, line)
	if !strings.Contains(res.stderr, "Signed in as "+otpPhone) {
		t.Errorf("%s said %q, want \"Signed in as %s\"", line, res.stderr, otpPhone)
	}
	w.wantSelf(w.token(), otpPhone)
	wantExit(t, w.run("", "logout"), 0, "logout")

	// In two steps, without a terminal: the first asks for the code and
	// says how to finish; status shows the sign-in waiting.
	res = w.run("", "login", "--phone", otpPhone)
	wantExit(t, res, 3, "login --phone without a terminal")
	wantOneLine(t, res.stderr, "login --phone without a terminal", otpMasked, "biot-agent login --code-stdin")
	st, _ := w.status()
	if !st.MFAPending || st.State != "signed_out" {
		t.Errorf("status while the code is pending: %s, mfaPending %v; want signed_out and true", st.State, st.MFAPending)
	}
	res = w.run("", "status")
	wantExit(t, res, 3, "status while the code is pending")
	if !strings.Contains(res.stdout, "waits for the code sent to "+otpMasked) || !strings.Contains(res.stdout, "--code-stdin") {
		t.Errorf("status printed\n%s\nwant it to say a sign-in waits for the code sent to %s and how to finish it", res.stdout, otpMasked)
	}
	res = w.run(w.smsCode(otpPhone)+"\n", "login", "--code-stdin")
	wantExit(t, res, 0, "login --code-stdin")
	wantOneLine(t, res.stderr, "login --code-stdin", "Signed in as "+otpPhone)
	w.wantSelf(w.token(), otpPhone)

	// A phone BioT sends no code to, and --phone with a password.
	res = w.run("", "login", "--phone", "+15555550199")
	wantExit(t, res, 3, "login --phone with an unknown phone")
	wantOneLine(t, res.stderr, "login --phone with an unknown phone", "+15555550199", "international form")
	for _, args := range [][]string{
		{"login", "--phone", otpPhone, "--username", "ana@example.com"},
		{"login", "--phone", otpPhone, "--password-stdin"},
	} {
		res = w.run("", args...)
		wantExit(t, res, 2, strings.Join(args, " "))
		wantOneLine(t, res.stderr, strings.Join(args, " "), "--phone", "password")
	}
	if s := w.sim.Stats(); s.OTPSent != 2 || s.OTPLogins != 2 || s.OTPRejected != 0 {
		t.Errorf("BioT sent %d codes, took %d and refused %d; want 2, 2 and 0 (the unknown phone gets none)", s.OTPSent, s.OTPLogins, s.OTPRejected)
	}
	w.wantNoSecretInProcess(a.pid(), "agent")
}

// loginByCodeThroughAPipe starts `login --phone otpPhone --code-stdin` with
// its standard input a named pipe the test writes the code into once BioT
// sent it, as a script reading the SMS would; it answers the command, its
// line, and the pipe's write end.
func (w *world) loginByCodeThroughAPipe() (*proc, string, *os.File) {
	w.t.Helper()
	fifo := filepath.Join(w.dir, "code.fifo")
	if err := syscall.Mkfifo(fifo, 0o600); err != nil {
		w.t.Fatal(err)
	}
	line := "biot-agent login --phone " + otpPhone + " --code-stdin < " + fifo
	p := w.startCmd(line, exec.Command("sh", "-c", "exec "+line), w.env, "")
	return p, line, openWriter(w.t, fifo)
}

// openWriter opens the write end of the named pipe at path, which blocks
// until a reader opens it, for at most 10 s.
func openWriter(t *testing.T, path string) *os.File {
	t.Helper()
	type opened struct {
		f   *os.File
		err error
	}
	ch := make(chan opened, 1)
	go func() {
		f, err := os.OpenFile(path, os.O_WRONLY, 0)
		ch <- opened{f, err}
	}()
	timer := time.NewTimer(10 * time.Second)
	defer timer.Stop()
	select {
	case o := <-ch:
		if o.err != nil {
			t.Fatal(o.err)
		}
		t.Cleanup(func() { o.f.Close() })
		return o.f
	case <-timer.C:
		t.Fatalf("nobody opened %s for reading in 10 s", path)
		return nil
	}
}

// socketClient talks HTTP to the agent's Unix socket, as curl
// --unix-socket does.
func socketClient(path string) *http.Client {
	return &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			var d net.Dialer
			return d.DialContext(ctx, "unix", path)
		},
	}}
}

// loginAnswer is what POST /v1/login answers, in the fields these tests
// look at.
type loginAnswer struct {
	State      string `json:"state"`
	Username   string `json:"username"`
	MFAPending bool   `json:"mfaPending"`
	CodeSentTo string `json:"codeSentTo"`
	Error      *struct {
		Code    string `json:"code"`
		Message string `json:"message"`
	} `json:"error"`
}

// postLogin sends body to POST /v1/login on the socket and decodes the
// answer.
func (w *world) postLogin(hc *http.Client, body string) (int, loginAnswer, string) {
	w.t.Helper()
	req, err := http.NewRequestWithContext(w.ctx(), http.MethodPost, "http://biot-agent/v1/login", strings.NewReader(body))
	if err != nil {
		w.t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/json")
	resp, err := hc.Do(req)
	if err != nil {
		w.t.Fatalf("POST /v1/login: %v", err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		w.t.Fatal(err)
	}
	w.mu.Lock()
	w.outputs = append(w.outputs, output{"the answer to POST /v1/login", func() string { return string(raw) }})
	w.mu.Unlock()
	var ans loginAnswer
	if err := json.Unmarshal(raw, &ans); err != nil {
		w.t.Fatalf("POST /v1/login answered %d %q: not JSON (%v)", resp.StatusCode, raw, err)
	}
	return resp.StatusCode, ans, string(raw)
}

// TestCodeSignInBySocketResendAndRefresh signs in a user without a password
// through the socket, as a program would: {"phone"} answers the status
// with the sign-in pending and where the code went; {"resend":true} makes
// BioT send a new code, which replaces the old (the old is refused, the
// new signs in). The session then refreshes like any other: past the
// access token's lifetime the token is a new one and BioT takes it.
func TestCodeSignInBySocketResendAndRefresh(t *testing.T) {
	t.Parallel()
	cfg := otpSim()
	cfg.AccessTTL = 2 * time.Second
	w := newWorld(t, worldOptions{sim: cfg})
	a := w.startAgent()
	hc := socketClient(w.socket())
	defer hc.CloseIdleConnections()

	status, ans, raw := w.postLogin(hc, `{"phone":"`+otpPhone+`"}`)
	if status != 200 || !ans.MFAPending || ans.State != "signed_out" || ans.CodeSentTo != otpMasked {
		t.Fatalf(`{"phone"} answered %d %s; want 200, signed_out, mfaPending and codeSentTo %q`, status, raw, otpMasked)
	}
	old := w.smsCode(otpPhone)

	// A new code; the simulator draws each at random, so ask again in the
	// rare case it drew the same one.
	fresh := old
	for i := 0; fresh == old && i < 3; i++ {
		if status, _, raw := w.postLogin(hc, `{"resend":true}`); status != 200 {
			t.Fatalf(`{"resend":true} answered %d %s, want 200`, status, raw)
		}
		fresh = w.smsCode(otpPhone)
	}
	if s := w.sim.Stats(); s.OTPSent < 2 {
		t.Fatalf("BioT sent %d codes after a resend, want 2", s.OTPSent)
	}
	status, ans, raw = w.postLogin(hc, `{"code":"`+old+`"}`)
	if status != 401 || ans.Error == nil || ans.Error.Code != "login_failed" || !strings.Contains(ans.Error.Message, otpMasked) {
		t.Fatalf("the replaced code answered %d %s; want 401 login_failed naming %s", status, raw, otpMasked)
	}
	status, ans, raw = w.postLogin(hc, `{"code":"`+fresh+`"}`)
	if status != 200 || ans.State != "signed_in" || ans.Username != otpPhone || ans.MFAPending {
		t.Fatalf("the new code answered %d %s; want 200, signed in as %s", status, raw, otpPhone)
	}
	first := w.token()
	w.wantSelf(first, otpPhone)

	// Past the access token's lifetime: a refresh, a new token BioT takes.
	waitFor(t, 10*time.Second, "a refresh", func() bool { return w.sim.Stats().Refreshes >= 1 })
	waitFor(t, 10*time.Second, "the first token to expire", func() bool {
		code, _ := w.self(first)
		return code == http.StatusUnauthorized
	})
	next := w.token()
	if next == first {
		t.Errorf("token printed the first token after it expired")
	}
	w.wantSelf(next, otpPhone)
	if s := w.sim.Stats(); s.OTPLogins != 1 || s.RefreshReuse != 0 {
		t.Errorf("BioT saw %d code sign-ins and %d reused refresh tokens, want 1 and 0", s.OTPLogins, s.RefreshReuse)
	}
	w.wantNoSecretInProcess(a.pid(), "agent")
}

// TestAnExpiredCodeSaysSoAndTheSignInStartsOver: a code used after its
// lifetime (BioT's clock moved past it) is refused in words that say it
// may have expired, nothing is sent again on its own, and a new sign-in
// by phone then works.
func TestAnExpiredCodeSaysSoAndTheSignInStartsOver(t *testing.T) {
	t.Parallel()
	var ahead atomic.Int64 // how far BioT's clock is ahead of the real one
	cfg := otpSim()
	cfg.MFATTL = time.Minute
	cfg.Now = func() time.Time { return time.Now().Add(time.Duration(ahead.Load())) }
	w := newWorld(t, worldOptions{sim: cfg})
	w.startAgent()

	res := w.run("", "login", "--phone", otpPhone)
	wantExit(t, res, 3, "login --phone")
	code := w.smsCode(otpPhone)
	ahead.Store(int64(2 * time.Minute))

	res = w.run(code, "login", "--code-stdin")
	wantExit(t, res, 3, "login --code-stdin with an expired code")
	wantOneLine(t, res.stderr, "login --code-stdin with an expired code", "expired", otpMasked)
	if s := w.sim.Stats(); s.OTPRejected != 1 || s.OTPSent != 1 {
		t.Errorf("BioT refused %d codes and sent %d, want 1 and 1: nothing is tried again on its own", s.OTPRejected, s.OTPSent)
	}

	// Start over: a new code, read from standard input in one go.
	p, line, pipe := w.loginByCodeThroughAPipe()
	waitFor(t, 10*time.Second, "BioT to send a second code", func() bool { return w.sim.Stats().OTPSent == 2 })
	if _, err := io.WriteString(pipe, w.smsCode(otpPhone)); err != nil {
		t.Fatal(err)
	}
	pipe.Close()
	res = p.wait()
	wantExit(t, res, 0, line)
	if !strings.Contains(res.stderr, "Signed in as "+otpPhone) {
		t.Errorf("%s said %q, want \"Signed in as %s\"", line, res.stderr, otpPhone)
	}
	w.wantSelf(w.token(), otpPhone)
}

// typeLine types s and Enter on the terminal.
func typeLine(t *testing.T, tty io.Writer, s string) {
	t.Helper()
	if _, err := io.WriteString(tty, s+"\n"); err != nil {
		t.Fatalf("typing on the terminal: %v", err)
	}
}

// drain reads what the terminal shows (the echo of what is typed) so it
// never fills up; the returned channel closes when the terminal closes.
func drain(r io.Reader) <-chan struct{} {
	done := make(chan struct{})
	go func() {
		defer close(done)
		_, _ = io.Copy(io.Discard, r)
	}()
	return done
}

// TestDemoUserWithoutAPassword types the demo's printed line for its user
// without a password, then the code the demo printed for it, as the README
// shows. (The demo prints its simulated SMS, code included, by design: the
// code is not one of the world's secrets.)
func TestDemoUserWithoutAPassword(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	demo := w.startAgentWith(w.env, "demo", "--headless")
	waitFor(t, 10*time.Second, "the demo's instructions", func() bool {
		return strings.Contains(demo.stdout.String(), "Ctrl-C ends the demo")
	})
	login := printedLineWith(t, demo.stdout.String(), " login --phone ")
	res := w.sh(login)
	wantExit(t, res, 3, login+" (no terminal)")
	wantOneLine(t, res.stderr, login, "BioT sent a sign-in code to +*******0142", "--code-stdin")

	var code string
	waitFor(t, 10*time.Second, "the demo to print the code", func() bool {
		_, after, ok := strings.Cut(demo.stderr.String(), "your BioT code is ")
		if ok && len(after) >= 6 {
			code = after[:6]
		}
		return code != ""
	})
	res = w.run(code, "login", "--code-stdin")
	wantExit(t, res, 0, "login --code-stdin with the demo's code")
	wantOneLine(t, res.stderr, "login --code-stdin", "Signed in as +15555550142")
	w.token() // so the leak check knows the demo's token
}
