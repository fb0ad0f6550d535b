//go:build !darwin && !windows

package autostart

import (
	"errors"
	"os"
	"slices"
	"strings"
	"testing"
)

func TestEnableWritesAnAutostartEntryThatRunsThisProgram(t *testing.T) {
	m := newMachine(t)
	if err := Enable(Options{Executable: m.exe}); err != nil {
		t.Fatal(err)
	}
	got := m.read(m.userEntry)
	for _, want := range []string{
		"[Desktop Entry]\n",
		"Type=Application\n",
		`Exec="` + m.exe + `" run` + "\n", // absolute, quoted: the path has a space
		"TryExec=" + m.exe + "\n",
		"X-GNOME-Autostart-enabled=true\n",
		"X-GNOME-Autostart-Delay=5\n",
		"X-BioT-Agent-Managed=true\n",
	} {
		if !strings.Contains(got, want) {
			t.Errorf("%s lacks %q:\n%s", m.userEntry, want, got)
		}
	}
	if prog := parseDesktop([]byte(got)).program(); prog != m.exe {
		t.Errorf("a desktop reading the entry would run %q, want %q", prog, m.exe)
	}
	st := m.status()
	if !st.Enabled || st.Mechanism != XDGAutostart {
		t.Fatalf("Status = %+v, want enabled through %s", st, XDGAutostart)
	}
	if e := st.Entries[0]; e.Path != m.userEntry || !e.Ours || e.System || e.Problem != "" {
		t.Errorf("entry = %+v, want ours at %s with no problem", e, m.userEntry)
	}
	if s := st.String(); !strings.HasPrefix(s, "on: xdg-autostart ("+m.userEntry) {
		t.Errorf("State.String() = %q", s)
	}
}

func TestEnablingTwiceChangesNothing(t *testing.T) {
	for _, tt := range []struct {
		name string
		opts func(m *machine) Options
		file func(m *machine) string
	}{
		{"xdg entry", func(m *machine) Options { return Options{Executable: m.exe} }, func(m *machine) string { return m.userEntry }},
		{"systemd unit", func(m *machine) Options { return Options{Executable: m.exe, Systemd: true} }, func(m *machine) string { return m.userUnit }},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(t)
			if err := Enable(tt.opts(m)); err != nil {
				t.Fatal(err)
			}
			path := tt.file(m)
			before, content, files := m.age(path), m.read(path), m.files()
			calls := len(m.systemctl.called())
			if err := Enable(tt.opts(m)); err != nil {
				t.Fatal(err)
			}
			if after := m.mtime(path); !after.Equal(before) {
				t.Errorf("the second Enable rewrote %s (mtime %v, was %v)", path, after, before)
			}
			if m.read(path) != content {
				t.Errorf("the second Enable changed %s", path)
			}
			if got := m.files(); !slices.Equal(got, files) {
				t.Errorf("files after the second Enable = %v, want %v", got, files)
			}
			if got := m.systemctl.called()[calls:]; len(got) > 0 {
				t.Errorf("the second Enable ran systemctl %q", got)
			}
		})
	}
}

