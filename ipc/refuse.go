package ipc

import (
	"bufio"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"time"
)

// refuse answers a connection from another user with a 403 and closes it.
// It runs outside the HTTP server on purpose: no handler ever sees such a
// connection.
func refuse(c net.Conn, ourUID int) {
	defer c.Close()
	_ = c.SetDeadline(time.Now().Add(2 * time.Second))
	// Read the request head first: closing a Unix socket with unread data
	// can make the peer's next read fail with ECONNRESET, which would hide
	// the answer. Errors do not matter; the answer is the same.
	_, _ = http.ReadRequest(bufio.NewReader(io.LimitReader(c, 32<<10)))
	body, _ := json.Marshal(ErrorBody{Error: ErrorInfo{
		Code:    CodeForbidden,
		Message: fmt.Sprintf("this biot-agent serves only its own user (uid %d)", ourUID),
	}})
	fmt.Fprintf(c, "HTTP/1.1 403 Forbidden\r\nContent-Type: application/json\r\nContent-Length: %d\r\nCache-Control: no-store\r\nConnection: close\r\n\r\n%s", len(body), body)
}
