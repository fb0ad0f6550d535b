package bench

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"syscall"
	"time"

	"biot-agent/agent"
)

// fleetServer is the fleet's BioT: an http.RoundTripper that answers each
// agent's refreshes in process, on that agent's fake clock.
//
// It stands in for the simulator because the simulator cannot run here at
// this scale: ten thousand sessions would cost hundreds of thousands of
// RSA signatures and TLS handshakes, and the run would measure those
// instead of when the agents call. What the agents see is what they would
// see from BioT: a refused connection during the outage, and otherwise a
// refresh answer of the spec's shape whose access token is a JWT with an
// exp claim (unsigned: the agent reads exp and leaves the signature to
// BioT), with a Date header.
type fleetServer struct {
	clk    agent.Clock
	epoch  time.Time     // the outage starts here, on every agent's wall clock
	outage time.Duration // and lasts this long
	ttl    time.Duration // of access tokens
	record func(at time.Duration, ok bool)
	n      int
}

func (s *fleetServer) RoundTrip(req *http.Request) (*http.Response, error) {
	if req.Body != nil {
		_, _ = io.Copy(io.Discard, req.Body)
		req.Body.Close()
	}
	now := s.clk.Now()
	at := now.Sub(s.epoch)
	down := at >= 0 && at < s.outage
	s.record(at, !down)
	if down {
		return nil, &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}
	}
	s.n++
	exp := now.Add(s.ttl)
	body, err := json.Marshal(map[string]any{
		"userId":                "fleet-user",
		"ownerOrganizationId":   "fleet-org",
		"accessJwt":             map[string]string{"token": fleetJWT(exp, s.n), "expiration": exp.UTC().Format("2006-01-02T15:04:05.000Z")},
		"refreshJwt":            map[string]string{"token": fmt.Sprintf("fleet-refresh-%d", s.n), "expiration": now.Add(24 * time.Hour).UTC().Format("2006-01-02T15:04:05.000Z")},
		"mfaRequired":           false,
		"passwordResetRequired": false,
	})
	if err != nil {
		return nil, err
	}
	return &http.Response{
		Status:     "200 OK",
		StatusCode: http.StatusOK,
		Proto:      "HTTP/1.1", ProtoMajor: 1, ProtoMinor: 1,
		Header: http.Header{
			"Content-Type": {"application/json"},
			"Date":         {now.UTC().Format(http.TimeFormat)},
		},
		Body:          io.NopCloser(bytes.NewReader(body)),
		ContentLength: int64(len(body)),
		Request:       req,
	}, nil
}

// fleetJWT is an unsigned token of a JWT's shape expiring at exp.
func fleetJWT(exp time.Time, n int) string {
	enc := base64.RawURLEncoding
	claims := fmt.Sprintf(`{"sub":"fleet-user","exp":%d,"jti":"%d","tokenType":"USER"}`, exp.Unix(), n)
	return enc.EncodeToString([]byte(`{"alg":"RS512"}`)) + "." + enc.EncodeToString([]byte(claims)) + "." + enc.EncodeToString([]byte("unsigned"))
}
