package cli

import (
	"bufio"
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"golang.org/x/term"

	"biot-agent/agent/biot"
	"biot-agent/internal/config"
	"biot-agent/ipc"
)

func loginCmd() *command {
	var (
		username      string
		passwordStdin bool
		codeStdin     bool
		url           string
		phone         string
		svc           serviceLogin
	)
	return &command{
		name:    "login",
		oneEnv:  true,
		summary: "sign the running agent in to BioT",
		usage:   "[-e NAME] [--url URL] [--username U] [--password-stdin | --code-stdin] | [--phone NUMBER [--code-stdin]] | [--service-user-id ID --secret-stdin]",
		help: `Signs the running agent in to an environment (-e NAME, else $BIOT_ENV,
else the default). On a terminal it asks for what it needs: the username
(unless --username), the password (not echoed) and, when BioT asks for one,
the SMS code.

With --url, the environment is added first (to the config file, under
-e NAME, else "default"), once its URL checks out: https, a certificate the
system trusts, BioT's health check answering. That is the way to the first
environment from a terminal:
  biot-agent login --url https://api.dev.acme.biot-med.com -e dev

Without a terminal, pipe the password in, as with "docker login":
  printf %s "$PASSWORD" | biot-agent login --username ana@example.com --password-stdin
and, when BioT answers that it sent an SMS code, pipe the code in:
  printf %s 123456 | biot-agent login --code-stdin

A user who has no password (BioT's credentialType OTP) signs in with a code
BioT sends by SMS to the phone that is the user's username:
  biot-agent login -e dev --phone +15550100123
(or a phone number typed, or given with --username, as the username) says
where the code went, then asks for it; a wrong code is said and asked
again, and Enter alone asks BioT to send a new code. Without a terminal,
--code-stdin reads the code from standard input once BioT has sent it, or
later, as its own command: biot-agent login --code-stdin.

In a service user's environment (service_user_id in config.toml), login
with no flag signs the service user in again with its secret key as it is
now: the way back once a refused key is put right or a locked service user
unlocked. --service-user-id ID --secret-stdin stores a new key first.

The password goes to the agent once and is kept nowhere. A failed sign-in
is never retried on its own: BioT locks an account after repeated failures.`,
		flags: func(fs *flag.FlagSet) {
			fs.StringVar(&username, "username", "", "the BioT `username` (e-mail)")
			fs.BoolVar(&passwordStdin, "password-stdin", false, "read the password from standard input")
			fs.BoolVar(&codeStdin, "code-stdin", false, "read the SMS code of a pending sign-in from standard input")
			fs.StringVar(&url, "url", "", "add the environment at this BioT `URL` first (its Rest API URL)")
			fs.StringVar(&phone, "phone", "", "sign in with a code BioT sends by SMS to this `number` (E.164, such as +15550100123), for a user without a password")
			svc.flags(fs)
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("login takes no arguments (the password is never one: use --password-stdin)")
			}
			if svc.wanted() {
				if phone != "" || username != "" || passwordStdin || codeStdin {
					return usagef("--service-user-id and --secret-stdin sign in a service user: leave out --phone, --username, --password-stdin and --code-stdin")
				}
				return svc.run(ctx, e, url)
			}
			if passwordStdin && codeStdin {
				return usagef("--password-stdin and --code-stdin do not go together")
			}
			if phone != "" && (username != "" || passwordStdin) {
				return usagef("--phone signs in with a code sent to the phone, not a password: leave out --username and --password-stdin")
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			if url != "" {
				if c.Env == "" {
					c.Env = config.DefaultName
				}
				if err := addForLogin(ctx, e, c, url); err != nil {
					return err
				}
			}
			if phone != "" {
				return loginByCode(ctx, e, c, phone, codeStdin)
			}
			if username == "" && !passwordStdin && !codeStdin {
				// A service user's environment: sign in again with its
				// secret key as it is now, the way back after a refusal.
				if st, err := c.Status(ctx); err == nil && st.Identity == ipc.IdentityService {
					return finish(ctx, e, c, c.SignInService(ctx))
				}
			}
			if codeStdin {
				code, err := readSecret(e.stdin)
				if err != nil {
					return fmt.Errorf("reading the SMS code: %w", err)
				}
				return finish(ctx, e, c, c.SubmitMFA(ctx, code))
			}
			tty := terminal(e.stdin)
			if username == "" {
				if tty == nil {
					return usagef("no terminal to ask for the username: use --username")
				}
				var err error
				if username, err = prompt(e.stderr, tty, "BioT username: "); err != nil {
					return err
				}
			}
			if !passwordStdin && isPhone(username) {
				// A phone number is the username of a user who signs in
				// with a code (BioT's OTP users): they have no password.
				return loginByCode(ctx, e, c, username, codeStdin)
			}
			var password string
			switch {
			case passwordStdin:
				var err error
				if password, err = readSecret(e.stdin); err != nil {
					return fmt.Errorf("reading the password: %w", err)
				}
			case tty != nil:
				fmt.Fprintf(e.stderr, "Password for %s: ", username)
				b, err := term.ReadPassword(int(tty.Fd()))
				fmt.Fprintln(e.stderr)
				if err != nil {
					return fmt.Errorf("reading the password: %w", err)
				}
				password = string(b)
			default:
				return usagef("no terminal to ask for the password: pipe it in with --password-stdin")
			}
			err = c.Login(ctx, username, password)
			if code(err) == ipc.CodeMFARequired && tty != nil {
				fmt.Fprintln(e.stderr, messageOf(err))
				for {
					sms, perr := prompt(e.stderr, tty, "SMS code: ")
					if perr != nil {
						return perr
					}
					err = c.SubmitMFA(ctx, sms)
					if code(err) != ipc.CodeLoginFailed || strings.Contains(messageOf(err), "expired") {
						break
					}
					fmt.Fprintln(e.stderr, messageOf(err))
				}
			}
			var ie *ipc.Error
			if errors.As(err, &ie) && ie.Code == ipc.CodeMFARequired {
				// Keep the code, so the exit code says "sign-in needed".
				next := *ie
				next.Message += "; then run: biot-agent login --code-stdin"
				return &next
			}
			return finish(ctx, e, c, err)
		},
	}
}

