package cli

import (
	"os"
	"path/filepath"
	"strings"
	"testing"

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

func TestServiceSecretSourceOrder(t *testing.T) {
	dir := t.TempDir()
	credDir := filepath.Join(dir, "creds")
	if err := os.Mkdir(credDir, 0o700); err != nil {
		t.Fatal(err)
	}
	file := filepath.Join(dir, "svc.secret")
	writeSecret(t, file, "from-file", 0o600)

	// systemd's credential wins, whatever its permissions (systemd sets them).
	writeSecret(t, filepath.Join(credDir, credentialName), "from-credential", 0o440)
	s := secretSources{credDir: credDir, fromVar: "from-var"}
	if got, err := s.secret(file); err != nil || got != "from-credential" {
		t.Errorf("with all three: %q, %v; want from-credential", got, err)
	}
	// A credentials directory without ours: the file.
	s.credDir = dir + "/none"
	if got, err := s.secret(file); err != nil || got != "from-file" {
		t.Errorf("with file and variable: %q, %v; want from-file", got, err)
	}
	// No secret_file: the variable.
	if got, err := s.secret(""); err != nil || got != "from-var" {
		t.Errorf("with the variable alone: %q, %v; want from-var", got, err)
	}
	// A secret_file that is not private is refused, not passed over for the variable.
	open := filepath.Join(dir, "open.secret")
	writeSecret(t, open, "open-secret", 0o640)
	got, err := s.secret(open)
	if err == nil || got != "" || !strings.Contains(err.Error(), "chmod 600") {
		t.Errorf("group-readable file: %q, %v; want an error saying chmod 600", got, err)
	}
	if err != nil && strings.Contains(err.Error(), "open-secret") {
		t.Errorf("the error %q holds the secret", err)
	}
	// Nothing at all: an error that says where a secret may come from.
	_, err = secretSources{}.secret("")
	if err == nil || !strings.Contains(err.Error(), "secret_file") || !strings.Contains(err.Error(), secretVar) {
		t.Errorf("no source: %v; want an error naming the sources", err)
	}
}

func TestTakeSecretSourcesUnsetsTheVariable(t *testing.T) {
	t.Setenv(secretVar, "s3cr3t-from-var")
	t.Setenv("CREDENTIALS_DIRECTORY", "/run/credentials/x")
	s := takeSecretSources()
	if s.fromVar != "s3cr3t-from-var" || s.credDir != "/run/credentials/x" {
		t.Errorf("took %+v", s)
	}
	if _, ok := os.LookupEnv(secretVar); ok {
		t.Errorf("%s is still in the environment", secretVar)
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
