package localapi

import (
	"bufio"
	"bytes"
	"context"
	"crypto/rand"
	"io"
	"net/http"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"biot-agent/internal/biotsim"
	"biot-agent/ipc"
)

// What the caller sends reaches BioT byte for byte, but for the headers the
// agent owns: its token in place of the caller's Authorization, no
// Cookie, no Biot-Env, no X-Forwarded-*.
func TestProxyRoundTripsRequestsByteForByte(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	small := make([]byte, 100<<10)
	large := make([]byte, 9<<20) // over 8 MiB: streamed, not kept
	rand.Read(small)
	rand.Read(large)
	rows := []struct {
		name, method, target, env string
		body                      []byte
		chunked                   bool
	}{
		{"GET with an odd query", "GET", "/v1/proxy/_sim/echo/a%2Fb/c%20d?x=1&x=2&y=%20;&z=%zz&env=prod", devEnv, nil, false},
		{"POST binary", "POST", "/v1/proxy/_sim/echo/upload", devEnv, small, false},
		{"PUT chunked", "PUT", "/v1/proxy/_sim/echo/upload?part=2", devEnv, small, true},
		{"PATCH over 8 MiB", "PATCH", "/v1/proxy/_sim/echo/big", devEnv, large, false},
		{"POST over 8 MiB, chunked", "POST", "/v1/proxy/_sim/echo/big", devEnv, large, true},
		{"the path form names prod", "GET", "/v1/environments/prod/proxy/_sim/echo/x?q=%2F", prodEnv, nil, false},
		{"DELETE", "DELETE", "/v1/proxy/_sim/echo/thing/42", devEnv, nil, false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			var body io.Reader
			if row.body != nil {
				body = bytes.NewReader(row.body)
				if row.chunked {
					body = io.MultiReader(body) // hides the length: sent chunked
				}
			}
			h := http.Header{
				"Authorization":   {"Bearer the-callers-own-token"},
				"Cookie":          {"session=the-callers-cookie"},
				"X-Forwarded-For": {"203.0.113.9"},
				"Forwarded":       {"for=203.0.113.9"},
				"X-Custom":        {"kept"},
				"Content-Type":    {"application/octet-stream"},
			}
			a := w.do(row.method, row.target, body, h)
			e, got := a.echo(t)
			wantURI := "/_sim/echo" + strings.SplitN(row.target, "/_sim/echo", 2)[1]
			if e.Method != row.method || e.RequestURI != wantURI {
				t.Errorf("BioT got %s %s, want %s %s", e.Method, e.RequestURI, row.method, wantURI)
			}
			if !bytes.Equal(got, row.body) {
				t.Errorf("BioT got a body of %d bytes, not the %d sent", len(got), len(row.body))
			}
			if auth := e.Header["Authorization"]; len(auth) != 1 || auth[0] != "Bearer "+w.token(row.env) {
				t.Errorf("BioT got Authorization %q, want the agent's token of %s", auth, row.env)
			}
			for _, k := range []string{"Cookie", "X-Forwarded-For", "X-Forwarded-Host", "X-Forwarded-Proto", "Forwarded", ipc.EnvHeader} {
				if v, ok := e.Header[k]; ok {
					t.Errorf("BioT got %s: %q", k, v)
				}
			}
			if e.Header["X-Custom"][0] != "kept" {
				t.Errorf("the caller's own header was lost: %v", e.Header)
			}
		})
	}
}

