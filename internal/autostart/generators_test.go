package autostart

import (
	"encoding/xml"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

func TestExecQuotingRoundTrips(t *testing.T) {
	for _, tt := range []struct{ name, path, written string }{
		{"plain path", "/usr/bin/biot-agent", "/usr/bin/biot-agent"},
		{"a space", "/opt/BioT Agent/biot-agent", `"/opt/BioT Agent/biot-agent"`},
		{"a quote and a dollar", `/opt/a"b$c/biot-agent`, `"/opt/a\"b\$c/biot-agent"`},
		{"a backslash", `/opt/a\b/biot-agent`, `"/opt/a\\b/biot-agent"`},
		{"a percent sign", "/opt/100%/biot-agent", "/opt/100%%/biot-agent"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := desktopExecArg(tt.path); got != tt.written {
				t.Errorf("desktopExecArg = %s, want %s", got, tt.written)
			}
			d := parseDesktop(DesktopEntry(tt.path))
			if got := splitExec(d["Exec"]); !slices.Equal(got, []string{tt.path, "run"}) {
				t.Errorf("the Exec key reads back as %q", got)
			}
			if d["TryExec"] != tt.path {
				t.Errorf("TryExec reads back as %q", d["TryExec"])
			}
		})
	}
}

func TestSystemdQuoting(t *testing.T) {
	for _, tt := range []struct{ in, want string }{
		{"/usr/bin/biot-agent", "/usr/bin/biot-agent"},
		{"/opt/BioT Agent/biot-agent", `"/opt/BioT Agent/biot-agent"`},
		{`/opt/a"b\c`, `"/opt/a\"b\\c"`},
		{"/opt/100%/$HOME", "/opt/100%%/$$HOME"},
	} {
		if got := systemdArg(tt.in); got != tt.want {
			t.Errorf("systemdArg(%q) = %s, want %s", tt.in, got, tt.want)
		}
	}
}

// plistDoc is the shape of the LaunchAgent, as launchd reads it.
type plistDoc struct {
	Dict struct {
		Items []plistItem `xml:",any"`
	} `xml:"dict"`
}

type plistItem struct {
	XMLName xml.Name
	Text    string      `xml:",chardata"`
	Items   []plistItem `xml:",any"`
}

// plistMap turns the alternating <key>/<value> children of a dict into a map.
func plistMap(items []plistItem) map[string]plistItem {
	m := map[string]plistItem{}
	for i := 0; i+1 < len(items); i += 2 {
		m[items[i].Text] = items[i+1]
	}
	return m
}

func TestPlistStartsAtLoginAndAfterACrashOnly(t *testing.T) {
	exe := "/Applications/BioT & Co/biot-agent"
	b := Plist(exe, "/Users/ana/Library/Logs/biot-agent.log")
	var doc plistDoc
	if err := xml.Unmarshal(b, &doc); err != nil {
		t.Fatalf("the plist is not XML: %v\n%s", err, b)
	}
	d := plistMap(doc.Dict.Items)
	if got := d["Label"].Text; got != LaunchAgentLabel {
		t.Errorf("Label = %q", got)
	}
	var args []string
	for _, s := range d["ProgramArguments"].Items {
		args = append(args, s.Text)
	}
	if !slices.Equal(args, []string{exe, "run"}) {
		t.Errorf("ProgramArguments = %q, want the program (with & escaped) and run", args)
	}
	if got := d["RunAtLoad"].XMLName.Local; got != "true" {
		t.Errorf("RunAtLoad is <%s/>, want <true/>", got)
	}
	keep := plistMap(d["KeepAlive"].Items)
	if d["KeepAlive"].XMLName.Local != "dict" || keep["SuccessfulExit"].XMLName.Local != "false" || len(keep) != 1 {
		t.Errorf("KeepAlive = %+v, want a dict with SuccessfulExit false only (restart after a crash, never after a clean exit)", d["KeepAlive"])
	}
	if !strings.Contains(string(b), "<key>KeepAlive</key>\n\t<dict>\n\t\t<key>SuccessfulExit</key>\n\t\t<false/>\n\t</dict>") {
		t.Errorf("KeepAlive is not written as launchd's documentation shows it:\n%s", b)
	}
	info := parsePlist(b)
	if !info.marked || info.program != exe {
		t.Errorf("reading it back: %+v", info)
	}
}

func TestRunCommandQuotesThePath(t *testing.T) {
	got := RunCommand(`C:\Program Files\BioT Agent\biot-agent.exe`)
	if want := `"C:\Program Files\BioT Agent\biot-agent.exe" run`; got != want {
		t.Errorf("RunCommand = %s, want %s", got, want)
	}
}

func TestTheRefusedExecutables(t *testing.T) {
	dir := t.TempDir()
	plain := filepath.Join(dir, "notes.txt")
	if err := os.WriteFile(plain, []byte("x"), 0o644); err != nil {
		t.Fatal(err)
	}
	for _, tt := range []struct{ name, exe, want string }{
		{"a go run build", filepath.Join(dir, "go-build123", "b001", "exe", "biot-agent"), "temporary build"},
		{"a missing file", filepath.Join(dir, "nope"), "no such file"},
		{"a file that is not executable", plain, "not an executable file"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			_, err := executable(tt.exe)
			if err == nil || !strings.Contains(err.Error(), tt.want) {
				t.Errorf("executable(%s) = %v, want an error saying %q", tt.exe, err, tt.want)
			}
		})
	}
}
