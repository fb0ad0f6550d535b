package signin

import (
	"crypto/x509"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"biot-agent/agent"
	"biot-agent/internal/biotsim"
)

// The environment step checks the URL against BioT as doctor does, so
// these tests put real HTTPS servers behind it: the simulator, healthy or
// failing as a network fails. The page itself is the real server on
// 127.0.0.1, as in every test here.

func newBioT(t *testing.T) *biotsim.Server {
	t.Helper()
	sim, err := biotsim.New(biotsim.Options{})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// envForm is the environment step's fields.
func envForm(rawURL, name string) url.Values {
	return url.Values{"action": {"environment"}, "url": {rawURL}, "name": {name}}
}

func TestAddAnEnvironmentThenSignIn(t *testing.T) {
	sim := newBioT(t)
	e := newEnv(t, envOptions{roots: sim.CertPool()})
	add := e.startAdd()
	page := e.get(add)
	wantStatus(t, page, http.StatusOK)
	wantText(t, page.body, "<title>Add a BioT environment · BioT agent</title>", "Add a BioT environment",
		`<label for="url">BioT URL</label>`, `<label for="name">Short name</label>`, "Rest API URL",
		`id="url" name="url" value="" inputmode="url"`, `value="environment">Continue</button>`)
	wantNoText(t, page.body, `type="password"`, testBaseURL)

	// Typed without the scheme, as the BioT Console shows it: https.
	host := strings.TrimPrefix(sim.URL(), "https://")
	r := e.submit(page, add, envForm("  "+host+"/  ", "prod"))
	wantStatus(t, r, http.StatusOK)
	if got := e.addedList(); len(got) != 1 || got[0] != "prod "+sim.URL() {
		t.Fatalf("AddEnvironment got %q, want prod and the URL as the agent uses it", got)
	}
	wantText(t, r.body, "<title>Sign in to prod · BioT agent</title>", "Sign in to BioT prod",
		"Environment: <strong>prod</strong> · "+sim.URL(), "BioT answers at this address. Now sign in.", `type="password"`)
	if sim.Stats().HealthChecks != 1 {
		t.Errorf("BioT saw %d health checks, want 1", sim.Stats().HealthChecks)
	}

	// The sign-in goes to prod, not to dev.
	prod := e.backendOf("prod")
	prod.login = func(username, _ string) error {
		prod.setStatus(func(s *agent.Status) { s.State, s.Username = agent.StateSignedIn, username })
		return nil
	}
	r = e.submit(r, add, signInForm(testUser, testPassword))
	wantText(t, r.body, "Signed in as <strong>"+testUser+"</strong> to <strong>prod</strong> ("+host+").")
	if calls := prod.callList(); len(calls) != 1 {
		t.Errorf("prod's calls %q, want one login", calls)
	}
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("dev was called: %q", calls)
	}
	wantExpired(t, e.get(add))
	wantExpired(t, e.submit(page, add, envForm(sim.URL(), "test")))
	if got := e.addedList(); len(got) != 1 {
		t.Errorf("a spent page added %q", got[1:])
	}
}

