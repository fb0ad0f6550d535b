package testkit

import (
	"bufio"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"time"
)

// Get sends "GET target" on a connection of its own to the HTTP server on
// the Unix socket, asking for text/plain, and answers the status and the
// body. The whole exchange must end within timeout. An error says which
// step failed: "dial: …", "write: …" or "read: …".
//
// sent, when not nil, is called once the request is written, or as soon as
// it cannot be: a crowd of callers can wait until all of them are
// connected.
//
// It speaks HTTP by hand, not through http.Client, so that a test can put a
// thousand connections on a server at once without a client pool in the
// way.
func Get(socket, target string, timeout time.Duration, sent func()) (status int, body string, err error) {
	if sent == nil {
		sent = func() {}
	}
	c, err := net.Dial("unix", socket)
	if err != nil {
		sent()
		return 0, "", fmt.Errorf("dial: %w", err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(timeout))
	_, err = fmt.Fprintf(c, "GET %s HTTP/1.1\r\nHost: biot-agent\r\nAccept: text/plain\r\n\r\n", target)
	sent()
	if err != nil {
		return 0, "", fmt.Errorf("write: %w", err)
	}
	resp, err := http.ReadResponse(bufio.NewReader(c), nil)
	if err != nil {
		return 0, "", fmt.Errorf("read: %w", err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	return resp.StatusCode, string(b), nil
}

// Drip sends a request for /v1/status to the HTTP server on the Unix socket
// a byte a second, as a stuck or hostile client would, and answers how long
// the server let it hold the connection: until the server closed it, or a
// minute after the last byte. It answers 0 when it cannot connect.
func Drip(socket string) time.Duration {
	begin := time.Now()
	c, err := net.Dial("unix", socket)
	if err != nil {
		return 0
	}
	defer c.Close()
	closed := make(chan struct{})
	go func() {
		_, _ = io.Copy(io.Discard, c) // ends when the server closes the connection
		close(closed)
	}()
	req := "GET /v1/status HTTP/1.1\r\nHost: biot-agent\r\nX-Slow: " + strings.Repeat("z", 60) + "\r\n\r\n"
	tick := time.NewTicker(time.Second)
	defer tick.Stop()
	for i := 0; i < len(req); i++ {
		if _, err := c.Write([]byte{req[i]}); err != nil {
			break
		}
		select {
		case <-closed:
			return time.Since(begin)
		case <-tick.C:
		}
	}
	select {
	case <-closed:
	case <-time.After(time.Minute):
	}
	return time.Since(begin)
}
