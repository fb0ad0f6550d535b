package ipc

import (
	"bufio"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"
)

// BioT's API has no WebSocket endpoint (its OpenAPI spec lists none), so
// the simulator has none either: these tests put a TLS test server where
// BioT would be that switches to an echo of every byte, as a WebSocket
// server would after its handshake (the bytes after the 101 are opaque to
// the proxy, so an echo shows what a WebSocket's frames would see).

// echoUpstream answers "Upgrade: websocket" with 101 and then echoes
// every byte until the connection closes; it remembers the Authorization
// and Upgrade headers of every request, and answers other requests 200.
type echoUpstream struct {
	mu    sync.Mutex
	auths []string
	ups   []string
}

func (e *echoUpstream) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	e.auths = append(e.auths, r.Header.Get("Authorization"))
	e.ups = append(e.ups, r.Header.Get("Upgrade"))
	e.mu.Unlock()
	if !strings.EqualFold(r.Header.Get("Upgrade"), "websocket") {
		_, _ = io.WriteString(w, "plain")
		return
	}
	conn, brw, err := http.NewResponseController(w).Hijack()
	if err != nil {
		http.Error(w, "no hijack over "+r.Proto+": "+err.Error(), http.StatusInternalServerError)
		return
	}
	defer conn.Close()
	_, _ = brw.WriteString("HTTP/1.1 101 Switching Protocols\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n\r\n")
	if brw.Flush() != nil {
		return
	}
	buf := make([]byte, 4096)
	for {
		n, err := brw.Read(buf)
		if n > 0 {
			if _, werr := conn.Write(buf[:n]); werr != nil {
				return
			}
		}
		if err != nil {
			return
		}
	}
}

func (e *echoUpstream) seen() (auths, ups []string) {
	e.mu.Lock()
	defer e.mu.Unlock()
	return append([]string(nil), e.auths...), append([]string(nil), e.ups...)
}

// wsClient is a caller's side of an upgraded exchange: what it reads
// arrives on got, and ended closes when the connection ends.
type wsClient struct {
	t     *testing.T
	conn  net.Conn
	got   chan string
	ended chan struct{}
}

// upgrade dials network/addr, asks for target with "Upgrade: websocket"
// (and the caller's own Authorization, which must not reach BioT), and
// checks the answer is 101.
func upgrade(t *testing.T, network, addr, host, target string) *wsClient {
	t.Helper()
	conn, err := net.Dial(network, addr)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { conn.Close() })
	fmt.Fprintf(conn, "GET %s HTTP/1.1\r\nHost: %s\r\nConnection: Upgrade\r\nUpgrade: websocket\r\n"+
		"Sec-WebSocket-Version: 13\r\nAuthorization: Bearer the-callers-own\r\n\r\n", target, host)
	br := bufio.NewReader(conn)
	resp, err := http.ReadResponse(br, nil)
	if err != nil {
		t.Fatalf("the upgrade's answer: %v", err)
	}
	if resp.StatusCode != http.StatusSwitchingProtocols || !strings.EqualFold(resp.Header.Get("Upgrade"), "websocket") {
		b, _ := io.ReadAll(resp.Body)
		t.Fatalf("the upgrade was answered %s (Upgrade %q): %s", resp.Status, resp.Header.Get("Upgrade"), b)
	}
	c := &wsClient{t: t, conn: conn, got: make(chan string, 16), ended: make(chan struct{})}
	go func() {
		defer close(c.ended)
		buf := make([]byte, 4096)
		for {
			n, err := br.Read(buf)
			if n > 0 {
				c.got <- string(buf[:n])
			}
			if err != nil {
				return
			}
		}
	}()
	return c
}

// echo sends msg and waits for it to come back whole.
func (c *wsClient) echo(msg string) {
	c.t.Helper()
	if _, err := io.WriteString(c.conn, msg); err != nil {
		c.t.Fatalf("sending %q: %v", msg, err)
	}
	var back string
	deadline := time.After(5 * time.Second)
	for back != msg {
		select {
		case s := <-c.got:
			back += s
		case <-c.ended:
			c.t.Fatalf("the connection ended before %q came back (got %q)", msg, back)
		case <-deadline:
			c.t.Fatalf("%q did not come back within 5 s (got %q)", msg, back)
		}
	}
}

