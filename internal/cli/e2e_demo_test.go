package cli_test

import (
	"encoding/json"
	"errors"
	"io/fs"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// TestDemoWorksAsPrinted runs "biot-agent demo" as a newcomer does and then
// types the printed lines, exactly as printed, into a shell: the sign-in, and
// the README's promise
//
//	curl -H "Authorization: Bearer $(biot-agent token)" <BioT URL>/ums/v2/users/self
//
// which must print the demo user.
func TestDemoWorksAsPrinted(t *testing.T) {
	t.Parallel()
	if _, err := exec.LookPath("curl"); err != nil {
		t.Skipf("the demo's instructions use curl: %v", err)
	}
	tests := []struct {
		name      string
		installed bool // biot-agent is on PATH
	}{
		{"installed on PATH", true},
		{"run from a build folder, as go run does", false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			t.Parallel()
			w := newWorld(t, worldOptions{})
			if !tt.installed {
				w.env = w.with("PATH=" + os.Getenv("PATH")) // the later PATH wins
			}
			demo := w.startAgentWith(w.env, "demo", "--headless")
			waitFor(t, 10*time.Second, "the demo's instructions", func() bool {
				return strings.Contains(demo.stdout.String(), "Ctrl-C ends the demo")
			})
			text := demo.stdout.String()
			login, curl := printedLine(t, text, "printf "), printedLine(t, text, "curl ")
			if tt.installed && !strings.Contains(curl, "$(biot-agent token)") {
				t.Errorf("the printed curl line is %q, want it to use $(biot-agent token) as the README does", curl)
			}

			res := w.sh(login)
			wantExit(t, res, 0, login)
			wantOneLine(t, res.stderr, "the printed sign-in", "Signed in as demo@example.com")

			res = w.sh(curl)
			wantExit(t, res, 0, curl)
			var user struct {
				Username string `json:"username"`
			}
			if err := json.Unmarshal([]byte(res.stdout), &user); err != nil || user.Username != "demo@example.com" {
				t.Errorf("the printed curl line printed %q (%v), want the JSON of demo@example.com", res.stdout, err)
			}
			w.token() // so the leak check knows the demo's token

			// The same call through the agent's proxy.
			api := printedLineWith(t, text, " api /ums/v2/users/self")
			res = w.sh(api)
			wantExit(t, res, 0, api)
			if err := json.Unmarshal([]byte(res.stdout), &user); err != nil || user.Username != "demo@example.com" {
				t.Errorf("the printed api line printed %q (%v), want the JSON of demo@example.com", res.stdout, err)
			}

			caFile := filepath.Join(w.runtime, "biot-agent", "demo-ca.pem")
			if !strings.Contains(curl, caFile) {
				t.Errorf("the curl line %q does not use the CA file %s", curl, caFile)
			}
			demo.stop()
			if _, err := os.Stat(caFile); !errors.Is(err, fs.ErrNotExist) {
				t.Errorf("the demo left %s behind (%v)", caFile, err)
			}
		})
	}
}

// printedLine is the instruction line that starts with prefix.
func printedLine(t *testing.T, text, prefix string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); strings.HasPrefix(line, prefix) {
			return line
		}
	}
	t.Fatalf("the demo printed no line starting with %q:\n%s", prefix, text)
	return ""
}

// printedLineWith is the instruction line that holds part.
func printedLineWith(t *testing.T, text, part string) string {
	t.Helper()
	for _, line := range strings.Split(text, "\n") {
		if strings.Contains(line, part) {
			return strings.TrimSpace(line)
		}
	}
	t.Fatalf("the demo printed no line with %q:\n%s", part, text)
	return ""
}
