package ipc

import (
	"testing"
)

// The proxy's paths split into the environment and BioT's path; nothing
// else is taken for one.
func TestProxyPath(t *testing.T) {
	rows := []struct {
		path, env, rest string
		ok              bool
	}{
		{"/v1/proxy/ums/v2/users/self", "", "ums/v2/users/self", true},
		{"/v1/proxy/", "", "", true},
		{"/v1/proxy", "", "", true},
		{"/v1/proxy//double", "", "/double", true},
		{"/v1/proxyx/ums", "", "", false},
		{"/v1/environments/prod/proxy/a/b", "prod", "a/b", true},
		{"/v1/environments/prod/proxy", "prod", "", true},
		{"/v1/environments/prod/proxying/a", "", "", false},
		{"/v1/environments//proxy/a", "", "", false},
		{"/v1/environments", "", "", false},
		{"/v1/environments/prod", "", "", false},
		{"/v1/token", "", "", false},
	}
	for _, r := range rows {
		env, rest, ok := proxyPath(r.path)
		if env != r.env || rest != r.rest || ok != r.ok {
			t.Errorf("proxyPath(%q) = %q, %q, %v; want %q, %q, %v", r.path, env, rest, ok, r.env, r.rest, r.ok)
		}
	}
}

// The target keeps the base URL's host and prefix, and the caller's path
// and query as escaped; it never leaves the host.
func TestProxyURL(t *testing.T) {
	rows := []struct {
		base, rest, query, want string
		bad                     bool
	}{
		{"https://api.example.com", "ums/v2/users/self", "", "https://api.example.com/ums/v2/users/self", false},
		{"https://api.example.com", "a%2Fb/c%20d", "", "https://api.example.com/a%2Fb/c%20d", false},
		{"https://api.example.com/pre%20fix", "a", "", "https://api.example.com/pre%20fix/a", false},
		{"https://api.example.com/prefix", "a%2Fb/c", "x=1&x=2;y=%zz", "https://api.example.com/prefix/a%2Fb/c?x=1&x=2;y=%zz", false},
		{"https://api.example.com", "/evil.example/x", "", "https://api.example.com//evil.example/x", false},
		{"http://127.0.0.1:8443", "", "", "http://127.0.0.1:8443/", false},
		{"https://api.example.com", "a/../b", "", "", true},
		{"https://api.example.com", "a/%2E%2E/b", "", "", true},
		{"https://api.example.com", "a/./b", "", "", true},
		{"https://api.example.com", "a%zz", "", "", true},
	}
	for _, r := range rows {
		u, err := proxyURL(r.base, r.rest, r.query)
		if r.bad {
			if err == nil || codeOf(err) != CodeBadRequest {
				t.Errorf("proxyURL(%q, %q) = %v, %v; want bad_request", r.base, r.rest, u, err)
			}
			continue
		}
		if err != nil || u.String() != r.want || u.Host != "api.example.com" && u.Host != "127.0.0.1:8443" {
			t.Errorf("proxyURL(%q, %q, %q) = %v, %v; want %s", r.base, r.rest, r.query, u, err, r.want)
		}
	}
}
