package signin_test

import (
	"context"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/cdp"
	"github.com/chromedp/cdproto/emulation"
	"github.com/chromedp/chromedp"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/testkit"
	"biot-agent/tray/signin"
)

// These tests put a real browser (Debian's chromium, headless) in front of
// a real sign-in page, a real agent and the BioT simulator over HTTPS:
// nothing is faked.

const chromiumPath = "/usr/bin/chromium"

var (
	ana = biotsim.User{Username: "ana@example.com", Password: "correct horse battery staple"}
	bob = biotsim.User{Username: "bob@example.com", Password: "bob's long passphrase", MFAPhone: "+12345678901"}
)

// world is one agent against one simulator, with its sign-in server.
type world struct {
	t    *testing.T
	sim  *biotsim.Server
	a    *agent.Agent
	srv  *signin.Server
	logs *testkit.SyncBuffer
}

func newWorld(t *testing.T) *world {
	t.Helper()
	sim, err := biotsim.New(biotsim.Config{Users: []biotsim.User{ana, bob}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	client, err := biot.New(sim.URL(), biot.NewHTTPClient(sim.CertPool()), "signin-test")
	if err != nil {
		t.Fatal(err)
	}
	w := &world{t: t, sim: sim, logs: &testkit.SyncBuffer{}}
	log := slog.New(slog.NewTextHandler(w.logs, &slog.HandlerOptions{Level: slog.LevelDebug}))
	w.a, err = agent.New(agent.Config{Client: client, Store: keyring.NewMemory("browser test"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { _ = w.a.Run(ctx); close(done) }()
	w.srv = signin.New(w.a, signin.Options{Logger: log})
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

// start opens a fresh sign-in page.
func (w *world) start() string {
	w.t.Helper()
	u, err := w.srv.Start(w.t.Context())
	if err != nil {
		w.t.Fatalf("Start: %v", err)
	}
	return u
}

// wantSignedIn checks that the agent holds a session for username and
// serves a token for it.
func (w *world) wantSignedIn(username string) {
	w.t.Helper()
	st := w.a.Status()
	if st.State != agent.StateSignedIn || st.Username != username {
		w.t.Fatalf("agent is %s as %q, want signed_in as %s", st.State, st.Username, username)
	}
	ctx, cancel := context.WithTimeout(w.t.Context(), 10*time.Second)
	defer cancel()
	if tok, err := w.a.Token(ctx, 0); err != nil || tok.Username != username {
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
		if os.Getenv("BIOT_AGENT_REQUIRE_DESKTOP") == "1" {
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
