package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net/http"
	"os"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/autostart"
	"biot-agent/internal/localapi"
	"biot-agent/ipc"
	"biot-agent/tray"
	"biot-agent/tray/signin"
)

func runCmd() *command {
	var o runOptions
	return &command{
		name:    "run",
		summary: "run the agent in the foreground (what the desktop starts)",
		usage:   "[--headless] [--url URL]",
		help: `Runs the agent: it resumes the saved session (no password needed), keeps it
fresh, and serves tokens on its socket until it is stopped.

The BioT URL is --url, else $BIOT_URL, else url = "..." in
$XDG_CONFIG_HOME/biot-agent/config.toml, else the one saved with the last
session. It must be https:// (http:// only for a loopback address).`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&o.headless, "headless", false, "no tray icon, even on a desktop")
			fs.StringVar(&o.url, "url", "", "the BioT environment's Rest API `URL`")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("run takes no arguments")
			}
			return runAgent(ctx, e, o)
		},
	}
}

type runOptions struct {
	headless bool
	url      string

	// Set by the demo: the simulator's certificate and an in-memory store.
	roots *x509.CertPool
	store agent.Store
	ready func(socket string) // called once the socket answers
}

// keyringTimeout bounds the store's first look at the OS keyring, and each
// look when a Secret Service appears.
const keyringTimeout = 5 * time.Second

// runAgent builds the parts, serves until ctx ends, and takes them down.
func runAgent(ctx context.Context, e *env, o runOptions) error {
	disableCoreDumps()
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))

	path, err := ipc.SocketPath()
	if err != nil {
		return err
	}
	// The socket first: a second agent stops here, before it touches the
	// keyring or BioT.
	l, err := ipc.Listen(path)
	if err != nil {
		return err
	}
	defer l.Close()

	cfg, err := loadConfig()
	if err != nil {
		return err
	}
	// A URL given by the person is checked before the keyring is opened,
	// so a typo is the one thing they read.
	baseURL := configuredURL(o.url, cfg)
	var hc *http.Client
	if o.roots != nil {
		hc = biot.NewHTTPClient(o.roots)
	}
	if baseURL != "" {
		if _, err := biot.New(baseURL, hc, Version()); err != nil {
			return usagef("%v", err)
		}
	}

	// The keyring is asked in the background (store.go): a keyring that
	// hangs must not keep the socket from answering.
	store := o.store
	var fallback *keyring.Fallback
	if store == nil {
		store, fallback = openStore(log)
	}
	if baseURL == "" {
		if baseURL, err = savedURL(ctx, store); err != nil {
			return err
		}
	}
	bc, err := biot.New(baseURL, hc, Version())
	if err != nil {
		return usagef("%v", err)
	}
	a, err := agent.New(agent.Config{Client: bc, Store: store, Logger: log})
	if err != nil {
		return err
	}
	srv := &ipc.Server{Backend: localapi.New(a), Version: Version(), Logger: log}

	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	// Token requests that come while the agent reads the stored session
	// wait for it (agent.Token), so serving at once is safe.
	served := make(chan error, 1)
	go func() { served <- srv.Serve(l) }()
	ran := make(chan error, 1)
	go func() {
		if fallback != nil {
			startStore(ctx, fallback)
		}
		log.Info("session store ready", "store", store.Info().Kind)
		ran <- a.Run(ctx)
	}()
	watched := make(chan struct{})
	go func() {
		defer close(watched)
		if fallback != nil {
			watchKeyring(ctx, fallback, a, log)
		}
	}()

	log.Info("biot-agent serving", "version", Version(), "socket", path, "biot", baseURL)
	if o.ready != nil {
		o.ready(path)
	}
	go func() {
		select {
		case err := <-served:
			served <- err // for the verdict below
			cancel()
		case <-ctx.Done():
		}
	}()
	if o.headless {
		// Said once, like the tray's own "no tray icon" lines, so a person
		// who expected an icon reads why there is none.
		log.Info("no tray icon: --headless")
		<-ctx.Done()
	} else {
		// The tray runs here, on the main goroutine, as systray needs.
		page := signin.New(a, signin.Options{Logger: log})
		defer page.Close()
		terr := tray.Run(ctx, tray.Config{
			Backend:      a,
			SignIn:       page.Start,
			NotifyBefore: cfg.notifyBefore(),
			Autostart:    autostart.LoginItem{},
			Logger:       log,
		})
		if errors.Is(terr, tray.ErrQuit) {
			log.Info("quit from the tray menu")
		} else if terr != nil && !errors.Is(terr, context.Canceled) {
			log.Warn("the tray stopped; the agent goes on without it", "err", terr)
			<-ctx.Done()
		}
	}
	select {
	case err = <-served:
		if !errors.Is(err, http.ErrServerClosed) {
			err = fmt.Errorf("socket server stopped: %w", err)
		}
	default:
	}
	cancel()
	<-ran
	<-watched
	sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer scancel()
	_ = srv.Shutdown(sctx)
	log.Info("biot-agent stopped")
	if err != nil && !errors.Is(err, context.Canceled) {
		return err
	}
	return nil
}

// loadConfig reads config.toml from where ConfigPath says.
func loadConfig() (Config, error) {
	path, err := ConfigPath()
	if err != nil {
		return Config{}, err
	}
	return LoadConfig(path)
}

// configuredURL finds the BioT URL the person gave: the flag, $BIOT_URL or
// the config file; "" when none did.
func configuredURL(flagURL string, cfg Config) string {
	if flagURL != "" {
		return flagURL
	}
	if u := os.Getenv("BIOT_URL"); u != "" {
		return u
	}
	return cfg.URL
}

// savedURL is the environment of the session saved last, when the person
// gave no URL.
func savedURL(ctx context.Context, store agent.Store) (string, error) {
	lctx, cancel := context.WithTimeout(ctx, keyringTimeout)
	defer cancel()
	if u, err := keyring.LastBaseURL(lctx, store); err == nil && u != "" {
		return u, nil
	}
	path, err := ConfigPath()
	if err != nil {
		return "", err
	}
	return "", usagef("no BioT URL: pass --url, set BIOT_URL, or put url = \"https://...\" in %s (or try: biot-agent demo)", path)
}
