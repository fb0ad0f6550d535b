package ipc

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"
)

// Client talks to the agent over its socket. The zero value works and uses
// SocketPath; NewClient is the usual way to make one.
type Client struct {
	Path string       // the socket; empty means SocketPath()
	HTTP *http.Client // optional; must dial the socket (see NewClient)
	// Env names the environment every call is for; empty means the
	// agent's default (the configured default, else the only one).
	Env string

	once sync.Once
	def  *http.Client
}

// NewClient returns a client for the socket at path that keeps its
// connection open between calls.
func NewClient(path string) *Client {
	return &Client{Path: path, HTTP: newHTTPClient(path)}
}

// TokenOptions tune [Client.Token].
type TokenOptions struct {
	// MinValid asks for a token valid for at least this long (up to 24h);
	// 0 leaves it to the agent.
	MinValid time.Duration
	// Wait, up to 10m, lets the agent wait for a sign-in or the network to
	// return instead of failing at once.
	Wait time.Duration
}

const (
	fakeHost = "biot-agent"
	// callTimeout bounds a call; it is longer than the server's own budget,
	// so the client hears the server's answer rather than giving up first.
	callTimeout  = 2 * time.Minute
	maxRespBytes = 1 << 20
)

func (c *Client) httpClient() *http.Client {
	if c.HTTP != nil {
		return c.HTTP
	}
	c.once.Do(func() { c.def = newHTTPClient(c.Path) })
	return c.def
}

// Token returns an access token from the agent.
func (c *Client) Token(ctx context.Context, opts TokenOptions) (Token, error) {
	body, err := c.call(ctx, http.MethodGet, "/v1/token", tokenQuery(opts), nil, "application/json", opts.Wait+callTimeout)
	if err != nil {
		return Token{}, err
	}
	return decodeJSON[Token](body)
}

// TokenString returns the access token alone, as the agent answers it to
// Accept: text/plain.
func (c *Client) TokenString(ctx context.Context, opts TokenOptions) (string, error) {
	body, err := c.call(ctx, http.MethodGet, "/v1/token", tokenQuery(opts), nil, "text/plain", opts.Wait+callTimeout)
	if err != nil {
		return "", err
	}
	return string(body), nil
}

// tokenQuery is nil when there is nothing to ask: most calls.
func tokenQuery(opts TokenOptions) url.Values {
	if opts.MinValid <= 0 && opts.Wait <= 0 {
		return nil
	}
	q := url.Values{}
	if opts.MinValid > 0 {
		q.Set("min_valid", opts.MinValid.String())
	}
	if opts.Wait > 0 {
		q.Set("wait", opts.Wait.String())
	}
	return q
}

// Status returns the session's status and the agent's version.
func (c *Client) Status(ctx context.Context) (StatusResponse, error) {
	body, err := c.call(ctx, http.MethodGet, "/v1/status", nil, nil, "application/json", callTimeout)
	if err != nil {
		return StatusResponse{}, err
	}
	return decodeJSON[StatusResponse](body)
}

// Environments lists every configured environment's status, and which is
// the default.
func (c *Client) Environments(ctx context.Context) (Environments, error) {
	body, err := c.call(ctx, http.MethodGet, "/v1/environments", nil, nil, "application/json", callTimeout)
	if err != nil {
		return Environments{}, err
	}
	return decodeJSON[Environments](body)
}

// Login signs in. An *Error with Code [CodeMFARequired] means BioT sent an
// SMS code: pass it to SubmitMFA.
func (c *Client) Login(ctx context.Context, username, password string) error {
	return c.post(ctx, "/v1/login", loginRequest{Username: username, Password: password})
}

// RequestCode starts the sign-in of a user who has no password: BioT sends
// a code by SMS to phone (E.164, such as +15550100123), which SubmitMFA
// then takes; ResendMFA asks for a new one. It answers where the code went,
// the phone as BioT masks it.
func (c *Client) RequestCode(ctx context.Context, phone string) (string, error) {
	body, err := c.call(ctx, http.MethodPost, "/v1/login", nil, loginRequest{Phone: phone}, "application/json", callTimeout)
	if err != nil {
		return "", err
	}
	resp, err := decodeJSON[StatusResponse](body)
	if err != nil {
		return "", err
	}
	return resp.CodeSentTo, nil
}

// SubmitMFA finishes a sign-in with the SMS code: the second step of a
// password sign-in, or the code RequestCode asked for.
func (c *Client) SubmitMFA(ctx context.Context, code string) error {
	return c.post(ctx, "/v1/login", loginRequest{Code: code})
}

// ResendMFA asks for the SMS code again; after RequestCode, for a new code
// that replaces the one before.
func (c *Client) ResendMFA(ctx context.Context) error {
	return c.post(ctx, "/v1/login", loginRequest{Resend: true})
}

// SignInService signs a service user's environment in again, with its
// secret key as it is now.
func (c *Client) SignInService(ctx context.Context) error {
	return c.post(ctx, "/v1/login", loginRequest{Service: true})
}

// Logout ends the session.
func (c *Client) Logout(ctx context.Context) error {
	return c.post(ctx, "/v1/logout", nil)
}

// post sends a command; its answer (the new status) is dropped, as callers
// that want it ask for Status.
func (c *Client) post(ctx context.Context, path string, in any) error {
	_, err := c.call(ctx, http.MethodPost, path, nil, in, "application/json", callTimeout)
	return err
}

// decodeJSON reads an answer of the agent as a T.
func decodeJSON[T any](body []byte) (T, error) {
	var v T
	if err := json.Unmarshal(body, &v); err != nil {
		var zero T
		return zero, fmt.Errorf("decode the agent's answer as %T: %w", v, err)
	}
	return v, nil
}

