package ipc

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"
)

// rawExchange writes p on a fresh connection and returns the answer's
// status line.
func rawExchange(t *testing.T, path string, p []byte) string {
	t.Helper()
	c, err := net.Dial("unix", path)
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(5 * time.Second))
	go func() { _, _ = c.Write(p) }()
	line, err := bufio.NewReader(c).ReadString('\n')
	if err != nil && err != io.EOF {
		t.Fatalf("reading the answer: %v", err)
	}
	return strings.TrimSpace(line)
}

func TestMalformedRequestsDoNotStopTheServer(t *testing.T) {
	ta := startAgent(t, StateSignedIn)
	tests := []struct {
		name  string
		bytes string
		want  string
	}{
		{"binary garbage", "\x00\xff\xfe\x16\x03\x01 not http\r\n\r\n", "HTTP/1.1 400"},
		{"request line without version", "GET /v1/token\r\n\r\n", "HTTP/1.1 400"},
		{"missing Host", "GET /v1/status HTTP/1.1\r\n\r\n", "HTTP/1.1 400"},
		{"headers over the limit", "GET /v1/status HTTP/1.1\r\nHost: biot-agent\r\nX-Big: " + strings.Repeat("a", 64<<10) + "\r\n\r\n", "HTTP/1.1 431"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got := rawExchange(t, ta.path, []byte(tt.bytes))
			if !strings.HasPrefix(got, tt.want) {
				t.Errorf("answered %q, want %q", got, tt.want)
			}
			if _, err := ta.client.Status(t.Context()); err != nil {
				t.Fatalf("the server stopped serving: %v", err)
			}
		})
	}
}

func TestOversizedBodyIsRefused(t *testing.T) {
	ta := startAgent(t, StateSignedOut)
	body := `{"username":"` + strings.Repeat("a", 70<<10) + `","password":"x"}`
	resp, b := ta.raw(t, newReq(t, http.MethodPost, "/v1/login", []byte(body)))
	e := apiErr(t, responseError(resp, b), CodeBadRequest, 400)
	if !strings.Contains(e.Message, "64 KiB") {
		t.Errorf("message %q does not say the limit", e.Message)
	}
	if _, err := ta.client.Status(t.Context()); err != nil {
		t.Fatalf("the next request failed: %v", err)
	}
}
