package ipc

import (
	"fmt"
	"net/http"
	"time"
)

// Transport is an http.RoundTripper that sends each request with a fresh
// access token from the agent: Authorization: Bearer <token>, set on a clone
// of the request. Use it as the Transport of an http.Client that calls BioT.
type Transport struct {
	Client   *Client           // the agent; nil means a client for SocketPath
	Base     http.RoundTripper // nil means http.DefaultTransport
	MinValid time.Duration     // passed to the agent; 0 is the agent's default
}

// defaultClient serves Transports without a Client; one value, so they
// share its connection.
var defaultClient = &Client{}

// RoundTrip asks the agent for a token and sends the request with it. It
// does not wait for a sign-in: a request made while signed out fails at
// once with the agent's *Error.
func (t *Transport) RoundTrip(req *http.Request) (*http.Response, error) {
	c := t.Client
	if c == nil {
		c = defaultClient
	}
	tok, err := c.TokenString(req.Context(), TokenOptions{MinValid: t.MinValid})
	if err != nil {
		// A RoundTripper must close the body, even when it fails.
		if req.Body != nil {
			req.Body.Close()
		}
		return nil, fmt.Errorf("biot-agent token: %w", err)
	}
	r2 := req.Clone(req.Context())
	r2.Header.Set("Authorization", "Bearer "+tok)
	base := t.Base
	if base == nil {
		base = http.DefaultTransport
	}
	return base.RoundTrip(r2)
}
