package signin_test

import (
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/desktoptest"
	"biot-agent/internal/testkit"
	"biot-agent/tray/signin"
)

// These tests put a real browser (Debian's chromium, headless) in front of
// a real sign-in page, real agents and the BioT simulator over HTTPS:
// nothing is faked but the session store, kept in memory.

const chromiumPath = "/usr/bin/chromium"

var (
	ana = biotsim.User{Username: "ana@example.com", Password: "correct horse battery staple"}
	bob = biotsim.User{Username: "bob@example.com", Password: "bob's long passphrase", MFAPhone: "+12345678901"}
)

// world is the agents of the configured environments (at first "dev",
// against one simulator), with their sign-in server. Environments added
// from the page go to agent.Environments.Set, as the agent's configuration
// does.
type world struct {
	t    *testing.T
	sim  *biotsim.Server
	envs *agent.Environments
	a    *agent.Agent // dev's
	srv  *signin.Server
	logs *testkit.SyncBuffer

	mu   sync.Mutex
	sims map[string]*biotsim.Server // by URL

	confMu sync.Mutex // one add at a time; not mu, which the agents' client maker takes
	conf   []agent.Env
}

// worldOptions tune newWorld.
type worldOptions struct {
	noEnv bool              // start with no environment configured
	roots *x509.CertPool    // what the URL check trusts; default the simulators'
	sims  []*biotsim.Server // more simulators the agents may reach
}

func newWorld(t *testing.T, opts ...worldOptions) *world {
	t.Helper()
	var o worldOptions
	if len(opts) > 0 {
		o = opts[0]
	}
	w := &world{t: t, sim: newSim(t), logs: &testkit.SyncBuffer{}, sims: map[string]*biotsim.Server{}}
	for _, s := range append(o.sims, w.sim) {
		w.sims[s.URL()] = s
	}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	var err error
	w.envs, err = agent.NewEnvironments(agent.Config{Store: keyring.NewMemory("test"), Logger: log}, func(url string) (*biot.Client, error) {
		w.mu.Lock()
		sim, ok := w.sims[url]
		w.mu.Unlock()
		if !ok {
			return nil, fmt.Errorf("no simulator at %s", url)
		}
		return biot.New(url, biot.NewHTTPClient(sim.CertPool()), "signin-test")
	})
	if err != nil {
		t.Fatal(err)
	}
	if !o.noEnv {
		w.conf = []agent.Env{{Name: "dev", URL: w.sim.URL()}}
		if err := w.envs.Set(w.conf, ""); err != nil {
			t.Fatal(err)
		}
		if w.a, err = w.envs.Get("dev"); err != nil {
			t.Fatal(err)
		}
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.envs.Run(ctx); close(done) }()
	roots := o.roots
	if roots == nil {
		roots = x509.NewCertPool()
		for _, s := range w.sims {
			roots.AppendCertsFromPEM(s.CACertPEM())
		}
	}
	w.srv = signin.New(signin.Agents(w.envs), signin.Options{Logger: log, AddEnvironment: w.add, Roots: roots, Version: "signin-test"})
	t.Cleanup(func() {
		_ = w.srv.Close()
		cancel()
		<-done
		for _, secret := range []string{ana.Password, bob.Password, "wrong password!"} {
			if strings.Contains(w.logs.String(), secret) {
				t.Errorf("a password reached the log:\n%s", w.logs)
			}
		}
	})
	return w
}

func newSim(t *testing.T) *biotsim.Server {
	t.Helper()
	sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{ana, bob}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	return sim
}

// add is the configuration's AddEnvironment: the environments, and one
// more.
func (w *world) add(_ context.Context, name, url string) error {
	w.confMu.Lock()
	defer w.confMu.Unlock()
	conf := append(slices.Clone(w.conf), agent.Env{Name: name, URL: url})
	if err := w.envs.Set(conf, ""); err != nil {
		return err
	}
	w.conf = conf
	return nil
}

// start opens a fresh sign-in page for dev.
func (w *world) start() string {
	w.t.Helper()
	u, err := w.srv.Start(w.t.Context(), "dev")
	if err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	return u
}

// addPage opens a fresh page that adds an environment.
func (w *world) addPage() string {
	w.t.Helper()
	u, err := w.srv.StartAdd(w.t.Context())
	if err != nil {
		w.t.Fatalf("StartAdd: %v", err)
	}
	return u
}

// wantSignedIn checks that dev's agent holds a session for username and
// serves a token for it.
func (w *world) wantSignedIn(username string) {
	w.t.Helper()
	w.wantSignedInTo("dev", username)
}

