//go:build unix

package testkit

import (
	"os/exec"
	"path/filepath"
	"testing"
	"time"
)

func TestFIFOLinesReadsEveryRunOfAFakeProgram(t *testing.T) {
	fifo := filepath.Join(t.TempDir(), "tool.fifo")
	lines := FIFOLines(t, fifo)
	for _, arg := range []string{"first", "second"} {
		if out, err := exec.Command("sh", "-c", `printf '%s\n' "$1" > "$2"`, "sh", arg, fifo).CombinedOutput(); err != nil {
			t.Fatalf("the fake program: %v %s", err, out)
		}
	}
	for _, want := range []string{"first", "second"} {
		select {
		case got := <-lines:
			if got != want {
				t.Errorf("read %q, want %q", got, want)
			}
		case <-time.After(10 * time.Second):
			t.Fatalf("no line %q from the FIFO", want)
		}
	}
}
