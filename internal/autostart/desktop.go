package autostart

import (
	"bufio"
	"bytes"
	"strings"
)

// DesktopFileName is the name of the XDG autostart entry, the same in the
// user's folder and in /etc/xdg/autostart, so the user's overrides the
// system's.
const DesktopFileName = "biot-agent.desktop"

// autostartDelay is how many seconds GNOME and MATE wait before starting the
// agent, so the panel that hosts the tray icon is up first. KDE has phases
// instead (2: after the panel); XFCE has neither, and the tray waits for a
// host on its own.
const autostartDelay = "5"

// DesktopEntry is the XDG autostart entry that starts exe at login. The
// packages install the same text, for /usr/bin/biot-agent, in
// /etc/xdg/autostart.
func DesktopEntry(exe string) []byte {
	var b bytes.Buffer
	b.WriteString(`[Desktop Entry]
Type=Application
Name=BioT Agent
GenericName=BioT sign-in agent
Comment=Keeps you signed in to BioT and hands the access token to your scripts
Icon=biot-agent
`)
	b.WriteString("Exec=" + desktopValue(desktopExecArg(exe)+" run") + "\n")
	b.WriteString("TryExec=" + desktopValue(exe) + "\n")
	b.WriteString(`Terminal=false
X-GNOME-Autostart-enabled=true
X-GNOME-Autostart-Delay=` + autostartDelay + `
X-MATE-Autostart-Delay=` + autostartDelay + `
X-KDE-autostart-phase=2
` + Marker + `=true
`)
	return b.Bytes()
}

// desktopExecArg quotes one argument of an Exec key: inside double quotes,
// with ", `, $ and \ escaped by a backslash, when it holds a reserved
// character (Desktop Entry Specification, "The Exec key").
func desktopExecArg(s string) string {
	if s != "" && !strings.ContainsAny(s, " \t\n\"'\\><~|&;$*?#()`") {
		return strings.ReplaceAll(s, "%", "%%")
	}
	var b strings.Builder
	b.WriteByte('"')
	for _, r := range s {
		switch r {
		case '"', '`', '$', '\\':
			b.WriteByte('\\')
		case '%':
			b.WriteByte('%') // a literal % is written %%
		}
		b.WriteRune(r)
	}
	b.WriteByte('"')
	return b.String()
}

// desktopValue escapes a string value: a backslash is written twice.
func desktopValue(s string) string {
	return strings.ReplaceAll(s, `\`, `\\`)
}

// desktopFile is the [Desktop Entry] group of a desktop file.
type desktopFile map[string]string

// parseDesktop reads the keys of the [Desktop Entry] group, with their
// string escapes undone. Localized keys (Name[de]) are kept as they are.
func parseDesktop(b []byte) desktopFile {
	d := desktopFile{}
	in := false
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		line := strings.TrimSpace(sc.Text())
		switch {
		case line == "" || strings.HasPrefix(line, "#"):
			continue
		case strings.HasPrefix(line, "["):
			in = line == "[Desktop Entry]"
			continue
		}
		if !in {
			continue
		}
		k, v, ok := strings.Cut(line, "=")
		if !ok {
			continue
		}
		k = strings.TrimSpace(k)
		if _, seen := d[k]; !seen {
			d[k] = unescapeDesktop(strings.TrimSpace(v))
		}
	}
	return d
}

func unescapeDesktop(v string) string {
	if !strings.Contains(v, `\`) {
		return v
	}
	var b strings.Builder
	for i := 0; i < len(v); i++ {
		if v[i] != '\\' || i+1 == len(v) {
			b.WriteByte(v[i])
			continue
		}
		i++
		switch v[i] {
		case 's':
			b.WriteByte(' ')
		case 'n':
			b.WriteByte('\n')
		case 't':
			b.WriteByte('\t')
		case 'r':
			b.WriteByte('\r')
		default:
			b.WriteByte(v[i])
		}
	}
	return b.String()
}

// splitExec splits an Exec value into arguments, undoing the quoting of
// desktopExecArg. Field codes (%f, %U, ...) are left in place.
func splitExec(s string) []string {
	var (
		args    []string
		cur     strings.Builder
		inQuote bool
		have    bool
	)
	for i := 0; i < len(s); i++ {
		c := s[i]
		switch {
		case inQuote && c == '\\' && i+1 < len(s):
			i++
			cur.WriteByte(s[i])
		case c == '"':
			inQuote, have = !inQuote, true
		case !inQuote && (c == ' ' || c == '\t'):
			if have {
				args = append(args, cur.String())
				cur.Reset()
				have = false
			}
		case c == '%' && i+1 < len(s) && s[i+1] == '%':
			i++
			cur.WriteByte('%')
			have = true
		default:
			cur.WriteByte(c)
			have = true
		}
	}
	if have {
		args = append(args, cur.String())
	}
	return args
}
