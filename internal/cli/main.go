package cli

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"os/signal"
	"runtime"
	"strings"
	"syscall"

	"biot-agent/ipc"
)

// env is what a command gets from the process: its streams. Commands never
// read os.Stdin and friends directly, so tests can run them in process.
type env struct {
	stdin          io.Reader
	stdout, stderr io.Writer

	// envName is the environment a command acts on, from -e/--env; see
	// environment.
	envName string
}

// command is one subcommand of biot-agent.
type command struct {
	name    string
	summary string
	usage   string // the arguments after the name
	help    string // a paragraph or two for --help
	run     func(ctx context.Context, e *env, fs *flag.FlagSet, args []string) error
	flags   func(fs *flag.FlagSet)
	// oneEnv: the command acts on one environment, which -e/--env names.
	oneEnv bool
}

func commands() []*command {
	return []*command{
		runCmd(), demoCmd(), loginCmd(), logoutCmd(), statusCmd(), tokenCmd(), apiCmd(), execCmd(), envCmd(), environmentsCmd(),
		autostartCmd(), doctorCmd(), versionCmd(),
	}
}

// Main runs biot-agent with args (without the program name) and answers the
// exit code.
func Main(args []string, stdin io.Reader, stdout, stderr io.Writer) int {
	e := &env{stdin: stdin, stdout: stdout, stderr: stderr}
	if len(args) == 0 {
		args = []string{"run"} // started by the desktop: be the agent
	}
	switch args[0] {
	case "-h", "-help", "--help", "help":
		if len(args) > 1 {
			if c := find(args[1]); c != nil {
				printCommandHelp(stdout, c, nil)
				return exitOK
			}
		}
		printHelp(stdout)
		return exitOK
	case "-version", "--version", "-v":
		args[0] = "version"
	}
	c := find(args[0])
	if c == nil {
		fmt.Fprintf(stderr, "biot-agent: unknown command %q\n\n", args[0])
		printHelp(stderr)
		return exitUsage
	}
	if c.name != "run" && c.name != "demo" {
		// fyne.io/systray locks the main goroutine to the main thread in
		// its init, for the tray that run and demo show. Other commands let
		// go: while it is locked, each wait of the main goroutine (on the
		// socket, say) hands its thread's work to another thread and back,
		// which a one-shot command such as "token" pays for in time.
		runtime.UnlockOSThread()
	}
	fs := flag.NewFlagSet("biot-agent "+c.name, flag.ContinueOnError)
	fs.SetOutput(io.Discard)
	if c.flags != nil {
		c.flags(fs)
	}
	if c.oneEnv {
		envFlags(fs, &e.envName)
	}
	if err := fs.Parse(args[1:]); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			printCommandHelp(stdout, c, fs)
			return exitOK
		}
		fmt.Fprintf(stderr, "biot-agent %s: %v\n", c.name, err)
		fmt.Fprintf(stderr, "usage: biot-agent %s %s\n", c.name, c.usage)
		return exitUsage
	}
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	return report(stderr, c.run(ctx, e, fs, fs.Args()))
}

func find(name string) *command {
	for _, c := range commands() {
		if c.name == name {
			return c
		}
	}
	return nil
}

func printHelp(w io.Writer) {
	fmt.Fprint(w, `biot-agent keeps you signed in to BioT and hands the current access token
to your scripts and tools.

usage: biot-agent <command> [flags]

commands:
`)
	for _, c := range commands() {
		fmt.Fprintf(w, "  %-12s %s\n", c.name, c.summary)
	}
	fmt.Fprint(w, `
With no command, biot-agent runs the agent (as "biot-agent run").
"biot-agent <command> --help" tells more about one command.

Scripts:
  biot-agent api /ums/v2/users/self
  curl -H "Authorization: Bearer $(biot-agent token)" "$BIOT_URL/ums/v2/users/self"

Exit codes: 0 done, 1 failed, 2 bad usage, 3 sign-in needed,
4 agent not running, 5 BioT unreachable and no valid token left.
`)
}

func printCommandHelp(w io.Writer, c *command, fs *flag.FlagSet) {
	fmt.Fprintf(w, "usage: biot-agent %s %s\n\n%s\n", c.name, c.usage, strings.TrimSpace(c.help))
	if fs == nil {
		fs = flag.NewFlagSet(c.name, flag.ContinueOnError)
		if c.flags != nil {
			c.flags(fs)
		}
		if c.oneEnv {
			envFlags(fs, new(string))
		}
	}
	var b strings.Builder
	fs.SetOutput(&b)
	fs.PrintDefaults()
	if b.Len() > 0 {
		fmt.Fprintf(w, "\nflags:\n%s", b.String())
	}
}

// envFlags registers -e and --env, which name the environment a command
// acts on.
func envFlags(fs *flag.FlagSet, name *string) {
	const usage = "the environment `NAME` to act on (default: $BIOT_ENV, else the configured default, else the only one)"
	fs.StringVar(name, "env", "", usage)
	fs.StringVar(name, "e", "", "short for --env")
}

// environment is the environment a command acts on: -e/--env, else
// $BIOT_ENV, else "" (the agent's default). A name that cannot be one is a
// usage error.
func (e *env) environment() (string, error) {
	name := e.envName
	if name == "" {
		name = os.Getenv("BIOT_ENV")
	}
	if name != "" && !validEnvName(name) {
		return "", usagef("%q is not an environment name: lower-case letters, digits and dashes, 1 to 32, starting with a letter or digit", name)
	}
	return name, nil
}

// client is the ipc client for the agent's socket, for the environment the
// command acts on. A bad socket path is reported when the client is used.
func (e *env) client() (*ipc.Client, error) {
	name, err := e.environment()
	if err != nil {
		return nil, err
	}
	path, err := ipc.SocketPath()
	if err != nil {
		path = "" // the client's error names the problem
	}
	c := ipc.NewClient(path)
	c.Env = name
	return c, nil
}

// validEnvName reports whether name can name an environment:
// [a-z0-9][a-z0-9-]{0,31}.
func validEnvName(name string) bool {
	if name == "" || len(name) > 32 || name[0] == '-' {
		return false
	}
	for _, c := range name {
		if !(c >= 'a' && c <= 'z' || c >= '0' && c <= '9' || c == '-') {
			return false
		}
	}
	return true
}
