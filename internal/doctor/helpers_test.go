package doctor

import (
	"context"
	"io"
	"log/slog"
	"net"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"biot-agent/agent"
	"biot-agent/agent/biot"
	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
	"biot-agent/internal/localapi"
	"biot-agent/ipc"
)

// person is the folders of a new user, for one test: every place doctor
// looks is a temporary folder, and the bus address points nowhere until the
// test starts a bus.
type person struct {
	home, config, runtime, sysXDG string
	socket                        string // the agent's socket, in runtime
}

func newPerson(t *testing.T) *person {
	t.Helper()
	// A short folder: a socket path must fit in 104 bytes.
	root, err := os.MkdirTemp("", "doc-")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.RemoveAll(root) })
	p := &person{
		home:    filepath.Join(root, "h"),
		config:  filepath.Join(root, "h", ".config"),
		runtime: filepath.Join(root, "r"),
		sysXDG:  filepath.Join(root, "xdg"),
	}
	for _, d := range []string{p.config, p.runtime, p.sysXDG} {
		if err := os.MkdirAll(d, 0o700); err != nil {
			t.Fatal(err)
		}
	}
	p.socket = filepath.Join(p.runtime, "biot-agent", "agent.sock")
	t.Setenv("HOME", p.home)
	t.Setenv("XDG_CONFIG_HOME", p.config)
	t.Setenv("XDG_CONFIG_DIRS", p.sysXDG)
	t.Setenv("XDG_RUNTIME_DIR", p.runtime)
	t.Setenv("BIOT_AGENT_SOCK", "")
	t.Setenv("BIOT_URL", "")
	t.Setenv("DBUS_SESSION_BUS_ADDRESS", "unix:path="+filepath.Join(root, "no-bus"))
	return p
}

// run runs the doctor for the person, with url as the configured URL.
func (p *person) run(t *testing.T, o Options) Report {
	t.Helper()
	if o.SocketPath == "" {
		o.SocketPath = p.socket
	}
	begin := time.Now()
	r := Run(context.Background(), o)
	if took := time.Since(begin); took > DefaultTimeout+time.Second {
		t.Errorf("doctor took %v, over its bound", took)
	}
	return r
}

// configured answers a resolver for a fixed URL.
func configured(url string) func(context.Context) (string, string, error) {
	return func(context.Context) (string, string, error) { return url, "the test's config", nil }
}

// want fails the test unless the report's finding for check has level and
// its message (with the fix) says every one of says.
func want(t *testing.T, r Report, check string, level Level, says ...string) Finding {
	t.Helper()
	f, ok := r.Find(check)
	if !ok {
		t.Fatalf("no finding for %s in %+v", check, r)
	}
	text := f.Message + " Fix: " + f.Fix
	if f.Level != level {
		t.Errorf("%s is %s (%q), want %s", check, f.Level, text, level)
	}
	for _, s := range says {
		if !strings.Contains(text, s) {
			t.Errorf("%s says %q, want it to say %q", check, text, s)
		}
	}
	if f.Level != OK && f.Level != Skip && f.Fix == "" {
		t.Errorf("%s is %s without a fix: %q", check, f.Level, f.Message)
	}
	return f
}

// runningAgent is a real agent serving a real socket for the person, against
// a simulated BioT, with the session in memory.
type runningAgent struct {
	sim    *biotsim.Server
	client *ipc.Client
}

const (
	testUser     = "ana@example.com"
	testPassword = "correct horse"
)

func (p *person) startAgent(t *testing.T) *runningAgent {
	t.Helper()
	sim, err := biotsim.New(biotsim.Options{Users: []biotsim.User{{Username: testUser, Password: testPassword}}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(sim.Close)
	bc, err := biot.New(sim.URL(), biot.NewHTTPClient(sim.CertPool()), "test")
	if err != nil {
		t.Fatal(err)
	}
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := agent.New(agent.Config{Client: bc, Store: keyring.NewMemory("a test keeps the session in memory"), Logger: log})
	if err != nil {
		t.Fatal(err)
	}
	l, err := ipc.Listen(p.socket)
	if err != nil {
		t.Fatal(err)
	}
	srv := &ipc.Server{Backend: localapi.One(a), Version: "v9.9.9-test", Logger: log}
	ctx, cancel := context.WithCancel(context.Background())
	ran, served := make(chan struct{}), make(chan struct{})
	go func() { a.Run(ctx); close(ran) }()
	go func() { srv.Serve(l); close(served) }()
	t.Cleanup(func() {
		cancel()
		<-ran
		sctx, scancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer scancel()
		srv.Shutdown(sctx)
		l.Close()
		<-served
	})
	return &runningAgent{sim: sim, client: ipc.NewClient(p.socket)}
}

// hungSocket listens at path and accepts, but never answers: an agent
// stuck in a deadlock.
func hungSocket(t *testing.T, path string) {
	t.Helper()
	if err := os.MkdirAll(filepath.Dir(path), 0o700); err != nil {
		t.Fatal(err)
	}
	l, err := net.Listen("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, 0o600); err != nil {
		t.Fatal(err)
	}
	var held []net.Conn // held open, never read
	accepted := make(chan struct{})
	go func() {
		defer close(accepted)
		for {
			c, err := l.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	t.Cleanup(func() {
		l.Close()
		<-accepted // the accept loop is done: held is ours alone now
		for _, c := range held {
			c.Close()
		}
	})
}
