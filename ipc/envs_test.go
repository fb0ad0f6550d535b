package ipc

import (
	"fmt"
	"io"
	"net/http"
	"slices"
	"strings"
	"testing"
)

// envs serves several fake environments by name, with a default.
type envs struct {
	by  map[string]*fakeBackend
	def string
}

func (e envs) Session(name string) (Session, error) {
	if name == "" {
		name = e.def
	}
	if name == "" {
		return nil, &Error{Code: CodeEnvironmentRequired, Message: "no environment named and no default"}
	}
	fb, ok := e.by[name]
	if !ok {
		return nil, &Error{Code: CodeUnknownEnvironment, Message: fmt.Sprintf("no environment named %q", name)}
	}
	return fb, nil
}

func (e envs) Environments() ([]Status, string) {
	var out []Status
	for name, fb := range e.by {
		st := fb.Status()
		st.Env = name
		out = append(out, st)
	}
	slices.SortFunc(out, func(a, b Status) int { return strings.Compare(a.Env, b.Env) })
	return out, e.def
}

func startEnvs(t *testing.T, e envs) *testAgent {
	t.Helper()
	return startAgent(t, StateSignedOut, func(s *Server) { s.Backend = e })
}

// Every endpoint acts on the environment a request names, by query or
// header, else on the default; nothing else can make it act elsewhere.
func TestEachRequestNamesItsEnvironment(t *testing.T) {
	dev, prod := newFakeBackend(StateSignedIn), newFakeBackend(StateSignedOut)
	ta := startEnvs(t, envs{by: map[string]*fakeBackend{"dev": dev, "prod": prod}, def: "prod"})

	tests := []struct {
		name       string
		target     string
		header     string
		wantStatus int
		wantCode   Code
	}{
		{"the default", "/v1/token", "", 401, CodeSignedOut},
		{"by query", "/v1/token?env=dev", "", 200, ""},
		{"by header", "/v1/token", "dev", 200, ""},
		{"query and header agree", "/v1/token?env=dev", "dev", 200, ""},
		{"query and header differ", "/v1/token?env=dev", "prod", 400, CodeBadRequest},
		{"an unknown name", "/v1/token?env=staging", "", 404, CodeUnknownEnvironment},
		{"status by query", "/v1/status?env=dev", "", 200, ""},
		{"events of an unknown name", "/v1/events?env=staging", "", 404, CodeUnknownEnvironment},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h := http.Header{}
			if tt.header != "" {
				h.Set(EnvHeader, tt.header)
			}
			req, err := http.NewRequestWithContext(t.Context(), http.MethodGet, "http://biot-agent"+tt.target, nil)
			if err != nil {
				t.Fatal(err)
			}
			req.Header = h
			resp, err := newHTTPClient(ta.path).Do(req)
			if err != nil {
				t.Fatal(err)
			}
			defer resp.Body.Close()
			b, _ := io.ReadAll(resp.Body)
			body := string(b)
			if resp.StatusCode != tt.wantStatus {
				t.Fatalf("%s: %d %s, want %d", tt.target, resp.StatusCode, body, tt.wantStatus)
			}
			if tt.wantCode != "" && !strings.Contains(body, `"code":"`+string(tt.wantCode)+`"`) {
				t.Errorf("%s: %s, want code %s", tt.target, body, tt.wantCode)
			}
		})
	}

	// The Go client names its environment on every call.
	c := NewClient(ta.path)
	c.Env = "prod"
	if err := c.Login(t.Context(), "frank@example.com", fakePassword); err != nil {
		t.Fatal(err)
	}
	if dev.Status().Username == "frank@example.com" || prod.Status().Username != "frank@example.com" {
		t.Error("a sign-in for prod reached another environment")
	}
	list, err := c.Environments(t.Context())
	if err != nil {
		t.Fatal(err)
	}
	if list.Default != "prod" || len(list.Environments) != 2 || list.Environments[0].Env != "dev" || list.Environments[1].State != StateSignedIn {
		t.Errorf("environments = %+v", list)
	}
}

// With several environments and no default, a request must name one.
func TestNoDefaultMeansNameOne(t *testing.T) {
	ta := startEnvs(t, envs{by: map[string]*fakeBackend{"dev": newFakeBackend(StateSignedIn), "prod": newFakeBackend(StateSignedIn)}})
	_, err := ta.client.Status(t.Context())
	apiErr(t, err, CodeEnvironmentRequired, 400)
	c := NewClient(ta.path)
	c.Env = "dev"
	if _, err := c.Status(t.Context()); err != nil {
		t.Errorf("status of a named environment: %v", err)
	}
}
