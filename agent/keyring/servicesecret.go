package keyring

import (
	"context"
	"errors"
	"fmt"

	gokeyring "github.com/zalando/go-keyring"
)

// ErrNoServiceSecret says the keyring holds no secret key for a service
// environment.
var ErrNoServiceSecret = errors.New("no secret key in the keyring")

// ServiceSecretService is the keyring service of the secret key of the
// service environment env at baseURL: "biot-agent service <env> <base
// URL>", with the service user's id as the user, so that a person browsing
// the keyring reads "Password for '<id>' on 'biot-agent service dev
// https://dev.example.com'". A session's service has no word between
// "biot-agent" and the name, and a name is never followed by another name,
// so the two never meet.
func ServiceSecretService(env, baseURL string) string {
	return servicePrefix + "service " + env + " " + normalize(baseURL)
}

// ServiceSecret reads the secret key of service user id for the
// environment env at baseURL, under the keyring's deadline (the context's,
// or [DefaultTimeout] if that comes sooner). It answers
// [ErrNoServiceSecret] when there is none. No error holds the secret.
func ServiceSecret(ctx context.Context, env, baseURL, id string) (string, error) {
	if err := checkEnv(env); err != nil {
		return "", fmt.Errorf("keyring: %w", err)
	}
	var secret string
	err := processGuard.do(ctx, DefaultTimeout, func() error {
		var err error
		secret, err = gokeyring.Get(ServiceSecretService(env, baseURL), id)
		return err
	})
	switch {
	case errors.Is(err, gokeyring.ErrNotFound):
		return "", ErrNoServiceSecret
	case err != nil:
		return "", fmt.Errorf("keyring: could not read the secret key of %s: %w", env, explain(err))
	}
	return secret, nil
}

// SetServiceSecret stores the secret key of service user id for the
// environment env at baseURL, replacing the one there was, under the
// keyring's deadline. No error holds the secret.
func SetServiceSecret(ctx context.Context, env, baseURL, id, secret string) error {
	if err := checkEnv(env); err != nil {
		return fmt.Errorf("keyring: %w", err)
	}
	if secret == "" || len(secret) > MaxTokenBytes {
		return fmt.Errorf("keyring: a secret key of %d bytes cannot be stored (1 to %d)", len(secret), MaxTokenBytes)
	}
	err := processGuard.do(ctx, DefaultTimeout, func() error {
		return gokeyring.Set(ServiceSecretService(env, baseURL), id, secret)
	})
	if err != nil {
		return fmt.Errorf("keyring: could not store the secret key of %s: %w", env, explain(err))
	}
	return nil
}
