package cli

import (
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"strings"
	"text/tabwriter"
	"time"

	"biot-agent/ipc"
)

func statusCmd() *command {
	var asJSON, all bool
	return &command{
		name:    "status",
		oneEnv:  true,
		summary: "show who is signed in, until when, and how the last refresh went",
		usage:   "[-e NAME | --all] [--json]",
		help: `Shows the session of one environment of the running agent (-e NAME, else
$BIOT_ENV, else the default), or of every environment with --all. The exit
code tells the state (with --all, the worst): 0 signed in, 3 signed out or
sign-in needed, 4 agent not running, 5 offline.`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print the status as JSON (with --all, an array)")
			fs.BoolVar(&all, "all", false, "show every environment")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("status takes no arguments")
			}
			if all && e.envName != "" {
				return usagef("--all and -e do not go together")
			}
			c, err := e.client()
			if err != nil {
				return err
			}
			if all {
				return statusAll(ctx, e, c, asJSON)
			}
			st, err := c.Status(ctx)
			if err != nil {
				return err
			}
			if asJSON {
				enc := json.NewEncoder(e.stdout)
				enc.SetIndent("", "  ")
				if err := enc.Encode(st); err != nil {
					return err
				}
			} else {
				printStatus(e.stdout, st.Status, st.Version, time.Now())
			}
			return stateExit(st.State)
		},
	}
}

// stateExit is the exit code that tells a state.
func stateExit(s ipc.State) error {
	switch s {
	case ipc.StateSignedOut, ipc.StateNeedsLogin:
		return &childExit{code: exitSignIn}
	case ipc.StateOffline:
		return &childExit{code: exitOffline}
	}
	return nil
}

// statusAll shows every environment, and exits with the code of the worst
// state among those with a session (sign-in needed, then offline), as the
// tray's icon does; when none has one, as signed out.
func statusAll(ctx context.Context, e *env, c *ipc.Client, asJSON bool) error {
	list, err := c.Environments(ctx)
	if err != nil {
		return err
	}
	if asJSON {
		enc := json.NewEncoder(e.stdout)
		enc.SetIndent("", "  ")
		if err := enc.Encode(list.Environments); err != nil {
			return err
		}
	} else if len(list.Environments) == 0 {
		fmt.Fprintln(e.stdout, "No environment yet. Add one with: biot-agent login --url https://api.dev.<company>.biot-med.com -e dev")
	}
	rank := map[ipc.State]int{ipc.StateSignedOut: 0, ipc.StateSignedIn: 1, ipc.StateOffline: 2, ipc.StateNeedsLogin: 3}
	worst := ipc.StateSignedOut
	now := time.Now()
	for i, st := range list.Environments {
		if !asJSON {
			if i > 0 {
				fmt.Fprintln(e.stdout)
			}
			title := st.Env
			if st.Env == list.Default {
				title += " (default)"
			}
			fmt.Fprintln(e.stdout, title)
			printStatus(e.stdout, st, "", now)
		}
		if rank[st.State] > rank[worst] {
			worst = st.State
		}
	}
	return stateExit(worst)
}

var stateWords = map[ipc.State]string{
	ipc.StateSignedIn:   "signed in",
	ipc.StateSignedOut:  "signed out",
	ipc.StateOffline:    "offline (retrying)",
	ipc.StateNeedsLogin: "sign-in needed",
}

func printStatus(w io.Writer, st ipc.Status, version string, now time.Time) {
	tw := tabwriter.NewWriter(w, 0, 0, 2, ' ', 0)
	line := func(k, v string) {
		if v != "" {
			fmt.Fprintf(tw, "%s:\t%s\n", k, v)
		}
	}
	state := stateWords[st.State]
	if state == "" {
		state = string(st.State)
	}
	if st.MFAPending {
		state += "; " + pendingWords(st)
	}
	line("Environment", st.Env)
	line("State", state)
	line("Why", st.Message)
	line("BioT", st.BaseURL)
	user := st.Username
	if st.UserID != "" && st.UserID != st.Username {
		user += " (user " + st.UserID + ", organization " + st.OrganizationID + ")"
	}
	if st.Identity == ipc.IdentityService {
		line("Service user", st.Username)
	} else {
		line("User", user)
	}
	line("Access token", until("valid", st.AccessExpiresAt, now))
	line("Session", until("good", st.RefreshExpiresAt, now))
	if r := st.LastRefresh; r != nil {
		res := "ok"
		if !r.OK {
			res = "failed: " + r.Error
		}
		line("Last refresh", r.Time.Local().Format(time.TimeOnly)+" "+res)
	}
	line("Next refresh", until("", st.NextRefreshAt, now))
	store := st.Store.Kind
	if !st.Store.Persistent {
		store += " (not kept across restarts)"
	}
	if st.Store.Problem != "" {
		store += ": " + st.Store.Problem
	}
	line("Store", store)
	line("Agent", version)
	tw.Flush()
}

// pendingWords says that a sign-in waits for its SMS code, and how to
// finish it.
func pendingWords(st ipc.Status) string {
	what := "a sign-in waits for its SMS code"
	if st.CodeSentTo != "" {
		what = "a sign-in waits for the code sent to " + st.CodeSentTo
	}
	finish := "biot-agent login --code-stdin"
	if st.Env != "" {
		finish = "biot-agent login -e " + st.Env + " --code-stdin"
	}
	return what + " (enter it with: " + finish + ")"
}

// until says when t is, and how far from now: "valid until 14:05:00 (in
// 4m0s)", or "14:05:00 (in 4m0s)" with no verb.
func until(verb string, t *time.Time, now time.Time) string {
	if t == nil {
		return ""
	}
	d := t.Sub(now).Round(time.Second)
	when := t.Local().Format(time.DateTime)
	if d < 0 {
		return fmt.Sprintf("ended %s (%s ago)", when, strings.TrimPrefix(d.String(), "-"))
	}
	if verb != "" {
		when = verb + " until " + when
	}
	return fmt.Sprintf("%s (in %s)", when, d)
}