// A 200 MB download streams through: the agent never holds it.
func TestProxyStreamsALargeDownload(t *testing.T) {
	if testing.Short() {
		t.Skip("moves 200 MB")
	}
	w := startProxyWorld(t, biotsim.Options{})
	const size = 200_000_000
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://biot-agent/v1/proxy/_sim/bytes?n="+strconv.Itoa(size), nil)
	resp, err := w.caller.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 || resp.ContentLength != size {
		t.Fatalf("answer %d, length %d", resp.StatusCode, resp.ContentLength)
	}
	runtime.GC()
	var before runtime.MemStats
	runtime.ReadMemStats(&before)
	// The heap's peak, sampled while the bytes flow (HeapSys only grows,
	// so it bounds the peak between samples).
	done := make(chan struct{})
	peak := make(chan uint64, 1)
	go func() {
		var m runtime.MemStats
		top := uint64(0)
		tick := time.NewTicker(20 * time.Millisecond)
		defer tick.Stop()
		for {
			runtime.ReadMemStats(&m)
			top = max(top, m.HeapInuse)
			select {
			case <-done:
				peak <- top
				return
			case <-tick.C:
			}
		}
	}()
	var n int64
	buf := make([]byte, 64<<10)
	for {
		k, err := resp.Body.Read(buf)
		for i := range buf[:k] {
			if buf[i] != biotsim.PatternByte(n+int64(i)) {
				t.Fatalf("byte %d differs", n+int64(i))
			}
		}
		n += int64(k)
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatalf("after %d bytes: %v", n, err)
		}
	}
	close(done)
	top := <-peak
	var after runtime.MemStats
	runtime.ReadMemStats(&after)
	if n != size {
		t.Fatalf("read %d bytes, want %d", n, size)
	}
	const limit = 20 << 20
	growth := int64(top) - int64(before.HeapInuse)
	sysGrowth := int64(after.HeapSys) - int64(before.HeapSys)
	t.Logf("200 MB through the proxy: heap in use grew %.1f MiB at its peak, heap obtained from the system %.1f MiB", float64(growth)/(1<<20), float64(sysGrowth)/(1<<20))
	if growth > limit || sysGrowth > limit {
		t.Errorf("the heap grew %d bytes (peak in use) and %d (from the system) while 200 MB passed, want under 20 MiB", growth, sysGrowth)
	}
}

// An event stream passes event by event: the first arrives while BioT
// holds the stream open.
func TestProxyStreamsEvents(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://biot-agent/v1/proxy/_sim/events", nil)
	resp, err := w.caller.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	line := make(chan string, 1)
	go func() {
		l, _ := bufio.NewReader(resp.Body).ReadString('\n')
		line <- l
	}()
	select {
	case l := <-line:
		if l != "data: 1\n" || resp.Header.Get("Content-Type") != "text/event-stream" {
			t.Errorf("first line %q, Content-Type %q", l, resp.Header.Get("Content-Type"))
		}
	case <-time.After(10 * time.Second):
		t.Fatal("the first event did not come through within 10 s: held back")
	}
}

// A token BioT ended early is renewed with one refresh, and the caller
// sees BioT's 200 to the request sent again.
func TestProxyRecoversARevokedToken(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	old := w.token(devEnv)
	w.sim.RevokeAccessTokens(ana.Username)
	before := w.refreshes()
	body := []byte(`{"name":"a patient"}`)
	e, got := w.do("POST", "/v1/proxy/_sim/echo/patients", bytes.NewReader(body), nil).echo(t)
	if !bytes.Equal(got, body) || e.Header["Authorization"][0] == "Bearer "+old {
		t.Errorf("the request sent again carried %q and %q", got, e.Header["Authorization"])
	}
	if n := w.refreshes() - before; n != 1 {
		t.Errorf("BioT saw %d refreshes, want 1", n)
	}
}

// A hundred requests refused at once cost one refresh, and all see 200.
func TestProxyCrowdRefusedAtOnceCostsOneRefresh(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{SlowDelay: 300 * time.Millisecond})
	w.token(devEnv)
	w.sim.RevokeAccessTokens(ana.Username)
	w.sim.SetFaultFor(biotsim.FaultSlow, biotsim.PathRefresh) // the refresh is slow: the crowd piles up behind it
	before := w.refreshes()
	const crowd = 100
	var wg sync.WaitGroup
	statuses := make(chan int, crowd)
	for i := range crowd {
		wg.Go(func() {
			req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://biot-agent/v1/proxy/_sim/echo/n?i="+strconv.Itoa(i), nil)
			resp, err := w.caller.Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			statuses <- resp.StatusCode
		})
	}
	wg.Wait()
	close(statuses)
	ok := 0
	for s := range statuses {
		if s == 200 {
			ok++
		}
	}
	if ok != crowd {
		t.Errorf("%d of %d requests saw 200", ok, crowd)
	}
	if n := w.refreshes() - before; n != 1 {
		t.Errorf("BioT saw %d refreshes, want 1", n)
	}
}

