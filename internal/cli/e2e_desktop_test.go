package cli_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"biot-agent/assets"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"
	"biot-agent/ipc"
)

// TestDesktopSignInNotifyAndSignOut is a person's day with the real binary
// on a desktop: the tray icon and its menu (read and clicked through
// com.canonical.dbusmenu, as a panel does), the sign-in page in a real
// browser (Debian's chromium), a desktop notification with a "Sign in"
// button when BioT ends the session, the panel restarting while scripts
// keep asking for tokens, and "Sign out" from the menu.
//
// The desktop is a private bus of this test's own, with activation off,
// gnome-keyring as the Secret Service, and two doubles: the tray host and
// the notification daemon (package desktoptest), which stand in for a
// panel and dunst because a test must read what they were sent and click
// without a screen. The packaging's screenshots script shows the same
// binary in a real panel.
//
// It does not run in parallel: with chromium, and under -race a build of
// its own, it would starve the other tests of the two cores CI has (their
// TLS handshakes time out); alone, it takes some 15 s.
func TestDesktopSignInNotifyAndSignOut(t *testing.T) {
	begin := time.Now()
	step := func(what string) { t.Logf("%5.1fs %s", time.Since(begin).Seconds(), what) }
	const bo, boPW = "bo@example.com", "bo-password-e2e-71c" // signs in with an SMS code
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		// Short access tokens keep the agent refreshing (every 7 s or so),
		// so it finds out within seconds when BioT ends the session (much
		// shorter, and a slow keyring write eats up a fresh token); a
		// refresh token shorter than the heads-up lead (10 minutes by
		// default) brings the "session ends soon" notification at once.
		AccessTTL:  10 * time.Second,
		RefreshTTL: 5 * time.Minute,
		Users: []biotsim.User{
			{Username: ana, Password: anaPW},
			{Username: bo, Password: boPW, MFAPhone: "+15555550142"},
		},
	}})
	d := newTrayDesktop(t, w)
	browser := chromium(t)
	// Every step has a deadline of its own; this one bounds the D-Bus
	// calls of the whole test.
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	step("no tray host yet")
	// The agent starts before the panel: it says so once, serves anyway,
	// and shows the icon when the panel comes.
	if err := d.watcher.Release(ctx); err != nil {
		t.Fatal(err)
	}
	a := w.startTrayAgent(d, "run", "--url", w.sim.URL()) // the environment "default"
	const noHost = "no tray icon: nothing on this desktop shows tray icons"
	waitFor(t, desktopWait, "the agent to say there is no tray", func() bool { return strings.Contains(a.stderr.String(), noHost) })
	if err := d.watcher.Acquire(ctx); err != nil {
		t.Fatal(err)
	}

	step("signed out")
	// Signed out: the icon registers and the menu's one section, the
	// environment's, offers "Sign in…".
	it := d.item(t, ctx)
	signedOutMenu := []menuLine{
		{"default · signed out", false}, {"Sign in…", true}, {"Sign out", false}, {"Copy access token", false},
		{"Add a BioT environment…", true}, {"Start at login", true}, {"Quit", true}}
	p := d.waitShown(t, ctx, it, assets.SignedOut, signedOutMenu)
	if p.ToolTip != "BioT: default · signed out" {
		t.Errorf("the tooltip says %q, want %q", p.ToolTip, "BioT: default · signed out")
	}

	step("sign in with MFA")
	// "Sign in…" opens the page; chromium signs the MFA user in.
	d.click(t, ctx, it, "Sign in…")
	page := d.page(t, w)
	w.browserSignIn(browser, page, bo, boPW, true)
	w.wantSelf(w.token(), bo)
	signedInMenu := func(who string) []menuLine {
		// "Sign in…" stays on offer: the session ends within the heads-up
		// lead.
		return []menuLine{{"default · " + who + " · signed in until " + hhmm, false}, {"Sign in…", true}, {"Sign out", true},
			{"Copy access token", true}, {"Add a BioT environment…", true}, {"Start at login", true}, {"Quit", true}}
	}
	p = d.waitShown(t, ctx, it, assets.SignedIn, signedInMenu(bo))
	if !strings.HasPrefix(p.ToolTip, "BioT: default · "+bo+" · signed in until ") {
		t.Errorf("the tooltip says %q, want where, who and until when", p.ToolTip)
	}
	headsUp := d.nextNote(t, ctx, "BioT session ends soon: default")
	if !strings.Contains(headsUp.Body, bo+" in default") || !strings.Contains(headsUp.Body, "Sign in again to keep working.") {
		t.Errorf("the heads-up says %q, want whose session where, and what to do", headsUp.Body)
	}
	if n := len(d.keyringItems(t, w)); n != 1 {
		t.Errorf("the keyring holds %d items after sign-in, want 1", n)
	}
	d.refreshTokenFromKeyring(t, w, bo)

	step("BioT ends the session")
	// BioT ends the session. A script asks for tokens throughout: it gets
	// them until the agent learns, then exit 3, and the person gets one
	// notification, not one per request.
	w.sim.RevokeRefreshTokens(bo)
	loop := w.tokenLoopUntilRefused(15)
	n := d.nextNote(t, ctx, "Sign-in needed: default")
	if label, ok := n.ActionLabel("sign-in:default"); !ok || label != "Sign in" || len(n.Actions) != 2 {
		t.Errorf("the notification's actions are %q, want one \"Sign in\" button with key sign-in:default", n.Actions)
	}
	d.waitShown(t, ctx, it, assets.NeedsLogin, []menuLine{
		{"default · " + bo + " · sign-in needed", false}, {"Sign in…", true}, {"Sign out", true}, {"Copy access token", false},
		{"Add a BioT environment…", true}, {"Start at login", true}, {"Quit", true}})
	res := loop.wait()
	wantExit(t, res, 0, "the token loop")
	if codes := strings.Join(strings.Fields(res.stdout), " "); !regexp.MustCompile(`^(0 )*3( 3){14}$`).MatchString(codes) {
		t.Errorf("the token loop's exit codes were %s, want 0s, then 15 times 3", codes)
	}
	d.wantNotes(t, "BioT session ends soon: default", "Sign-in needed: default")

	step("the notification's Sign in")
	// A script that waits for the sign-in, then the notification's button.
	// ActionInvoked reaches every program on the bus: the one for another
	// program's notification must open nothing.
	waiting := w.start(w.env, "", "token", "--wait", "40s")
	waitConnected(t, waiting)
	if err := d.notes.InvokeAction(n.ID+100, "sign-in:default"); err != nil {
		t.Fatal(err)
	}
	if err := d.notes.InvokeAction(n.ID, "sign-in:default"); err != nil {
		t.Fatal(err)
	}
	page = d.page(t, w)
	// Another account this time, one without MFA.
	w.browserSignIn(browser, page, ana, anaPW, false)
	res = waiting.wait()
	wantExit(t, res, 0, "token --wait")
	w.wantSelf(strings.TrimSpace(res.stdout), ana)
	d.waitShown(t, ctx, it, assets.SignedIn, signedInMenu(ana))
	d.nextNote(t, ctx, "BioT session ends soon: default") // a new session, a new heads-up
	d.refreshTokenFromKeyring(t, w, ana)
	select {
	case u := <-d.pages:
		w.secrets.add("a sign-in page's URL", u)
		t.Errorf("the browser opened a second page: another program's ActionInvoked was taken for ours")
	default:
	}

	step("the panel restarts")
	// The panel restarts while a script keeps asking for tokens: every
	// request is served, and the icon comes back with the panel.
	loop = w.tokenLoopUntilStopped()
	loop.waitServed(t, 5)
	d.drainRegistrations()
	if err := d.watcher.Release(ctx); err != nil {
		t.Fatal(err)
	}
	loop.waitServed(t, 10)
	if err := d.watcher.Acquire(ctx); err != nil {
		t.Fatal(err)
	}
	it = d.item(t, ctx)
	d.waitShown(t, ctx, it, assets.SignedIn, signedInMenu(ana))
	loop.waitServed(t, 5)
	loop.stop()
	res = loop.wait()
	wantExit(t, res, 0, "the token loop across the panel's restart")

	step("Sign out")
	// "Sign out": scripts hear signed_out, the keyring item is gone, and no
	// notification comes for what the person did themselves.
	d.click(t, ctx, it, "Sign out")
	d.waitShown(t, ctx, it, assets.SignedOut, signedOutMenu)
	res = w.run("", "token")
	wantExit(t, res, 3, "token after Sign out")
	wantOneLine(t, res.stderr, "token after Sign out", "not signed in")
	if _, err := a.client.TokenString(ctx, ipc.TokenOptions{}); ipcCode(err) != "signed_out" {
		t.Errorf("the socket answered %v after Sign out, want signed_out", err)
	}
	// The agent says signed_out at once and then removes the item and
	// tells BioT.
	waitFor(t, desktopWait, "the keyring item to go after Sign out", func() bool { return len(d.keyringItems(t, w)) == 0 })
	waitFor(t, desktopWait, "BioT to hear of the sign-out", func() bool { return w.sim.Stats().Logouts == 1 })
	d.wantNotes(t, "BioT session ends soon: default", "Sign-in needed: default", "BioT session ends soon: default")
	a.stop()
	if n := strings.Count(a.stderr.String(), noHost); n != 1 {
		t.Errorf("the agent said %d times that there is no tray, want once", n)
	}
	step("done")
}

