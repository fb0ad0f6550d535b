package cli_test

import (
	"encoding/pem"
	"errors"
	"io/fs"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/golang-jwt/jwt/v5"

	"biot-agent/internal/biotsim"
)

// readmeBlock answers the one fenced code block of README.md between the
// comments <!-- NAME:begin --> and <!-- NAME:end -->, so that a test runs
// what the README shows and the two cannot drift apart.
func readmeBlock(t *testing.T, name string) string {
	t.Helper()
	b, err := os.ReadFile(filepath.Join("..", "..", "README.md"))
	if err != nil {
		t.Fatal(err)
	}
	_, rest, ok := strings.Cut(string(b), "<!-- "+name+":begin -->\n")
	if !ok {
		t.Fatalf("README.md has no <!-- %s:begin --> line", name)
	}
	block, _, ok := strings.Cut(rest, "<!-- "+name+":end -->")
	if !ok {
		t.Fatalf("README.md has no <!-- %s:end --> line after its begin", name)
	}
	block = strings.TrimSpace(block)
	if !strings.HasPrefix(block, "```") || !strings.HasSuffix(block, "```") || strings.Count(block, "```") != 2 {
		t.Fatalf("between README.md's %s markers is not one fenced code block:\n%s", name, block)
	}
	_, code, _ := strings.Cut(block, "\n") // the fence's line, with its language
	return strings.TrimSuffix(code, "```")
}

// devicesPath is the BioT call of the README's CI recipe: a service other
// than UMS, which the simulator has not, so the test's gateway answers it.
const devicesPath = "/device/v2/devices"

// gateway is the test's stand-in for BioT's API gateway: one HTTPS host
// that sends UMS's paths on to the simulator and answers devicesPath
// itself, as a BioT service does, for a token UMS signed for the service
// user, live.
type gateway struct {
	*httptest.Server
	served atomic.Int32 // devicesPath requests with a good token
}

func newGateway(t *testing.T, w *world, serviceUserID string) *gateway {
	t.Helper()
	target, err := url.Parse(w.sim.URL())
	if err != nil {
		t.Fatal(err)
	}
	ums := httputil.NewSingleHostReverseProxy(target)
	ums.Transport = w.sim.Client().Transport
	g := &gateway{}
	g.Server = httptest.NewTLSServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		if r.URL.Path != devicesPath {
			ums.ServeHTTP(rw, r)
			return
		}
		tok, ok := strings.CutPrefix(r.Header.Get("Authorization"), "Bearer ")
		var c serviceClaims
		if ok {
			_, err = jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return w.sim.PublicKey(), nil },
				jwt.WithValidMethods([]string{"RS512"}))
		}
		if !ok || err != nil || c.Subject != serviceUserID || c.TokenType != "SERVICE" {
			http.Error(rw, `{"code":"TOKEN_NOT_VALID"}`, http.StatusUnauthorized)
			return
		}
		g.served.Add(1)
		rw.Header().Set("Content-Type", "application/json")
		_, _ = rw.Write([]byte(`{"data":[],"metadata":{"page":{"totalResults":0}}}` + "\n"))
	}))
	t.Cleanup(g.Close)
	// Every program of the world trusts it as it trusts the simulator.
	f, err := os.OpenFile(filepath.Join(w.dir, "ca.pem"), os.O_APPEND|os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if err := pem.Encode(f, &pem.Block{Type: "CERTIFICATE", Bytes: g.Certificate().Raw}); err != nil {
		t.Fatal(err)
	}
	return g
}

// TestREADMECIRecipe runs the README's recipe for a CI job, cut from
// README.md, with bash, as a CI runner does: no desktop, no D-Bus, the
// service user's id and secret key in the variables the README's workflow
// sets, and curl calling BioT (through the test's gateway, in front of the
// simulator) with the token. It prints BioT's answer and exits 0; the
// agent it started is gone when it ends; its log speaks of no desktop and
// holds no secret, nor does any file the job left.
func TestREADMECIRecipe(t *testing.T) {
	t.Parallel()
	const (
		id     = "3d2c1b0a-9f8e-4d7c-8b6a-594837261504"
		secret = "svc-CI-recipe-key-6b5a49382716"
	)
	for _, p := range []string{"bash", "curl"} {
		if _, err := exec.LookPath(p); err != nil {
			skipOrFail(t, "no %s to run the README's CI recipe with (apt-get install %s): %v", p, p, err)
		}
	}
	script := readmeBlock(t, "readme-ci-recipe")
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", secret)
	gw := newGateway(t, w, id)

	env := withoutBus(w.with(
		"BIOT_REST_URL="+gw.URL,
		"BIOT_SERVICE_USER_ID="+id,
		"BIOT_SERVICE_USER_SECRET_KEY="+secret,
	))
	res := w.startCmd("bash ci/biot.sh (README.md)", exec.Command("bash", "-c", script), env, "").wait()
	wantExit(t, res, 0, "the README's CI recipe")
	if !strings.Contains(res.stdout, `"totalResults":0`) {
		t.Errorf("the README's CI recipe printed %q, want BioT's answer to GET %s", res.stdout, devicesPath)
	}
	if n := gw.served.Load(); n != 1 {
		t.Errorf("BioT answered %d calls with a good service token, want 1", n)
	}
	if st := w.sim.Stats(); st.ServiceSignIns != 1 || st.ServiceRejected != 0 {
		t.Errorf("%d service sign-ins, %d refused; want 1, none", st.ServiceSignIns, st.ServiceRejected)
	}
	waitFor(t, stopTimeout, "the recipe's agent to stop and take its socket with it", func() bool {
		_, err := os.Lstat(w.socket())
		return errors.Is(err, fs.ErrNotExist)
	})

	logFile := filepath.Join(w.home, "biot-agent.log") // the job's folder
	var log []byte
	waitFor(t, stopTimeout, "the agent's last log line", func() bool {
		var err error
		log, err = os.ReadFile(logFile)
		return err == nil && strings.Contains(string(log), "biot-agent stopped")
	})
	if lines := desktopLines(string(log)); len(lines) > 0 {
		t.Errorf("the CI job's agent spoke of the desktop it does not need:\n%s", strings.Join(lines, "\n"))
	}
	if strings.Contains(string(log), "DATA RACE") {
		t.Errorf("the race detector fired in the CI job's agent:\n%s", log)
	}
	if !strings.Contains(string(log), "signed in") {
		t.Errorf("the CI job's agent log does not say it signed in:\n%s", log)
	}
}