// 403 (BioT's ACCESS_DENIED or its firewall's page), 5xx, a network error
// and a redirect come back as they came, with no refresh.
func TestProxyPassesFailuresThrough(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	w.token(devEnv)
	before := w.refreshes()

	if a := w.do("GET", "/v1/proxy/_sim/status/403", nil, nil); a.status != 403 || a.biotCode() != "ACCESS_DENIED" || a.header.Get(ipc.ErrorHeader) != "" {
		t.Errorf("ACCESS_DENIED: %d %s", a.status, a.body)
	}
	if a := w.do("GET", "/v1/proxy/_sim/status/504", nil, nil); a.status != 504 || a.biotCode() != "GATEWAY_TIMEOUT" {
		t.Errorf("504: %d %s", a.status, a.body)
	}
	w.sim.SetFaultFor(biotsim.FaultFirewall, biotsim.PathEcho)
	if a := w.do("GET", "/v1/proxy/_sim/echo", nil, nil); a.status != 403 || !strings.Contains(string(a.body), "<h1>403 Forbidden</h1>") {
		t.Errorf("the firewall's page: %d %s", a.status, a.body)
	}
	w.sim.SetFaultFor(biotsim.Fault504, biotsim.PathEcho)
	if a := w.do("POST", "/v1/proxy/_sim/echo", strings.NewReader("{}"), nil); a.status != 504 {
		t.Errorf("a 504 fault: %d %s", a.status, a.body)
	}
	w.sim.SetFaultFor(biotsim.FaultDown, biotsim.PathEcho)
	if a := w.do("GET", "/v1/proxy/_sim/echo", nil, nil); a.status != 502 || a.agentError(t).Code != ipc.CodeBioTUnreachable {
		t.Errorf("no answer: %d %s", a.status, a.body)
	}
	w.sim.SetFault(biotsim.FaultNone)
	if a := w.do("GET", "/v1/proxy/_sim/status/302", nil, nil); a.status != 302 || a.header.Get("Location") != biotsim.PathEcho+"/redirected" {
		t.Errorf("a redirect: %d, Location %q", a.status, a.header.Get("Location"))
	}
	if n := w.refreshes() - before; n != 0 {
		t.Errorf("BioT saw %d refreshes, want none", n)
	}
}

// A 401 to a body too large to keep goes back as it came, saying why.
func TestProxyDoesNotRetryALargeBody(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	w.token(devEnv)
	w.sim.RevokeAccessTokens(ana.Username)
	before := w.refreshes()
	a := w.do("PUT", "/v1/proxy/_sim/echo/big", bytes.NewReader(make([]byte, 9<<20)), nil)
	if a.status != 401 || a.biotCode() != "TOKEN_NOT_VALID" || a.header.Get(ipc.RetryHeader) != "no (body over 8 MiB)" {
		t.Errorf("answer %d %s, %s %q", a.status, a.body, ipc.RetryHeader, a.header.Get(ipc.RetryHeader))
	}
	if n := w.refreshes() - before; n != 0 {
		t.Errorf("BioT saw %d refreshes, want none", n)
	}
}

// read_only stops every method but GET, HEAD and OPTIONS before BioT sees
// anything.
func TestProxyReadOnlyStopsADelete(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	for _, target := range []string{"/v1/environments/prod/proxy/_sim/echo/thing/1"} {
		a := w.do("DELETE", target, nil, nil)
		if e := a.agentError(t); a.status != 403 || e.Code != ipc.CodeReadOnly || !strings.Contains(e.Message, "prod") {
			t.Errorf("DELETE on prod: %d %+v", a.status, e)
		}
	}
	a := w.do("POST", "/v1/proxy/_sim/echo/thing", strings.NewReader("{}"), http.Header{ipc.EnvHeader: {prodEnv}})
	if a.status != 403 || a.agentError(t).Code != ipc.CodeReadOnly {
		t.Errorf("POST on prod by header: %d %s", a.status, a.body)
	}
	if n := w.sim.Stats().ByPath[biotsim.PathEcho+"/thing/1"] + w.sim.Stats().ByPath[biotsim.PathEcho+"/thing"]; n != 0 {
		t.Errorf("BioT saw %d of the refused requests", n)
	}
	if a := w.do("GET", "/v1/environments/prod/proxy/_sim/echo/thing/1", nil, nil); a.status != 200 {
		t.Errorf("GET on prod: %d %s", a.status, a.body)
	}
	if a := w.do("DELETE", "/v1/environments/dev/proxy/_sim/echo/thing/1", nil, nil); a.status != 200 {
		t.Errorf("DELETE on dev: %d %s", a.status, a.body)
	}
}