// desktopWait bounds each wait for what a person would see: most take well
// under a second, and BioT ending a session shows within 8 s (the next
// refresh), but on a loaded machine a TLS handshake alone can take many
// seconds.
const desktopWait = 40 * time.Second

// trayDesktop is the test's private desktop: a bus, a keyring, a tray host,
// a notification daemon, and the browser the agent opens pages with.
type trayDesktop struct {
	bus     *desktoptest.Bus
	keyring *desktoptest.Keyring
	watcher *desktoptest.Watcher
	notes   *desktoptest.NotificationServer
	browser string        // a script that hands the URL it is given to pages
	pages   <-chan string // URLs the agent opened in the "browser"
}

// newTrayDesktop starts the private desktop, and a BROWSER that writes its
// URL into a FIFO which the test reads.
func newTrayDesktop(t *testing.T, w *world) *trayDesktop {
	t.Helper()
	bus := desktoptest.SessionBus(t)
	d := &trayDesktop{
		bus:     bus,
		keyring: desktoptest.SecretService(t, bus),
		watcher: desktoptest.NewWatcher(t, bus),
		notes:   desktoptest.NewNotificationServer(t, bus),
		browser: filepath.Join(w.dir, "browser"),
	}
	fifo := d.browser + ".fifo"
	script := "#!/bin/sh\nprintf '%s\\n' \"$1\" > " + fifo + "\n"
	if err := os.WriteFile(d.browser, []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	d.pages = testkit.FIFOLines(t, fifo)
	return d
}

// startTrayAgent points the world at the test's desktop (its bus and
// browser, for every command from now on) and starts biot-agent with args
// ("run", and what it is to serve) there, with the tray; Cleanup stops it.
func (w *world) startTrayAgent(d *trayDesktop, args ...string) *agentProc {
	w.t.Helper()
	w.env = w.with(
		"DBUS_SESSION_BUS_ADDRESS="+d.bus.Address, // the later one wins
		"BROWSER="+d.browser,
	)
	w.keyring = d.keyring
	a := &agentProc{
		proc:   w.startCmd("biot-agent "+strings.Join(args, " "), exec.Command(trayBinary(w.t), args...), w.env, ""),
		client: ipc.NewClient(w.socket()),
	}
	w.t.Cleanup(func() { a.stop() })
	a.waitReady()
	return a
}

// trayBinary is the binary that runs the tray: the package's, unless the
// tests run with -race. fyne.io/systray has data races of its own (its menu
// refresh writes the layout's revision under one lock while GetLayout reads
// it under another), which would fail the agent's clean exit; so under
// -race the tray runs in a plain build of the same source, made once, next
// to the package's binary (in a folder of binDir, not in the children's
// PATH). The agent's own code stays under the race detector in every other
// test of this package (run --headless) and in package tray's.
func trayBinary(t *testing.T) string {
	t.Helper()
	if !raceEnabled {
		return binary
	}
	trayBuild.once.Do(func() {
		out := filepath.Join(binDir, "plain", "biot-agent")
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
		defer cancel()
		cmd := exec.CommandContext(ctx, "go", "build", "-o", out, "biot-agent")
		var flags []string // GOFLAGS without -race, should it be there
		for _, f := range strings.Fields(os.Getenv("GOFLAGS")) {
			if f != "-race" && f != "-race=true" {
				flags = append(flags, f)
			}
		}
		cmd.Env = append(os.Environ(), "GOFLAGS="+strings.Join(flags, " "))
		if b, err := cmd.CombinedOutput(); err != nil {
			trayBuild.err = fmt.Errorf("go build biot-agent (without -race, for the tray): %w\n%s", err, b)
			return
		}
		trayBuild.path = out
	})
	if trayBuild.err != nil {
		t.Fatal(trayBuild.err)
	}
	return trayBuild.path
}

var trayBuild struct {
	once sync.Once
	path string
	err  error
}

// item waits for the icon to register with the tray host.
func (d *trayDesktop) item(t *testing.T, ctx context.Context) *desktoptest.Item {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, desktopWait)
	defer cancel()
	it, err := d.watcher.WaitForItem(ctx)
	if err != nil {
		t.Fatal(err)
	}
	return it
}

