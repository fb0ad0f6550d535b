package cli

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"io"
	"slices"
	"strings"
	"text/tabwriter"

	"biot-agent/internal/config"
	"biot-agent/ipc"
)

func environmentsCmd() *command {
	var asJSON bool
	return &command{
		name:    "environments",
		summary: "list, add or remove the BioT environments of the config file",
		usage:   "[add NAME URL | remove NAME]",
		help: `An environment is one BioT URL and one account, under a short name
(lower-case letters, digits and '-'): two accounts on one URL are two
environments, such as dev and dev-qa. They live in
$XDG_CONFIG_HOME/biot-agent/config.toml as [environments.NAME] tables.

  (nothing)          lists the environments: name, URL, who is signed in
                     and the state (from the running agent), default,
                     read-only. --json prints them for scripts.
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
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "list the environments as JSON")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			path, err := config.Path()
			if err != nil {
				return err
			}
			if len(args) == 0 {
				return listEnvironments(ctx, e, path, asJSON)
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

// envLine is one environment in the list.
type envLine struct {
	Name     string    `json:"name"`
	URL      string    `json:"url"`
	Default  bool      `json:"default,omitempty"`
	ReadOnly bool      `json:"readOnly,omitempty"`
	State    ipc.State `json:"state,omitempty"` // "" when the agent is not running
	Username string    `json:"username,omitempty"`
	Identity string    `json:"identity,omitempty"` // ipc.IdentityUser or ipc.IdentityService
}

// listEnvironments prints the environments: those the running agent serves
// (the file's, and --url's or $BIOT_URL's), with who is signed in and the
// state; when no agent runs, the file's alone, without a state column.
func listEnvironments(ctx context.Context, e *env, path string, asJSON bool) error {
	cfg, err := config.Load(path)
	if err != nil {
		return err
	}
	c, err := e.client()
	if err != nil {
		return err
	}
	lines := map[string]*envLine{}
	def := cfg.DefaultEnvironment()
	for _, name := range cfg.Names() {
		env := cfg.Environments[name]
		lines[name] = &envLine{Name: name, URL: env.URL, ReadOnly: env.ReadOnly, Identity: ipc.IdentityUser}
		if env.IsService() {
			lines[name].Identity = ipc.IdentityService
		}
	}
	list, err := c.Environments(ctx)
	running := err == nil
	switch {
	case running:
		def = list.Default
		for _, st := range list.Environments {
			l := lines[st.Env]
			if l == nil {
				l = &envLine{Name: st.Env, URL: st.BaseURL}
				lines[st.Env] = l
			}
			l.State, l.Username = st.State, st.Username
			if st.Identity != "" {
				l.Identity = st.Identity
			}
		}
	case !errors.Is(err, ipc.ErrAgentNotRunning):
		return err
	}
	out := make([]envLine, 0, len(lines))
	for _, l := range lines {
		l.Default = l.Name == def
		out = append(out, *l)
	}
	slices.SortFunc(out, func(a, b envLine) int { return strings.Compare(a.Name, b.Name) })
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	if len(out) == 0 {
		fmt.Fprintf(e.stderr, "No environments in %s. Add one: biot-agent login --url URL -e NAME (or: biot-agent environments add NAME URL)\n", path)
		return nil
	}
	var b strings.Builder
	tw := tabwriter.NewWriter(&b, 0, 0, 2, ' ', 0)
	for _, l := range out {
		var notes string
		if l.Default {
			notes = "default"
		}
		if l.ReadOnly {
			notes = join(notes, "read-only")
		}
		if l.Identity == ipc.IdentityService {
			notes = join(notes, "service user")
		}
		if !running {
			fmt.Fprintf(tw, "%s\t%s\t%s\n", l.Name, l.URL, notes)
			continue
		}
		state := stateWords[l.State]
		if l.State == "" {
			state = "not served yet"
		}
		if l.Username != "" {
			state = l.Username + ", " + state
		}
		fmt.Fprintf(tw, "%s\t%s\t%s\t%s\n", l.Name, l.URL, state, notes)
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
	if c.KeptDefault != "" {
		fmt.Fprintf(w, "%s stays the default (default = %q), as it was when it was the only one; -e %s picks the new one.\n", c.KeptDefault, c.KeptDefault, c.Environment.Name)
	}
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
