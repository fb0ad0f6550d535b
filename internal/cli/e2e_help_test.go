package cli_test

import (
	"strings"
	"testing"
)

func TestHelpAndVersionReadWell(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{})
	tests := []struct {
		name string
		args []string
		want []string
	}{
		{"--help lists the commands and exit codes", []string{"--help"},
			[]string{"usage: biot-agent <command>", "token", "login", "run", "demo", "Exit codes", "4 agent not running"}},
		{"help token explains the exit codes", []string{"help", "token"},
			[]string{"usage: biot-agent token", "min-valid", "wait", "3 sign in", "4 start the", "5 BioT is unreachable"}},
		{"token --help is help token", []string{"token", "--help"},
			[]string{"usage: biot-agent token", "min-valid"}},
		{"--version names the version and the Go toolchain", []string{"--version"},
			[]string{"biot-agent ", "go1."}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res := w.run("", tt.args...)
			wantExit(t, res, 0, strings.Join(tt.args, " "))
			for _, want := range tt.want {
				if !strings.Contains(res.stdout, want) {
					t.Errorf("%s printed\n%s\nwant it to say %q", strings.Join(tt.args, " "), res.stdout, want)
				}
			}
			if res.stderr != "" {
				t.Errorf("%s printed %q on stderr, want nothing", strings.Join(tt.args, " "), res.stderr)
			}
		})
	}

	t.Run("every command has its --help", func(t *testing.T) {
		cmds := commandNames(t, w.run("", "--help").stdout)
		if len(cmds) < 8 {
			t.Fatalf("--help lists %d commands (%v), want run, demo, login, logout, status, token, exec, env and more", len(cmds), cmds)
		}
		for _, c := range cmds {
			res := w.run("", c, "--help")
			wantExit(t, res, 0, c+" --help")
			if !strings.HasPrefix(res.stdout, "usage: biot-agent "+c) {
				t.Errorf("%s --help starts %q, want \"usage: biot-agent %s\"", c, firstLine(res.stdout), c)
			}
			if strings.Count(strings.TrimSpace(res.stdout), "\n") < 2 {
				t.Errorf("%s --help says only %q, want a line of usage and a paragraph", c, res.stdout)
			}
		}
	})

	t.Run("an unknown command exits 2 and names it", func(t *testing.T) {
		res := w.run("", "frobnicate")
		wantExit(t, res, 2, "frobnicate")
		if !strings.HasPrefix(res.stderr, `biot-agent: unknown command "frobnicate"`) || !strings.Contains(res.stderr, "commands:") {
			t.Errorf("an unknown command said %q, want it named first, then the commands", res.stderr)
		}
		if res.stdout != "" {
			t.Errorf("an unknown command printed %q on stdout, want nothing", res.stdout)
		}
	})
}

// commandNames reads the command list out of "biot-agent --help".
func commandNames(t *testing.T, help string) []string {
	t.Helper()
	_, list, ok := strings.Cut(help, "commands:\n")
	if !ok {
		t.Fatalf("--help has no command list:\n%s", help)
	}
	var names []string
	for _, line := range strings.Split(list, "\n") {
		if !strings.HasPrefix(line, "  ") {
			break
		}
		names = append(names, strings.Fields(line)[0])
	}
	return names
}

func firstLine(s string) string {
	line, _, _ := strings.Cut(s, "\n")
	return line
}
