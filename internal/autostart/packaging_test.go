package autostart

import (
	"bytes"
	"flag"
	"os"
	"path/filepath"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the files in packaging/ from the generators")

// The packages install, for /usr/bin/biot-agent, the very entry and unit
// that "autostart enable" writes, and the plist template is the LaunchAgent
// with placeholders: one source for each, so they cannot drift apart.
func TestPackagingFilesMatchTheGenerators(t *testing.T) {
	for _, tt := range []struct {
		file string
		want []byte
	}{
		{"biot-agent-autostart.desktop", DesktopEntry("/usr/bin/biot-agent")},
		{"biot-agent.service", Unit("/usr/bin/biot-agent")},
		{LaunchAgentLabel + ".plist", Plist("@BIOT_AGENT@", "@LOG_FILE@")},
	} {
		path := filepath.Join("..", "..", "packaging", tt.file)
		if *update {
			if err := os.WriteFile(path, tt.want, 0o644); err != nil {
				t.Fatal(err)
			}
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(got, tt.want) {
			t.Errorf("%s differs from what the code writes; run: go test ./internal/autostart -run Packaging -update\ngot:\n%s\nwant:\n%s", path, got, tt.want)
		}
	}
}
