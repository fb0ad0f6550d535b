package doctor

import (
	"context"
	"fmt"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"
)

func TestARunningAgentAndItsSession(t *testing.T) {
	p := newPerson(t)
	a := p.startAgent(t)
	o := Options{Roots: a.sim.CertPool()}

	r := p.run(t, o)
	f := want(t, r, CheckAgent, OK, "biot-agent v9.9.9-test", fmt.Sprintf("(pid %d)", os.Getpid()), "answers on "+p.socket, "socket 0600 and folder 0700, both yours")
	if f.Detail["socket"] != p.socket {
		t.Errorf("detail socket = %q", f.Detail["socket"])
	}
	want(t, r, CheckSession, Warn, "nobody is signed in", "in memory", "Fix: biot-agent login")
	// With no URL configured, the running agent's is checked.
	want(t, r, CheckURL, OK, a.sim.URL(), "from the running agent", "answers /ums/system/healthCheck", "certificate is trusted")
	want(t, r, CheckClock, OK, "the server's clock")

	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := a.client.Login(ctx, testUser, testPassword); err != nil {
		t.Fatal(err)
	}
	r = p.run(t, o)
	want(t, r, CheckSession, Warn, "signed in as "+testUser+" to "+a.sim.URL(), "session good until", "a test keeps the session in memory")
}

func TestAnAgentThatIsNotThere(t *testing.T) {
	for _, tt := range []struct {
		name  string
		setup func(t *testing.T, p *person)
		says  []string
	}{
		{
			name:  "no socket",
			setup: func(*testing.T, *person) {},
			says:  []string{"not running: no socket at", "biot-agent run", "autostart enable"},
		},
		{
			name: "a socket left by a crash",
			setup: func(t *testing.T, p *person) {
				if err := os.MkdirAll(filepath.Dir(p.socket), 0o700); err != nil {
					t.Fatal(err)
				}
				l, err := net.ListenUnix("unix", &net.UnixAddr{Name: p.socket, Net: "unix"})
				if err != nil {
					t.Fatal(err)
				}
				l.SetUnlinkOnClose(false)
				l.Close()
			},
			says: []string{"not running:", "is left from an agent that stopped", "removes the stale socket"},
		},
		{
			name: "a plain file where the socket belongs",
			setup: func(t *testing.T, p *person) {
				if err := os.MkdirAll(filepath.Dir(p.socket), 0o700); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(p.socket, nil, 0o600); err != nil {
					t.Fatal(err)
				}
			},
			says: []string{"is not a socket but a regular file", "remove it"},
		},
		{
			name: "a socket others may reach",
			setup: func(t *testing.T, p *person) {
				hungSocket(t, p.socket)
				if err := os.Chmod(p.socket, 0o666); err != nil {
					t.Fatal(err)
				}
			},
			says: []string{"is 0666, not 0600", "restart the agent"},
		},
		{
			name: "a folder others may enter",
			setup: func(t *testing.T, p *person) {
				hungSocket(t, p.socket)
				if err := os.Chmod(filepath.Dir(p.socket), 0o755); err != nil {
					t.Fatal(err)
				}
			},
			says: []string{"is 0755, not 0700", "chmod 700 /"},
		},
	} {
		t.Run(tt.name, func(t *testing.T) {
			p := newPerson(t)
			tt.setup(t, p)
			r := p.run(t, Options{})
			want(t, r, CheckAgent, Fail, tt.says...)
			want(t, r, CheckSession, Skip, "the agent is not running")
			if r.OK {
				t.Error("the report is OK with no agent")
			}
		})
	}
}
