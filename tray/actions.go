package tray

import (
	"context"
	"time"

	"biot-agent/agent"
	"biot-agent/assets"
	"biot-agent/tray/notify"
)

// How long each thing a click starts may take.
const (
	signInTimeout = 30 * time.Second
	logoutTimeout = 15 * time.Second
	tokenTimeout  = 30 * time.Second
)

// Each of these is called from a click or a notification's button and
// returns at once: the work runs on a goroutine of its own, never on the
// systray loop. What goes wrong is logged and shown in a notification, since
// a click without visible effect leaves the person guessing.

// signIn starts a sign-in page for env and opens it in the browser; a
// service user's environment, which has no page, signs in again with its
// secret key as it is now.
func (t *tray) signIn(env string) {
	t.mu.Lock()
	service := t.envs[env].Identity == agent.IdentityService
	t.mu.Unlock()
	if service {
		t.signInService(env)
		return
	}
	if t.cfg.SignIn == nil {
		return
	}
	t.openPage("the BioT sign-in page for "+env, func(ctx context.Context) (string, error) { return t.cfg.SignIn(ctx, env) })
}

// signInService signs env's service user in again. A refusal ends in
// needs_login anew, whose notification says why; anything else that goes
// wrong is said in one of its own.
func (t *tray) signInService(env string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), signInTimeout)
		defer cancel()
		t.log.Info("tray: the service user signs in again", "env", env)
		err := t.cfg.Backend.SignIn(ctx, env)
		if err == nil {
			return
		}
		t.log.Warn("tray: the service user's sign-in", "env", env, "err", err)
		if agent.KindOf(err) != agent.KindNeedsLogin {
			t.problem("BioT sign-in of "+env+" failed", err.Error())
		}
	}()
}

// addEnvironment starts the page that adds an environment and opens it in
// the browser.
func (t *tray) addEnvironment() {
	if t.cfg.AddEnvironment == nil {
		return
	}
	t.openPage("the page to add a BioT environment", t.cfg.AddEnvironment)
}

// openPage starts a page with start and opens it in the browser; what
// names the page in what goes wrong. One page opens at a time: a second
// click while the first is on its way does nothing (the server keeps one
// page live anyway).
func (t *tray) openPage(what string, start func(context.Context) (string, error)) {
	t.mu.Lock()
	busy := t.signingIn
	t.signingIn = true
	t.mu.Unlock()
	if busy {
		return // the page is on its way
	}
	go func() {
		defer func() {
			t.mu.Lock()
			t.signingIn = false
			t.mu.Unlock()
		}()
		ctx, cancel := context.WithTimeout(context.Background(), signInTimeout)
		defer cancel()
		url, err := start(ctx)
		if err != nil {
			t.log.Warn("tray: could not start "+what, "err", err)
			t.problem("Could not start "+what, err.Error()+". Run biot-agent login in a terminal instead.")
			return
		}
		// The URL holds a one-time secret: it is not logged.
		if err := t.cfg.OpenURL(url); err != nil {
			t.log.Warn("tray: could not open "+what+" in a browser", "err", err)
			t.problem("Could not open a browser for "+what, err.Error()+". Run biot-agent login in a terminal instead.")
			return
		}
		t.log.Info("tray: " + what + " opened in the browser")
	}()
}

// signOut ends env's session.
func (t *tray) signOut(env string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
		defer cancel()
		if err := t.cfg.Backend.Logout(ctx, env); err != nil {
			t.log.Warn("tray: sign-out", "env", env, "err", err)
			t.problem("BioT sign-out of "+env, err.Error())
		}
	}()
}

// copyToken puts a valid access token of env on the clipboard.
func (t *tray) copyToken(env string) {
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), tokenTimeout)
		defer cancel()
		tok, err := t.cfg.Backend.Token(ctx, env, 0)
		if err != nil {
			t.log.Warn("tray: no access token to copy", "env", env, "err", err)
			t.problem("No BioT access token to copy: "+env, err.Error())
			return
		}
		if err := t.cfg.Copy(tok.Token); err != nil {
			t.log.Warn("tray: could not copy the access token", "env", env, "err", err)
			t.problem("Could not copy the BioT access token of "+env, err.Error())
			return
		}
		t.notify(notify.Notification{
			Title:   "BioT access token copied: " + env,
			Body:    "It is valid until " + clock(tok.ExpiresAt, t.cfg.Clock.Now(), t.loc) + ".",
			Urgency: notify.Low,
			Icon:    assets.PNG(assets.SignedIn, 48),
		})
	}()
}

// loadAutostart reads whether the agent starts at login.
func (t *tray) loadAutostart() {
	if t.cfg.Autostart == nil {
		return
	}
	go func() {
		on, err := t.cfg.Autostart.Enabled()
		if err != nil {
			t.log.Warn("tray: cannot tell whether the agent starts at login", "err", err)
			return
		}
		t.setAutostart(on)
	}()
}

// toggleAutostart turns starting at login on or off.
func (t *tray) toggleAutostart() {
	if t.cfg.Autostart == nil {
		return
	}
	go func() {
		t.mu.Lock()
		want := !t.autostart.on
		t.mu.Unlock()
		if err := t.cfg.Autostart.SetEnabled(want); err != nil {
			t.log.Warn("tray: could not change whether the agent starts at login", "err", err)
			t.problem("Could not change Start at login", err.Error())
		}
		on, err := t.cfg.Autostart.Enabled()
		if err != nil {
			on = want
		}
		t.setAutostart(on)
	}()
}

func (t *tray) setAutostart(on bool) {
	t.mu.Lock()
	t.autostart = autostartState{known: true, on: on}
	t.mu.Unlock()
	t.poke()
}

// problem tells the person that something they asked for failed.
func (t *tray) problem(title, body string) {
	t.notify(notify.Notification{Title: title, Body: body, Icon: assets.PNG(assets.NeedsLogin, 48)})
}