// Events streams the session's changes: first the current status (seq 0),
// then each change. The channel closes when ctx ends or the agent stops.
func (c *Client) Events(ctx context.Context) (<-chan Event, error) {
	resp, err := c.do(ctx, http.MethodGet, "/v1/events", nil, nil, "text/event-stream")
	if err != nil {
		return nil, err
	}
	if resp.StatusCode != http.StatusOK {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRespBytes))
		return nil, responseError(resp, body)
	}
	ch := make(chan Event, 16)
	go readEvents(ctx, resp.Body, ch)
	return ch, nil
}

// readEvents parses the event stream into ch until it ends.
func readEvents(ctx context.Context, body io.ReadCloser, ch chan<- Event) {
	defer close(ch)
	defer body.Close()
	sc := bufio.NewScanner(body)
	sc.Buffer(make([]byte, 0, 64<<10), maxRespBytes)
	var data []byte
	for sc.Scan() {
		line := sc.Bytes()
		switch {
		case len(line) == 0: // the end of one event
			if data == nil {
				continue
			}
			ev, err := decodeJSON[Event](data)
			data = nil
			if err != nil {
				continue
			}
			select {
			case ch <- ev:
			case <-ctx.Done():
				return
			}
		case bytes.HasPrefix(line, []byte("data:")):
			if data != nil {
				data = append(data, '\n')
			}
			data = append(data, bytes.TrimPrefix(bytes.TrimPrefix(line, []byte("data:")), []byte(" "))...)
		}
		// Comments (heartbeats) and other fields are ignored.
	}
}

// call does one request and returns the body of a 2xx answer; any other
// answer becomes an *Error.
func (c *Client) call(ctx context.Context, method, path string, q url.Values, in any, accept string, timeout time.Duration) ([]byte, error) {
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	resp, err := c.do(ctx, method, path, q, in, accept)
	if err != nil {
		return nil, err
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(io.LimitReader(resp.Body, maxRespBytes))
	if err != nil {
		return nil, fmt.Errorf("%s %s: read answer: %w", method, path, err)
	}
	if resp.StatusCode/100 != 2 {
		return nil, responseError(resp, body)
	}
	return body, nil
}

func (c *Client) do(ctx context.Context, method, path string, q url.Values, in any, accept string) (*http.Response, error) {
	var body io.Reader
	if in != nil {
		b, err := json.Marshal(in)
		if err != nil {
			return nil, fmt.Errorf("%s %s: %w", method, path, err)
		}
		body = bytes.NewReader(b)
	}
	u := "http://" + fakeHost + path
	if len(q) > 0 {
		u += "?" + q.Encode()
	}
	req, err := http.NewRequestWithContext(ctx, method, u, body)
	if err != nil {
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	req.Header.Set("Accept", accept)
	req.Header.Set("User-Agent", "biot-agent-client")
	if c.Env != "" {
		req.Header.Set(EnvHeader, c.Env)
	}
	if in != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	resp, err := c.httpClient().Do(req)
	if err != nil {
		// Return the not-running error as it is: it is a whole sentence, and
		// the url.Error around it would only repeat the fake URL.
		var nr *notRunningError
		if errors.As(err, &nr) {
			return nil, nr
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", method, path, err)
	}
	return resp, nil
}

// responseError turns a non-2xx answer into an *Error.
func responseError(resp *http.Response, body []byte) error {
	var eb ErrorBody
	if err := json.Unmarshal(body, &eb); err == nil && eb.Error.Code != "" {
		return &Error{Code: eb.Error.Code, Message: eb.Error.Message, HTTPStatus: resp.StatusCode, MinutesLeft: eb.Error.MinutesLeft}
	}
	// Not our JSON: the HTTP server itself answered, or something else
	// listens on the socket.
	return &Error{Code: CodeHTTPError, Message: "biot-agent answered " + resp.Status, HTTPStatus: resp.StatusCode}
}

// Proxy sends req to BioT through the agent's proxy, for the client's
// environment, and returns BioT's answer with its body unread: the caller
// reads and closes it, however long it streams. req.URL is relative to the
// environment's BioT URL: a path and query such as
// "/ums/v2/users/self?x=1", sent as escaped. req's context bounds the
// whole exchange; nothing else does.
//
// An answer the agent made itself (it carries the Biot-Agent-Error header:
// no session, a read-only environment, BioT unreachable) is returned as an
// [*Error] instead, its body read and closed.
func (c *Client) Proxy(req *http.Request) (*http.Response, error) {
	if req.URL.IsAbs() || req.URL.Host != "" {
		return nil, fmt.Errorf("proxy: %s is not a path below the BioT URL", req.URL.Redacted())
	}
	out := req.Clone(req.Context())
	out.URL = &url.URL{
		Scheme:   "http",
		Host:     fakeHost,
		Path:     proxyPrefix + "/" + strings.TrimPrefix(req.URL.Path, "/"),
		RawPath:  proxyPrefix + "/" + strings.TrimPrefix(req.URL.EscapedPath(), "/"),
		RawQuery: req.URL.RawQuery,
	}
	out.Host = fakeHost
	out.RequestURI = ""
	if c.Env != "" {
		out.Header.Set(EnvHeader, c.Env)
	}
	resp, err := c.httpClient().Do(out)
	if err != nil {
		var nr *notRunningError
		if errors.As(err, &nr) {
			return nil, nr
		}
		var ue *url.Error
		if errors.As(err, &ue) {
			err = ue.Err
		}
		return nil, fmt.Errorf("%s %s: %w", req.Method, req.URL.Path, err)
	}
	if resp.Header.Get(ErrorHeader) != "" {
		defer resp.Body.Close()
		body, _ := io.ReadAll(io.LimitReader(resp.Body, maxRespBytes))
		return nil, responseError(resp, body)
	}
	return resp, nil
}
