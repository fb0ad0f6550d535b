package cli_test

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"biot-agent/internal/config"
	"biot-agent/ipc"
)

// The first environment from a terminal: an agent with nothing configured,
// then `login --url URL -e dev`, which checks the URL, writes it to the
// config file, waits for the agent to serve it, and signs in; a wrong URL
// is refused before anything is written.
func TestLoginWithURLAddsTheFirstEnvironment(t *testing.T) {
	w := newWorld(t, worldOptions{sim: anaSim()})
	// Nothing configured: the agent starts all the same, and answers.
	a := &agentProc{proc: w.start(w.env, "", "run", "--headless"), client: ipc.NewClient(w.socket())}
	t.Cleanup(func() { a.stop() })
	waitFor(t, 20*time.Second, "the agent with no environment to answer", func() bool {
		list, err := a.client.Environments(t.Context())
		return err == nil && len(list.Environments) == 0
	})
	cfgPath := filepath.Join(w.config, "biot-agent", "config.toml")

	res := w.run(anaPW, "login", "--url", "https://127.0.0.1:1", "-e", "dev", "--username", ana, "--password-stdin")
	if res.code == 0 || !strings.Contains(res.stderr, "127.0.0.1:1") {
		t.Fatalf("login --url to nothing: exit %d, %q; want a failure naming the URL", res.code, res.stderr)
	}
	if _, err := os.Stat(cfgPath); !os.IsNotExist(err) {
		t.Fatalf("a URL that does not answer was written to the config file (%v)", err)
	}

	res = w.run(anaPW, "login", "--url", w.sim.URL(), "-e", "dev", "--username", ana, "--password-stdin")
	wantExit(t, res, 0, "login --url")
	for _, want := range []string{"Added the environment dev", "Signed in as " + ana + " to dev"} {
		if !strings.Contains(res.stderr, want) {
			t.Errorf("login --url said %q, want %q", res.stderr, want)
		}
	}
	cfg, err := config.Load(cfgPath)
	if err != nil {
		t.Fatal(err)
	}
	if got := cfg.Environments["dev"].URL; got != w.sim.URL() {
		t.Fatalf("config file's dev is %q, want %q", got, w.sim.URL())
	}
	// The only environment is the default: a plain `token` gets dev's.
	w.wantSelf(w.token(), ana)

	// Again, with the same URL: nothing to add, just a sign-in.
	res = w.run(anaPW, "login", "--url", w.sim.URL(), "-e", "dev", "--username", ana, "--password-stdin")
	wantExit(t, res, 0, "login --url again")
	if strings.Contains(res.stderr, "Added") {
		t.Errorf("a second login --url added the environment again: %q", res.stderr)
	}
	// Another URL under the same name is refused, as a usage mistake.
	res = w.run(anaPW, "login", "--url", "https://127.0.0.1:2", "-e", "dev", "--username", ana, "--password-stdin")
	wantExit(t, res, 2, "login --url with another URL for dev")
}

// `biot-agent environments` asks the running agent who is signed in where:
// in words, and as JSON for scripts.
func TestEnvironmentsListsWhatTheAgentServes(t *testing.T) {
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.writeConfig(configOf("dev", envSection{"dev", w.sim.URL()}, envSection{"prod", w.sim.URL()}))
	a := w.startAgentWith(w.env, "run", "--headless")
	defer a.stop()
	w.loginTo("dev", ana, anaPW)

	res := w.run("", "environments")
	wantExit(t, res, 0, "environments")
	for _, want := range []string{"dev", ana + ", signed in", "default", "prod", "signed out"} {
		if !strings.Contains(res.stdout, want) {
			t.Errorf("environments printed %q, want it to say %q", res.stdout, want)
		}
	}
	res = w.run("", "environments", "--json")
	wantExit(t, res, 0, "environments --json")
	var list []struct {
		Name, URL, State, Username string
		Default                    bool
	}
	if err := json.Unmarshal([]byte(res.stdout), &list); err != nil {
		t.Fatalf("environments --json printed %q: %v", res.stdout, err)
	}
	if len(list) != 2 || list[0].Name != "dev" || list[0].State != "signed_in" || list[0].Username != ana || !list[0].Default ||
		list[1].Name != "prod" || list[1].State != "signed_out" || list[1].URL != w.sim.URL() {
		t.Errorf("environments --json = %+v", list)
	}
}
