package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"runtime"

	"biot-agent/internal/autostart"
)

func autostartCmd() *command {
	var systemd, asJSON bool
	register := func(fs *flag.FlagSet) {
		fs.BoolVar(&systemd, "systemd", false, "enable: use a systemd user unit instead of the XDG autostart entry (Linux)")
		fs.BoolVar(&asJSON, "json", false, "status: print the state as JSON")
	}
	return &command{
		name:    "autostart",
		summary: "start the agent at login, or not: enable, disable, status",
		usage:   "enable [--systemd] | disable | status [--json]",
		help: `Makes the agent start when you log in to your desktop, or stops that.

  enable     Linux: an autostart entry in $XDG_CONFIG_HOME/autostart (started
             after the panel is up); with --systemd a systemd user unit
             instead, in ~/.config/systemd/user, for desktops that start
             graphical-session.target (GNOME, KDE Plasma). macOS: a
             LaunchAgent in ~/Library/LaunchAgents. Windows: the Run key.
             It starts this very program, by its absolute path.
  disable    removes what enable wrote; a file you made yourself is left
             alone, and named. When the package's system-wide entry
             (/etc/xdg/autostart) would start it, your own entry hides it.
  status     which mechanism starts the agent, if any.

Enabling twice changes nothing. It takes effect at the next login.`,
		flags: register,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) == 0 {
				return usagef("autostart needs one of: enable, disable, status")
			}
			sub := args[0]
			fs := flag.NewFlagSet("biot-agent autostart "+sub, flag.ContinueOnError)
			fs.SetOutput(io.Discard)
			register(fs)
			if err := fs.Parse(args[1:]); err != nil {
				return usagef("autostart %s: %v", sub, err)
			}
			if fs.NArg() > 0 {
				return usagef("autostart %s takes no arguments", sub)
			}
			switch sub {
			case "enable":
				if asJSON {
					return usagef("--json goes with autostart status")
				}
				if systemd && runtime.GOOS != "linux" {
					return usagef("--systemd is for Linux")
				}
				if err := autostart.Enable(autostart.Options{Systemd: systemd}); err != nil {
					return err
				}
				st, err := autostart.Status()
				if err != nil {
					return err
				}
				fmt.Fprintf(e.stdout, "Autostart %s\n", st)
				printEntryProblems(e.stdout, st)
				fmt.Fprintln(e.stdout, "It takes effect at your next login.")
				return nil
			case "disable":
				if systemd || asJSON {
					return usagef("autostart disable takes no flags")
				}
				if err := autostart.Disable(); err != nil {
					return err
				}
				fmt.Fprintln(e.stdout, "Autostart off: biot-agent will not start at login. (An agent running now keeps running.)")
				return nil
			case "status":
				if systemd {
					return usagef("--systemd goes with autostart enable")
				}
				st, err := autostart.Status()
				if err != nil {
					return err
				}
				if asJSON {
					enc := json.NewEncoder(e.stdout)
					enc.SetIndent("", "  ")
					return enc.Encode(st)
				}
				printAutostart(e.stdout, st)
				return nil
			}
			return usagef("autostart: unknown %q; use enable, disable or status", sub)
		},
	}
}

// printAutostart prints the state: a summary line, then each entry found.
func printAutostart(w io.Writer, st autostart.State) {
	fmt.Fprintf(w, "Autostart %s\n", st)
	for _, en := range st.Entries {
		state := "off"
		if en.Starts {
			state = "starts the agent"
		}
		who := "yours"
		switch {
		case en.System:
			who = "system-wide"
		case en.Ours:
			who = "made by biot-agent"
		}
		fmt.Fprintf(w, "  %-13s %s (%s, %s)\n", en.Mechanism, en.Path, who, state)
		if en.Command != "" {
			fmt.Fprintf(w, "  %-13s runs: %s\n", "", en.Command)
		}
		if en.Problem != "" {
			fmt.Fprintf(w, "  %-13s note: %s\n", "", en.Problem)
		}
	}
	if len(st.Active()) > 1 {
		fmt.Fprintln(w, "Two mechanisms start the agent; the second start finds the first running and exits. Keep one: biot-agent autostart enable [--systemd].")
	}
}

func printEntryProblems(w io.Writer, st autostart.State) {
	for _, en := range st.Active() {
		if en.Problem != "" {
			fmt.Fprintf(w, "Note: %s: %s\n", en.Path, en.Problem)
		}
	}
}
