package bench

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"sync"
	"time"
)

// floorToken is what both floors answer: 1 KB, about the size of a BioT
// access token (an RS512 JWT is 700 to 1,000 bytes).
var floorToken = bytes.Repeat([]byte("x"), 1024)

// HTTPFloor is the least an HTTP server on a Unix socket can do for a
// token: Go's net/http answering a fixed 1 KB body, nothing checked.
type HTTPFloor struct {
	Socket string
	srv    *http.Server
	ln     net.Listener
}

// StartHTTPFloor listens on dir/http-floor.sock.
func StartHTTPFloor(dir string) (*HTTPFloor, error) {
	path := filepath.Join(dir, "http-floor.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("http floor: %w", err)
	}
	srv := &http.Server{
		Handler: http.HandlerFunc(func(w http.ResponseWriter, _ *http.Request) {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, _ = w.Write(floorToken)
		}),
		ReadHeaderTimeout: 5 * time.Second,
	}
	go func() { _ = srv.Serve(ln) }()
	return &HTTPFloor{Socket: path, srv: srv, ln: ln}, nil
}

// Close stops the server.
func (f *HTTPFloor) Close() error { return f.srv.Close() }

// NewClient returns a client with one persistent connection to the floor.
func (f *HTTPFloor) NewClient() Client {
	d := &net.Dialer{Timeout: 5 * time.Second}
	hc := &http.Client{Transport: &http.Transport{
		DialContext: func(ctx context.Context, _, _ string) (net.Conn, error) {
			return d.DialContext(ctx, "unix", f.Socket)
		},
		MaxIdleConnsPerHost: 1,
		DisableCompression:  true,
	}}
	return &httpFloorClient{hc: hc}
}

type httpFloorClient struct{ hc *http.Client }

func (c *httpFloorClient) Token(ctx context.Context) (int, error) {
	req, err := http.NewRequestWithContext(ctx, http.MethodGet, "http://floor/v1/token", nil)
	if err != nil {
		return 0, err
	}
	resp, err := c.hc.Do(req)
	if err != nil {
		return 0, err
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		return 0, err
	}
	if resp.StatusCode != http.StatusOK {
		return 0, fmt.Errorf("http floor answered %s", resp.Status)
	}
	return len(b), nil
}

func (c *httpFloorClient) Close() { c.hc.CloseIdleConnections() }

// RawFloor is the floor of the socket itself: a line in ("token\n"), 1 KB
// and a newline out, no HTTP.
type RawFloor struct {
	Socket string
	ln     net.Listener
	wg     sync.WaitGroup
	mu     sync.Mutex
	conns  map[net.Conn]struct{}
}

// StartRawFloor listens on dir/raw-floor.sock.
func StartRawFloor(dir string) (*RawFloor, error) {
	path := filepath.Join(dir, "raw-floor.sock")
	ln, err := net.Listen("unix", path)
	if err != nil {
		return nil, fmt.Errorf("raw floor: %w", err)
	}
	f := &RawFloor{Socket: path, ln: ln, conns: map[net.Conn]struct{}{}}
	answer := append(append([]byte(nil), floorToken...), '\n')
	f.wg.Add(1)
	go func() {
		defer f.wg.Done()
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			f.mu.Lock()
			f.conns[c] = struct{}{}
			f.mu.Unlock()
			f.wg.Add(1)
			go func() {
				defer f.wg.Done()
				defer c.Close()
				r := bufio.NewReader(c)
				for {
					if _, err := r.ReadSlice('\n'); err != nil {
						return
					}
					if _, err := c.Write(answer); err != nil {
						return
					}
				}
			}()
		}
	}()
	return f, nil
}

// Close stops the server and ends its connections.
func (f *RawFloor) Close() error {
	err := f.ln.Close()
	f.mu.Lock()
	for c := range f.conns {
		c.Close()
	}
	f.mu.Unlock()
	f.wg.Wait()
	return err
}

// NewClient returns a client with one connection to the floor.
func (f *RawFloor) NewClient() Client { return &rawFloorClient{path: f.Socket} }

type rawFloorClient struct {
	path string
	c    net.Conn
	r    *bufio.Reader
}

var errShortAnswer = errors.New("raw floor: short answer")

func (c *rawFloorClient) Token(ctx context.Context) (int, error) {
	if c.c == nil {
		var d net.Dialer
		conn, err := d.DialContext(ctx, "unix", c.path)
		if err != nil {
			return 0, err
		}
		c.c, c.r = conn, bufio.NewReaderSize(conn, 4096)
	}
	if _, err := c.c.Write([]byte("token\n")); err != nil {
		return 0, err
	}
	line, err := c.r.ReadSlice('\n')
	if err != nil {
		return 0, err
	}
	if len(line) != len(floorToken)+1 {
		return 0, errShortAnswer
	}
	return len(line) - 1, nil
}

func (c *rawFloorClient) Close() {
	if c.c != nil {
		c.c.Close()
	}
}