// talk keeps the exchange busy for d, one message every step, each
// echoed.
func (c *wsClient) talk(d, step time.Duration) {
	c.t.Helper()
	tick := time.NewTicker(step)
	defer tick.Stop()
	end := time.After(d)
	for i := 0; ; i++ {
		select {
		case <-end:
			return
		case <-tick.C:
			c.echo(fmt.Sprintf("message %d;", i))
		}
	}
}

// endsWithin fails unless the connection ends within d.
func (c *wsClient) endsWithin(d time.Duration, why string) {
	c.t.Helper()
	select {
	case <-c.ended:
	case <-time.After(d):
		c.t.Fatalf("the upgraded connection was still open %s after %s", d, why)
	}
}

// A WebSocket passes through the socket's proxy and through the loopback
// listener in front of it: the caller's bytes go to BioT and back, for
// longer than the socket server's ReadTimeout and the proxy's idle bound
// while they flow, with the agent's token on the upgrade request. An
// upgraded exchange that goes quiet for the idle bound ends.
func TestProxyPassesAWebSocketBothWays(t *testing.T) {
	const readTimeout, idle = 200 * time.Millisecond, 600 * time.Millisecond
	echo := &echoUpstream{}
	sess, _ := startUpstream(t, echo)
	ta := startAgent(t, StateSignedIn, withSession(sess), func(s *Server) {
		s.readTimeout, s.proxyIdle = readTimeout, idle
	})
	lb, err := ListenLoopback(NewClient(ta.path), nil)
	if err != nil {
		t.Fatal(err)
	}
	served := make(chan error, 1)
	go func() { served <- lb.Serve() }()
	t.Cleanup(func() {
		_ = lb.Close()
		if err := <-served; !errors.Is(err, http.ErrServerClosed) {
			t.Errorf("the loopback's Serve: %v", err)
		}
	})
	key := strings.TrimPrefix(lb.URL(), "http://"+lb.Addr())

	ways := []struct {
		name                        string
		network, addr, host, target string
	}{
		{"through the socket", "unix", ta.path, "biot-agent", "/v1/proxy/ws/stream?x=1"},
		{"through the loopback listener", "tcp", lb.Addr(), lb.Addr(), key + "/ws/stream?x=1"},
	}
	for _, way := range ways {
		t.Run(way.name, func(t *testing.T) {
			before, _ := echo.seen()
			c := upgrade(t, way.network, way.addr, way.host, way.target)
			c.echo("hello, BioT")
			c.echo(strings.Repeat("a larger message; ", 4000))
			// Busy well past the socket's ReadTimeout and the idle bound:
			// nothing cuts an exchange that moves bytes.
			c.talk(3*idle, idle/4)
			auths, ups := echo.seen()
			if got := auths[len(before):]; len(got) != 1 || got[0] != "Bearer first" {
				t.Errorf("BioT got Authorization %q on the upgrade request, want the agent's token alone", got)
			}
			if got := ups[len(before):]; len(got) != 1 || got[0] != "websocket" {
				t.Errorf("BioT got Upgrade %q", got)
			}
			// Quiet: the agent ends it after the idle bound.
			c.endsWithin(idle+5*time.Second, "going quiet")
		})
	}
}

// The agent's shutdown, and the loopback listener's Close, end an
// upgraded exchange at once: no server tracks a hijacked connection, so
// they must reach it themselves.
func TestProxyUpgradedExchangeEndsWithTheServer(t *testing.T) {
	sess, _ := startUpstream(t, &echoUpstream{})

	t.Run("the agent's shutdown", func(t *testing.T) {
		ta := startAgent(t, StateSignedIn, withSession(sess))
		c := upgrade(t, "unix", ta.path, "biot-agent", "/v1/proxy/ws")
		c.echo("before")
		ta.stop(t)
		c.endsWithin(5*time.Second, "the agent's Shutdown")
	})
	t.Run("the loopback's Close", func(t *testing.T) {
		ta := startAgent(t, StateSignedIn, withSession(sess))
		lb, err := ListenLoopback(NewClient(ta.path), nil)
		if err != nil {
			t.Fatal(err)
		}
		served := make(chan error, 1)
		go func() { served <- lb.Serve() }()
		key := strings.TrimPrefix(lb.URL(), "http://"+lb.Addr())
		c := upgrade(t, "tcp", lb.Addr(), lb.Addr(), key+"/ws")
		c.echo("before")
		if err := lb.Close(); err != nil {
			t.Fatal(err)
		}
		<-served
		c.endsWithin(5*time.Second, "the loopback's Close")
	})
}

