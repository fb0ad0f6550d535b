package signin_test

import (
	"net/url"
	"testing"

	"github.com/chromedp/chromedp"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
	"biot-agent/tray/signin"
)

// TestBrowserSignIn: a person, with the keyboard only, mistypes the
// password, signs in, signs out, and signs in again with an SMS code that
// they have sent again once.
func TestBrowserSignIn(t *testing.T) {
	w := newWorld(t)
	ctx := browser(t)
	shots := t.TempDir()
	// A page signs in to the environment it names: no name is not the
	// only one there is, as it is for the agents' Get.
	if _, err := signin.Agents(w.envs)(""); agent.KindOf(err) != agent.KindEnvironmentRequired {
		t.Errorf(`Agents("") = %v, want environment_required`, err)
	}

	// Password user: the username field has the focus, Tab moves to the
	// password, Enter sends.
	page := w.start()
	do(t, ctx, "open the page", chromedp.Navigate(page), chromedp.WaitVisible(css("#password")))
	wantText(t, ctx, ".env", "dev", w.sim.URL())
	do(t, ctx, "type", chromedp.KeyEvent(ana.Username+"\twrong password!"))
	screenshot(t, ctx, shots, "signin-password.png", true)
	do(t, ctx, "send", chromedp.KeyEvent("\r"), chromedp.WaitVisible(css(".problem")))
	wantText(t, ctx, ".problem", "Wrong username or password")
	wantClean(t, ctx, page, "wrong password!")
	screenshot(t, ctx, shots, "signin-error.png", true)

	// The username stays and the password field has the focus now.
	do(t, ctx, "retype", chromedp.KeyEvent(ana.Password+"\r"), chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+ana.Username+" to dev ("+hostOf(w.sim.URL())+")", "You can close this tab.")
	wantClean(t, ctx, page, ana.Password)
	w.wantSignedIn(ana.Username)
	screenshot(t, ctx, shots, "signin-done-password.png", false)

	// The page is spent: reloading it says so.
	do(t, ctx, "reopen", chromedp.Navigate(page), chromedp.WaitVisible(css("h1")))
	wantText(t, ctx, "h1", "This sign-in link has expired")

	// MFA user, on a fresh page.
	w.logout()
	page = w.start()
	do(t, ctx, "open the page", chromedp.Navigate(page), chromedp.WaitVisible(css("#password")),
		chromedp.Clear(css("#username")), chromedp.SendKeys(css("#username"), bob.Username),
		chromedp.SendKeys(css("#password"), bob.Password+"\r"), chromedp.WaitVisible(css("#code")))
	wantText(t, ctx, ".prompt", "8901")
	first := w.sim.LastSMSCode(bob.Username)
	if first == "" {
		t.Fatal("the simulator sent no SMS code")
	}
	do(t, ctx, "type the code", chromedp.KeyEvent(first))
	screenshot(t, ctx, shots, "signin-code.png", true)

	do(t, ctx, "resend", chromedp.Click(css(`button[value="resend"]`)), chromedp.WaitVisible(css(".notice")))
	second := w.sim.LastSMSCode(bob.Username)
	if second == first {
		t.Fatalf("Resend code sent no new code")
	}
	do(t, ctx, "the old code", chromedp.KeyEvent(first+"\r"), chromedp.WaitVisible(css(".problem")))
	wantText(t, ctx, ".problem", "Wrong or expired code")
	do(t, ctx, "the new code", chromedp.KeyEvent(second+"\r"), chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+bob.Username+" to dev ("+hostOf(w.sim.URL())+")", "You can close this tab.")
	wantClean(t, ctx, page, bob.Password)
	w.wantSignedIn(bob.Username)
	screenshot(t, ctx, shots, "signin-done.png", true)

	// The dark theme, for a look: the expired page and the first step.
	do(t, ctx, "dark", darkMode(), chromedp.Navigate(page), chromedp.WaitVisible(css("h1")))
	screenshot(t, ctx, shots, "signin-expired-dark.png", false)
	w.logout()
	do(t, ctx, "dark form", chromedp.Navigate(w.start()), chromedp.WaitVisible(css("#password")),
		chromedp.KeyEvent("wrong password!\r"), chromedp.WaitVisible(css(".problem")))
	screenshot(t, ctx, shots, "signin-error-dark.png", false)
}