// isPhone reports whether s is a phone number in international form, as
// people write one (+1 555 010-0123): the username of a user who signs in
// with a code. No e-mail address is one.
func isPhone(s string) bool {
	s = strings.TrimSpace(s)
	digits := 0
	for i, r := range s {
		switch {
		case r == '+' && i == 0:
		case r >= '0' && r <= '9':
			digits++
		case strings.ContainsRune(" -.()", r):
		default:
			return false
		}
	}
	return strings.HasPrefix(s, "+") && digits >= 6
}

// loginByCode signs in a user who has no password: BioT sends a code by
// SMS to phone, then the code is read from standard input (codeStdin) or
// asked on the terminal. On a terminal a refused code is said and asked
// again, and an empty answer asks BioT for a new code; nothing is sent
// again on its own. With neither, the sign-in waits in the agent for
// "login --code-stdin".
func loginByCode(ctx context.Context, e *env, c *ipc.Client, phone string, codeStdin bool) error {
	tty := terminal(e.stdin)
	if phone = strings.TrimSpace(phone); !strings.HasPrefix(phone, "+") {
		return usagef("--phone %s: give the number in international form, with + and the country code, such as +15550100123", phone)
	}
	sentTo, err := c.RequestCode(ctx, phone)
	if err != nil {
		return err
	}
	if sentTo == "" {
		sentTo = phone
	}
	switch {
	case codeStdin:
		fmt.Fprintf(e.stderr, "BioT sent a sign-in code to %s; reading it from standard input.\n", sentTo)
		sms, err := readSecret(e.stdin)
		if err != nil {
			return fmt.Errorf("reading the SMS code: %w; the sign-in still waits for it: biot-agent login --code-stdin", err)
		}
		return finish(ctx, e, c, c.SubmitMFA(ctx, sms))
	case tty == nil:
		then := "biot-agent login --code-stdin"
		if c.Env != "" {
			then = "biot-agent login -e " + c.Env + " --code-stdin"
		}
		// Keep the code, so the exit code says "sign-in needed".
		return &ipc.Error{Code: ipc.CodeMFARequired,
			Message: fmt.Sprintf("BioT sent a sign-in code to %s; no terminal to ask for it: pipe it in with %s", sentTo, then)}
	}
	fmt.Fprintf(e.stderr, "BioT sent a sign-in code to %s.\n", sentTo)
	for {
		sms, err := prompt(e.stderr, tty, "Code (Enter alone sends a new one): ")
		if err != nil {
			return err
		}
		if sms == "" {
			if err := c.ResendMFA(ctx); err != nil {
				return err
			}
			fmt.Fprintf(e.stderr, "Asked BioT to send a new code to %s; the one before no longer works.\n", sentTo)
			continue
		}
		err = c.SubmitMFA(ctx, sms)
		if code(err) != ipc.CodeLoginFailed {
			return finish(ctx, e, c, err)
		}
		fmt.Fprintln(e.stderr, messageOf(err)+".")
	}
}