// drainRegistrations forgets the registrations seen so far, so item waits
// for the next one.
func (d *trayDesktop) drainRegistrations() {
	for {
		select {
		case <-d.watcher.Registrations():
		default:
			return
		}
	}
}

// menuLine is what a person sees of one menu item.
type menuLine struct {
	Label   string
	Enabled bool
}

// waitShown waits until the tray shows the icon of state and the menu
// reads want, and answers the item's properties.
func (d *trayDesktop) waitShown(t *testing.T, ctx context.Context, it *desktoptest.Item, state string, want []menuLine) desktoptest.ItemProps {
	t.Helper()
	var p desktoptest.ItemProps
	last := ""
	deadline := time.NewTimer(desktopWait)
	defer deadline.Stop()
	tick := time.NewTicker(pollEvery * 5)
	defer tick.Stop()
	for {
		last = func() string {
			var err error
			if p, err = it.Properties(ctx); err != nil {
				return err.Error()
			}
			m, err := it.Menu(ctx)
			if err != nil {
				return err.Error()
			}
			got := desktoptest.MenuLines[menuLine](m)
			if icon := p.ShownIcon(assets.States, statePNG); icon != state || !menuMatches(got, want) {
				return fmt.Sprintf("icon %q, menu %v", icon, got)
			}
			return ""
		}()
		if last == "" {
			return p
		}
		select {
		case <-deadline.C:
			t.Fatalf("the tray shows %s\nwant icon %q, menu %v", last, state, want)
		case <-tick.C:
		}
	}
}

