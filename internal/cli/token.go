package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"time"

	"biot-agent/ipc"
)

func tokenCmd() *command {
	var o tokenFlags
	return &command{
		name:    "token",
		oneEnv:  true,
		summary: "print the current access token, for $(...) in scripts",
		usage:   "[--min-valid D] [--wait D]",
		help: `Prints the current access token alone on standard output, refreshed first
when it would not stay valid long enough. The reason for a failure goes to
standard error, and the exit code says what to do: 3 sign in, 4 start the
agent, 5 BioT is unreachable.

  curl -H "Authorization: Bearer $(biot-agent token)" "$BIOT_URL/ums/v2/users/self"`,
		flags: o.register,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("token takes no arguments")
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			tok, err := c.TokenString(ctx, o.options())
			if err != nil {
				return err
			}
			_, err = fmt.Fprintln(e.stdout, tok)
			return err
		},
	}
}

// tokenFlags are the flags of the commands that fetch a token.
type tokenFlags struct {
	minValid, wait time.Duration
}

func (o *tokenFlags) register(fs *flag.FlagSet) {
	fs.DurationVar(&o.minValid, "min-valid", 0, "the token must stay valid at least `D` long (e.g. 90s); default: 5s, or a quarter of its lifetime if shorter")
	fs.DurationVar(&o.wait, "wait", 0, "with nobody signed in, wait up to `D` for a sign-in (at most 10m)")
}

func (o *tokenFlags) options() ipc.TokenOptions {
	return ipc.TokenOptions{MinValid: o.minValid, Wait: o.wait}
}

func execCmd() *command {
	var o tokenFlags
	var proxy bool
	return &command{
		name:    "exec",
		oneEnv:  true,
		summary: "run a command with BIOT_TOKEN, BIOT_API_URL and BIOT_ENV set",
		usage:   "[-e NAME] [--proxy] [--min-valid D] [--wait D] [--] COMMAND [ARGS...]",
		help: `Runs COMMAND with the current access token in BIOT_TOKEN, the BioT URL in
BIOT_API_URL, the environment's name in BIOT_ENV (so that the command's own
biot-agent calls act there too) and the agent's socket in BIOT_AGENT_SOCK,
and exits with its exit code. The token is fetched once, at the start: a
long job asks the agent again (biot-agent token, or GET /v1/token on
BIOT_AGENT_SOCK), or calls BioT through the agent (biot-agent api, or
/v1/proxy/ on the socket).

With --proxy, BIOT_API_URL is instead a base URL on 127.0.0.1 that calls
BioT through the agent, a fresh token added to every request: tools that
take only a base URL (SDKs, Postman's CLI, notebooks) need no token at all,
and BIOT_TOKEN is not set. The listener lives exactly as long as COMMAND;
the URL holds a secret key (do not log it), and the listener refuses
other hosts' names, web pages and, on Linux, other users.

  biot-agent exec --proxy -- sh -c 'curl "$BIOT_API_URL/ums/v2/users/self"'`,
		flags: func(fs *flag.FlagSet) {
			o.register(fs)
			fs.BoolVar(&proxy, "proxy", false, "set BIOT_API_URL to a loopback proxy through the agent, and no BIOT_TOKEN")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return usagef("exec needs a command to run")
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			if c.Env == "" {
				// The agent's default, by name: the child gets it in
				// BIOT_ENV, so its own calls act where its token is from
				// even if the default changes while it runs.
				st, err := c.Status(ctx)
				if err != nil {
					return err
				}
				c.Env = st.Env
			}
			// Even through the proxy, a child that would only meet "not
			// signed in" on its first call is not started.
			tok, err := c.Token(ctx, o.options())
			if err != nil {
				return err
			}
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
			cmd.Env = childEnv(os.Environ())
			if sock, err := ipc.SocketPath(); err == nil {
				cmd.Env = append(cmd.Env, "BIOT_AGENT_SOCK="+sock)
			}
			if c.Env != "" {
				cmd.Env = append(cmd.Env, "BIOT_ENV="+c.Env)
			}
			if !proxy {
				cmd.Env = append(cmd.Env, "BIOT_TOKEN="+tok.Token, "BIOT_API_URL="+tok.BaseURL)
				return runChild(cmd)
			}
			lb, err := ipc.ListenLoopback(c, loopbackLogger(e))
			if err != nil {
				return fmt.Errorf("exec: %w", err)
			}
			served := make(chan error, 1)
			go func() { served <- lb.Serve() }()
			cmd.Env = append(cmd.Env, "BIOT_API_URL="+lb.URL())
			err = runChild(cmd)
			_ = lb.Close() // the child is gone: so is its listener
			<-served
			return err
		},
	}
}

// runChild runs cmd and passes its exit code on.
func runChild(cmd *exec.Cmd) error {
	err := cmd.Run()
	var ee *exec.ExitError
	if errors.As(err, &ee) {
		return &childExit{code: ee.ExitCode()}
	}
	if err != nil {
		return fmt.Errorf("exec: %w", err)
	}
	return nil
}

// loopbackLogger says on stderr what the loopback listener refused.
func loopbackLogger(e *env) *slog.Logger {
	return slog.New(slog.NewTextHandler(e.stderr, &slog.HandlerOptions{
		Level: slog.LevelWarn,
		ReplaceAttr: func(groups []string, a slog.Attr) slog.Attr {
			if len(groups) == 0 && a.Key == slog.TimeKey {
				return slog.Attr{}
			}
			if len(groups) == 0 && a.Key == slog.MessageKey {
				a.Value = slog.StringValue("biot-agent exec --proxy: " + a.Value.String())
			}
			return a
		},
	}))
}

// childExit passes a child's exit code through, without a message of ours.
type childExit struct{ code int }

func (e *childExit) Error() string { return fmt.Sprintf("command exited with code %d", e.code) }

func envCmd() *command {
	return &command{
		name:    "env",
		summary: "print shell lines that point tools at this agent's socket",
		usage:   "",
		help: `Prints "export BIOT_AGENT_SOCK=..." for the socket the agent listens on,
for eval "$(biot-agent env)" in a shell whose tools should find it.`,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("env takes no arguments")
			}
			path, err := ipc.SocketPath()
			if err != nil {
				return err
			}
			_, err = fmt.Fprintf(e.stdout, "export BIOT_AGENT_SOCK=%s\n", shellQuote(path))
			return err
		},
	}
}

// shellQuote quotes s for a POSIX shell.
func shellQuote(s string) string {
	if s != "" && strings.Trim(s, "abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789/._-+=:@") == "" {
		return s
	}
	return "'" + strings.ReplaceAll(s, "'", `'\''`) + "'"
}
