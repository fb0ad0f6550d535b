package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
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
	return &command{
		name:    "exec",
		oneEnv:  true,
		summary: "run a command with BIOT_TOKEN, BIOT_API_URL and BIOT_ENV set",
		usage:   "[--min-valid D] [--wait D] [--] COMMAND [ARGS...]",
		help: `Runs COMMAND with the current access token in BIOT_TOKEN, the BioT URL
in BIOT_API_URL and the environment's name in BIOT_ENV (so that the
command's own biot-agent calls act there too), and exits with its exit
code. The token is fetched once, at the start: for long jobs, ask the
agent again (biot-agent token) instead.`,
		flags: o.register,
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
			tok, err := c.Token(ctx, o.options())
			if err != nil {
				return err
			}
			cmd := exec.CommandContext(ctx, args[0], args[1:]...)
			cmd.Stdin, cmd.Stdout, cmd.Stderr = e.stdin, e.stdout, e.stderr
			cmd.Env = append(os.Environ(), "BIOT_TOKEN="+tok.Token, "BIOT_API_URL="+tok.BaseURL)
			if c.Env != "" {
				cmd.Env = append(cmd.Env, "BIOT_ENV="+c.Env)
			}
			err = cmd.Run()
			var ee *exec.ExitError
			if errors.As(err, &ee) {
				return &childExit{code: ee.ExitCode()}
			}
			if err != nil {
				return fmt.Errorf("exec: %w", err)
			}
			return nil
		},
	}
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
