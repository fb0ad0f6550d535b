package autostart

import (
	"bytes"
	"encoding/xml"
)

// LaunchAgentLabel is the LaunchAgent's label and, with ".plist", its file
// name in ~/Library/LaunchAgents.
const LaunchAgentLabel = "com.biot-med.biot-agent"

// plistMarker is the comment that marks a plist as biot-agent's.
const plistMarker = "<!-- " + Marker + "=true: written by biot-agent autostart enable; biot-agent autostart disable removes it. -->"

// Plist is the LaunchAgent that starts exe when the person logs in (RunAtLoad)
// and starts it again only when it exits with an error or a signal, never
// after a clean exit (KeepAlive/SuccessfulExit=false). What the agent prints
// goes to logPath.
func Plist(exe, logPath string) []byte {
	var b bytes.Buffer
	b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>
<!DOCTYPE plist PUBLIC "-//Apple//DTD PLIST 1.0//EN" "http://www.apple.com/DTDs/PropertyList-1.0.dtd">
` + plistMarker + `
<plist version="1.0">
<dict>
	<key>Label</key>
	<string>` + LaunchAgentLabel + `</string>
	<key>ProgramArguments</key>
	<array>
		<string>`)
	_ = xml.EscapeText(&b, []byte(exe)) // a bytes.Buffer does not fail
	b.WriteString(`</string>
		<string>run</string>
	</array>
	<key>RunAtLoad</key>
	<true/>
	<key>KeepAlive</key>
	<dict>
		<key>SuccessfulExit</key>
		<false/>
	</dict>
	<key>ProcessType</key>
	<string>Interactive</string>
	<key>LimitLoadToSessionType</key>
	<string>Aqua</string>
	<key>StandardOutPath</key>
	<string>`)
	_ = xml.EscapeText(&b, []byte(logPath))
	b.WriteString(`</string>
	<key>StandardErrorPath</key>
	<string>`)
	_ = xml.EscapeText(&b, []byte(logPath))
	b.WriteString(`</string>
</dict>
</plist>
`)
	return b.Bytes()
}

// plistInfo is what status reads back from a plist.
type plistInfo struct {
	marked  bool
	program string
}

// parsePlist finds the marker and the first ProgramArguments string.
func parsePlist(b []byte) plistInfo {
	info := plistInfo{marked: bytes.Contains(b, []byte(plistMarker))}
	dec := xml.NewDecoder(bytes.NewReader(b))
	dec.Strict = false
	var lastKey string
	inArgs := false
	for {
		tok, err := dec.Token()
		if err != nil {
			return info
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "key":
			var k string
			if dec.DecodeElement(&k, &se) == nil {
				lastKey = k
			}
		case "array":
			inArgs = lastKey == "ProgramArguments"
		case "string":
			var s string
			if dec.DecodeElement(&s, &se) == nil && inArgs && info.program == "" {
				info.program = s
				return info
			}
		}
	}
}