func TestDisableRemovesWhatEnableWrote(t *testing.T) {
	m := newMachine(t)
	if err := Enable(Options{Executable: m.exe}); err != nil {
		t.Fatal(err)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	if got := m.files(); len(got) > 0 {
		t.Errorf("files left in the home after Disable: %v", got)
	}
	if st := m.status(); st.Enabled || len(st.Entries) != 0 {
		t.Errorf("Status after Disable = %+v, want off and nothing found", st)
	}
	if err := Disable(); err != nil {
		t.Errorf("a second Disable: %v", err)
	}
}

func TestAFileThePersonMadeIsLeftAlone(t *testing.T) {
	const own = "[Desktop Entry]\nType=Application\nName=my agent\nExec=/home/ana/bin/biot-agent run --headless\n"
	for _, tt := range []struct {
		name     string
		content  string
		do       func(m *machine) error
		wantErr  string // in the ForeignError's words; "" for no error
		wantOn   bool
		wantProg string
	}{
		{
			name: "disable keeps an entry that starts the agent, and says so", content: own,
			do:      func(m *machine) error { return Disable() },
			wantErr: "still starts biot-agent at login; remove it", wantOn: true,
		},
		{
			name: "enable accepts an entry that starts the agent already", content: own,
			do:     func(m *machine) error { return Enable(Options{Executable: m.exe}) },
			wantOn: true,
		},
		{
			name: "enable keeps an entry that turns autostart off, and says so", content: own + "Hidden=true\n",
			do:      func(m *machine) error { return Enable(Options{Executable: m.exe}) },
			wantErr: "turns autostart off; remove it",
		},
		{
			name: "disable accepts an entry that keeps it off", content: own + "X-GNOME-Autostart-enabled=false\n",
			do: func(m *machine) error { return Disable() },
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(t)
			m.write(m.userEntry, tt.content)
			err := tt.do(m)
			var fe *ForeignError
			switch {
			case tt.wantErr == "" && err != nil:
				t.Fatalf("got %v, want no error", err)
			case tt.wantErr != "" && (!errors.As(err, &fe) || fe.Path != m.userEntry || !strings.Contains(err.Error(), tt.wantErr)):
				t.Fatalf("got %v, want a ForeignError naming %s and saying %q", err, m.userEntry, tt.wantErr)
			}
			if got := m.read(m.userEntry); got != tt.content {
				t.Errorf("the person's file changed to:\n%s", got)
			}
			st := m.status()
			if st.Enabled != tt.wantOn || st.Entries[0].Ours {
				t.Errorf("Status = %+v, want enabled=%v through the person's own entry", st, tt.wantOn)
			}
		})
	}
}

func TestASystemWideEntryIsTurnedOffForThisPersonOnly(t *testing.T) {
	m := newMachine(t)
	sys := m.sysXDG + "/autostart/" + DesktopFileName
	pkg := string(DesktopEntry("/usr/bin/biot-agent")) // what the package installs
	m.write(sys, pkg)

	st := m.status()
	if !st.Enabled || !st.Entries[0].System || st.Entries[0].Path != sys {
		t.Fatalf("with the package's entry only, Status = %+v, want on through %s", st, sys)
	}
	if err := Disable(); err != nil {
		t.Fatal(err)
	}
	hidden := parseDesktop([]byte(m.read(m.userEntry)))
	if hidden["Hidden"] != "true" || !hidden.ours() {
		t.Errorf("Disable wrote %v, want our entry with Hidden=true", hidden)
	}
	if m.read(sys) != pkg {
		t.Error("Disable changed the system-wide entry")
	}
	st = m.status()
	if st.Enabled {
		t.Errorf("after Disable, Status = %+v, want off", st)
	}
	if e := st.Entries[1]; e.Path != sys || e.Starts || !strings.Contains(e.Problem, "overridden by "+m.userEntry) {
		t.Errorf("the system entry shows as %+v, want overridden by the user's", e)
	}

	if err := Enable(Options{Executable: m.exe}); err != nil {
		t.Fatal(err)
	}
	if got := m.read(m.userEntry); got != string(DesktopEntry(m.exe)) {
		t.Errorf("Enable after Disable wrote:\n%s", got)
	}
	if st := m.status(); !st.Enabled || st.Entries[0].Path != m.userEntry {
		t.Errorf("after Enable, Status = %+v, want on through the user's entry", st)
	}
}

