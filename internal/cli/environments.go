package cli

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"

	"biot-agent/internal/config"
)

func environmentsCmd() *command {
	return &command{
		name:    "environments",
		summary: "list, add or remove the BioT environments of the config file",
		usage:   "[add NAME URL | remove NAME]",
		help: `An environment is one BioT URL and one account, under a short name
(lower-case letters, digits and '-'): two accounts on one URL are two
environments, such as dev and dev-qa. They live in
$XDG_CONFIG_HOME/biot-agent/config.toml as [environments.NAME] tables.

  (nothing)          lists the environments: name, URL, default, read-only.
  add NAME URL       adds an environment. URL is the "Rest API URL", such as
                     https://api.dev.acme.biot-med.com (http:// only for
                     localhost). A top-level url = "..." moves into
                     [environments.default], and stays the environment
                     "default".
  remove NAME        removes an environment, and default = "NAME" if the file
                     says so.

add and remove change the file in place and keep your comments, order and
blank lines; an edit they cannot make safely is refused with the file
untouched. A running agent picks up the change.

Commands act on the environment named by --env, else $BIOT_ENV, else the
file's default = "NAME", else the one named "default", else the only one.`,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			path, err := config.Path()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return listEnvironments(e, path)
			}
			switch sub := args[0]; sub {
			case "add":
				if len(args) != 3 {
					return usagef("usage: biot-agent environments add NAME URL")
				}
				return addEnvironment(e.stdout, path, args[1], args[2])
			case "remove":
				if len(args) != 2 {
					return usagef("usage: biot-agent environments remove NAME")
				}
				return removeEnvironment(e.stdout, path, args[1])
			default:
				return usagef("environments: unknown %q; use add or remove, or nothing to list them", sub)
			}
		},
	}
}

// listEnvironments prints the file's environments, one a line. The
// agent's state of each is for a later version, which asks the agent.
func listEnvironments(e *env, path string) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	if len(cfg.Environments) == 0 {
		fmt.Fprintf(e.stderr, "No environments in %s. Add one: biot-agent environments add NAME URL\n", path)
		return nil
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	def := cfg.DefaultEnvironment()
	for _, name := range cfg.Names() {
		env := cfg.Environments[name]
		var notes string
		if name == def {
			notes = "default"
		}
		if env.ReadOnly {
			notes = join(notes, "read-only")
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\n", name, env.URL, notes)
	}
	if err := tw.Flush(); err != nil {
		return err
	}
	for _, line := range strings.SplitAfter(b.String(), "\n") {
		if line != "" {
			fmt.Fprintln(e.stdout, strings.TrimRight(line, " \n"))
		}
	}
	return nil
}

func join(a, b string) string {
	if a == "" {
		return b
	}
	return a + ", " + b
}

func addEnvironment(w io.Writer, path, name, url string) error {
	// Mistakes in the command line are usage (exit 2); what the file says
	// is not.
	if err := config.CheckName(name); err != nil {
		return usagef("%v", err)
	}
	if _, err := config.CheckURL(url); err != nil {
		return usagef("url: %v", err)
	}
	c, err := config.Add(path, name, url)
	if err != nil {
		return err
	}
	if c.Created {
		fmt.Fprintf(w, "Made %s.\n", c.Path)
	}
	if c.MovedTopURL {
		fmt.Fprintf(w, "Moved the top-level url of %s into [environments.%s]: it is still the environment %q.\n", c.Path, config.DefaultName, config.DefaultName)
	}
	fmt.Fprintf(w, "Added the environment %s (%s) to %s.\n", c.Environment.Name, c.Environment.URL, c.Path)
	return nil
}

func removeEnvironment(w io.Writer, path, name string) error {
	c, err := config.Remove(path, name)
	if err != nil {
		return err
	}
	fmt.Fprintf(w, "Removed the environment %s (%s) from %s.\n", c.Environment.Name, c.Environment.URL, c.Path)
	if c.DroppedDefault {
		fmt.Fprintf(w, "It was the default: default = %q is gone too.\n", name)
	}
	return nil
}
