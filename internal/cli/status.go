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
	var asJSON bool
	return &command{
		name:    "status",
		oneEnv:  true,
		summary: "show who is signed in, until when, and how the last refresh went",
		usage:   "[--json]",
		help: `Shows the session of the running agent. The exit code tells the state:
0 signed in, 3 signed out or sign-in needed, 4 agent not running, 5 offline.`,
		flags: func(fs *flag.FlagSet) {
			fs.BoolVar(&asJSON, "json", false, "print the status as JSON")
		},
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			if len(args) > 0 {
				return usagef("status takes no arguments")
			}
			c, err := e.client()
			if err != nil {
				return err
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
			switch st.State {
			case ipc.StateSignedOut, ipc.StateNeedsLogin:
				return &childExit{code: exitSignIn}
			case ipc.StateOffline:
				return &childExit{code: exitOffline}
			}
			return nil
		},
	}
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
		state += ", a sign-in waits for its SMS code"
	}
	line("State", state)
	line("Why", st.Message)
	line("BioT", st.BaseURL)
	user := st.Username
	if st.UserID != "" {
		user += " (user " + st.UserID + ", organization " + st.OrganizationID + ")"
	}
	line("User", user)
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