// An upgrade other than WebSocket (h2c, which curl --http2 offers on
// plain HTTP) is dropped: the request reaches BioT as an ordinary one and
// gets BioT's ordinary answer.
func TestProxyDropsOtherUpgradeOffers(t *testing.T) {
	echo := &echoUpstream{}
	sess, _ := startUpstream(t, echo)
	ta := startAgent(t, StateSignedIn, withSession(sess))
	req := newReq(t, "GET", "/v1/proxy/plain", nil)
	req.Header.Set("Connection", "Upgrade, HTTP2-Settings")
	req.Header.Set("Upgrade", "h2c")
	req.Header.Set("HTTP2-Settings", "AAMAAABkAARAAAAAAAIAAAAA")
	resp, body := ta.raw(t, req)
	if resp.StatusCode != http.StatusOK || string(body) != "plain" {
		t.Errorf("an h2c offer: %s %q, want BioT's 200", resp.Status, body)
	}
	if _, ups := echo.seen(); len(ups) != 1 || ups[0] != "" {
		t.Errorf("BioT got Upgrade %q, want none", ups)
	}
}

// A server-sent event stream outlasts the socket server's ReadTimeout
// and IdleTimeout-sized pauses: an event BioT sends after a silence
// longer than ReadTimeout still arrives, through the socket and through
// the loopback listener.
func TestProxyEventStreamOutlastsTheTimeouts(t *testing.T) {
	const readTimeout = 200 * time.Millisecond
	next := make(chan struct{})
	sse := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/event-stream")
		rc := http.NewResponseController(w)
		for i := 1; ; i++ {
			fmt.Fprintf(w, "data: %d\n\n", i)
			if rc.Flush() != nil {
				return
			}
			select {
			case <-next:
			case <-r.Context().Done():
				return
			}
		}
	})
	sess, _ := startUpstream(t, sse)
	ta := startAgent(t, StateSignedIn, withSession(sess), func(s *Server) { s.readTimeout = readTimeout })
	lb, err := ListenLoopback(NewClient(ta.path), nil)
	if err != nil {
		t.Fatal(err)
	}
	go func() { _ = lb.Serve() }()
	t.Cleanup(func() { _ = lb.Close() })

	for _, way := range []struct {
		name string
		url  string
		hc   *http.Client
	}{
		{"through the socket", "http://biot-agent/v1/proxy/events", ta.client.httpClient()},
		{"through the loopback listener", lb.URL() + "/events", &http.Client{Transport: &http.Transport{}}},
	} {
		t.Run(way.name, func(t *testing.T) {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", way.url, nil)
			resp, err := way.hc.Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			lines := make(chan string, 8)
			go func() {
				defer close(lines)
				sc := bufio.NewScanner(resp.Body)
				for sc.Scan() {
					if sc.Text() != "" {
						lines <- sc.Text()
					}
				}
			}()
			expect := func(want string) {
				t.Helper()
				select {
				case l, ok := <-lines:
					if !ok || l != want {
						t.Fatalf("got %q (stream open: %v), want %q", l, ok, want)
					}
				case <-time.After(5 * time.Second):
					t.Fatalf("%q did not arrive within 5 s", want)
				}
			}
			expect("data: 1")
			// Silent for three ReadTimeouts; the stream must stay open.
			select {
			case l, ok := <-lines:
				t.Fatalf("during the silence: %q (stream open: %v)", l, ok)
			case <-time.After(3 * readTimeout):
			}
			next <- struct{}{}
			expect("data: 2")
		})
	}
}