// hhmm in a wanted menu line stands for the time of day the tray shows
// there ("14:05", or "Mon 7 Dec 14:05" when not today), which moves with
// every refresh.
const hhmm = "HH:MM"

// menuMatches reports whether the menu reads want, hhmm standing for any
// time of day.
func menuMatches(got, want []menuLine) bool {
	if len(got) != len(want) {
		return false
	}
	for i, w := range want {
		pattern := "^" + strings.ReplaceAll(regexp.QuoteMeta(w.Label), hhmm, `(\w{3} \d{1,2} \w{3} )?\d\d:\d\d`) + "$"
		if got[i].Enabled != w.Enabled || !regexp.MustCompile(pattern).MatchString(got[i].Label) {
			return false
		}
	}
	return true
}

// clickIn picks the item labelled label in env's section of the menu (the
// lines from the one that starts with env's name to the next section), as
// a person does.
func (d *trayDesktop) clickIn(t *testing.T, ctx context.Context, it *desktoptest.Item, env, label string) {
	t.Helper()
	mi, err := it.SectionEntry(ctx, env, label)
	if err != nil {
		t.Fatal(err)
	}
	if !mi.Enabled {
		t.Fatalf("%q is disabled in the section of %s", label, env)
	}
	if err := it.Click(ctx, mi.ID); err != nil {
		t.Fatal(err)
	}
}

