//go:build unix

package tray

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

func TestBrowserEnv(t *testing.T) {
	const url = "http://127.0.0.1:9/one-time/"
	tests := []struct {
		name    string
		browser func(dir string) string
		want    string // what the browser that ran was given
	}{
		{"URL appended", func(dir string) string { return filepath.Join(dir, "b") + " --new-window" }, "--new-window " + url},
		{"%s replaced", func(dir string) string { return filepath.Join(dir, "b") + " --app=%s" }, "--app=" + url},
		{"first command that starts", func(dir string) string { return "/nonexistent/browser:" + filepath.Join(dir, "b") }, url},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			dir := t.TempDir()
			out := filepath.Join(dir, "out")
			script := "#!/bin/sh\nprintf '%s' \"$*\" > " + out + ".tmp && mv " + out + ".tmp " + out + "\n"
			if err := os.WriteFile(filepath.Join(dir, "b"), []byte(script), 0o755); err != nil {
				t.Fatal(err)
			}
			t.Setenv("BROWSER", tt.browser(dir))
			if err := openURL(url); err != nil {
				t.Fatal(err)
			}
			// The browser is not waited for: look for what it wrote.
			var got []byte
			eventually(t, func() string {
				var err error
				if got, err = os.ReadFile(out); err != nil {
					return "the browser did not run: " + err.Error()
				}
				return ""
			})
			if string(got) != tt.want {
				t.Errorf("the browser got %q, want %q", got, tt.want)
			}
		})
	}
}

func TestBrowserEnvNothingStarts(t *testing.T) {
	t.Setenv("BROWSER", "/nonexistent/a:/nonexistent/b")
	begin := time.Now()
	err := openURL("http://127.0.0.1:9/s3cr3t/")
	if err == nil || strings.Contains(err.Error(), "s3cr3t") {
		t.Errorf("openURL: %v, want an error without the URL", err)
	}
	if time.Since(begin) > 5*time.Second {
		t.Error("openURL waited for nothing")
	}
}
