package agent_test

import (
	"context"
	"errors"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/fakeclock"
)

const (
	serviceID     = "5e7b9f0c-2d4a-4c1e-9b3a-7f6d5c4b3a21"
	serviceSecret = "robot-Secret-0a1b2c3d4e5f"
)

// secretSource is where the service user's secret key is kept: a file, a
// keyring item, a variable. A test replaces it as an administrator would.
type secretSource struct {
	secret atomic.Value // string
	reads  atomic.Int32
	err    atomic.Value // error, or errNone
}

var errNone = errors.New("none")

func newSecretSource(secret string) *secretSource {
	s := &secretSource{}
	s.secret.Store(secret)
	s.err.Store(errNone)
	return s
}

func (s *secretSource) read(context.Context) (string, error) {
	s.reads.Add(1)
	if err := s.err.Load().(error); err != errNone {
		return "", err
	}
	return s.secret.Load().(string), nil
}

type serviceOptions struct {
	clock   *fakeclock.Clock
	ttl     time.Duration // of the service user's tokens; default 3 s
	source  *secretSource // default: the right secret
	locked  bool
	slow    time.Duration // the simulator's SlowDelay
	backoff time.Duration // BackoffBase and BackoffMax; default the agent's own
	jitter  func() float64
}

// startService runs an agent whose identity is a service user, against a
// simulator that knows it. Cleanup checks that the secret never reached
// the log.
func startService(t *testing.T, o serviceOptions) (*harness, *secretSource) {
	t.Helper()
	if o.ttl == 0 {
		o.ttl = 3 * time.Second
	}
	if o.source == nil {
		o.source = newSecretSource(serviceSecret)
	}
	sim := biotsim.Options{
		Users:        []biotsim.User{{Username: user, Password: password}},
		ServiceUsers: []biotsim.ServiceUser{{ID: serviceID, Secret: serviceSecret, TokenTTL: o.ttl, Locked: o.locked}},
		SlowDelay:    o.slow,
	}
	var clock agent.Clock
	if o.clock != nil {
		sim.Now = o.clock.Now
		clock = o.clock
	}
	h := start(t, options{sim: sim, clock: clock, cfg: func(c *agent.Config) {
		c.Service = &agent.ServiceIdentity{ID: serviceID, Secret: o.source.read}
		if o.backoff > 0 {
			c.BackoffBase, c.BackoffMax = o.backoff, o.backoff
		}
		if o.jitter != nil {
			c.Jitter = o.jitter
		}
	}})
	t.Cleanup(func() { h.assertNoSecretsLogged(serviceSecret, o.source.secret.Load().(string)) })
	return h, o.source
}

func noJitter() float64 { return 0 }

// signIns is how many service sign-ins BioT answered with a token.
func (h *harness) signIns() int { return h.sim.Stats().ServiceSignIns }

// expiresAfter waits for a token that expires after t, and returns the
// status that says so.
func (h *harness) expiresAfter(t time.Time) agent.Status {
	h.t.Helper()
	return h.waitEvent(func(ev agent.Event) bool {
		return ev.Status.AccessExpiresAt != nil && ev.Status.AccessExpiresAt.After(t)
	}, "a token expiring after "+t.Format(time.StampMilli)).Status
}