// wantSignedInTo checks that env's agent holds a session for username and
// serves a token for it.
func (w *world) wantSignedInTo(env, username string) {
	w.t.Helper()
	a, err := w.envs.Get(env)
	if err != nil {
		w.t.Fatal(err)
	}
	st := a.Status()
	if st.State != agent.StateSignedIn || st.Username != username {
		w.t.Fatalf("%s is %s as %q, want signed_in as %s", env, st.State, st.Username, username)
	}
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	if tok, err := a.Token(ctx, 0); err != nil || tok.Username != username {
		w.t.Fatalf("Token: %+v, %v", tok.Username, err)
	}
}

// logout signs the agent out so the next sign-in starts afresh.
func (w *world) logout() {
	w.t.Helper()
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	if err := w.a.Logout(ctx); err != nil {
		w.t.Fatal(err)
	}
}

// browser starts a headless chromium for t and answers its context.
func browser(t *testing.T, extra ...chromedp.ExecAllocatorOption) context.Context {
	t.Helper()
	if _, err := os.Stat(chromiumPath); err != nil {
		msg := "no chromium at " + chromiumPath + " (apt-get install chromium): " + err.Error()
		if desktoptest.Required() {
			t.Fatal(msg)
		}
		t.Skip(msg)
	}
	opts := append([]chromedp.ExecAllocatorOption{
		chromedp.ExecPath(chromiumPath),
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
	}, extra...)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancelCtx := chromedp.NewContext(actx)
	t.Cleanup(func() { cancelCtx(); cancelAlloc() })
	// The first Do starts the browser and must have no deadline (see
	// chromedp.Run). The viewport is the size of the README's pictures.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(720, 600)); err != nil {
		t.Fatalf("chromium: %v", err)
	}
	return ctx
}

// do runs browser steps with a deadline.
func do(t *testing.T, ctx context.Context, what string, steps ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, steps...); err != nil {
		t.Fatalf("%s: %v", what, err)
	}
}

// run runs one browser action that answers a value, with a deadline.
func run[T any](t *testing.T, ctx context.Context, what string, a chromedp.Action[T]) T {
	t.Helper()
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	v, err := chromedp.Run(ctx, a)
	if err != nil {
		t.Fatalf("%s: %v", what, err)
	}
	return v
}

// wantText checks that the element sel shows every part.
func wantText(t *testing.T, ctx context.Context, sel string, parts ...string) {
	t.Helper()
	text := run(t, ctx, "read "+sel, chromedp.Text(chromedp.CSS(sel)))
	for _, p := range parts {
		if !strings.Contains(text, p) {
			t.Errorf("%s says %q, which lacks %q", sel, text, p)
		}
	}
}

// wantClean checks what the browser shows after a POST: the page's own
// URL with no query, and no password anywhere in the document.
func wantClean(t *testing.T, ctx context.Context, pageURL string, secrets ...string) {
	t.Helper()
	if loc := run(t, ctx, "location", chromedp.Location()); loc != pageURL {
		t.Errorf("the browser is at %s, want %s", loc, pageURL)
	}
	doc := run(t, ctx, "document", chromedp.OuterHTML(chromedp.CSS("html")))
	for _, s := range secrets {
		if strings.Contains(doc, s) {
			t.Errorf("the page shows a password:\n%s", doc)
		}
	}
}

// screenshot saves the viewport as name in the test's temp dir and, for
// the README's pictures, also in the directory BIOT_AGENT_SCREENSHOTS
// names, if any.
func screenshot(t *testing.T, ctx context.Context, dir, name string, readme bool) {
	t.Helper()
	png := run(t, ctx, "screenshot", chromedp.CaptureScreenshot())
	dirs := []string{dir}
	if d := os.Getenv("BIOT_AGENT_SCREENSHOTS"); d != "" && readme {
		if err := os.MkdirAll(d, 0o755); err != nil {
			t.Fatal(err)
		}
		dirs = append(dirs, d)
	}
	for _, d := range dirs {
		if err := os.WriteFile(filepath.Join(d, name), png, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	t.Logf("screenshot %s", filepath.Join(dir, name))
}

// darkMode makes the page see prefers-color-scheme: dark.
func darkMode() chromedp.Action[chromedp.Void] {
	return chromedp.Func(func(ctx context.Context, t *chromedp.Target) error {
		_, err := cdp.Call(ctx, t, emulation.SetEmulatedMedia, emulation.SetEmulatedMediaParams{
			Features: []*emulation.MediaFeature{{Name: "prefers-color-scheme", Value: "dark"}},
		})
		return err
	})
}
