package cli

import (
	"context"
	"crypto/x509"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/autostart"
	"biot-agent/internal/localapi"
	"biot-agent/ipc"
	"biot-agent/tray"
	"biot-agent/tray/signin"

	"golang.org/x/sync/errgroup"
)

func runCmd() *command {
	var o runOptions
	return &command{
		name:    "run",
		summary: "run the agent in the foreground (what the desktop starts)",
		usage:   "[--headless] [--url URL]",
		help: `Runs the agent: it serves every BioT environment configured in
$XDG_CONFIG_HOME/biot-agent/config.toml, each with its own session, which
it resumes (no password needed) and keeps fresh, and serves their tokens on
its socket until it is stopped. A change to the file is picked up at once.

--url, else $BIOT_URL, is the environment "default" (and the default); so
is the URL of the session saved last when nothing else is configured. A URL
must be https:// (http:// only for a loopback address). With nothing at all,
the agent starts all the same: add an environment from the tray icon, or
with biot-agent login --url URL -e NAME.

An environment with service_user_id signs in as that service user, with
its secret key from $CREDENTIALS_DIRECTORY, secret_file, the OS keyring or
$BIOT_SERVICE_USER_SECRET_KEY (see the README, "Service users"). SIGHUP
(systemctl reload) signs every service user in again with its key as it
is now; an agent with no service user stops on SIGHUP, as when its
terminal closes. An agent of service users alone needs no desktop, no
keyring and no D-Bus.`,
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
	// secrets: the service users' secret keys' sources besides the
	// config file, as run found them at start.
	secrets secretSources
}

// keyringTimeout bounds the store's first look at the OS keyring, and each
// look when a Secret Service appears.
const keyringTimeout = 5 * time.Second

// runAgent builds the program, runs it until ctx ends or it stops, and
// takes it down.
func runAgent(ctx context.Context, e *env, o runOptions) error {
	disableCoreDumps()
	// First: the secret key's variable leaves the environment before
	// anything could start a child.
	o.secrets = takeSecretSources()
	log := slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{Level: slog.LevelInfo}))
	if len(o.secrets.vars) > 0 {
		// Gone from the environment Go hands on; now from the one the
		// system shows too (/proc/PID/environ, ps e).
		if err := scrubInitialEnv(isSecretVar); err != nil {
			log.Warn("the secret key stays readable in this process's initial environment (/proc/self/environ, to this user and root); prefer LoadCredential= or secret_file", "variable", secretVar+"*", "err", err)
		}
	}
	p, err := build(ctx, log, o)
	if err != nil {
		return err
	}
	return p.run(ctx)
}

// program is a built agent: every part made, nothing started but the
// socket's listener.
type program struct {
	log      *slog.Logger
	socket   string
	listener net.Listener
	store    agent.Store
	fallback *keyring.Fallback // nil when the store is not the OS keyring's
	envs     *agent.Environments
	served   *served
	server   *ipc.Server
	roots    *x509.CertPool // the demo's; nil: the system's
	headless bool
	// quiet: only service users are served, as on a server or in CI,
	// where nobody expects a tray icon: its absence goes unsaid.
	quiet bool
	ready func(socket string)
}

// build makes the parts of the agent. The socket comes first: a second
// agent stops there, before it touches the keyring or BioT. With no
// environment configured it starts all the same: the tray offers to add
// one, and `biot-agent login --url` does from a terminal.
func build(_ context.Context, log *slog.Logger, o runOptions) (p *program, err error) {
	path, err := ipc.SocketPath()
	if err != nil {
		return nil, err
	}
	l, err := ipc.Listen(path)
	if err != nil {
		return nil, err
	}
	defer func() {
		if err != nil {
			l.Close()
		}
	}()
	// What the person configured is read before the keyring is opened, so
	// a typo in a URL is the one thing they read.
	src, err := newSources(o.url)
	if err != nil {
		return nil, err
	}
	cfg, _, err := src.read()
	if err != nil {
		return nil, err
	}
	if err := checkSecretFiles(cfg); err != nil {
		return nil, err
	}
	var hc *http.Client
	if o.roots != nil {
		hc = biot.NewHTTPClient(o.roots)
	}
	// The keyring is asked in the background (store.go): a keyring that
	// hangs must not keep the socket from answering. An agent of service
	// users alone has nothing to keep and opens no keyring: a server or a
	// CI job has no D-Bus.
	store := o.store
	var fallback *keyring.Fallback
	serviceOnly := serviceOnly(cfg)
	switch {
	case store != nil:
	case serviceOnly:
		store = newServiceStore(log)
	default:
		store, fallback = openStore(log)
	}
	envs, err := agent.NewEnvironments(agent.Config{Store: store, Logger: log},
		func(url string) (*biot.Client, error) { return biot.New(url, hc, Version()) })
	if err != nil {
		return nil, err
	}
	sv := &served{src: src, envs: envs, log: log, secrets: o.secrets}
	if err := sv.reload(); err != nil {
		return nil, err
	}
	return &program{
		log:      log,
		socket:   path,
		listener: l,
		store:    store,
		fallback: fallback,
		envs:     envs,
		served:   sv,
		server:   &ipc.Server{Backend: localapi.New(envs), Version: Version(), Logger: log},
		roots:    o.roots,
		headless: o.headless,
		quiet:    serviceOnly,
		ready:    o.ready,
	}, nil
}

