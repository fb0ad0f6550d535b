package cli_test

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"biot-agent/assets"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/config"
)

// TestDesktopShowsASectionPerEnvironmentAndOneNotificationForBoth: two
// environments on two BioTs, dev and prod, on the test's desktop. The menu
// has a section for each; "Sign in…" in prod's opens prod's page and signs
// in prod alone. BioT ends dev's session, then, within the minute, prod's:
// the person gets one notification, "Sign-in needed: dev", which is then
// replaced by one naming both, with a button for each; prod's button opens
// prod's page, and signing in there leaves dev waiting for its own.
//
// Like the desktop day, it does not run in parallel (chromium).
func TestDesktopShowsASectionPerEnvironmentAndOneNotificationForBoth(t *testing.T) {
	begin := time.Now()
	step := func(what string) { t.Logf("%5.1fs %s", time.Since(begin).Seconds(), what) }
	const bo, boPW = "bo@example.com", "bo-password-prod-e2e-3f8"
	// Short access tokens: each environment refreshes every few seconds,
	// so it finds out soon that BioT ended its session; long refresh
	// tokens: no "session ends soon" comes in between.
	w := newWorld(t, worldOptions{sim: &biotsim.Options{AccessTTL: 8 * time.Second, Users: []biotsim.User{{Username: ana, Password: anaPW}}}})
	prodBioT := w.addSim(&biotsim.Options{AccessTTL: 8 * time.Second, Users: []biotsim.User{{Username: bo, Password: boPW}}})
	w.writeConfig(configOf("dev", envSection{"dev", w.sim.URL()}, envSection{"prod", prodBioT.URL()}))
	d := newTrayDesktop(t, w)
	browser := chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	step("two environments, signed out")
	w.startTrayAgent(d, "run")
	it := d.item(t, ctx)
	section := func(status string, signIn, session bool) []menuLine {
		return []menuLine{{status, false}, {"Sign in…", signIn}, {"Sign out", session}, {"Copy access token", session}}
	}
	menu := func(dev, prod []menuLine) []menuLine {
		out := append(append(append([]menuLine(nil), dev...), prod...), menuLine{"Add a BioT environment…", true})
		return append(out, menuLine{"Start at login", true}, menuLine{"Quit", true})
	}
	p := d.waitShown(t, ctx, it, assets.SignedOut, menu(section("dev · signed out", true, false), section("prod · signed out", true, false)))
	if want := "BioT: dev · signed out; prod · signed out"; p.ToolTip != want {
		t.Errorf("the tooltip says %q, want %q", p.ToolTip, want)
	}

	step("Sign in… in prod's section")
	d.clickIn(t, ctx, it, "prod", "Sign in…")
	page := d.page(t, w)
	wantPageNames(t, browser, page, "prod", prodBioT.URL())
	w.browserSignIn(browser, page, bo, boPW, false)
	signedIn := func(env, who string) []menuLine {
		return section(env+" · "+who+" · signed in until "+hhmm, false, true)
	}
	d.waitShown(t, ctx, it, assets.SignedIn, menu(section("dev · signed out", true, false), signedIn("prod", bo)))
	w.loginTo("dev", ana, anaPW)
	p = d.waitShown(t, ctx, it, assets.SignedIn, menu(signedIn("dev", ana), signedIn("prod", bo)))
	if !strings.HasPrefix(p.ToolTip, "BioT: dev · "+ana+" · signed in until ") || !strings.Contains(p.ToolTip, "; prod · "+bo+" · signed in until ") {
		t.Errorf("the tooltip says %q, want each environment, who and until when", p.ToolTip)
	}
	w.wantSelf(w.token("-e", "dev"), ana)
	w.wantSelfAt(prodBioT, w.token("-e", "prod"), bo)

	step("BioT ends dev's session")
	w.sim.RevokeRefreshTokens(ana)
	first := d.nextNote(t, ctx, "Sign-in needed: dev")
	if label, ok := first.ActionLabel("sign-in:dev"); !ok || label != "Sign in" || len(first.Actions) != 2 {
		t.Errorf("the first notification's actions are %q, want one \"Sign in\" button with key sign-in:dev", first.Actions)
	}
	needsSignIn := func(env, who string) []menuLine {
		return []menuLine{{env + " · " + who + " · sign-in needed", false}, {"Sign in…", true}, {"Sign out", true}, {"Copy access token", false}}
	}
	d.waitShown(t, ctx, it, assets.NeedsLogin, menu(needsSignIn("dev", ana), signedIn("prod", bo)))
	w.wantSelfAt(prodBioT, w.token("-e", "prod"), bo)

	step("BioT ends prod's session, within the minute")
	prodBioT.RevokeRefreshTokens(bo)
	both := d.nextNote(t, ctx, "Sign-in needed: dev, prod")
	if both.ReplacesID != first.ID {
		t.Errorf("the notification naming both replaces %d, want the first one, %d: one notification for both", both.ReplacesID, first.ID)
	}
	for _, env := range []string{"dev", "prod"} {
		if label, ok := both.ActionLabel("sign-in:" + env); !ok || label != "Sign in to "+env {
			t.Errorf("the notification's actions are %q, want a button \"Sign in to %s\"", both.Actions, env)
		}
		if !strings.Contains(both.Body, env+": ") {
			t.Errorf("the notification says %q, want a line for %s", both.Body, env)
		}
	}
	if len(both.Actions) != 4 {
		t.Errorf("the notification's actions are %q, want two buttons", both.Actions)
	}
	d.waitShown(t, ctx, it, assets.NeedsLogin, menu(needsSignIn("dev", ana), needsSignIn("prod", bo)))

	step("the notification's Sign in to prod")
	if err := d.notes.InvokeAction(both.ID, "sign-in:prod"); err != nil {
		t.Fatal(err)
	}
	page = d.page(t, w)
	wantPageNames(t, browser, page, "prod", prodBioT.URL())
	w.browserSignIn(browser, page, bo, boPW, false)
	d.waitShown(t, ctx, it, assets.NeedsLogin, menu(needsSignIn("dev", ana), signedIn("prod", bo)))
	w.wantSelfAt(prodBioT, w.token("-e", "prod"), bo)
	res := w.run("", "token", "-e", "dev")
	wantExit(t, res, 3, "token -e dev, still waiting for its sign-in")
	d.wantNotes(t, "Sign-in needed: dev", "Sign-in needed: dev, prod")
	step("done")
}

