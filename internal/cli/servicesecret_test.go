package cli

import (
	"context"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"biot-agent/agent/keyring"
	"biot-agent/internal/config"
)

func writeSecret(t *testing.T, path, secret string, mode os.FileMode) {
	t.Helper()
	if err := os.WriteFile(path, []byte(secret+"\n"), mode); err != nil {
		t.Fatal(err)
	}
	if err := os.Chmod(path, mode); err != nil {
		t.Fatal(err)
	}
}

// svcEnv is a service environment "ci" as the config file gives it.
func svcEnv(file string) config.Environment {
	return config.Environment{Name: "ci", URL: "https://api.dev.acme.biot-med.com",
		ServiceUserID: "2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b", SecretFile: file}
}

// fakeKeyring is a keyring holding secret for the environment "ci", or
// failing with err.
func fakeKeyring(secret string, err error) func(context.Context, string, string, string) (string, error) {
	return func(_ context.Context, env, _, _ string) (string, error) {
		if err != nil {
			return "", err
		}
		if env != "ci" || secret == "" {
			return "", keyring.ErrNoServiceSecret
		}
		return secret, nil
	}
}

func TestServiceSecretSourceOrder(t *testing.T) {
	dir := t.TempDir()
	credDir := filepath.Join(dir, "creds")
	if err := os.Mkdir(credDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "svc.secret")
	writeSecret(t, file, "from-file", 0o600)
	ctx := context.Background()
	all := secretSources{
		credDir: credDir,
		vars:    map[string]string{secretVar: "from-var", secretVar + "_CI": "from-ci-var", secretVar + "_OTHER": "from-other-var"},
		keyring: fakeKeyring("from-keyring", nil),
	}
	want := func(what string, s secretSources, file, value, from string) {
		t.Helper()
		got, f, err := s.find(ctx, "ci", svcEnv(file))
		if err != nil || got != value || !strings.Contains(f.String(), from) {
			t.Errorf("%s: %q from %q, %v; want %q from %s", what, got, f, err, value, from)
		}
	}

	// systemd's credentials win, whatever their permissions (systemd sets
	// them); the environment's own over the plain one.
	writeSecret(t, filepath.Join(credDir, credentialName), "from-credential", 0o440)
	want("the plain credential", all, file, "from-credential", "credential biot-service-secret")
	writeSecret(t, filepath.Join(credDir, credentialName+".ci"), "from-ci-credential", 0o440)
	want("the environment's credential", all, file, "from-ci-credential", "credential biot-service-secret.ci")
	// A credentials directory without ours: the file.
	s := all
	s.credDir = dir + "/none"
	want("file, keyring and variables", s, file, "from-file", "secret_file "+file)
	// No secret_file: the keyring.
	want("keyring and variables", s, "", "from-keyring", "OS keyring (biot-agent service ci https://api.dev.acme.biot-med.com)")
	// Nothing in the keyring, or a keyring that does not answer: the
	// environment's own variable, then the plain one.
	s.keyring = fakeKeyring("", nil)
	want("the variables", s, "", "from-ci-var", "variable "+secretVar+"_CI")
	s.keyring = fakeKeyring("", errors.New("keyring: could not read the secret key of ci: no Secret Service"))
	delete(s.vars, secretVar+"_CI")
	want("the plain variable, the keyring failing", s, "", "from-var", "variable "+secretVar)

	// A secret_file that is not private is refused, not passed over for the variable.
	open := filepath.Join(dir, "open.secret")
	writeSecret(t, open, "open-secret", 0o640)
	got, _, err := s.find(ctx, "ci", svcEnv(open))
	if err == nil || got != "" || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group-readable file: %q, %v; want an error saying chmod 600", got, err)
	}
	if err != nil && strings.Contains(err.Error(), "open-secret") {
		t.Errorf("the error %q holds the secret", err)
	}
	// Nothing at all: an error that says where a secret may come from,
	// and why the keyring did not answer.
	none := secretSources{keyring: fakeKeyring("", errors.New("keyring did not answer within 5s"))}
	_, _, err = none.find(ctx, "ci", svcEnv(""))
	for _, w := range []string{"secret_file", "biot-service-secret.ci", "login -e ci --secret-stdin", secretVar + "_CI", "did not answer"} {
		if err == nil || !strings.Contains(err.Error(), w) {
			t.Errorf("no source: %v; want an error saying %q", err, w)
		}
	}
}

func TestSecretVarOf(t *testing.T) {
	for env, want := range map[string]string{"ci": secretVar + "_CI", "dev-qa2": secretVar + "_DEV_QA2"} {
		if got := secretVarOf(env); got != want {
			t.Errorf("secretVarOf(%q) = %q, want %q", env, got, want)
		}
	}
}

func TestTakeSecretSourcesUnsetsTheVariables(t *testing.T) {
	t.Setenv(secretVar, "s3cr3t-from-var")
	t.Setenv(secretVar+"_DEV_QA", "s3cr3t-from-dev-qa")
	t.Setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x")
	s := takeSecretSources()
	if s.vars[secretVar] != "s3cr3t-from-var" || s.vars[secretVar+"_DEV_QA"] != "s3cr3t-from-dev-qa" || s.credDir != "/run/credentials/x" {
		t.Errorf("took %v, %q", s.vars, s.credDir)
	}
	for _, kv := range os.Environ() {
		if strings.HasPrefix(kv, secretVar) {
			t.Errorf("%s is still in the environment", strings.SplitN(kv, "=", 2)[0])
		}
	}
}

func TestUsedSecretsChangedOnlyForAnotherSecret(t *testing.T) {
	u := newUsedSecrets()
	if !u.changed("ci", "a") {
		t.Error("a secret before any sign-in is not new")
	}
	u.give("ci", "a", secretFrom{"keyring", "x"})
	if u.changed("ci", "a") || !u.changed("ci", "b") || !u.changed("dev", "a") {
		t.Error("changed does not tell the secret given last from another")
	}
	u.give("ci", "", secretFrom{}) // a sign-in with no secret at all
	if !u.changed("ci", "a") {
		t.Error("after a sign-in with no secret, the old one is not new")
	}
}

func TestCheckSecretFiles(t *testing.T) {
	dir := t.TempDir()
	file := filepath.Join(dir, "svc.secret")
	writeSecret(t, file, "s3cr3t-in-file", 0o640)
	text := "[environments.svc]\nurl = \"https://api.dev.acme.biot-med.com\"\nservice_user_id = \"2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b\"\nsecret_file = \"" + file + "\"\n"
	cfg, err := config.Parse(filepath.Join(dir, "config.toml"), []byte(text))
	if err != nil {
		t.Fatal(err)
	}
	err = checkSecretFiles(cfg)
	if err == nil {
		t.Fatal("a group-readable secret file was accepted")
	}
	msg := err.Error()
	for _, w := range []string{"svc", file, "chmod 600"} {
		if !strings.Contains(msg, w) {
			t.Errorf("%q does not say %q", msg, w)
		}
	}
	if strings.Contains(msg, "\n") || strings.Contains(msg, "s3cr3t") {
		t.Errorf("%q: want one line without the secret", msg)
	}
	if err := os.Chmod(file, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := checkSecretFiles(cfg); err != nil {
		t.Errorf("a private file: %v", err)
	}
}
