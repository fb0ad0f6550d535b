package cli_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"io"
	"net/http"
	"net/http/cookiejar"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/ipc"
)

// TestProgramsTheTrayStartsGetNoSecretInTheirArguments runs the real agent
// with its tray on a private desktop, with a $BROWSER and a clipboard tool
// (xclip, first in PATH) that record their own /proc/self/cmdline and
// environment: what `ps` shows every user of the machine. "Sign in…" gives
// the browser the sign-in page's URL and nothing else: one argument, on
// 127.0.0.1 with its one-time path. Signing in on that page sends the
// password in the POST body only. "Copy access token" gives xclip the
// token on its standard input and only "-selection clipboard" as
// arguments. Neither program's command line or environment, nor any
// notification, holds a token or the password; nor does the command line
// of the child "biot-agent exec" runs.
func TestProgramsTheTrayStartsGetNoSecretInTheirArguments(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim(), desktop: "need"})
	bus := desktoptest.SessionBus(t)
	desktoptest.SecretService(t, bus)
	watcher := desktoptest.NewWatcher(t, bus)
	notes := desktoptest.NewNotificationServer(t, bus)

	records := filepath.Join(w.dir, "records") // outside the folders the leak check reads
	if err := os.Mkdir(records, 0o700); err != nil {
		t.Fatal(err)
	}
	fakeBin := filepath.Join(w.dir, "bin")
	if err := os.Mkdir(fakeBin, 0o700); err != nil {
		t.Fatal(err)
	}
	// Each program writes what anyone could read of it while it runs, and
	// xclip a digest of what it was given on stdin.
	const record = `n=$(date +%s%N)
tr '\0' '\n' < /proc/$$/cmdline > "$R/$P.$n.cmdline.part" && mv "$R/$P.$n.cmdline.part" "$R/$P.$n.cmdline"
tr '\0' '\n' < /proc/$$/environ > "$R/$P.$n.environ.part" && mv "$R/$P.$n.environ.part" "$R/$P.$n.environ"
`
	browser := filepath.Join(fakeBin, "browser")
	writeScript(t, browser, "#!/bin/sh\nR="+records+" P=browser\n"+record)
	writeScript(t, filepath.Join(fakeBin, "xclip"), "#!/bin/sh\nR="+records+" P=xclip\n"+record+
		`sha256sum | cut -d' ' -f1 > "$R/$P.$n.stdin.part" && mv "$R/$P.$n.stdin.part" "$R/$P.$n.stdin"`+"\n")

	w.env = w.with(
		"DBUS_SESSION_BUS_ADDRESS="+bus.Address,
		"BROWSER="+browser,
		"PATH="+fakeBin+string(os.PathListSeparator)+binDir+string(os.PathListSeparator)+os.Getenv("PATH"),
		"WAYLAND_DISPLAY=", // xclip first
	)
	args := []string{"run", "--url", w.sim.URL()}
	a := &agentProc{
		proc:   w.startCmd("biot-agent "+strings.Join(args, " "), exec.Command(plainBinary(t), args...), w.env, ""),
		client: ipc.NewClient(w.socket()),
	}
	t.Cleanup(func() { a.stop() })
	a.waitReady()
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	it, err := watcher.WaitForItem(ctx)
	if err != nil {
		t.Fatal(err)
	}

	argvClick(t, ctx, it, "Sign in…")
	bargv, benv := argvRecord(t, records, "browser")
	if len(bargv) != 3 || bargv[1] != browser {
		t.Fatalf("the browser ran as %q, want sh, the script and the URL alone", bargv)
	}
	page := bargv[2]
	w.secrets.add("the sign-in page's URL", page)
	if !regexp.MustCompile(`^http://127\.0\.0\.1:[0-9]+/[A-Za-z0-9_-]{43}/$`).MatchString(page) {
		t.Errorf("the browser was given %q, want http://127.0.0.1:<port>/<one-time path>/", page)
	}
	argvSignIn(t, page, ana, anaPW)
	a.waitStatus(20*time.Second, "signed_in", func(st ipc.StatusResponse) bool { return st.State == ipc.StateSignedIn })
	tok := w.token()

	argvClick(t, ctx, it, "Copy access token")
	xargv, xenv := argvRecord(t, records, "xclip")
	if want := []string{"/bin/sh", filepath.Join(fakeBin, "xclip"), "-selection", "clipboard"}; strings.Join(xargv, " ") != strings.Join(want, " ") {
		t.Errorf("xclip ran as %q, want %q", xargv, want)
	}
	t.Logf("the browser ran with %d arguments, xclip as %q", len(bargv)-1, xargv)
	var digest string
	waitFor(t, 20*time.Second, "xclip to read its standard input", func() bool {
		var err error
		digest, err = readOne(records, "xclip", ".stdin")
		return err == nil
	})
	if sum := sha256.Sum256([]byte(tok)); strings.TrimSpace(digest) != hex.EncodeToString(sum[:]) {
		t.Errorf("xclip's standard input was not the access token")
	}

	for what, text := range map[string]string{
		"the browser's command line": strings.Join(bargv[:2], "\n"), // its URL is the page, by design
		"the browser's environment":  strings.Join(benv, "\n"),
		"xclip's command line":       strings.Join(xargv, "\n"),
		"xclip's environment":        strings.Join(xenv, "\n"),
	} {
		if found := w.secrets.in(text); len(found) > 0 {
			t.Errorf("%s holds %s", what, strings.Join(found, ", "))
		}
	}
	// And the command "biot-agent exec" runs: the token is in its
	// environment, as documented, never on its command line.
	res := w.run("", "exec", "--", "sh", "-c", `tr '\0' ' ' < /proc/$$/cmdline`)
	wantExit(t, res, 0, "exec printing its child's command line")
	if found := w.secrets.in(res.stdout); len(found) > 0 || !strings.HasPrefix(res.stdout, "sh -c ") {
		t.Errorf("exec's child ran as %q, holding %v", res.stdout, found)
	}
	for _, n := range notes.Recorded() {
		if found := w.secrets.in(n.Summary + "\n" + n.Body); len(found) > 0 {
			t.Errorf("the notification %q holds %s", n.Summary, strings.Join(found, ", "))
		}
	}
}