// addForLogin makes sure the running agent serves the environment c.Env at
// rawURL: one already configured there is used as it is; a new one is
// checked (https, a trusted certificate, BioT's health check), written to
// the config file, and waited for until the agent serves it.
func addForLogin(ctx context.Context, e *env, c *ipc.Client, rawURL string) error {
	url, err := config.CheckURL(rawURL)
	if err != nil {
		return usagef("--url: %v", err)
	}
	path, err := config.Path()
	if err != nil {
		return err
	}
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	if cur, ok := cfg.Environments[c.Env]; ok {
		if cur.URL != url {
			return usagef("the environment %s is already configured, at %s; pick another name with -e NAME", c.Env, cur.URL)
		}
	} else {
		if err := checkBioT(ctx, url); err != nil {
			return err
		}
		if _, err := config.Add(path, c.Env, url); err != nil {
			return err
		}
		fmt.Fprintf(e.stderr, "Added the environment %s (%s) to %s.\n", c.Env, url, path)
	}
	return awaitEnvironment(ctx, c)
}

// checkBioT checks that url is a BioT that answers: over HTTPS with a
// certificate the system trusts, its health check answering.
func checkBioT(ctx context.Context, url string) error {
	bc, err := biot.New(url, nil, Version())
	if err != nil {
		return usagef("--url: %v", err)
	}
	ctx, cancel := context.WithTimeout(ctx, 15*time.Second)
	defer cancel()
	if _, err := bc.Health(ctx); err != nil {
		return fmt.Errorf("%s does not answer as BioT does: %w", url, err)
	}
	return nil
}

// awaitEnvironment waits, for at most 10 s, until the agent serves the
// environment c.Env: it reads the config file when the file changes.
func awaitEnvironment(ctx context.Context, c *ipc.Client) error {
	ctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	tick := time.NewTicker(50 * time.Millisecond)
	defer tick.Stop()
	for {
		list, err := c.Environments(ctx)
		if err != nil {
			return err
		}
		for _, st := range list.Environments {
			if st.Env == c.Env {
				return nil
			}
		}
		select {
		case <-tick.C:
		case <-ctx.Done():
			return fmt.Errorf("the agent does not serve the environment %s 10 s after it was added to the config file: is it watching another file?", c.Env)
		}
	}
}

// finish reports a finished sign-in: who is signed in, or why not.
func finish(ctx context.Context, e *env, c *ipc.Client, err error) error {
	if err != nil {
		return err
	}
	st, err := c.Status(ctx)
	if err != nil {
		return err
	}
	fmt.Fprintf(e.stderr, "Signed in as %s to %s (%s).\n", st.Username, st.Env, st.BaseURL)
	return nil
}

func logoutCmd() *command {
	return &command{
		name:    "logout",
		oneEnv:  true,
		summary: "sign out, here and at BioT",
		usage:   "",
		help: `Signs out: the agent forgets the session, removes it from the keyring and
ends it at BioT. Scripts waiting for a token are told at once.`,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("logout takes no arguments")
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			if err := c.Logout(ctx); err != nil {
				return err
			}
			fmt.Fprintln(e.stderr, "Signed out.")
			return nil
		},
	}
}

// terminal returns r as a terminal, or nil when it is none.
func terminal(r io.Reader) *os.File {
	f, ok := r.(*os.File)
	if ok && term.IsTerminal(int(f.Fd())) {
		return f
	}
	return nil
}

// prompt asks for one line on a terminal.
func prompt(w io.Writer, tty *os.File, question string) (string, error) {
	fmt.Fprint(w, question)
	line, err := bufio.NewReader(tty).ReadString('\n')
	if err != nil && !(errors.Is(err, io.EOF) && line != "") {
		return "", fmt.Errorf("reading the answer: %w", err)
	}
	return strings.TrimSpace(line), nil
}

// readSecret reads a password or code piped in: all of it, less the line
// ending a shell's echo adds. At most 4 KiB: a secret is never longer.
func readSecret(r io.Reader) (string, error) {
	b, err := io.ReadAll(io.LimitReader(r, 4097))
	if err != nil {
		return "", err
	}
	if len(b) > 4096 {
		return "", errors.New("more than 4 KiB on standard input")
	}
	s := strings.TrimRight(string(b), "\r\n")
	if s == "" {
		return "", errors.New("nothing on standard input")
	}
	return s, nil
}

// code is the local API's error code of err, or "".
func code(err error) ipc.Code {
	var ie *ipc.Error
	if errors.As(err, &ie) {
		return ie.Code
	}
	return ""
}

func messageOf(err error) string {
	var ie *ipc.Error
	if errors.As(err, &ie) {
		return ie.Message
	}
	return err.Error()
}