func TestSystemdUnitInstead(t *testing.T) {
	for _, tt := range []struct {
		name string
		acts bool // systemctl works and links the unit itself
	}{
		{name: "without a working systemctl the link is made directly"},
		{name: "with systemctl it enables the unit", acts: true},
	} {
		t.Run(tt.name, func(t *testing.T) {
			m := newMachine(t)
			m.systemctl.acts, m.systemctl.m = tt.acts, m
			if err := Enable(Options{Executable: m.exe}); err != nil {
				t.Fatal(err)
			}
			if err := Enable(Options{Executable: m.exe, Systemd: true}); err != nil {
				t.Fatal(err)
			}
			unit := m.read(m.userUnit)
			for _, want := range []string{
				`ExecStart="` + m.exe + `" run` + "\n",
				"Restart=on-failure\n",
				"WantedBy=graphical-session.target\n",
				"X-BioT-Agent-Managed=true\n",
			} {
				if !strings.Contains(unit, want) {
					t.Errorf("the unit lacks %q:\n%s", want, unit)
				}
			}
			link := m.config + "/systemd/user/graphical-session.target.wants/" + UnitName
			if target, err := os.Readlink(link); err != nil || target != m.userUnit {
				t.Errorf("the enabling link %s -> %q (%v), want -> %s", link, target, err, m.userUnit)
			}
			if !slices.Contains(m.systemctl.called(), "--user enable "+UnitName) {
				t.Errorf("systemctl calls %q, want an enable", m.systemctl.called())
			}
			if m.read(m.userEntry) != "" {
				t.Error("the XDG entry is still there: the agent would start twice")
			}
			st := m.status()
			if !st.Enabled || st.Mechanism != SystemdUser || len(st.Active()) != 1 || !st.Entries[0].Ours {
				t.Errorf("Status = %+v, want on through our systemd unit only", st)
			}

			// Back to the XDG entry: the unit goes.
			if err := Enable(Options{Executable: m.exe}); err != nil {
				t.Fatal(err)
			}
			if got := m.files(); !slices.Equal(got, []string{".config/autostart/" + DesktopFileName}) {
				t.Errorf("files after switching back = %v, want the XDG entry only", got)
			}
			if err := Disable(); err != nil {
				t.Fatal(err)
			}
			if got := m.files(); len(got) > 0 {
				t.Errorf("files left after Disable: %v", got)
			}
		})
	}
}

func TestAUnitEnabledByHandIsLeftAlone(t *testing.T) {
	m := newMachine(t)
	pkgUnit := m.sysUnits + "/" + UnitName
	m.write(pkgUnit, string(Unit("/usr/bin/biot-agent")))
	link := m.config + "/systemd/user/graphical-session.target.wants/" + UnitName
	if err := os.MkdirAll(m.config+"/systemd/user/graphical-session.target.wants", 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.Symlink(pkgUnit, link); err != nil {
		t.Fatal(err)
	}
	st := m.status()
	if !st.Enabled || st.Mechanism != SystemdUser || st.Entries[0].Ours {
		t.Fatalf("Status = %+v, want on through the package's unit, not ours", st)
	}
	err := Disable()
	var fe *ForeignError
	if !errors.As(err, &fe) || !strings.Contains(err.Error(), "systemctl --user disable "+UnitName) {
		t.Fatalf("Disable = %v, want a ForeignError telling how to turn it off", err)
	}
	if _, err := os.Lstat(link); err != nil {
		t.Errorf("Disable removed the person's link: %v", err)
	}
}

func TestLoginItemTogglesAutostart(t *testing.T) {
	m := newMachine(t)
	item := LoginItem{Options: Options{Executable: m.exe}}
	for _, on := range []bool{true, false, true} {
		if err := item.SetEnabled(on); err != nil {
			t.Fatal(err)
		}
		got, err := item.Enabled()
		if err != nil || got != on {
			t.Fatalf("after SetEnabled(%v), Enabled() = %v, %v", on, got, err)
		}
	}
}

func TestAnEntryWhoseProgramIsGoneSaysSo(t *testing.T) {
	m := newMachine(t)
	if err := Enable(Options{Executable: m.exe}); err != nil {
		t.Fatal(err)
	}
	if err := os.Remove(m.exe); err != nil {
		t.Fatal(err)
	}
	e := m.status().Entries[0]
	if !strings.Contains(e.Problem, m.exe+", which does not exist") {
		t.Errorf("Problem = %q, want it to name the missing program", e.Problem)
	}
}
