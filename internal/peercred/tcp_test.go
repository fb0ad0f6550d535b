package peercred

import (
	"errors"
	"net"
	"os"
	"os/exec"
	"runtime"
	"syscall"
	"testing"
	"time"
)

// tcpPair answers both ends of a loopback TCP connection made in this
// process.
func tcpPair(t *testing.T, network, addr string) (server, client net.Conn) {
	t.Helper()
	l, err := net.Listen(network, addr)
	if err != nil {
		t.Skipf("no %s loopback here: %v", network, err)
	}
	defer l.Close()
	client, err = net.Dial(network, l.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { client.Close() })
	server, err = l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { server.Close() })
	return server, client
}

// On Linux the owner of a loopback TCP peer is read from the kernel's
// table; elsewhere the system cannot tell.
func TestGetTellsWhoConnectedOverLoopbackTCP(t *testing.T) {
	for _, v := range []struct{ network, addr string }{{"tcp4", "127.0.0.1:0"}, {"tcp6", "[::1]:0"}} {
		t.Run(v.network, func(t *testing.T) {
			server, client := tcpPair(t, v.network, v.addr)
			for name, c := range map[string]net.Conn{"the server's end": server, "the client's end": client} {
				cred, err := Get(c)
				if runtime.GOOS != "linux" {
					if !errors.Is(err, ErrUnsupported) {
						t.Errorf("%s: %v, want ErrUnsupported on %s", name, err, runtime.GOOS)
					}
					continue
				}
				if err != nil || cred.UID != os.Geteuid() {
					t.Errorf("%s: %+v, %v; want uid %d", name, cred, err, os.Geteuid())
				}
			}
		})
	}
}

// A connection made by another user's process is told apart.
func TestGetTellsAnotherUsersTCPPeer(t *testing.T) {
	if runtime.GOOS != "linux" || os.Geteuid() != 0 {
		t.Skip("needs Linux and root, to connect as another user")
	}
	curl, err := exec.LookPath("curl")
	if err != nil {
		t.Skip("no curl to connect as another user")
	}
	l, err := net.Listen("tcp4", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	cmd := exec.Command(curl, "-s", "-m", "10", "http://"+l.Addr().String()+"/")
	cmd.SysProcAttr = &syscall.SysProcAttr{Credential: &syscall.Credential{Uid: 65534, Gid: 65534}}
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	defer func() { _ = cmd.Process.Kill(); _ = cmd.Wait() }()
	_ = l.(*net.TCPListener).SetDeadline(time.Now().Add(10 * time.Second))
	c, err := l.Accept()
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	cred, err := Get(c)
	if err != nil || cred.UID != 65534 {
		t.Errorf("Get = %+v, %v; want uid 65534", cred, err)
	}
}

// A connection that is not between loopback addresses is refused, not
// guessed at.
func TestGetRefusesANonLoopbackTCPPeer(t *testing.T) {
	addrs, err := net.InterfaceAddrs()
	if err != nil {
		t.Fatal(err)
	}
	var ip net.IP
	for _, a := range addrs {
		if n, ok := a.(*net.IPNet); ok && !n.IP.IsLoopback() && n.IP.To4() != nil {
			ip = n.IP
			break
		}
	}
	if ip == nil {
		t.Skip("no address but loopback here")
	}
	server, _ := tcpPair(t, "tcp4", net.JoinHostPort(ip.String(), "0"))
	if _, err := Get(server); err == nil || errors.Is(err, ErrUnsupported) {
		t.Errorf("Get over %s = %v, want an error that is not ErrUnsupported", ip, err)
	}
}