// TestServiceTokensAcrossTenLifetimes: on the fake clock, ten tokens of 3
// seconds (2 s as counted: BioT's Date header has whole seconds), each
// served until its last fifth and then replaced by exactly one sign-in,
// never served expired.
func TestServiceTokensAcrossTenLifetimes(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h, source := startService(t, serviceOptions{clock: clock, jitter: noJitter})
	st := h.expiresAfter(time.Time{})
	if st.Identity != agent.IdentityService || st.Username != serviceID || st.RefreshExpiresAt != nil {
		t.Fatalf("status of a service user: %+v", st)
	}
	const lifetime = 2 * time.Second // 3 s on BioT, less the Date header's second

	for round := 1; round <= 10; round++ {
		exp, next := *st.AccessExpiresAt, *st.NextRefreshAt
		if lead := exp.Sub(next); lead != lifetime/5 {
			t.Fatalf("round %d: the next sign-in comes %s before expiry, want a fifth of %s", round, lead, lifetime)
		}
		// Served all along, the same token, valid, with no sign-in.
		var served string
		for step := range 3 {
			clock.Advance(next.Sub(clock.Now()) / time.Duration(4-step))
			tok := h.token(0)
			if served != "" && tok.Token != served {
				t.Fatalf("round %d: a new token before the sign-in time", round)
			}
			served = tok.Token
			if bexp, ok := biot.JWTExpiry(tok.Token); !ok || !bexp.After(clock.Now()) || !tok.ExpiresAt.After(clock.Now()) {
				t.Fatalf("round %d: served a token expiring %v (BioT: %v) at %v", round, tok.ExpiresAt, bexp, clock.Now())
			}
		}
		if n := h.signIns(); n != round {
			t.Fatalf("round %d: %d sign-ins before the sign-in time, want %d", round, n, round)
		}
		clock.Advance(next.Sub(clock.Now())) // the sign-in moment: the loop's own
		st = h.expiresAfter(exp)
		if n := h.signIns(); n != round+1 {
			t.Fatalf("round %d: %d sign-ins after the sign-in time, want %d", round, n, round+1)
		}
		if tok := h.token(0); tok.Token == served {
			t.Fatalf("round %d: the old token is still served", round)
		}
	}
	if st := h.sim.Stats(); st.ServiceSignIns != 11 || st.ServiceRejected != 0 {
		t.Errorf("BioT saw %d sign-ins and %d refusals across ten lifetimes; want 11 and 0", st.ServiceSignIns, st.ServiceRejected)
	}
	if n := source.reads.Load(); n != 11 {
		t.Errorf("the secret was read %d times, want once per sign-in (11)", n)
	}
}

// TestServiceTokensOnTheRealClock: the same on real time, for a few
// lifetimes: the loop's own timers sign in again, and a token is never
// served expired.
func TestServiceTokensOnTheRealClock(t *testing.T) {
	h, _ := startService(t, serviceOptions{})
	first := h.expiresAfter(time.Time{})
	exp := *first.AccessExpiresAt
	for round := 1; round <= 3; round++ {
		st := h.expiresAfter(exp)
		if left := time.Until(exp); left < 0 {
			t.Errorf("round %d: signed in again %s after the token expired", round, -left)
		}
		tok := h.token(0)
		if time.Until(tok.ExpiresAt) <= 0 {
			t.Errorf("round %d: served an expired token", round)
		}
		exp = *st.AccessExpiresAt
	}
	if n := h.signIns(); n < 4 || n > 5 {
		t.Errorf("%d sign-ins for four tokens", n)
	}
}