// TestDesktopFirstRunAddsAnEnvironment is the first run on a desktop:
// nothing configured, the agent started at login shows its icon with "No
// BioT environment yet" and offers "Add a BioT environment…". Its page
// takes the BioT URL and a name, then the sign-in; config.toml then holds
// the environment, the menu has its section, signed in, and scripts get
// its tokens.
func TestDesktopFirstRunAddsAnEnvironment(t *testing.T) {
	begin := time.Now()
	step := func(what string) { t.Logf("%5.1fs %s", time.Since(begin).Seconds(), what) }
	w := newWorld(t, worldOptions{sim: anaSim()})
	d := newTrayDesktop(t, w)
	browser := chromium(t)
	ctx, cancel := context.WithTimeout(t.Context(), 3*time.Minute)
	defer cancel()

	step("nothing configured")
	w.startTrayAgent(d, "run")
	it := d.item(t, ctx)
	tail := []menuLine{{"Add a BioT environment…", true}, {"Start at login", true}, {"Quit", true}}
	p := d.waitShown(t, ctx, it, assets.SignedOut, append([]menuLine{{"No BioT environment yet", false}}, tail...))
	if want := "BioT: no environment yet"; p.ToolTip != want {
		t.Errorf("the tooltip says %q, want %q", p.ToolTip, want)
	}

	step("Add a BioT environment…")
	d.click(t, ctx, it, "Add a BioT environment…")
	page := d.page(t, w)
	browse := func(what string, steps ...chromedp.Action[chromedp.Void]) {
		t.Helper()
		ctx, cancel := context.WithTimeout(browser, desktopWait)
		defer cancel()
		if err := chromedp.Do(ctx, steps...); err != nil {
			t.Fatalf("chromium: %s: %v", what, err)
		}
	}
	browse("where BioT is and its name", chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#url")),
		chromedp.SendKeys(chromedp.CSS("#url"), w.sim.URL()),
		chromedp.Clear(chromedp.CSS("#name")), chromedp.SendKeys(chromedp.CSS("#name"), "dev"),
		chromedp.Click(chromedp.CSS(`button[value="environment"]`)), chromedp.WaitVisible(chromedp.CSS("#password")))
	wantText(t, browser, ".env", "dev", w.sim.URL())
	browse("sign in", chromedp.Clear(chromedp.CSS("#username")), chromedp.SendKeys(chromedp.CSS("#username"), ana),
		chromedp.SendKeys(chromedp.CSS("#password"), anaPW+"\r"), chromedp.WaitVisible(chromedp.CSS(".done")))
	wantText(t, browser, ".done", "Signed in as "+ana, "dev")

	step("dev is configured, signed in")
	cfg, err := config.Load(filepath.Join(w.config, "biot-agent", "config.toml"))
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Environments["dev"].URL; got != w.sim.URL() || len(cfg.Environments) != 1 {
		t.Errorf("config.toml holds %v, want dev at %s alone", cfg.Environments, w.sim.URL())
	}
	d.waitShown(t, ctx, it, assets.SignedIn, append([]menuLine{{"dev · " + ana + " · signed in until " + hhmm, false},
		{"Sign in…", false}, {"Sign out", true}, {"Copy access token", true}}, tail...))
	w.wantSelf(w.token(), ana) // the only environment: no -e needed
	if n := w.envKeyringItems("dev", w.sim.URL()); n != 1 {
		t.Errorf("the keyring holds %d items for dev, want 1", n)
	}
	w.envRefreshToken("dev", w.sim.URL(), ana)
	d.wantNotes(t)
	step("done")
}

// wantPageNames fails the test unless the sign-in page names env and its
// BioT URL, so the person knows where they sign in.
func wantPageNames(t *testing.T, browser context.Context, page, env, url string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, desktopWait)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(page), chromedp.WaitVisible(chromedp.CSS("#password"))); err != nil {
		t.Fatalf("chromium: open the sign-in page: %v", err)
	}
	wantText(t, browser, ".env", env, url)
}

// wantText fails the test unless the page's element sel says each of want.
func wantText(t *testing.T, browser context.Context, sel string, want ...string) {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, desktopWait)
	defer cancel()
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS(sel)))
	if err != nil {
		t.Fatalf("chromium: read %s: %v", sel, err)
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the page's %s says %q, want %q", sel, text, w)
		}
	}
}