func TestAddAnEnvironmentSaysWhatIsWrong(t *testing.T) {
	good := newBioT(t)
	untrusted := newBioT(t) // its certificate authority is not among the roots
	sick := newBioT(t)
	tests := []struct {
		name     string
		url      func() string
		envName  string
		fault    biotsim.Fault // of sick's health check
		addErr   error
		want     []string
		wantKept string // the URL the form shows again
	}{
		{name: "no name", url: good.URL, envName: "",
			want: []string{"Choose another short name", "1 to 32 lower-case letters", "biot-agent token --env NAME"}},
		{name: "capitals", url: good.URL, envName: "Prod", want: []string{"Choose another short name"}},
		{name: "starts with a dash", url: good.URL, envName: "-prod", want: []string{"Choose another short name"}},
		{name: "underscore", url: good.URL, envName: "prod_eu", want: []string{"Choose another short name"}},
		{name: "space", url: good.URL, envName: "prod eu", want: []string{"Choose another short name"}},
		{name: "33 characters", url: good.URL, envName: strings.Repeat("a", 33), want: []string{"Choose another short name"}},
		{name: "taken", url: good.URL, envName: "dev",
			want: []string{"There is an environment named dev already", "sign in to dev from the BioT agent’s menu"}},
		{name: "no URL", url: func() string { return "" }, envName: "prod", want: []string{"The URL is missing", "Rest API URL"}},
		{name: "plain http", url: func() string { return "http://api.dev.example.biot-med.com" }, envName: "prod",
			want: []string{"This is not a BioT URL the agent can use", "http://api.dev.example.biot-med.com is not allowed: credentials would travel in clear text; use https"}},
		{name: "another scheme", url: func() string { return "ftp://api.dev.example.biot-med.com" }, envName: "prod",
			want: []string{"This is not a BioT URL the agent can use", `Scheme "ftp" is not supported: use https`}},
		{name: "a query", url: func() string { return good.URL() + "/?x=1" }, envName: "prod",
			want: []string{"This is not a BioT URL the agent can use", "The URL must not have a query (?...)."}},
		{name: "a password in it", url: func() string { return "https://ana:hunter2@" + strings.TrimPrefix(good.URL(), "https://") }, envName: "prod",
			want: []string{"The URL must not hold a username or password."}, wantKept: good.URL()},
		{name: "untrusted certificate", url: untrusted.URL, envName: "prod",
			want: []string{"The certificate of " + hostPort(untrusted.URL()) + " is not trusted", "root certificate must be installed"}},
		{name: "nobody there", url: func() string { return "https://127.0.0.1:1" }, envName: "prod",
			want: []string{"127.0.0.1:1 cannot be reached (connection refused)", "Check the URL, the network connection"}},
		{name: "a portal answers", url: sick.URL, envName: "prod", fault: biotsim.FaultHTMLPage,
			want: []string{hostPort(sick.URL()) + " is not BioT", "a sign-in portal or proxy"}},
		{name: "a firewall answers", url: sick.URL, envName: "prod", fault: biotsim.FaultFirewall,
			want: []string{"A firewall or proxy answered, not BioT", "HTTP 403"}},
		{name: "BioT is down", url: sick.URL, envName: "prod", fault: biotsim.Fault500,
			want: []string{"BioT’s health check failed", "HTTP 500 INTERNAL_SERVER_ERROR", "BioT may be down"}},
		{name: "the connection drops", url: sick.URL, envName: "prod", fault: biotsim.FaultDown,
			want: []string{hostPort(sick.URL()) + " cannot be reached"}},
		{name: "the configuration refuses", url: good.URL, envName: "prod", addErr: errors.New("config.toml is read-only"),
			want: []string{"The environment could not be added", "config.toml is read-only"}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			sick.SetFaultFor(tt.fault, biotsim.PathHealth)
			e := newEnv(t, envOptions{roots: trust(good, sick)})
			e.addErr = tt.addErr
			add := e.startAdd()
			r := e.submit(e.get(add), add, envForm(tt.url(), tt.envName))
			wantStatus(t, r, http.StatusOK)
			wantText(t, r.body, append([]string{`role="alert"`, "Add a BioT environment"}, tt.want...)...)
			wantNoText(t, r.body, `type="password"`, "hunter2")
			kept := tt.wantKept
			if kept == "" {
				kept = tt.url()
			}
			wantText(t, r.body, `name="url" value="`+kept+`"`, `name="name" value="`+strings.TrimSpace(tt.envName)+`"`)
			if got := e.addedList(); len(got) != 0 && tt.addErr == nil {
				t.Errorf("added %q although the step failed", got)
			}
			if e.backendOf("prod") != nil {
				t.Error("prod can be signed in to")
			}
			if strings.Contains(e.logs.String(), "hunter2") {
				t.Error("the URL's password reached the log")
			}
		})
	}
}