func TestServiceSecretRefusedIsTriedOnce(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h, source := startService(t, serviceOptions{clock: clock, source: newSecretSource("wrong-Secret-9z8y7x")})
	h.secrets = append(h.secrets, "wrong-Secret-9z8y7x")
	ev := h.waitState(agent.StateNeedsLogin)
	for _, says := range []string{serviceID, "LOGIN_FAILED", "Login failed: wrong service user id or secret key", "does not try again"} {
		if !strings.Contains(ev.Status.Message, says) {
			t.Errorf("needs_login message %q does not say %q", ev.Status.Message, says)
		}
	}
	_, err := h.agent.Token(context.Background(), 0)
	if agent.KindOf(err) != agent.KindNeedsLogin || !strings.Contains(err.Error(), "LOGIN_FAILED") {
		t.Errorf("Token = %v, want needs_login with BioT's code", err)
	}
	// An hour on, with tokens asked for all along: the secret was sent once.
	for range 60 {
		clock.Advance(time.Minute)
		_, _ = h.agent.Token(context.Background(), 0)
	}
	if st := h.sim.Stats(); st.ServiceRejected != 1 || st.ServiceSignIns != 0 {
		t.Errorf("BioT saw the secret %d times (%d sign-ins); want once", st.ServiceRejected, st.ServiceSignIns)
	}
	if n := source.reads.Load(); n != 1 {
		t.Errorf("the secret was read %d times, want once", n)
	}

	// The right secret, and someone asking: signed in again.
	source.secret.Store(serviceSecret)
	if err := h.agent.SignIn(context.Background()); err != nil {
		t.Fatalf("SignIn with the right secret: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	h.token(0)
}

func TestLockedServiceUser(t *testing.T) {
	t.Run("from the start", func(t *testing.T) {
		clock := fakeclock.New(time.Now())
		h, _ := startService(t, serviceOptions{clock: clock, locked: true})
		ev := h.waitState(agent.StateNeedsLogin)
		if !strings.Contains(ev.Status.Message, "SERVICE_LOCKED") || !strings.Contains(ev.Status.Message, "is locked") {
			t.Errorf("needs_login message %q does not say the service user is locked", ev.Status.Message)
		}
		clock.Advance(time.Hour)
		if _, err := h.agent.Token(context.Background(), 0); agent.KindOf(err) != agent.KindNeedsLogin {
			t.Errorf("Token = %v, want needs_login", err)
		}
		if st := h.sim.Stats(); st.ServiceRejected != 1 {
			t.Errorf("BioT saw %d tries, want 1", st.ServiceRejected)
		}
	})
	t.Run("midway", func(t *testing.T) {
		clock := fakeclock.New(time.Now())
		h, _ := startService(t, serviceOptions{clock: clock, ttl: 10 * time.Minute})
		st := h.expiresAfter(time.Time{})
		h.sim.LockServiceUser(serviceID, true)
		clock.Advance(st.NextRefreshAt.Sub(clock.Now()))
		h.waitState(agent.StateNeedsLogin)
		// The token it had is still valid at BioT, but the session is over.
		if _, err := h.agent.Token(context.Background(), 0); agent.KindOf(err) != agent.KindNeedsLogin {
			t.Errorf("Token = %v, want needs_login", err)
		}
		clock.Advance(time.Hour)
		if st := h.sim.Stats(); st.ServiceRejected != 1 || st.ServiceSignIns != 1 {
			t.Errorf("BioT saw %d sign-ins and %d refusals; want 1 and 1", st.ServiceSignIns, st.ServiceRejected)
		}
	})
}

func TestSwappedSecretIsUsedAtTheNextSignIn(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h, source := startService(t, serviceOptions{clock: clock})
	st := h.expiresAfter(time.Time{})

	const newSecret = "robot-Secret-rotated-7g8h9i"
	h.sim.SetServiceSecret(serviceID, newSecret)
	source.secret.Store(newSecret)
	clock.Advance(st.NextRefreshAt.Sub(clock.Now()))
	h.expiresAfter(*st.AccessExpiresAt)
	if st := h.sim.Stats(); st.ServiceSignIns != 2 || st.ServiceRejected != 0 {
		t.Errorf("BioT saw %d sign-ins and %d refusals; want 2 and 0", st.ServiceSignIns, st.ServiceRejected)
	}
	h.token(0)
}

func TestUnreadableSecretSaysWhy(t *testing.T) {
	source := newSecretSource("")
	source.err.Store(errors.New("open /etc/biot/secret: permission denied"))
	h, _ := startService(t, serviceOptions{source: source})
	ev := h.waitState(agent.StateNeedsLogin)
	if !strings.Contains(ev.Status.Message, "could not read the secret key of service user "+serviceID) ||
		!strings.Contains(ev.Status.Message, "permission denied") {
		t.Errorf("message %q", ev.Status.Message)
	}
	if n := h.sim.Stats().ByPath[biotsim.PathService]; n != 0 {
		t.Errorf("BioT was asked %d times with no secret", n)
	}
}

func TestServiceOutageBacksOffAndRecovers(t *testing.T) {
	for _, fault := range []biotsim.Fault{biotsim.Fault500, biotsim.FaultFirewall, biotsim.FaultDown} {
		t.Run(fault.String(), func(t *testing.T) {
			clock := fakeclock.New(time.Now())
			h, _ := startService(t, serviceOptions{clock: clock, ttl: time.Minute, backoff: 5 * time.Second, jitter: func() float64 { return 0.5 }})
			st := h.expiresAfter(time.Time{})
			served := h.token(0)

			h.sim.SetFaultFor(fault, biotsim.PathService)
			clock.Advance(st.NextRefreshAt.Sub(clock.Now()))
			h.waitState(agent.StateOffline)
			// The token is still valid: served while offline.
			if tok := h.token(0); tok.Token != served.Token {
				t.Error("offline, the agent served another token")
			}
			// Backoff: one more try each time it has passed, never a storm.
			tries := h.sim.Stats().ByPath[biotsim.PathService]
			for i := 1; i <= 3; i++ {
				clock.Advance(2500 * time.Millisecond) // 0.5 of the 5 s ceiling
				h.waitEvent(func(agent.Event) bool { return h.sim.Stats().ByPath[biotsim.PathService] >= tries+i }, "one more try")
			}
			if n := h.sim.Stats().ByPath[biotsim.PathService]; n != tries+3 {
				t.Errorf("%d tries in three backoffs, want 3", n-tries)
			}
			h.sim.SetFault(biotsim.FaultNone)
			clock.Advance(2500 * time.Millisecond)
			h.expiresAfter(served.ExpiresAt)
			if st := h.agent.Status(); st.State != agent.StateSignedIn || st.LastRefresh == nil || !st.LastRefresh.OK {
				t.Errorf("after the outage: %+v", st)
			}
			if tok := h.token(0); tok.Token == served.Token {
				t.Error("back online, the old token is still served")
			}
			if st := h.sim.Stats(); st.ServiceRejected != 0 || st.ServiceSignIns != 2 {
				t.Errorf("BioT saw %d sign-ins and %d refusals; want 2 and 0", st.ServiceSignIns, st.ServiceRejected)
			}
		})
	}
}

func TestConcurrentServiceTokensShareOneSignIn(t *testing.T) {
	clock := fakeclock.New(time.Now())
	h, _ := startService(t, serviceOptions{clock: clock, ttl: time.Minute, slow: 200 * time.Millisecond})
	st := h.expiresAfter(time.Time{})
	h.sim.SetFaultFor(biotsim.FaultSlow, biotsim.PathService) // hold the sign-in so callers pile up
	before := h.signIns()
	clock.Advance(st.NextRefreshAt.Sub(clock.Now())) // the sign-in moment: the loop's, and every caller's

	const clients = 200
	var wg sync.WaitGroup
	tokens := make(chan string, clients)
	for range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
			defer cancel()
			tok, err := h.agent.Token(ctx, 20*time.Second) // more than is left: each wants the new token
			if err != nil {
				t.Errorf("a client got no token: %v", err)
				return
			}
			tokens <- tok.Token
		}()
	}
	wg.Wait()
	close(tokens)
	distinct := map[string]bool{}
	for tok := range tokens {
		distinct[tok] = true
		h.secrets = append(h.secrets, tok)
	}
	if n := h.signIns() - before; n != 1 {
		t.Errorf("%d clients at the sign-in moment caused %d sign-ins, want 1", clients, n)
	}
	if len(distinct) != 1 {
		t.Errorf("clients got %d different tokens, want the one new token", len(distinct))
	}
}