// TestBrowserWithoutJavaScript: the whole flow, MFA included, in a browser
// whose JavaScript is off.
func TestBrowserWithoutJavaScript(t *testing.T) {
	w := newWorld(t)
	ctx := browser(t, chromedp.Flag("blink-settings", "scriptEnabled=false"))

	// Prove that scripts are off: this page's script would set the title.
	do(t, ctx, "script probe", chromedp.Navigate(`data:text/html,<title>off</title><script>document.title="on"</script>`))
	if title := run(t, ctx, "title", chromedp.Title()); title != "off" {
		t.Fatalf("JavaScript ran (title %q): the test would prove nothing", title)
	}

	page := w.start()
	do(t, ctx, "sign in", chromedp.Navigate(page), chromedp.WaitVisible(css("#password")),
		chromedp.SendKeys(css("#username"), bob.Username),
		chromedp.SendKeys(css("#password"), bob.Password),
		chromedp.Click(css(`button[value="password"]`)), chromedp.WaitVisible(css("#code")))
	do(t, ctx, "resend", chromedp.Click(css(`button[value="resend"]`)), chromedp.WaitVisible(css(".notice")))
	do(t, ctx, "code", chromedp.SendKeys(css("#code"), w.sim.LastSMSCode(bob.Username)),
		chromedp.Click(css(`button[value="code"]`)), chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+bob.Username)
	wantClean(t, ctx, page, bob.Password)
	w.wantSignedIn(bob.Username)
}

// TestBrowserAddEnvironment: the first run. Nothing is configured; the
// page asks where BioT is and what to call it, says in words what is wrong
// with a URL, then signs in to the environment it added. A second one, on
// another BioT, is added the same way, and its name must be new.
func TestBrowserAddEnvironment(t *testing.T) {
	other := newSim(t)     // prod's BioT
	untrusted := newSim(t) // a server whose certificate this machine does not trust
	w := newWorld(t, worldOptions{noEnv: true, sims: []*biotsim.Server{other}})
	ctx := browser(t)
	shots := t.TempDir()

	page := w.addPage()
	do(t, ctx, "open the page", chromedp.Navigate(page), chromedp.WaitVisible(css("#url")))
	wantText(t, ctx, "h1", "Add a BioT environment")
	// The URL field has the focus: type, Tab to the name, Enter sends.
	do(t, ctx, "type", chromedp.KeyEvent(untrusted.URL()+"\tdev"))
	screenshot(t, ctx, shots, "signin-add.png", true)
	do(t, ctx, "send", chromedp.KeyEvent("\r"), chromedp.WaitVisible(css(".problem")))
	wantText(t, ctx, ".problem", "The certificate of "+hostOf(untrusted.URL())+" is not trusted")
	screenshot(t, ctx, shots, "signin-add-error.png", false)

	// Typed as the BioT Console shows it, without https://.
	do(t, ctx, "retype", chromedp.Clear(css("#url")), chromedp.SendKeys(css("#url"), hostOf(w.sim.URL())),
		chromedp.Click(css(`button[value="environment"]`)), chromedp.WaitVisible(css("#password")))
	wantText(t, ctx, ".env", "dev", w.sim.URL())
	wantText(t, ctx, ".notice", "Now sign in")
	do(t, ctx, "sign in", chromedp.SendKeys(css("#username"), ana.Username), chromedp.KeyEvent("\t"+ana.Password+"\r"),
		chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+ana.Username+" to dev ("+hostOf(w.sim.URL())+")")
	wantClean(t, ctx, page, ana.Password)
	w.wantSignedInTo("dev", ana.Username)

	// Another, on another BioT; "dev" is taken.
	page = w.addPage()
	do(t, ctx, "open the page", chromedp.Navigate(page), chromedp.WaitVisible(css("#url")),
		chromedp.KeyEvent(other.URL()+"\tdev\r"), chromedp.WaitVisible(css(".problem")))
	wantText(t, ctx, ".problem", "There is an environment named dev already")
	do(t, ctx, "rename", chromedp.Clear(css("#name")), chromedp.SendKeys(css("#name"), "prod\r"), chromedp.WaitVisible(css("#password")))
	wantText(t, ctx, ".env", "prod", other.URL())
	do(t, ctx, "sign in", chromedp.SendKeys(css("#username"), ana.Username), chromedp.SendKeys(css("#password"), ana.Password+"\r"),
		chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+ana.Username+" to prod")
	w.wantSignedInTo("prod", ana.Username)
	w.wantSignedInTo("dev", ana.Username)
	if st, ok := w.envs.Env("prod"); !ok || st.URL != other.URL() {
		t.Errorf("prod is configured as %+v, want at %s", st, other.URL())
	}
}

func hostOf(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u.Host
}

func css(sel string) chromedp.CSS { return chromedp.CSS(sel) }