// With the session over, the proxy answers the local API's 401.
func TestProxyAnswersTheSessionsEnd(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	// BioT ends the whole session: the renewal is refused.
	w.token(devEnv)
	w.sim.RevokeAccessTokens(ana.Username)
	w.sim.RevokeRefreshTokens(ana.Username)
	if a := w.do("GET", "/v1/proxy/_sim/echo", nil, nil); a.status != 401 || a.agentError(t).Code != ipc.CodeNeedsLogin {
		t.Errorf("session ended by BioT: %d %s", a.status, a.body)
	}
	if err := w.agent(prodEnv).Logout(t.Context()); err != nil {
		t.Fatal(err)
	}
	if a := w.do("GET", "/v1/environments/prod/proxy/_sim/echo", nil, nil); a.status != 401 || a.agentError(t).Code != ipc.CodeSignedOut {
		t.Errorf("signed out: %d %s", a.status, a.body)
	}
}

// The environment comes from the path or the Biot-Env header, never from
// the query (BioT's); names that clash, paths that escape the agent's part
// or climb out are refused.
func TestProxyChoosesTheEnvironment(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	rows := []struct {
		name, target string
		header       http.Header
		status       int
		code         ipc.Code
		env          string
	}{
		{"the default", "/v1/proxy/_sim/echo", nil, 200, "", devEnv},
		{"?env= is BioT's", "/v1/proxy/_sim/echo?env=prod", nil, 200, "", devEnv},
		{"the header", "/v1/proxy/_sim/echo", http.Header{ipc.EnvHeader: {prodEnv}}, 200, "", prodEnv},
		{"path and header agree", "/v1/environments/prod/proxy/_sim/echo", http.Header{ipc.EnvHeader: {prodEnv}}, 200, "", prodEnv},
		{"path and header differ", "/v1/environments/prod/proxy/_sim/echo", http.Header{ipc.EnvHeader: {devEnv}}, 400, ipc.CodeBadRequest, ""},
		{"an unknown name", "/v1/environments/staging/proxy/_sim/echo", nil, 404, ipc.CodeUnknownEnvironment, ""},
		{"an escaped prefix", "/v1/pro%78y/_sim/echo", nil, 400, ipc.CodeBadRequest, ""},
		{"a climb", "/v1/proxy/_sim/echo/../../ums/v2/users/self", nil, 400, ipc.CodeBadRequest, ""},
		{"an escaped climb", "/v1/proxy/_sim/echo/%2e%2e/x", nil, 400, ipc.CodeBadRequest, ""},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			a := w.do("GET", row.target, nil, row.header)
			if a.status != row.status {
				t.Fatalf("answer %d %s, want %d", a.status, a.body, row.status)
			}
			if row.code != "" {
				if c := a.agentError(t).Code; c != row.code {
					t.Errorf("code %s, want %s", c, row.code)
				}
				return
			}
			e, _ := a.echo(t)
			if e.Header["Authorization"][0] != "Bearer "+w.token(row.env) {
				t.Errorf("BioT got the token of another environment than %s", row.env)
			}
		})
	}
}

// The agent's shutdown ends a stream in flight at once, rather than
// waiting for BioT to close it.
func TestProxyShutdownEndsStreams(t *testing.T) {
	w := startProxyWorld(t, biotsim.Options{})
	req, _ := http.NewRequestWithContext(t.Context(), "GET", "http://biot-agent/v1/proxy/_sim/events", nil)
	resp, err := w.caller.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	ended := make(chan error, 1)
	go func() {
		_, err := io.Copy(io.Discard, resp.Body)
		ended <- err
	}()
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	begin := time.Now()
	if err := w.srv.Shutdown(ctx); err != nil {
		t.Fatalf("Shutdown: %v after %s", err, time.Since(begin))
	}
	select {
	case <-ended:
	case <-time.After(5 * time.Second):
		t.Fatal("the stream was still open 5 s after the shutdown")
	}
}
