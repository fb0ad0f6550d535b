package cli

import (
	"context"
	"flag"
	"fmt"
	"os"
	"os/exec"
	"path/filepath"
	"time"

	"biot-agent/agent/keyring"
	"biot-agent/internal/biotsim"
)

// The demo's accounts. Their passwords are printed for anyone to use: they
// open nothing but the simulator inside this process.
const (
	demoUser     = "demo@example.com"
	demoMFAUser  = "mfa@example.com"
	demoPassword = "demo-password"
	// demoPhone is the demo's user without a password, who signs in with a
	// code sent by SMS (printed by the demo): a number kept for fiction.
	demoPhone = "+15555550142"
)

func demoCmd() *command {
	var headless bool
	return &command{
		name:    "demo",
		summary: "run the agent against a simulated BioT, to try it out",
		usage:   "[--headless]",
		help: `Starts a simulated BioT inside this process (real HTTPS on 127.0.0.1, a
certificate of its own) and runs the agent against it, with the session in
memory only. It prints what to type in another terminal to sign in and use
a token. Accounts: demo@example.com and mfa@example.com, both with the
password demo-password, and +15555550142, who has no password and signs in
with a code sent by SMS (biot-agent login --phone +15555550142). The demo
prints every SMS it "sends", codes included. Tokens live 2 minutes, so
refreshes happen while you watch.`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&headless, "headless", false, "no tray icon, even on a desktop")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("demo takes no arguments")
			}
			sim, err := biotsim.New(biotsim.Options{
				AccessTTL:  2 * time.Minute,
				RefreshTTL: 8 * time.Hour,
				Users: []biotsim.User{
					{Username: demoUser, Password: demoPassword},
					{Username: demoMFAUser, Password: demoPassword, MFAPhone: "+15555550100"},
					{Username: demoPhone, OTP: true},
				},
				Logf: func(format string, args ...any) {
					fmt.Fprintf(e.stderr, "simulated BioT: "+format+"\n", args...)
				},
			})
			if err != nil {
				return fmt.Errorf("demo: %w", err)
			}
			defer sim.Close()
			var caFile string
			defer func() {
				if caFile != "" {
					os.Remove(caFile)
				}
			}()
			return runAgent(ctx, e, runOptions{
				headless: headless,
				url:      sim.URL(),
				roots:    sim.CertPool(),
				store:    keyring.NewMemory("demo: the session is kept in memory only"),
				ready: func(socket string) {
					caFile = filepath.Join(filepath.Dir(socket), "demo-ca.pem")
					if err := os.WriteFile(caFile, sim.CACertPEM(), 0o644); err != nil {
						fmt.Fprintf(e.stderr, "biot-agent: demo: %v\n", err)
					}
					printDemo(e, sim.URL(), socket, caFile)
				},
			})
		},
	}
}

func printDemo(e *env, url, socket, caFile string) {
	self := "biot-agent"
	if _, err := exec.LookPath(self); err != nil {
		if exe, err := os.Executable(); err == nil {
			self = exe
		}
	}
	sock := ""
	if os.Getenv("BIOT_AGENT_SOCK") != "" {
		sock = "BIOT_AGENT_SOCK=" + shellQuote(socket) + " "
	}
	fmt.Fprintf(e.stdout, `
biot-agent demo: a simulated BioT runs at %[1]s
and the agent serves tokens on %[2]s.

In another terminal:

  # sign in (the password is %[5]s)
  printf %%s %[5]s | %[6]s%[3]s login --username %[4]s --password-stdin

  # a fresh access token, and a call to BioT with it
  %[6]s%[3]s token
  curl --cacert %[7]s -H "Authorization: Bearer $(%[6]s%[3]s token)" %[1]s/ums/v2/users/self

  # or the agent calls BioT for you, a fresh token added
  %[6]s%[3]s api /ums/v2/users/self

  # who is signed in, until when; then sign out
  %[6]s%[3]s status
  %[6]s%[3]s logout

%[8]s (same password) also works, with an SMS code printed here.

  # a user with no password: BioT sends a code by SMS (printed here)
  %[6]s%[3]s login --phone %[9]s

Ctrl-C ends the demo.
`, url, socket, shellQuote(self), demoUser, demoPassword, sock, shellQuote(caFile), demoMFAUser, demoPhone)
}
