package tray

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"biot-agent/agent"
	"biot-agent/tray/notify"
)

// Backend is what the tray needs from the agents of the configured
// environments; [Agents] makes one of an *agent.Environments. The tray
// follows their events, the first of which are every environment's status
// at the moment of subscribing (see agent.Environments.Subscribe), each
// naming its environment in Status.Env; it calls Token, Logout and
// SignIn, for the environment so named, only when the person asks, and
// never from the systray loop.
type Backend interface {
	Subscribe() (<-chan agent.Event, func())
	Token(ctx context.Context, env string, minValid time.Duration) (agent.Token, error)
	Logout(ctx context.Context, env string) error
	// SignIn signs a service user's environment in again, with its secret
	// key as it is now (agent.Agent.SignIn): a person's "Sign in" there,
	// where there is no page to open.
	SignIn(ctx context.Context, env string) error
}

// Agents is the Backend of envs: Token and Logout go to the agent of the
// environment named. One no longer configured answers an *agent.Error of
// KindUnknownEnvironment.
func Agents(envs *agent.Environments) Backend { return agents{envs} }

type agents struct{ envs *agent.Environments }

func (a agents) Subscribe() (<-chan agent.Event, func()) { return a.envs.Subscribe() }

func (a agents) Token(ctx context.Context, env string, minValid time.Duration) (agent.Token, error) {
	ag, err := a.get(env)
	if err != nil {
		return agent.Token{}, err
	}
	return ag.Token(ctx, minValid)
}

func (a agents) Logout(ctx context.Context, env string) error {
	ag, err := a.get(env)
	if err != nil {
		return err
	}
	return ag.Logout(ctx)
}

func (a agents) SignIn(ctx context.Context, env string) error {
	ag, err := a.get(env)
	if err != nil {
		return err
	}
	return ag.SignIn(ctx)
}

// get finds the agent of env. The tray always names one: "" would mean
// the default environment, which is not what the person clicked.
func (a agents) get(env string) (*agent.Agent, error) {
	if env == "" {
		return nil, &agent.Error{Kind: agent.KindEnvironmentRequired, Message: "tray: no environment named"}
	}
	return a.envs.Get(env)
}

// Autostart turns starting the agent at login on and off (the packaging
// provides it).
type Autostart interface {
	Enabled() (bool, error)
	SetEnabled(on bool) error
}

// Config is what [Run] needs. Backend is required; everything else has a
// default.
type Config struct {
	Backend Backend
	// SignIn starts a sign-in page for the environment named env
	// (package tray/signin: Server.Start) and returns its one-time URL.
	// Nil leaves "Sign in…" disabled and notifications without a "Sign
	// in" button.
	SignIn func(ctx context.Context, env string) (url string, err error)
	// AddEnvironment starts the page that adds a BioT environment, asking
	// for its URL and a short name before the sign-in (package
	// tray/signin: Server.StartAdd), and returns its one-time URL. Nil
	// leaves "Add a BioT environment…" disabled.
	AddEnvironment func(ctx context.Context) (url string, err error)
	// OpenURL opens url in the browser. Default: the commands in $BROWSER
	// when it is set, else github.com/cli/browser.
	OpenURL func(url string) error
	// Notifier shows notifications. Default: notify.New, closed when Run
	// returns.
	Notifier notify.Notifier
	// NotifyBefore is how long before an environment's session ends a
	// heads-up is shown; 0 turns it off.
	NotifyBefore time.Duration
	// Autostart backs the "Start at login" item; nil disables the item.
	Autostart Autostart
	// Copy puts text on the clipboard. Default: wl-copy, xclip or xsel (on
	// macOS pbcopy, on Windows clip), given the text on stdin, never in
	// their arguments.
	Copy func(text string) error
	// Logger receives what the tray does and what went wrong; default
	// slog.Default().
	Logger *slog.Logger
	// Clock is the time source; default agent.SystemClock.
	Clock agent.Clock
}

// ErrQuit is what Run returns when the person chose Quit.
var ErrQuit = errors.New("tray: quit from the tray menu")

// Run shows the tray and blocks until ctx ends (it then returns ctx's
// error) or the person chooses Quit (ErrQuit). It must be called on the
// main goroutine, once per process: fyne.io/systray locks the OS thread in
// its init and runs its loop there.
//
// Without a D-Bus session bus, or with no tray host (no
// StatusNotifierWatcher) on Linux, it logs one line saying why and keeps
// running without an icon, still following the environments and notifying;
// the icon appears when a tray host does.
func Run(ctx context.Context, cfg Config) error {
	if cfg.Backend == nil {
		return errors.New("tray: no backend")
	}
	if cfg.OpenURL == nil {
		cfg.OpenURL = openURL
	}
	if cfg.Copy == nil {
		cfg.Copy = copyText
	}
	if cfg.Logger == nil {
		cfg.Logger = slog.Default()
	}
	if cfg.Clock == nil {
		cfg.Clock = agent.SystemClock{}
	}
	if cfg.Notifier == nil {
		n := notify.New(notify.Options{Logger: cfg.Logger})
		defer n.Close()
		cfg.Notifier = n
	}
	if cfg.NotifyBefore < 0 {
		cfg.NotifyBefore = 0
	}
	t := newTray(cfg)
	ctx, cancel := context.WithCancel(ctx)
	defer cancel()
	stopped := t.start(ctx)
	defer func() { cancel(); <-stopped }()
	return run(ctx, t)
}
