package cli

import (
	"context"
	"flag"

	"biot-agent/internal/config"
	"biot-agent/internal/doctor"
)

func doctorCmd() *command {
	var (
		asJSON  bool
		flagURL string
	)
	return &command{
		name:    "doctor",
		oneEnv:  true,
		summary: "check the agent, the desktop and BioT, and say what to fix",
		usage:   "[--json] [--url URL]",
		help: `Checks what the agent needs and prints one line each, with a fix where
something is off: the agent and its socket (path, modes, owner), the
session, the D-Bus session bus, the Secret Service (present, unlocked,
answering), the tray host, the notification server (and its buttons),
autostart, the BioT URL (reachable over HTTPS, certificate trusted, health
check answering) and the clock's skew against BioT's. For each service
environment it says where the secret key comes from (a systemd
credential, secret_file, the OS keyring or a variable; never the key),
whether its secret_file is private, and warns about a key in a
BIOT_SERVICE_USER_SECRET_KEY* variable, which every process started from
the same shell sees.

The BioT URL is found as "run" finds it: --url, else $BIOT_URL, else the
config file, else the last session's (or the running agent's).

Every check has a deadline: the report comes within 10 seconds even when
something hangs. Exit code 0 when no check failed (warnings do not count),
1 otherwise.`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print the findings as JSON")
			fs.StringVar(&flagURL, "url", "", "check this BioT `URL` instead of the configured one")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("doctor takes no arguments")
			}
			cfgPath, _ := config.Path()
			r := doctor.Run(ctx, doctor.Options{
				ConfigPath: cfgPath,
				ResolveURL: func(ctx context.Context) (string, string, error) { return doctorURL(ctx, flagURL, e.envName) },
				Version:    Version(),
			})
			r = withServiceSecrets(ctx, r, flagURL)
			var err error
			if asJSON {
				err = r.WriteJSON(e.stdout)
			} else {
				err = r.WriteText(e.stdout)
			}
			if err != nil {
				return err
			}
			if !r.OK {
				return &childExit{code: exitFailure} // the report said it all
			}
			return nil
		},
	}
}

// doctorURL finds the BioT URL of the environment envName (-e/--env, else
// as config.Resolve picks) among those run would serve (see sources), and
// says where it came from. Nothing configured at all is no URL, not an
// error: the check then says what to do.
func doctorURL(_ context.Context, flagURL, envName string) (url, source string, err error) {
	src, err := newSources(flagURL)
	if err != nil {
		return "", "", err
	}
	cfg, from, err := src.read()
	if err != nil {
		return "", "", err
	}
	if len(cfg.Environments) == 0 {
		return "", "", nil
	}
	e, err := cfg.Resolve(envName)
	if err != nil {
		return "", "", err
	}
	return e.URL, from[e.Name], nil
}
