package cli_test

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// threeEnvs is a person with three environments on two BioTs: dev and
// dev-qa, two accounts on one BioT, and prod on another.
type threeEnvs struct {
	w            *world
	devBioT      *biotsim.Server // dev and dev-qa
	prodBioT     *biotsim.Server
	names        []string
	bioT         map[string]*biotsim.Server // by environment
	user, passwd map[string]string          // by environment
}

// newThreeEnvs makes the world, both BioTs (whose access tokens live
// accessTTL; 0 for BioT's own 15 minutes) and the config file, with dev
// the default; the agent is not started.
func newThreeEnvs(t *testing.T, accessTTL time.Duration) *threeEnvs {
	t.Helper()
	const (
		dee, deePW     = "dee@example.com", "dee-password-dev-2b7"
		quinn, quinnPW = "quinn@example.com", "quinn-password-qa-8c1"
		pia, piaPW     = "pia@example.com", "pia-password-prod-0d4"
	)
	w := newWorld(t, worldOptions{desktop: "need", sim: &biotsim.Options{AccessTTL: accessTTL, Users: []biotsim.User{
		{Username: dee, Password: deePW},
		{Username: quinn, Password: quinnPW},
	}}})
	prod := w.addSim(&biotsim.Options{AccessTTL: accessTTL, Users: []biotsim.User{{Username: pia, Password: piaPW}}})
	w.writeConfig(configOf("dev",
		envSection{"dev", w.sim.URL()}, envSection{"dev-qa", w.sim.URL()}, envSection{"prod", prod.URL()}))
	return &threeEnvs{
		w: w, devBioT: w.sim, prodBioT: prod,
		names:  []string{"dev", "dev-qa", "prod"},
		bioT:   map[string]*biotsim.Server{"dev": w.sim, "dev-qa": w.sim, "prod": prod},
		user:   map[string]string{"dev": dee, "dev-qa": quinn, "prod": pia},
		passwd: map[string]string{"dev": deePW, "dev-qa": quinnPW, "prod": piaPW},
	}
}

// signInAll signs every environment in, from the command line.
func (f *threeEnvs) signInAll() {
	f.w.t.Helper()
	for _, env := range f.names {
		f.w.loginTo(env, f.user[env], f.passwd[env])
	}
}

// wantServing fails the test unless env's token, asked with -e, is its
// user's at its BioT.
func (f *threeEnvs) wantServing(env string) {
	f.w.t.Helper()
	f.w.wantSelfAt(f.bioT[env], f.w.token("-e", env), f.user[env])
}

// wantStates fails the test unless status --all says, for each
// environment by name, the state given (and who, while there is a
// session).
func (f *threeEnvs) wantStates(what string, states map[string]ipc.State) {
	f.w.t.Helper()
	var want []string
	for _, env := range f.names {
		line := env + " " + string(states[env])
		if states[env] != ipc.StateSignedOut {
			line += " " + f.user[env]
		}
		want = append(want, line)
	}
	if got := f.w.states(); fmt.Sprint(got) != fmt.Sprint(want) {
		f.w.t.Errorf("%s: status --all says %q, want %q", what, got, want)
	}
}

// storeRefreshTokens checks that the keyring holds one item per
// environment signed in, and adds their refresh tokens to the secrets that
// must not leak.
func (f *threeEnvs) storeRefreshTokens(envs ...string) {
	f.w.t.Helper()
	for _, env := range envs {
		if n := f.w.envKeyringItems(env, f.bioT[env].URL()); n != 1 {
			f.w.t.Fatalf("the keyring holds %d items for %s, want 1", n, env)
		}
		f.w.envRefreshToken(env, f.bioT[env].URL(), f.user[env])
	}
}

