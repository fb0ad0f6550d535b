package signin_test

import (
	"context"
	"testing"

	"github.com/chromedp/chromedp"

	"biot-agent/internal/biotsim"
)

// carol has no password: BioT sends her a code by SMS (credentialType OTP).
var carol = biotsim.User{Username: "+15550100123", OTP: true}

// TestBrowserSignInWithACode: a person with no password, with the keyboard
// only, opens "Sign in with a code sent to my phone", types the number as
// people write it, has the code sent again, types the old code by mistake,
// then the new one, and is signed in. Their next page opens on the phone
// form, with the number.
func TestBrowserSignInWithACode(t *testing.T) {
	w := newWorld(t)
	w.sim.AddUser(carol)
	ctx := browser(t)
	shots := t.TempDir()

	page := w.start()
	do(t, ctx, "open the page", chromedp.Navigate(page), chromedp.WaitVisible(css("#password")))
	// Closed: the page shows the password form, and the phone form's
	// summary only.
	if run(t, ctx, "phone form shown", chromedp.Evaluate[bool](`document.getElementById("phone").checkVisibility()`)) {
		t.Error("the phone form is open on a first page")
	}
	// Username, password, Sign in, then the phone form's summary: Enter
	// opens it, Tab goes to the number.
	do(t, ctx, "open the phone form", chromedp.KeyEvent("\t\t\t\r"), chromedp.WaitVisible(css("#phone")),
		chromedp.KeyEvent("\t+1 555 010 0123"))
	wantFocus(t, ctx, "phone")
	// Taller, so that the picture shows the whole form.
	do(t, ctx, "tall", chromedp.EmulateViewport(720, 760))
	screenshot(t, ctx, shots, "signin-phone.png", true)
	do(t, ctx, "back", chromedp.EmulateViewport(720, 600))
	do(t, ctx, "ask for a code", chromedp.KeyEvent("\r"), chromedp.WaitVisible(css("#code")))
	wantText(t, ctx, ".prompt", "BioT sent a code to +*******0123")
	wantFocus(t, ctx, "code")
	first := w.sim.LastSMSCode(carol.Username)
	if first == "" {
		t.Fatal("the simulator sent no code")
	}

	do(t, ctx, "send it again", chromedp.Click(css(`button[value="resend"]`)), chromedp.WaitVisible(css(".notice")))
	wantText(t, ctx, ".notice", "BioT sent a new code to +*******0123", "the one before no longer works")
	second := w.sim.LastSMSCode(carol.Username)
	if second == first {
		t.Fatal("Send it again sent no new code")
	}
	do(t, ctx, "the old code", chromedp.KeyEvent(first+"\r"), chromedp.WaitVisible(css(".problem")))
	wantText(t, ctx, ".problem", "Wrong or expired code", "it is wrong, or it expired", "press Send it again")
	wantClean(t, ctx, page, first)
	do(t, ctx, "tall", chromedp.EmulateViewport(720, 760))
	screenshot(t, ctx, shots, "signin-phone-code-refused.png", false)
	do(t, ctx, "back", chromedp.EmulateViewport(720, 600))

	do(t, ctx, "the new code", chromedp.KeyEvent(second+"\r"), chromedp.WaitVisible(css(".done")))
	wantText(t, ctx, ".done", "Signed in as "+carol.Username+" to dev ("+hostOf(w.sim.URL())+")", "You can close this tab.")
	wantClean(t, ctx, page, first, second)
	w.wantSignedIn(carol.Username)
	if st := w.sim.Stats(); st.OTPSent != 2 || st.OTPLogins != 1 || st.OTPRejected != 1 {
		t.Errorf("BioT sent %d codes, signed in %d by code and refused %d; want 2, 1, 1", st.OTPSent, st.OTPLogins, st.OTPRejected)
	}

	// The next page opens on the phone form, the number in it and the
	// focus on it: Enter asks for a code.
	w.logout()
	do(t, ctx, "open a new page", chromedp.Navigate(w.start()), chromedp.WaitVisible(css("#phone")))
	wantFocus(t, ctx, "phone")
	if v := run(t, ctx, "the number", chromedp.Value(css("#phone"))); v != carol.Username {
		t.Errorf("the phone form holds %q, want %s", v, carol.Username)
	}
}

// wantFocus checks which field has the focus.
func wantFocus(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	if got := run(t, ctx, "focus", chromedp.Evaluate[string]("document.activeElement.id")); got != id {
		t.Errorf("the focus is on %q, want #%s", got, id)
	}
}
