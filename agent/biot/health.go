package biot

import (
	"context"
	"net/http"
	"time"
)

// Health is UMS's answer to a health check.
type Health struct {
	Status  int    // the HTTP status, 2xx
	Version string // UMS's version, when it says
	TraceID string
	// ServerDate is the server's Date header, zero when absent: compare it
	// with the local clock to find a skew that would misjudge expirations.
	// It has a resolution of one second.
	ServerDate time.Time
}

// Health asks whether UMS is up (GET /ums/system/healthCheck). An error
// status is an *APIError; a 2xx whose body is not a JSON object is a
// *MalformedError (a portal or proxy answered, not UMS).
func (c *Client) Health(ctx context.Context) (*Health, error) {
	a, err := c.do(ctx, call{op: OpHealth, method: http.MethodGet, path: "/ums/system/healthCheck"})
	if err != nil {
		return nil, err
	}
	var w struct {
		Version *string `json:"version"`
		TraceID *string `json:"traceId"`
	}
	if err := unmarshal(OpHealth, a.status, a.body, &w); err != nil {
		return nil, err
	}
	return &Health{Status: a.status, Version: clean(str(w.Version), nil), TraceID: clean(str(w.TraceID), nil), ServerDate: a.date}, nil
}
