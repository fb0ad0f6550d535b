package biot

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"
)

// maxBody is the most of an answer that is read. UMS answers are a few
// kilobytes; more is not UMS.
const maxBody = 1 << 20

// The calls, as they appear in APIError.Op and the other errors.
const (
	OpLogin   = "login"
	OpMFA     = "mfa"
	OpResend  = "resend"
	OpRefresh = "refresh"
	OpLogout  = "logout"
	OpSelf    = "self"
	OpHealth  = "health"
)

// call is one request to UMS.
type call struct {
	op     string
	method string
	path   string // below the base URL, starting with /ums/
	bearer string // the Authorization token, or ""
	body   any    // sent as JSON when not nil
	// secrets are the values of this request that must never appear in an
	// error; BioT's messages are scrubbed of them.
	secrets []string
}

// answer is a success answer, read in full.
type answer struct {
	status int
	body   []byte
	date   time.Time // the server's Date header; zero when absent or unreadable
}

// do sends cl and returns the answer when its status is 2xx. Any other
// status becomes an *APIError; no answer becomes an *UnreachableError,
// a *RedirectError, or the caller's context.Canceled.
func (c *Client) do(ctx context.Context, cl call) (*answer, error) {
	// Every call has a deadline, whatever the caller's context and
	// http.Client say.
	ctx, cancel := context.WithTimeout(ctx, callTimeout)
	defer cancel()

	var body io.Reader
	if cl.body != nil {
		b, err := json.Marshal(cl.body)
		if err != nil { // only strings are sent, so this does not happen
			return nil, fmt.Errorf("biot: %s: encode request: %w", cl.op, err)
		}
		body = bytes.NewReader(b)
	}
	req, err := http.NewRequestWithContext(ctx, cl.method, c.base+cl.path, body)
	if err != nil {
		return nil, fmt.Errorf("biot: %s: build request: %w", cl.op, err)
	}
	req.Header.Set("Accept", "application/json")
	req.Header.Set("User-Agent", c.userAgent)
	if body != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	if cl.bearer != "" {
		req.Header.Set("Authorization", "Bearer "+cl.bearer)
	}

	resp, err := c.hc.Do(req)
	if err != nil {
		return nil, transportError(ctx, cl, err)
	}
	defer resp.Body.Close()
	data, err := io.ReadAll(io.LimitReader(resp.Body, maxBody+1))
	if err != nil {
		return nil, transportError(ctx, cl, err)
	}
	tooLarge := len(data) > maxBody
	if tooLarge {
		data = data[:maxBody]
	}

	if resp.StatusCode < 200 || resp.StatusCode > 299 {
		return nil, decodeAPIError(cl.op, resp.StatusCode, data, cl.secrets)
	}
	if tooLarge {
		return nil, &MalformedError{Op: cl.op, Status: resp.StatusCode, Reason: "answer larger than 1 MiB"}
	}
	a := &answer{status: resp.StatusCode, body: data}
	if d, err := http.ParseTime(resp.Header.Get("Date")); err == nil {
		a.date = d.UTC()
	}
	return a, nil
}

// transportError names why a call got no (complete) answer.
func transportError(ctx context.Context, cl call, err error) error {
	if errors.Is(ctx.Err(), context.Canceled) {
		// The caller gave up: not BioT's fault, nothing to retry.
		return fmt.Errorf("biot: %s: %w", cl.op, ctx.Err())
	}
	if re, ok := asRedirect(err); ok {
		cp := *re
		cp.Op = cl.op
		return &cp
	}
	return newUnreachable(cl.op, err, cl.secrets)
}

// checkToken refuses a token that is empty or could not be a header value,
// before anything is sent.
func checkToken(op, what, tok string) error {
	if tok == "" {
		return fmt.Errorf("biot: %s: %w: no %s", op, ErrBadArgument, what)
	}
	if strings.ContainsFunc(tok, func(r rune) bool { return r <= ' ' || r >= 0x7f }) {
		return fmt.Errorf("biot: %s: %w: the %s has characters no token has", op, ErrBadArgument, what)
	}
	return nil
}

// ErrBadArgument is wrapped by the errors of calls refused before anything
// was sent, such as a Refresh without a token. It classifies as ClassInvalid.
var ErrBadArgument = errors.New("bad argument")