func TestAServiceUserIsNoPerson(t *testing.T) {
	h, _ := startService(t, serviceOptions{ttl: time.Minute})
	h.expiresAfter(time.Time{})
	ctx := context.Background()
	if err := h.agent.Login(ctx, user, password); agent.KindOf(err) != agent.KindBadRequest {
		t.Errorf("Login = %v, want bad_request", err)
	}
	if _, err := h.agent.RequestCode(ctx, phone); agent.KindOf(err) != agent.KindBadRequest {
		t.Errorf("RequestCode = %v, want bad_request", err)
	}
	if st := h.sim.Stats(); st.Logins+st.LoginsRejected+st.OTPSent != 0 {
		t.Errorf("BioT was asked to sign a person in: %+v", st)
	}

	// Signed out, it stays so until asked, and nothing was ever stored.
	if err := h.agent.Logout(ctx); err != nil {
		t.Fatal(err)
	}
	h.waitState(agent.StateSignedOut)
	if err := h.agent.Resume(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := h.agent.Token(ctx, 0); agent.KindOf(err) != agent.KindSignedOut {
		t.Errorf("Token after sign-out = %v, want signed_out", err)
	}
	if _, err := h.stored(); !errors.Is(err, agent.ErrNoSession) {
		t.Errorf("a service user's session was stored: %v", err)
	}
	if err := h.agent.SignIn(ctx); err != nil {
		t.Fatalf("SignIn: %v", err)
	}
	h.waitState(agent.StateSignedIn)
	if n := h.signIns(); n != 2 {
		t.Errorf("%d sign-ins, want 2", n)
	}

	// A person's agent has no service user to sign in.
	p := start(t, options{})
	if err := p.agent.SignIn(ctx); agent.KindOf(err) != agent.KindBadRequest {
		t.Errorf("SignIn of a person = %v, want bad_request", err)
	}
	if st := p.agent.Status(); st.Identity != agent.IdentityUser {
		t.Errorf("a person's identity = %q", st.Identity)
	}
}

func TestServiceConfigIsChecked(t *testing.T) {
	c, err := biot.New("https://127.0.0.1:1", nil, "test")
	if err != nil {
		t.Fatal(err)
	}
	for _, svc := range []*agent.ServiceIdentity{{ID: serviceID}, {Secret: newSecretSource("x").read}} {
		if _, err := agent.New(agent.Config{Client: c, Store: keyring.NewMemory("test"), Service: svc}); err == nil {
			t.Errorf("New accepted %+v", svc)
		}
	}
}

// A service environment beside a person's: each signs in as what it is, and
// a change of identity under the same name starts the environment afresh.
func TestServiceEnvironments(t *testing.T) {
	sim := newSim(t, biotsim.Options{
		Users:        []biotsim.User{{Username: user, Password: password}},
		ServiceUsers: []biotsim.ServiceUser{{ID: serviceID, Secret: serviceSecret, AccessTokenExpirationInMinutes: 5}},
	})
	source := newSecretSource(serviceSecret)
	robot := &agent.ServiceIdentity{ID: serviceID, Secret: source.read}
	h := startEnvs(t, nil, []*biotsim.Server{sim}, []agent.Env{
		{Name: "dev", URL: sim.URL()},
		{Name: "ci", URL: sim.URL(), Service: robot},
	}, "dev")
	h.login("dev", user, password)
	if tok := h.token("ci", 0); tok.Username != serviceID || tok.UserID != serviceID {
		t.Errorf("ci's token is %q's (%q), want the service user's", tok.Username, tok.UserID)
	}
	byName := map[string]agent.Status{}
	for _, st := range h.envs.Statuses() {
		byName[st.Env] = st
	}
	if byName["dev"].Identity != agent.IdentityUser || byName["ci"].Identity != agent.IdentityService {
		t.Errorf("identities: dev %q, ci %q", byName["dev"].Identity, byName["ci"].Identity)
	}

	// The same settings again: ci's agent stays, and does not sign in anew.
	ci := h.get("ci")
	if err := h.envs.Set([]agent.Env{{Name: "dev", URL: sim.URL()}, {Name: "ci", URL: sim.URL(), Service: robot}}, "dev"); err != nil {
		t.Fatal(err)
	}
	if h.get("ci") != ci || sim.Stats().ServiceSignIns != 1 {
		t.Errorf("an unchanged service environment was started again (%d sign-ins)", sim.Stats().ServiceSignIns)
	}
	// ci becomes a person's: a new agent, signed out, and no service user.
	if err := h.envs.Set([]agent.Env{{Name: "dev", URL: sim.URL()}, {Name: "ci", URL: sim.URL()}}, "dev"); err != nil {
		t.Fatal(err)
	}
	if a := h.get("ci"); a == ci || a.Status().Identity != agent.IdentityUser {
		t.Errorf("ci after its identity changed: the same agent %v, identity %q", a == ci, a.Status().Identity)
	}
	if strings.Contains(h.logs.String(), serviceSecret) {
		t.Errorf("the secret reached the log:\n%s", h.logs)
	}
}
