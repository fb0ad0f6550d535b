package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"strings"
	"time"

	"golang.org/x/term"

	"biot-agent/agent/keyring"
	"biot-agent/internal/config"
	"biot-agent/ipc"
)

// serviceLogin is login's way for a service user: its secret key goes to
// the OS keyring, where the agent reads it at each sign-in.
type serviceLogin struct {
	id          string // --service-user-id
	secretStdin bool   // --secret-stdin
}

func (o *serviceLogin) flags(fs *flag.FlagSet) {
	fs.StringVar(&o.id, "service-user-id", "", "make the environment sign in as the BioT service user `ID` (a UUID); its secret key goes to the OS keyring")
	fs.BoolVar(&o.secretStdin, "secret-stdin", false, "read the service user's secret key from standard input")
}

// wanted reports whether the command line asks for a service user.
func (o *serviceLogin) wanted() bool { return o.id != "" || o.secretStdin }

// serviceWait bounds how long login waits for the running agent to sign in
// with the secret key it stored.
const serviceWait = 30 * time.Second

// run stores the secret key of a service user for the environment e names
// (adding the environment at rawURL, or its service_user_id, to the
// config file when it has none), then waits until a running agent signs
// in with it, and says how that went. The secret is read before anything
// is written; a keyring that does not take it writes nothing at all.
func (o *serviceLogin) run(ctx context.Context, e *env, rawURL string) error {
	name, err := e.environment()
	if err != nil {
		return err
	}
	path, err := config.Path()
	if err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	if name == "" {
		if rawURL != "" {
			name = config.DefaultName
		} else {
			env, err := cfg.Resolve("")
			if err != nil {
				return err
			}
			name = env.Name
		}
	}
	cur, exists := cfg.Environments[name]

	id := strings.ToLower(o.id)
	switch {
	case id == "" && cur.IsService():
		id = cur.ServiceUserID
	case id == "":
		return usagef("--secret-stdin needs --service-user-id ID: the environment %s has no service user yet", name)
	case !config.IsUUID(id):
		return usagef("--service-user-id %.60q is not a UUID such as 2f6b3b5e-7a0e-4c1d-9a8b-1c2d3e4f5a6b (BioT's id of the service user)", o.id)
	case cur.IsService() && cur.ServiceUserID != id:
		return usagef("the environment %s signs in as service user %s, not %s: pick another name with -e NAME, or edit service_user_id in %s", name, cur.ServiceUserID, id, path)
	}
	url := cur.URL
	switch {
	case !exists && rawURL == "":
		return usagef("the environment %s is not configured: add it with --url URL (its BioT Rest API URL)", name)
	case rawURL != "":
		u, err := config.CheckURL(rawURL)
		if err != nil {
			return usagef("--url: %v", err)
		}
		if exists && u != cur.URL {
			return usagef("the environment %s is already configured, at %s; pick another name with -e NAME", name, cur.URL)
		}
		url = u
	}
	if cur.SecretFile != "" {
		return usagef("the environment %s reads its secret key from secret_file %s, which comes before the keyring: write the new key into that file (the agent uses it at its next sign-in, or at once after biot-agent login -e %[1]s), or remove secret_file from %[3]s", name, cur.SecretFile, path)
	}
	if !exists {
		if err := checkBioT(ctx, url); err != nil {
			return err
		}
	}

	secret, err := o.readSecret(e, id)
	if err != nil {
		return err
	}
	kctx, cancel := context.WithTimeout(ctx, 2*keyring.DefaultTimeout)
	defer cancel()
	before, _ := keyring.ServiceSecret(kctx, name, url, id)
	stored := time.Now()
	if err := keyring.SetServiceSecret(kctx, name, url, id, secret); err != nil {
		return fmt.Errorf("%v; nothing was written: without a keyring, keep the secret key in a file of its own (secret_file in config.toml) or a systemd credential (LoadCredential=%s)", err, credentialOf(name))
	}
	item := keyring.ServiceSecretService(name, url)
	fmt.Fprintf(e.stderr, "Stored the secret key of service user %s in the OS keyring, as %q.\n", id, item)
	if !cur.IsService() {
		if _, err := config.SetServiceUser(path, name, url, id); err != nil {
			return err
		}
		if exists {
			fmt.Fprintf(e.stderr, "The environment %s now signs in as service user %s (%s).\n", name, id, path)
		} else {
			fmt.Fprintf(e.stderr, "Added the service environment %s (%s) to %s.\n", name, url, path)
		}
	}
	return awaitService(ctx, e, name, id, stored, before == secret)
}

// readSecret reads the secret key from standard input, or from the
// terminal without echo.
func (o *serviceLogin) readSecret(e *env, id string) (string, error) {
	if o.secretStdin {
		s, err := readSecret(e.stdin)
		if err != nil {
			return "", fmt.Errorf("reading the secret key: %w", err)
		}
		return s, nil
	}
	tty := terminal(e.stdin)
	if tty == nil {
		return "", usagef("no terminal to ask for the secret key: pipe it in with --secret-stdin")
	}
	fmt.Fprintf(e.stderr, "Secret key of service user %s: ", id)
	b, err := term.ReadPassword(int(tty.Fd()))
	fmt.Fprintln(e.stderr)
	if err != nil {
		return "", fmt.Errorf("reading the secret key: %w", err)
	}
	if len(b) == 0 {
		return "", errors.New("reading the secret key: nothing was typed")
	}
	return string(b), nil
}

// awaitService waits until the running agent has signed the environment
// name in after stored, when the secret key was put in the keyring, and
// says how it went. same: the keyring held that secret already, so the
// agent has no reason to sign in again, and its state now is the answer.
func awaitService(ctx context.Context, e *env, name, id string, stored time.Time, same bool) error {
	c, err := e.client()
	if err != nil {
		return err
	}
	c.Env = name
	if _, err := c.Environments(ctx); errors.Is(err, ipc.ErrAgentNotRunning) {
		fmt.Fprintln(e.stderr, "No agent is running: it signs in with this secret key when it starts (biot-agent run).")
		return nil
	} else if err != nil {
		return err
	}
	ctx, cancel := context.WithTimeout(ctx, serviceWait)
	defer cancel()
	tick := time.NewTicker(100 * time.Millisecond)
	defer tick.Stop()
	for {
		st, err := c.Status(ctx)
		var ie *ipc.Error
		switch {
		case errors.As(err, &ie) && ie.Code == ipc.CodeUnknownEnvironment:
			// The agent has not read the config file's change yet.
		case err != nil:
			return err
		case st.LastRefresh != nil && !st.LastRefresh.Time.Before(stored), same:
			switch st.State {
			case ipc.StateSignedIn:
				fmt.Fprintf(e.stderr, "Signed in as service user %s to %s (%s).\n", id, name, st.BaseURL)
				return nil
			case ipc.StateNeedsLogin:
				msg := st.Message
				if same {
					msg += "; it is the secret key the keyring held already: after a change at BioT (a new key, an unlock), sign in again with: biot-agent login -e " + name
				}
				return &ipc.Error{Code: ipc.CodeNeedsLogin, Message: msg}
			case ipc.StateOffline:
				return &ipc.Error{Code: ipc.CodeOffline, Message: fmt.Sprintf("the agent could not reach BioT to sign in as service user %s (%s); it keeps trying", id, st.Message)}
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("the secret key is stored, but the agent did not sign in with it within %v: it may take the key from a source that comes first (a systemd credential) or not see the keyring change here; sign in now with: biot-agent login -e %s", serviceWait, name)
		}
	}
}