// run serves until ctx ends, the tray's Quit, or a part fails; then it
// takes every part down. The parts run in one group: the socket server,
// the session's loop and the keyring's watch; the tray runs here, on the
// main goroutine, as systray needs.
func (p *program) run(ctx context.Context) error {
	g, gctx := errgroup.WithContext(ctx)
	// Token requests that come while the agent reads the stored session
	// wait for it (agent.Token), so serving at once is safe.
	g.Go(func() error {
		if err := p.server.Serve(p.listener); !errors.Is(err, http.ErrServerClosed) {
			return fmt.Errorf("socket server stopped: %w", err)
		}
		return nil
	})
	g.Go(func() error {
		<-gctx.Done()
		sctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		_ = p.server.Shutdown(sctx)
		return nil
	})
	g.Go(func() error {
		if p.fallback != nil {
			startStore(gctx, p.fallback)
		}
		p.log.Info("session store ready", "store", p.store.Info().Kind)
		_ = p.envs.Run(gctx) // ends with gctx
		return nil
	})
	g.Go(func() error {
		p.served.watch(gctx)
		return nil
	})
	g.Go(func() error { return p.served.hangups(gctx) })
	if p.fallback != nil {
		g.Go(func() error {
			watchKeyring(gctx, p.fallback, p.envs, p.log)
			return nil
		})
	}
	p.log.Info("biot-agent serving", "version", Version(), "socket", p.socket, "environments", p.served.config().Names())
	if p.ready != nil {
		p.ready(p.socket)
	}

	quit := p.face(gctx)
	// The face is done: the tray's Quit, or the group ended. Either way
	// the rest stops now.
	g.Go(func() error { return quit })
	err := g.Wait()
	p.log.Info("biot-agent stopped")
	if errors.Is(err, errQuit) || errors.Is(err, errHangup) {
		return nil
	}
	return err
}

// errQuit ends the group when the person quits from the tray.
var errQuit = errors.New("quit from the tray menu")

// face shows the tray until ctx ends or the person quits (errQuit), or,
// headless, just waits for ctx.
func (p *program) face(ctx context.Context) error {
	if p.headless {
		// Said once, like the tray's own "no tray icon" lines, so a person
		// who expected an icon reads why there is none. A server's or a CI
		// job's agent, serving service users alone, expects none.
		if !p.quiet {
			p.log.Info("no tray icon: --headless")
		}
		<-ctx.Done()
		return nil
	}
	page := signin.New(signin.Agents(p.envs), signin.Options{
		Logger:         p.log,
		AddEnvironment: p.served.add,
		Roots:          p.roots,
		Version:        Version(),
	})
	defer page.Close()
	err := tray.Run(ctx, tray.Config{
		Backend:        tray.Agents(p.envs),
		SignIn:         page.Start,
		AddEnvironment: page.StartAdd,
		NotifyBefore:   p.served.config().HeadsUp(),
		Autostart:      autostart.LoginItem{},
		Logger:         p.log,
	})
	switch {
	case errors.Is(err, tray.ErrQuit):
		p.log.Info("quit from the tray menu")
		return errQuit
	case err != nil && !errors.Is(err, context.Canceled):
		p.log.Warn("the tray stopped; the agent goes on without it", "err", err)
		<-ctx.Done()
	}
	return nil
}
