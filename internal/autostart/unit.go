package autostart

import "strings"

// UnitName is the systemd user unit's name.
const UnitName = "biot-agent.service"

// unitTarget is the target that wants the unit: the graphical session, so
// the agent starts with the desktop (and its D-Bus session, keyring and
// panel) and stops with it.
const unitTarget = "graphical-session.target"

// Unit is the systemd user unit that runs exe in the graphical session and
// starts it again when it crashes. The packages install the same text, for
// /usr/bin/biot-agent, in /usr/lib/systemd/user.
func Unit(exe string) []byte {
	return []byte(`# biot-agent as a systemd user service, for those who prefer it to the XDG
# autostart entry. "biot-agent autostart enable --systemd" installs and enables
# it; "biot-agent autostart disable" removes it again.
[Unit]
Description=BioT Agent: keeps you signed in to BioT
PartOf=` + unitTarget + `
After=` + unitTarget + `
# A crash loop stops after 5 starts in 2 minutes.
StartLimitIntervalSec=120
StartLimitBurst=5
` + Marker + `=true

[Service]
ExecStart=` + systemdArg(exe) + ` run
Restart=on-failure
RestartSec=5s
# Exit code 2 is a mistake in the command line or the config (such as no
# BioT URL): starting again would not help.
RestartPreventExitStatus=2
# The agent holds tokens in memory: no core dumps.
LimitCORE=0

[Install]
WantedBy=` + unitTarget + `
`)
}

// systemdArg quotes one word of an ExecStart line: % and $ are doubled (no
// specifier or variable), and a word with a space, quote or backslash goes
// in double quotes with C escapes.
func systemdArg(s string) string {
	s = strings.ReplaceAll(s, "%", "%%")
	s = strings.ReplaceAll(s, "$", "$$")
	if s != "" && !strings.ContainsAny(s, " \t\"'\\;") {
		return s
	}
	r := strings.NewReplacer(`\`, `\\`, `"`, `\"`)
	return `"` + r.Replace(s) + `"`
}
