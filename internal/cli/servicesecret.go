package cli

import (
	"context"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"path/filepath"

	"biot-agent/internal/config"
	"biot-agent/internal/secretfile"
)

// Where a service user's secret key may come from, in the order that
// wins: a systemd credential, the environment's secret_file, the variable.
const (
	// credentialName is the credential's name in $CREDENTIALS_DIRECTORY,
	// as LoadCredential=biot-service-secret:/path makes it.
	credentialName = "biot-service-secret"
	// secretVar holds the secret key when nothing else does. The agent
	// reads it once, at start, and removes it from its own environment so
	// that no child process ever sees it.
	secretVar = "BIOT_SERVICE_USER_SECRET_KEY"
)

// secretSources is what run found at start of the sources that are not in
// the config file.
type secretSources struct {
	credDir string // $CREDENTIALS_DIRECTORY; "" when unset
	fromVar string // $BIOT_SERVICE_USER_SECRET_KEY as it was at start
}

// takeSecretSources reads the sources of the process's environment and
// removes the secret key's variable from it. run calls it once, first.
func takeSecretSources() secretSources {
	s := secretSources{credDir: os.Getenv("CREDENTIALS_DIRECTORY")}
	if v, ok := os.LookupEnv(secretVar); ok {
		s.fromVar = v
		_ = os.Unsetenv(secretVar)
	}
	return s
}

// secret answers the secret key of a service environment whose
// secret_file (maybe "") is file, from the first source that has one. No
// error holds the secret.
func (s secretSources) secret(file string) (string, error) {
	if s.credDir != "" {
		path := filepath.Join(s.credDir, credentialName)
		v, err := secretfile.ReadCredential(path)
		if err == nil {
			return v, nil
		}
		if !errors.Is(err, fs.ErrNotExist) {
			return "", fmt.Errorf("systemd credential %s: %w", credentialName, err)
		}
	}
	if file != "" {
		return secretfile.Read(file)
	}
	if s.fromVar != "" {
		return s.fromVar, nil
	}
	return "", fmt.Errorf("no secret key: give one with secret_file in config.toml, LoadCredential=%s: in a systemd unit, or the variable %s", credentialName, secretVar)
}

// checkSecretFiles is run's check at start of each configured secret_file:
// one that others could read, or that is no regular file of ours, stops
// the agent, the way ssh refuses a private key. The secret read is
// dropped.
func checkSecretFiles(cfg config.Config) error {
	for _, name := range cfg.Names() {
		e := cfg.Environments[name]
		if !e.IsService() || e.SecretFile == "" {
			continue
		}
		if _, err := secretfile.Read(e.SecretFile); err != nil {
			return fmt.Errorf("environment %s: %w", name, err)
		}
	}
	return nil
}

// serviceSecret is the agent's [agent.ServiceIdentity.Secret] for the
// environment name: it looks at the sources at each sign-in, with the
// secret_file the config says now.
func (s *served) serviceSecret(name string) func(context.Context) (string, error) {
	return func(context.Context) (string, error) {
		var file string
		if c := s.current.Load(); c != nil {
			file = c.Environments[name].SecretFile
		}
		return s.secrets.secret(file)
	}
}
