package cli

import (
	"context"
	"fmt"
	"log/slog"
	"os"
	"sync"
	"sync/atomic"

	"biot-agent/agent"
	"biot-agent/agent/keyring"
	"biot-agent/internal/config"
)

// sources is where the environments come from, in the order that wins: a
// URL on the command line (--url), then $BIOT_URL, each the environment
// "default" and the default; the config file's environments; and, when
// nothing at all is configured, the URL of the session saved last (a
// person who gave a URL once, before environments had names, finds it
// again). run serves what they say, and doctor checks it: one reading for
// both.
type sources struct {
	path    string // the config file
	flagURL string
}

// newSources finds the config file; flagURL is --url, if given.
func newSources(flagURL string) (*sources, error) {
	path, err := config.Path()
	if err != nil {
		return nil, err
	}
	return &sources{path: path, flagURL: flagURL}, nil
}

// read answers the environments the sources say, and, for each, where it
// came from in words (the config file's path, "--url", "BIOT_URL", "the
// last session").
func (s *sources) read() (config.Config, map[string]string, error) {
	cfg, err := config.Load(s.path)
	if err != nil {
		return config.Config{}, nil, err
	}
	from := map[string]string{}
	for name := range cfg.Environments {
		from[name] = s.path
	}
	given, by := s.flagURL, "--url"
	if given == "" {
		given, by = os.Getenv("BIOT_URL"), "BIOT_URL"
	}
	if given == "" && len(cfg.Environments) == 0 {
		if u, err := keyring.LastBaseURL(""); err == nil && u != "" {
			given, by = u, "the last session"
		}
	}
	if given != "" {
		if cfg, err = cfg.WithURL(given, by); err != nil {
			return config.Config{}, nil, usagef("%v", err)
		}
		from[config.DefaultName] = by
	}
	return cfg, from, nil
}

// agentEnvs is cfg's environments in the agent's terms. secret answers
// the function that reads a service environment's secret key.
func agentEnvs(cfg config.Config, secret func(name string) func(context.Context) (string, error)) []agent.Env {
	var out []agent.Env
	for _, name := range cfg.Names() {
		e := cfg.Environments[name]
		v := agent.Env{Name: name, URL: e.URL, ReadOnly: e.ReadOnly}
		if e.IsService() {
			v.Service = &agent.ServiceIdentity{ID: e.ServiceUserID, Secret: secret(name)}
		}
		out = append(out, v)
	}
	return out
}

// served keeps the agent's environments what the sources say: at start,
// each time the config file changes, and when an environment is added
// from the tray or the command line.
type served struct {
	src  *sources
	envs *agent.Environments
	log  *slog.Logger
	// secrets is where service users' secret keys come from besides the
	// config file.
	secrets secretSources

	mu  sync.Mutex // one reload at a time
	cfg config.Config
	// current is the configuration being applied or applied last, for
	// the service users' sign-ins, which must not wait for mu.
	current atomic.Pointer[config.Config]
}

// reload reads the sources again and applies them. A file that does not
// parse changes nothing: the agent goes on with what it had, and says why.
func (s *served) reload() error {
	s.mu.Lock()
	defer s.mu.Unlock()
	cfg, _, err := s.src.read()
	if err != nil {
		return err
	}
	prev := s.current.Swap(&cfg)
	if err := s.envs.Set(agentEnvs(cfg, s.serviceSecret), cfg.DefaultEnvironment()); err != nil {
		s.current.Store(prev)
		return err
	}
	s.cfg = cfg
	return nil
}

// config is the configuration applied last.
func (s *served) config() config.Config {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.cfg
}

// watch reloads each time the config file may have changed, until ctx
// ends.
func (s *served) watch(ctx context.Context) {
	ticks, err := config.Watch(ctx, s.src.path)
	if err != nil {
		s.log.Warn("the config file is not watched: changes to it need a restart", "file", s.src.path, "err", err)
		return
	}
	for range ticks {
		if err := s.reload(); err != nil {
			s.log.Warn("the config file changed but cannot be used; going on with what it said before", "err", err)
			continue
		}
		s.log.Info("the config file changed; environments now", "names", s.config().Names())
	}
}

// add writes the environment name at url to the config file and serves it
// at once, without waiting for the file's watch.
func (s *served) add(_ context.Context, name, url string) error {
	if cur, ok := s.config().Environments[name]; ok {
		if cur.URL == url {
			return nil
		}
		return fmt.Errorf("an environment named %s is already configured, at %s", name, cur.URL)
	}
	ch, err := config.Add(s.src.path, name, url)
	if err != nil {
		return err
	}
	s.log.Info("environment added", "env", name, "url", url, "file", ch.Path)
	return s.reload()
}