func writeScript(t *testing.T, path, text string) {
	t.Helper()
	if err := os.WriteFile(path, []byte(text), 0o755); err != nil {
		t.Fatal(err)
	}
}

// argvClick clicks the menu item labelled label once it is enabled.
func argvClick(t *testing.T, ctx context.Context, it *desktoptest.Item, label string) {
	t.Helper()
	var id int32
	waitFor(t, 20*time.Second, "an enabled "+label+" in the tray menu", func() bool {
		m, err := it.Menu(ctx)
		if err != nil {
			return false
		}
		mi, ok := m.Find(label)
		id = mi.ID
		return ok && mi.Enabled
	})
	if err := it.Click(ctx, id); err != nil {
		t.Fatal(err)
	}
}

// argvRecord waits for the one run of program and answers its command line
// and environment, as it read them from /proc.
func argvRecord(t *testing.T, dir, program string) (argv, env []string) {
	t.Helper()
	var cmdline, environ string
	waitFor(t, 20*time.Second, program+" to run", func() bool {
		var err error
		if environ, err = readOne(dir, program, ".environ"); err != nil {
			return false // the environment is written last
		}
		cmdline, err = readOne(dir, program, ".cmdline")
		return err == nil
	})
	return strings.Split(strings.TrimSuffix(cmdline, "\n"), "\n"), strings.Split(environ, "\n")
}

// readOne reads the one record of program with suffix, failing when the
// program ran more than once.
func readOne(dir, program, suffix string) (string, error) {
	m, err := filepath.Glob(filepath.Join(dir, program+".*"+suffix))
	if err != nil || len(m) == 0 {
		return "", os.ErrNotExist
	}
	if len(m) > 1 {
		return "", io.ErrShortBuffer // more than one run: the caller waits on
	}
	b, err := os.ReadFile(m[0])
	return string(b), err
}

// argvSignIn signs in on the sign-in page as a browser would: the page,
// its CSRF field and cookie, the form posted to the page itself.
func argvSignIn(t *testing.T, page, username, password string) {
	t.Helper()
	jar, err := cookiejar.New(nil)
	if err != nil {
		t.Fatal(err)
	}
	c := &http.Client{Jar: jar, Timeout: 30 * time.Second}
	resp, err := c.Get(page)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	m := regexp.MustCompile(`name="csrf" value="([^"]+)"`).FindSubmatch(body)
	if resp.StatusCode != http.StatusOK || m == nil {
		t.Fatalf("the sign-in page answered %d without a form:\n%s", resp.StatusCode, body)
	}
	form := url.Values{"action": {"password"}, "username": {username}, "password": {password}, "csrf": {string(m[1])}}
	req, err := http.NewRequest(http.MethodPost, page, strings.NewReader(form.Encode()))
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
	u, err := url.Parse(page)
	if err != nil {
		t.Fatal(err)
	}
	req.Header.Set("Origin", u.Scheme+"://"+u.Host)
	resp, err = c.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK || strings.Contains(string(body), password) {
		t.Fatalf("signing in on the page answered %d:\n%s", resp.StatusCode, body)
	}
}