// click picks the menu item labelled label, as a panel does.
func (d *trayDesktop) click(t *testing.T, ctx context.Context, it *desktoptest.Item, label string) {
	t.Helper()
	mi, err := it.MenuEntry(ctx, label)
	if err != nil {
		t.Fatal(err)
	}
	if !mi.Enabled {
		t.Fatalf("%q is disabled in the menu", label)
	}
	if err := it.Click(ctx, mi.ID); err != nil {
		t.Fatal(err)
	}
}

// statePNG is the icon the tray sets for state, for ShownIcon.
func statePNG(state string) []byte { return assets.PNG(state, 32) }

// page waits for the agent to open a sign-in page in the browser; its URL
// holds a one-time secret, which must appear in no output.
func (d *trayDesktop) page(t *testing.T, w *world) string {
	t.Helper()
	select {
	case u := <-d.pages:
		w.secrets.add("a sign-in page's URL", u)
		if pu, err := url.Parse(u); err != nil || pu.Hostname() != "127.0.0.1" || len(pu.Path) < 40 {
			t.Fatalf("the browser was given %q, want a one-time page on 127.0.0.1", u)
		}
		return u
	case <-time.After(desktopWait):
		t.Fatal("no sign-in page was opened in the browser")
		return ""
	}
}

// nextNote waits for the next notification titled summary, skipping none:
// any other notification first fails the test.
func (d *trayDesktop) nextNote(t *testing.T, ctx context.Context, summary string) desktoptest.Notification {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, desktopWait)
	defer cancel()
	n, err := d.notes.Next(ctx)
	if err != nil {
		t.Fatalf("waiting for %q: %v", summary, err)
	}
	if n.Summary != summary {
		t.Fatalf("a notification %q (%q) came, want %q", n.Summary, n.Body, summary)
	}
	return n
}

// wantNotes checks that the notifications shown so far are exactly want,
// in order.
func (d *trayDesktop) wantNotes(t *testing.T, want ...string) {
	t.Helper()
	var got []string
	for _, n := range d.notes.Recorded() {
		got = append(got, n.Summary)
	}
	if fmt.Sprintf("%q", got) != fmt.Sprintf("%q", want) {
		t.Errorf("the notifications shown were %q, want %q", got, want)
	}
}

// keyringItems lists the items the agent keeps in the test's keyring for
// the world's BioT.
func (d *trayDesktop) keyringItems(t *testing.T, w *world) []string {
	t.Helper()
	items, err := d.keyring.Items(w.ctx(), map[string]string{"service": keyringService(w.sim.URL())})
	if err != nil {
		t.Fatal(err)
	}
	out := make([]string, len(items))
	for i, p := range items {
		out[i] = string(p)
	}
	return out
}

// refreshTokenFromKeyring reads the refresh token the agent stored for
// username, with secret-tool as a person would, for the leak check.
func (d *trayDesktop) refreshTokenFromKeyring(t *testing.T, w *world, username string) {
	t.Helper()
	tok, err := d.keyring.SecretTool(w.ctx(), "", "lookup", "service", keyringService(w.sim.URL()), "username", username)
	if err != nil {
		t.Fatal(err)
	}
	if strings.Count(tok, ".") != 2 {
		t.Fatalf("the keyring item of %s holds no JWT (%d bytes)", username, len(tok))
	}
	w.secrets.addToken("the refresh token of "+username, tok)
}

// chromium starts Debian's chromium, headless, for the test.
func chromium(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	const path = "/usr/bin/chromium"
	if _, err := os.Stat(path); err != nil {
		msg := "no chromium at " + path + " (apt-get install chromium): " + err.Error()
		if desktoptest.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(path),
		chromedp.Headless,
		chromedp.NoSandbox, // tests run as root here, where the sandbox cannot start
		chromedp.DisableGPU,
		chromedp.NoFirstRun,
		chromedp.NoDefaultBrowserCheck,
		chromedp.Flag("disable-quic", true),
		chromedp.Flag("disable-background-networking", true),
		chromedp.Flag("disable-component-update", true),
		chromedp.Flag("disable-sync", true),
		chromedp.UserDataDir(t.TempDir()),
	}, extra...)...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Do starts the browser and must have no deadline (see
	// chromedp.Run).
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(720, 600)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return ctx
}