// trust is a pool of the simulators' certificate authorities.
func trust(sims ...*biotsim.Server) *x509.CertPool {
	pool := x509.NewCertPool()
	for _, s := range sims {
		pool.AppendCertsFromPEM(s.CACertPEM())
	}
	return pool
}

func hostPort(raw string) string {
	u, err := url.Parse(raw)
	if err != nil {
		panic(err)
	}
	return u.Host
}

// A page takes only the actions of its step: nobody can sign in from the
// environment step (there is nobody to sign in to yet, and "" must not
// stand for the default), and a sign-in page adds no environment.
func TestEachStepTakesOnlyItsActions(t *testing.T) {
	sim := newBioT(t)
	e := newEnv(t, envOptions{roots: sim.CertPool()})
	add := e.startAdd()
	page := e.get(add)
	for _, f := range []url.Values{
		signInForm(testUser, testPassword),
		{"action": {"code"}, "code": {"123456"}},
		{"action": {"resend"}},
		{"action": {"restart"}},
		{"action": {"nonsense"}},
	} {
		wantStatus(t, e.submit(page, add, f), http.StatusBadRequest)
	}
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("the add page reached dev: %q", calls)
	}

	signIn := e.start()
	wantStatus(t, e.submit(e.get(signIn), signIn, envForm(sim.URL(), "prod")), http.StatusBadRequest)
	if got := e.addedList(); len(got) != 0 || sim.Stats().HealthChecks != 0 {
		t.Errorf("a sign-in page added %q after %d health checks", got, sim.Stats().HealthChecks)
	}
}

// The environment step is behind the same guards as the sign-in: a form
// without the page's token adds nothing and asks BioT nothing.
func TestAddPageGuards(t *testing.T) {
	sim := newBioT(t)
	e := newEnv(t, envOptions{roots: sim.CertPool()})
	add := e.startAdd()
	page := e.get(add)
	wantNoText(t, page.body, "<script", " src=", " href=", "url(", "@import", "javascript:", "http")
	f := envForm(sim.URL(), "prod")
	wantStatus(t, e.post(e.client, add, f, originOf(add)), http.StatusForbidden)
	f.Set("csrf", csrfOf(t, page.body))
	wantStatus(t, e.post(e.client, add, f, "http://evil.example"), http.StatusForbidden)
	wantStatus(t, e.post(&http.Client{}, add, f, originOf(add)), http.StatusForbidden) // no cookie
	if got := e.addedList(); len(got) != 0 || sim.Stats().HealthChecks != 0 {
		t.Errorf("a refused POST added %q after %d health checks", got, sim.Stats().HealthChecks)
	}
	// A second page ends the add page.
	e.start()
	wantExpired(t, e.get(add))
}

func TestStartNeedsAnEnvironment(t *testing.T) {
	e := newEnv(t)
	if _, err := e.srv.Start(t.Context(), "prod"); agent.KindOf(err) != agent.KindUnknownEnvironment {
		t.Errorf("Start for an unknown environment: %v", err)
	}
	noAdd := New(e.lookup, Options{})
	defer noAdd.Close()
	if _, err := noAdd.StartAdd(t.Context()); err == nil {
		t.Error("StartAdd without AddEnvironment made a page")
	}
}

// A page whose environment is no longer configured cannot go on.
func TestPageOfARemovedEnvironmentIsDead(t *testing.T) {
	e := newEnv(t)
	page := e.get(e.url)
	e.mu.Lock()
	delete(e.envs, "dev")
	e.mu.Unlock()
	wantExpired(t, e.get(e.url))
	wantExpired(t, e.submit(page, e.url, signInForm(testUser, testPassword)))
	if calls := e.b.callList(); len(calls) != 0 {
		t.Errorf("the removed environment was called: %q", calls)
	}
}
