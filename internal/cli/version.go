package cli

import (
	"context"
	"flag"
	"fmt"
	"runtime"
	"runtime/debug"
)

// Stamped by the release build: -ldflags "-X biot-agent/internal/cli.version=... -X ...commit=... -X ...date=...".
var (
	version = ""
	commit  = ""
	date    = ""
)

// Version is biot-agent's version: the stamped one, else the module's from
// the build info, else "dev".
func Version() string {
	if version != "" {
		return version
	}
	if bi, ok := debug.ReadBuildInfo(); ok && bi.Main.Version != "" && bi.Main.Version != "(devel)" {
		return bi.Main.Version
	}
	return "dev"
}

// buildInfo is the commit and date of the build, from the stamp or from the
// VCS information Go records.
func buildInfo() (rev, when string) {
	rev, when = commit, date
	if bi, ok := debug.ReadBuildInfo(); ok {
		for _, s := range bi.Settings {
			switch {
			case s.Key == "vcs.revision" && rev == "":
				rev = s.Value
			case s.Key == "vcs.time" && when == "":
				when = s.Value
			}
		}
	}
	if rev == "" {
		rev = "unknown"
	}
	if when == "" {
		when = "unknown"
	}
	return rev, when
}

func versionCmd() *command {
	return &command{
		name:    "version",
		summary: "print the version, commit and build date",
		usage:   "",
		help:    `Prints biot-agent's version, the commit it was built from and when.`,
		run: func(ctx context.Context, e *env, _ *flag.FlagSet, args []string) error {
			rev, when := buildInfo()
			_, err := fmt.Fprintf(e.stdout, "biot-agent %s (commit %s, built %s, %s %s/%s)\n",
				Version(), rev, when, runtime.Version(), runtime.GOOS, runtime.GOARCH)
			return err
		},
	}
}