// TestEachEnvironmentKeepsItsOwnSession: three environments signed in,
// two of them accounts on one BioT. BioT ends dev's session: dev, and
// only dev, needs a sign-in; dev-qa (same BioT, another account) and prod
// go on refreshing and serving, and never leave signed_in. Then prod's
// BioT goes down: prod, and only prod, goes offline, while dev-qa goes on
// refreshing and dev still waits for its sign-in.
func TestEachEnvironmentKeepsItsOwnSession(t *testing.T) {
	t.Parallel()
	// Access tokens of 4 s: each environment refreshes every 3 s or so,
	// so each finds out within seconds what its BioT did.
	f := newThreeEnvs(t, 4*time.Second)
	w := f.w
	a := w.startAgentWith(w.env, "run", "--headless")
	f.signInAll()
	for _, env := range f.names {
		f.wantServing(env)
	}
	f.storeRefreshTokens(f.names...)
	events := map[string]*eventLog{}
	for _, env := range f.names {
		events[env] = a.followEnv(env)
	}
	// Each stream opens with the environment's status: wait for it, so
	// the marks below count from there.
	for _, env := range f.names {
		waitFor(t, 10*time.Second, "the first event of "+env, func() bool { return events[env].mark() > 0 })
	}
	// onlyIn fails the test if an environment's events since its mark
	// went anywhere but state.
	onlyIn := func(what string, marks map[string]int, states map[string]ipc.State) {
		t.Helper()
		for env, state := range states {
			for _, s := range events[env].since(marks[env]) {
				if s != state {
					t.Errorf("%s: %s went through %v, want %s throughout", what, env, events[env].since(marks[env]), state)
					break
				}
			}
		}
	}
	marks := func() map[string]int {
		m := map[string]int{}
		for env, l := range events {
			m[env] = l.mark()
		}
		return m
	}
	refreshedSince := func(env string, since time.Time) {
		t.Helper()
		a.waitEnvStatus(env, 20*time.Second, "a refresh after "+since.Format(time.TimeOnly), func(st ipc.StatusResponse) bool {
			return st.State == ipc.StateSignedIn && st.LastRefresh != nil && st.LastRefresh.OK && st.LastRefresh.Time.After(since)
		})
	}

	// BioT ends dev's session.
	before := marks()
	revoked := time.Now()
	f.devBioT.RevokeRefreshTokens(f.user["dev"])
	st := a.waitEnvStatus("dev", 20*time.Second, "needs_login after BioT ended its session", func(st ipc.StatusResponse) bool {
		return st.State == ipc.StateNeedsLogin
	})
	if !strings.Contains(st.Message, "sign in again") {
		t.Errorf("dev needs a sign-in and says %q, want what to do", st.Message)
	}
	refreshedSince("dev-qa", revoked)
	refreshedSince("prod", revoked)
	f.wantStates("after BioT ended dev's session", map[string]ipc.State{"dev": ipc.StateNeedsLogin, "dev-qa": ipc.StateSignedIn, "prod": ipc.StateSignedIn})
	onlyIn("after BioT ended dev's session", before, map[string]ipc.State{"dev-qa": ipc.StateSignedIn, "prod": ipc.StateSignedIn})
	if got := events["dev"].since(before["dev"]); !slices.Contains(got, ipc.StateNeedsLogin) {
		t.Errorf("dev's events went through %v, want needs_login among them", got)
	}
	res := w.run("", "token", "-e", "dev")
	wantExit(t, res, 3, "token -e dev")
	wantOneLine(t, res.stderr, "token -e dev", "sign in again")
	f.wantServing("dev-qa")
	f.wantServing("prod")
	waitFor(t, 10*time.Second, "dev's dead refresh token to leave the keyring", func() bool {
		return w.envKeyringItems("dev", f.devBioT.URL()) == 0
	})
	f.storeRefreshTokens("dev-qa", "prod")

	// prod's BioT goes down.
	before = marks()
	down := time.Now()
	f.prodBioT.SetFault(biotsim.FaultDown)
	a.waitEnvStatus("prod", 20*time.Second, "offline while its BioT is down", func(st ipc.StatusResponse) bool {
		return st.State == ipc.StateOffline
	})
	refreshedSince("dev-qa", down)
	f.wantStates("while prod's BioT is down", map[string]ipc.State{"dev": ipc.StateNeedsLogin, "dev-qa": ipc.StateSignedIn, "prod": ipc.StateOffline})
	onlyIn("while prod's BioT is down", before, map[string]ipc.State{"dev": ipc.StateNeedsLogin, "dev-qa": ipc.StateSignedIn})
	f.wantServing("dev-qa")
	// Offline is passing: prod keeps its session for when BioT is back.
	f.storeRefreshTokens("dev-qa", "prod")
}

// TestKillNineThenRestartResumesEveryEnvironment: three environments
// signed in, the agent killed with SIGKILL and started again: every
// environment is signed in again from its keyring item, as the same
// person, and neither BioT is asked for a password.
func TestKillNineThenRestartResumesEveryEnvironment(t *testing.T) {
	t.Parallel()
	f := newThreeEnvs(t, 0) // 15-minute tokens: no refresh comes near the kill
	w := f.w
	a := w.startAgentWith(w.env, "run", "--headless")
	f.signInAll()
	f.storeRefreshTokens(f.names...)
	devLogins, prodLogins := f.devBioT.Stats().ByPath[biotsim.PathLogin], f.prodBioT.Stats().ByPath[biotsim.PathLogin]

	a.killAfter(0)
	w.startAgentWith(w.env, "run", "--headless")
	// A token first: it waits for each environment to read its stored
	// session, which a status asked at once may not see yet.
	for _, env := range f.names {
		f.wantServing(env)
	}
	f.wantStates("after the restart", map[string]ipc.State{"dev": ipc.StateSignedIn, "dev-qa": ipc.StateSignedIn, "prod": ipc.StateSignedIn})
	if n := f.devBioT.Stats().ByPath[biotsim.PathLogin] - devLogins; n != 0 {
		t.Errorf("dev's BioT saw %d sign-ins after the restart, want none: a password was asked", n)
	}
	if n := f.prodBioT.Stats().ByPath[biotsim.PathLogin] - prodLogins; n != 0 {
		t.Errorf("prod's BioT saw %d sign-ins after the restart, want none: a password was asked", n)
	}
	for _, sim := range []*biotsim.Server{f.devBioT, f.prodBioT} {
		if s := sim.Stats(); s.RefreshesRejected != 0 || s.Refreshes == 0 {
			t.Errorf("%s saw %d refreshes, %d rejected; want the resume's refreshes, none rejected", sim.URL(), s.Refreshes, s.RefreshesRejected)
		}
	}
	f.storeRefreshTokens(f.names...) // rotated by the resume
}
