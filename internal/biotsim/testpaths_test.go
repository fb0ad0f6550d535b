package biotsim

import (
	"bufio"
	"encoding/base64"
	"net/http"
	"strconv"
	"testing"
)

// The simulator's own endpoints answer what they promise, want a token,
// and never pass for BioT's (they are sent with send: BioT's spec has no
// such paths, so do's checks would refuse them).
func TestTestEndpoints(t *testing.T) {
	s := start(t, nil)
	access := login(t, s, alice).login(t).AccessJwt.Token
	get := func(c call) reply {
		t.Helper()
		r, err := send(t.Context(), s, c)
		if err != nil {
			t.Fatal(err)
		}
		return r
	}

	const body = "\x00binary\r\n{\"not\":json}\xff"
	r := get(call{Method: "PATCH", Path: PathEcho + "/a%2Fb/c?x=1&x=2&y=%20", Bearer: access, Body: body, ContentType: "application/octet-stream"})
	if r.Status != http.StatusOK {
		t.Fatalf("echo: %d %s", r.Status, r.Body)
	}
	var e Echo
	r.decode(t, &e)
	got, _ := base64.StdEncoding.DecodeString(e.Body)
	if e.Method != "PATCH" || e.RequestURI != PathEcho+"/a%2Fb/c?x=1&x=2&y=%20" || string(got) != body || e.Header["Authorization"][0] != "Bearer "+access {
		t.Errorf("echo answered %+v (body %q)", e, got)
	}

	if r := get(call{Method: "GET", Path: PathEcho}); r.Status != http.StatusUnauthorized || r.errorCode(t) != codeTokenNotValid {
		t.Errorf("echo without a token: %d %s, want 401 TOKEN_NOT_VALID", r.Status, r.Body)
	}
	if r := get(call{Method: "GET", Path: PathTest + "nothing", Bearer: access}); r.Status != http.StatusNotFound {
		t.Errorf("an unknown test path: %d, want 404", r.Status)
	}

	r = get(call{Method: "GET", Path: PathBytes + "?n=100000", Bearer: access})
	if r.Status != http.StatusOK || len(r.Body) != 100000 {
		t.Fatalf("bytes: %d, %d bytes", r.Status, len(r.Body))
	}
	for i, b := range r.Body {
		if b != PatternByte(int64(i)) {
			t.Fatalf("byte %d is %d, want %d", i, b, PatternByte(int64(i)))
		}
	}

	for status, code := range map[int]string{403: "ACCESS_DENIED", 504: codeGatewayTimeout, 418: "ERROR_418"} {
		if r := get(call{Method: "GET", Path: PathStatus + strconv.Itoa(status)}); r.Status != status || r.errorCode(t) != code {
			t.Errorf("status %d: %d %s, want %s", status, r.Status, r.Body, code)
		}
	}
	noFollow := *testClient(s)
	noFollow.CheckRedirect = func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }
	resp, err := noFollow.Get(s.URL() + PathStatus + "302")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound || resp.Header.Get("Location") != PathEcho+"/redirected" {
		t.Errorf("status 302: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
}

// The event stream's first event arrives while the stream stays open.
func TestTestEventsStream(t *testing.T) {
	s := start(t, nil)
	access := login(t, s, alice).login(t).AccessJwt.Token
	req, _ := http.NewRequestWithContext(t.Context(), "GET", s.URL()+PathEvents, nil)
	req.Header.Set("Authorization", "Bearer "+access)
	resp, err := testClient(s).Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line, err := bufio.NewReader(resp.Body).ReadString('\n')
	if err != nil || line != "data: 1\n" {
		t.Fatalf("first line %q, %v", line, err)
	}
}

// RevokeAccessTokens ends the access tokens the user holds, not the
// session: a refresh answers a new token BioT takes.
func TestRevokeAccessTokens(t *testing.T) {
	s := start(t, nil)
	l := login(t, s, alice).login(t)
	if r := self(t, s, l.AccessJwt.Token); r.Status != http.StatusOK {
		t.Fatalf("self before: %d", r.Status)
	}
	s.RevokeAccessTokens(alice.Username)
	if r := self(t, s, l.AccessJwt.Token); r.Status != http.StatusUnauthorized || r.errorCode(t) != codeTokenNotValid {
		t.Fatalf("self with a revoked token: %d %s", r.Status, r.Body)
	}
	fresh := refresh(t, s, l.RefreshJwt.Token).login(t)
	if r := self(t, s, fresh.AccessJwt.Token); r.Status != http.StatusOK {
		t.Fatalf("self after a refresh: %d %s", r.Status, r.Body)
	}
}
