//go:build linux

package tray

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// fakeTool writes a program called name into dir that records its
// arguments and stdin in dir/name.out.
func fakeTool(t *testing.T, dir, name string) string {
	t.Helper()
	out := filepath.Join(dir, name+".out")
	script := "#!/bin/sh\nIFS= read -r in\nprintf 'args=%s stdin=%s' \"$*\" \"$in\" > " + out + "\n"
	if err := os.WriteFile(filepath.Join(dir, name), []byte(script), 0o755); err != nil {
		t.Fatal(err)
	}
	return out
}

func TestCopyTextFeedsStdin(t *testing.T) {
	tests := []struct {
		name      string
		installed []string
		wayland   string
		want      string // the tool that runs, and its arguments
	}{
		{"wayland prefers wl-copy", []string{"wl-copy", "xclip", "xsel"}, "wayland-0", "wl-copy: args="},
		{"x11 prefers xclip", []string{"wl-copy", "xclip", "xsel"}, "", "xclip: args=-selection clipboard"},
		{"xsel when alone", []string{"xsel"}, "wayland-0", "xsel: args=--clipboard --input"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			outs := map[string]string{}
			for _, name := range tt.installed {
				outs[name] = fakeTool(t, dir, name)
			}
			t.Setenv("PATH", dir)
			t.Setenv("WAYLAND_DISPLAY", tt.wayland)
			if err := copyText("s3cr3t.token"); err != nil {
				t.Fatal(err)
			}
			var ran []string
			for name, out := range outs {
				if b, err := os.ReadFile(out); err == nil {
					ran = append(ran, name+": "+string(b))
				}
			}
			if len(ran) != 1 || ran[0] != tt.want+" stdin=s3cr3t.token" {
				t.Errorf("ran %q, want %q with the token on stdin only", ran, tt.want)
			}
		})
	}
}

func TestCopyTextWithoutTools(t *testing.T) {
	t.Setenv("PATH", t.TempDir())
	err := copyText("s3cr3t.token")
	if err == nil || !strings.Contains(err.Error(), "xclip") || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("copyText without tools: %v", err)
	}
}