// browserSignIn fills the sign-in page as a person does: username and
// password, then the SMS code when mfa is set; the page must then say who
// is signed in.
func (w *world) browserSignIn(browser context.Context, page, username, password string, mfa bool) {
	t := w.t
	t.Helper()
	browse := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, desktopWait)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
	}
	next := ".done"
	if mfa {
		next = "#code"
	}
	browse("sign in", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#password")),
		chromedp.Clear(chromedp.CSS("#username")), chromedp.SendKeys(chromedp.CSS("#username"), username),
		chromedp.SendKeys(chromedp.CSS("#password"), password+"\r"), chromedp.WaitVisible(chromedp.CSS(next)))
	if mfa {
		code := w.sim.LastSMSCode(username)
		if code == "" {
			t.Fatalf("BioT sent %s no SMS code", username)
		}
		w.secrets.add("an SMS code", code)
		browse("the SMS code", chromedp.SendKeys(chromedp.CSS("#code"), code+"\r"), chromedp.WaitVisible(chromedp.CSS(".done")))
	}
	ctx, cancel := context.WithTimeout(browser, desktopWait)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(".done")))
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(text, "Signed in as "+username) {
		t.Errorf("the page says %q, want \"Signed in as %s\"", text, username)
	}
}

// tokenLoop is a shell script asking for tokens in a loop, as a build or a
// monitoring job would.
type tokenLoop struct {
	*proc
	dir string // holds "served" (a line per token) and "stop"
}

// tokenLoopUntilRefused asks for tokens until the agent has refused n in a
// row with exit 3, printing each exit code; it gives up after 40 s.
func (w *world) tokenLoopUntilRefused(n int) *tokenLoop {
	w.t.Helper()
	script := fmt.Sprintf(`refused=0 end=$(($(date +%%s) + 40))
while [ $refused -lt %d ]; do
	biot-agent token >/dev/null 2>&1; code=$?
	echo $code
	case $code in 0) ;; 3) refused=$((refused+1)) ;; *) exit 1 ;; esac
	[ $(date +%%s) -lt $end ] || exit 1
done`, n)
	return &tokenLoop{proc: w.startCmd("token loop until refused", exec.Command("sh", "-c", script), w.env, "")}
}

// tokenLoopUntilStopped asks for tokens until told to stop, failing at the
// first refusal; it gives up after 40 s.
func (w *world) tokenLoopUntilStopped() *tokenLoop {
	w.t.Helper()
	dir := filepath.Join(w.dir, fmt.Sprintf("loop-%d", time.Now().UnixNano()))
	if err := os.Mkdir(dir, 0o700); err != nil {
		w.t.Fatal(err)
	}
	script := `cd "$1" && end=$(($(date +%s) + 40))
while [ ! -e stop ]; do
	biot-agent token >/dev/null || exit 1
	echo >> served
	[ $(date +%s) -lt $end ] || exit 1
done`
	return &tokenLoop{dir: dir, proc: w.startCmd("token loop until stopped", exec.Command("sh", "-c", script, "sh", dir), w.env, "")}
}

// served counts the tokens the loop got.
func (l *tokenLoop) served() int {
	b, _ := os.ReadFile(filepath.Join(l.dir, "served"))
	return bytes.Count(b, []byte("\n"))
}

// waitServed waits until the loop got n more tokens.
func (l *tokenLoop) waitServed(t *testing.T, n int) {
	t.Helper()
	want := l.served() + n
	waitFor(t, desktopWait, fmt.Sprintf("%d more tokens for the loop", n), func() bool {
		if l.exited() {
			t.Fatalf("the token loop ended: %+v", l.res)
		}
		return l.served() >= want
	})
}

// stop tells the loop to end after its current request.
func (l *tokenLoop) stop() {
	if err := os.WriteFile(filepath.Join(l.dir, "stop"), nil, 0o600); err != nil {
		l.w.t.Fatal(err)
	}
}

// ipcCode is the agent's error code in err, "" if none.
func ipcCode(err error) string {
	var e *ipc.Error
	if errors.As(err, &e) {
		return string(e.Code)
	}
	return fmt.Sprint(err)
}