// plainBinary is biot-agent built without the race detector when the
// tests run with it: fyne.io/systray has data races of its own, which
// would fail the agent's clean exit (the tray's own tests cover it under
// -race). Without -race it is the package's binary.
func plainBinary(t *testing.T) string {
	t.Helper()
	if !raceEnabled {
		return binary
	}
	out := filepath.Join(t.TempDir(), "biot-agent")
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	if b, err := exec.CommandContext(ctx, "go", "build", "-o", out, "biot-agent").CombinedOutput(); err != nil {
		t.Fatalf("go build biot-agent without -race: %v\n%s", err, b)
	}
	return out
}

// TestServiceSecretKeyIsInNoProcessArgvOrEnvironment gives the agent a
// service user's secret key the riskiest way, in
// BIOT_SERVICE_USER_SECRET_KEY, as a CI job's step does, and runs
// `biot-agent exec` from a shell that has it too. While the agent and the
// command exec runs are alive, no process of the machine has the key in
// its command line or its environment (/proc/*/cmdline, /proc/*/environ):
// not the agent, which took it out of its own environment, nor exec's
// child, which gets a token instead. The world's leak check then reads the
// agent's log, every output and every file under the home, XDG and
// temporary folders for it.
func TestServiceSecretKeyIsInNoProcessArgvOrEnvironment(t *testing.T) {
	t.Parallel()
	const (
		id     = "9a8b7c6d-5e4f-4a3b-8c2d-1e0f9a8b7c6d"
		secret = "svc-Argv-environ-key-4d3c2b1a0f"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", secret)
	w.writeConfig("[environments.svc]\nurl = \"" + w.sim.URL() + "\"\nservice_user_id = \"" + id + "\"\n")
	job := w.with("BIOT_SERVICE_USER_SECRET_KEY=" + secret)
	a := w.startAgentWith(job, "run", "--headless")
	w.token()
	if st := w.sim.Stats(); st.ServiceSignIns != 1 {
		t.Fatalf("%d service sign-ins with the key from the variable, want 1", st.ServiceSignIns)
	}

	// exec's child waits, so that it is alive while /proc is read, until
	// the test lets it go.
	records := filepath.Join(w.dir, "records") // outside the folders the leak check reads
	if err := os.Mkdir(records, 0o700); err != nil {
		t.Fatal(err)
	}
	child := w.startCmd("biot-agent exec -- sh", exec.Command(binary, "exec", "--", "sh", "-c",
		`echo $$ > "$R/pid.part" && mv "$R/pid.part" "$R/pid"; while [ ! -e "$R/go" ]; do sleep 0.05; done`),
		append(job, "R="+records), "")
	var childPid string
	waitFor(t, 20*time.Second, "exec's child to start", func() bool {
		b, err := os.ReadFile(filepath.Join(records, "pid"))
		childPid = strings.TrimSpace(string(b))
		return err == nil
	})
	childEnv, err := os.ReadFile(filepath.Join("/proc", childPid, "environ"))
	if err != nil {
		t.Skipf("no /proc to read processes' command lines and environments from: %v", err)
	}
	if !strings.Contains(string(childEnv), "BIOT_TOKEN=") {
		t.Errorf("exec's child has no BIOT_TOKEN in its environment: is it the child?")
	}
	// exec itself was given the key by its caller, as a CI step's
	// programs are: its environment is the caller's business. Its child's
	// is exec's.
	found, checked, _ := procLeaks(secret, child.cmd.Process.Pid)
	if len(found) > 0 {
		t.Errorf("the service user's secret key is in %s", strings.Join(found, "; "))
	}
	t.Logf("read the command line and environment of %d processes, the agent (pid %d) and exec's child (pid %s) among them", checked, a.pid(), childPid)
	if err := os.WriteFile(filepath.Join(records, "go"), nil, 0o600); err != nil {
		t.Fatal(err)
	}
	wantExit(t, child.wait(), 0, "biot-agent exec -- sh")
}
