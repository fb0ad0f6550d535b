package cli_test

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"biot-agent/internal/biotsim"
)

// serviceClaims is what a check of a service user's token looks at.
type serviceClaims struct {
	jwt.RegisteredClaims
	TokenType string `json:"tokenType"`
}

// TestServiceUserWithSecretFile runs the README's recipe for a server: a
// service environment in config.toml, its secret key in a file of its own
// (chmod 600), and `biot-agent run --headless`. The agent signs in once
// per token lifetime and always serves a live token; a secret file others
// can read stops run at once, in one line.
func TestServiceUserWithSecretFile(t *testing.T) {
	const (
		id     = "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b"
		secret = "svc-S3cret-key-0f9e8d7c6b5a"
		ttl    = 3 * time.Second
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret, TokenTTL: ttl}},
	}})
	w.secrets.add("the service user's secret key", secret)
	// The secret file is the administrator's, outside the folders the
	// leak check walks (it is the one place the secret belongs).
	secretDir := filepath.Join(w.dir, "secrets")
	if err := os.Mkdir(secretDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(secretDir, "svc.secret")
	if err := os.WriteFile(file, []byte(secret+"\n"), 0o640); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(file, 0o640); err != nil {
		t.Fatal(err)
	}
	w.writeConfig(`default = "svc"

[environments.svc]
url = "` + w.sim.URL() + `"
service_user_id = "` + id + `"
secret_file = "` + file + `"
`)

	// Group-readable: run refuses to start, in one line, saying how to fix it.
	res := w.run("", "run", "--headless")
	if res.code == 0 {
		t.Fatalf("run started with a group-readable secret file; stderr %q", res.stderr)
	}
	msg := strings.TrimSpace(res.stderr)
	if strings.Contains(msg, "\n") || !strings.Contains(msg, file) || !strings.Contains(msg, "chmod 600") {
		t.Errorf("run said %q, want one line naming %s and saying chmod 600", res.stderr, file)
	}
	if n := w.sim.Stats().ServiceSignIns; n != 0 {
		t.Errorf("%d service sign-ins by a run that refused to start", n)
	}

	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	w.startAgentWith(w.env, "run", "--headless")

	// Tokens over a few lifetimes: each live, each the service user's, and
	// one sign-in per token.
	seen := map[string]bool{}
	start := time.Now()
	for time.Since(start) < 3*ttl+ttl/2 {
		tok := w.token("-e", "svc")
		var c serviceClaims
		_, err := jwt.ParseWithClaims(tok, &c, func(*jwt.Token) (any, error) { return w.sim.PublicKey(), nil },
			jwt.WithValidMethods([]string{"RS512"}), jwt.WithoutClaimsValidation())
		if err != nil {
			t.Fatalf("token -e svc printed a token BioT did not sign: %v", err)
		}
		if c.Subject != id || c.TokenType != "SERVICE" {
			t.Fatalf("token -e svc printed a token of %q (%s), want service user %s", c.Subject, c.TokenType, id)
		}
		// exp is whole seconds, cut down: a live token's exp is at least
		// now's second.
		if now := time.Now().Truncate(time.Second); c.ExpiresAt == nil || c.ExpiresAt.Before(now) {
			t.Fatalf("token -e svc served an expired token (exp %v, now %v)", c.ExpiresAt, time.Now())
		}
		seen[tok] = true
		time.Sleep(150 * time.Millisecond)
	}
	elapsed := time.Since(start)
	signIns := w.sim.Stats().ServiceSignIns
	if signIns != len(seen) {
		t.Errorf("%d service sign-ins for %d distinct tokens served: want one sign-in per token", signIns, len(seen))
	}
	// A sign-in when a fifth of the lifetime is left: one per 4/5 of it,
	// plus the first. The lifetime is on BioT's clock, whose times are
	// whole seconds: up to a second shorter than ttl.
	if most := int(elapsed/((ttl-time.Second)*4/5)) + 2; signIns < 3 || signIns > most {
		t.Errorf("%d service sign-ins in %v of %v tokens, want 3 to %d", signIns, elapsed.Round(time.Millisecond), ttl, most)
	}

	res = w.run("", "status", "-e", "svc", "--json")
	wantExit(t, res, 0, "status -e svc --json")
	if !strings.Contains(res.stdout, `"identity": "service"`) && !strings.Contains(res.stdout, `"identity":"service"`) {
		t.Errorf("status -e svc --json printed %s, want \"identity\": \"service\"", res.stdout)
	}
}

// TestServiceUserSecretFromSystemdOrVariable: with no secret_file, the
// secret key comes from systemd's credential, which wins over the
// variable, else from BIOT_SERVICE_USER_SECRET_KEY.
func TestServiceUserSecretFromSystemdOrVariable(t *testing.T) {
	const (
		id     = "6a1f0c2e-3b4d-4e5f-8a9b-0c1d2e3f4a5b"
		secret = "svc-Cred3ntial-key-1a2b3c4d"
		wrong  = "svc-Wr0ng-key-9z8y7x6w"
	)
	w := newWorld(t, worldOptions{sim: &biotsim.Options{
		ServiceUsers: []biotsim.ServiceUser{{ID: id, Secret: secret, AccessTokenExpirationInMinutes: 10}},
	}})
	w.secrets.add("the service user's secret key", secret)
	w.secrets.add("a wrong secret key", wrong)
	w.writeConfig("[environments.svc]\nurl = \"" + w.sim.URL() + "\"\nservice_user_id = \"" + id + "\"\n")

	// The variable alone.
	a := w.startAgentWith(w.with("BIOT_SERVICE_USER_SECRET_KEY="+secret), "run", "--headless")
	w.token("-e", "svc")
	a.stop()
	if st := w.sim.Stats(); st.ServiceSignIns != 1 || st.ServiceRejected != 0 {
		t.Fatalf("with the variable: %d service sign-ins, %d refused; want 1, 0", st.ServiceSignIns, st.ServiceRejected)
	}

	// systemd's credential, beside a wrong key in the variable: the credential wins.
	creds := filepath.Join(w.dir, "credentials")
	if err := os.Mkdir(creds, 0o700); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(creds, "biot-service-secret"), []byte(secret), 0o400); err != nil {
		t.Fatal(err)
	}
	w.startAgentWith(w.with("CREDENTIALS_DIRECTORY="+creds, "BIOT_SERVICE_USER_SECRET_KEY="+wrong), "run", "--headless")
	w.token("-e", "svc")
	if st := w.sim.Stats(); st.ServiceSignIns != 2 || st.ServiceRejected != 0 {
		t.Fatalf("with the credential: %d service sign-ins, %d refused; want 2, 0", st.ServiceSignIns, st.ServiceRejected)
	}
}
