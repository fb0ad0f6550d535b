package cli_test

import (
	"bufio"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"biot-agent/internal/biotsim"
)

// api sends requests through the running agent and says how they went:
// BioT's body on stdout, its failures on stderr and in the exit code.
func TestAPICallsBioTThroughTheAgent(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	a := w.startAgent()

	res := w.run("", "api", "/ums/v2/users/self")
	wantExit(t, res, 3, "api signed out")
	wantOneLine(t, res.stderr, "api signed out", "not signed in", "biot-agent login")

	w.mustLogin(ana, anaPW)
	res = w.run("", "api", "/ums/v2/users/self")
	wantExit(t, res, 0, "api")
	if !strings.HasPrefix(res.stdout, `{"username":"`+ana+`"`) || res.stderr != "" {
		t.Errorf("api printed %q (stderr %q), want BioT's JSON as it came", res.stdout, res.stderr)
	}

	res = w.run("", "api", "-i", "ums/v2/users/self")
	wantExit(t, res, 0, "api -i")
	head, body, _ := strings.Cut(res.stdout, "\r\n\r\n")
	if !strings.HasPrefix(head, "HTTP/1.1 200 OK\r\n") || !strings.Contains(head, "\r\nContent-Type: application/json\r\n") || !strings.HasPrefix(body, "{") {
		t.Errorf("api -i printed %q", res.stdout)
	}

	res = w.run("", "api", "/ums/v2/users/nothing")
	wantExit(t, res, 1, "api of a missing path")
	wantOneLine(t, res.stderr, "api of a missing path", "404 Not Found", "NOT_FOUND", "No such endpoint")
	if !strings.Contains(res.stdout, `"code":"NOT_FOUND"`) {
		t.Errorf("api of a missing path printed %q, want BioT's body", res.stdout)
	}
	res = w.run("", "api", biotsim.PathStatus+"403")
	wantExit(t, res, 1, "api answered 403")
	wantOneLine(t, res.stderr, "api answered 403", "403 Forbidden", "ACCESS_DENIED")

	// A body from the command line, a file and standard input; flags may
	// follow the path.
	file := filepath.Join(w.tmp, "logout.json")
	if err := os.WriteFile(file, []byte(`{"refreshToken":"not-a-token"}`), 0o600); err != nil {
		t.Fatal(err)
	}
	before := w.sim.Stats().Logouts
	wantExit(t, w.run("", "api", "-d", `{"refreshToken":"not-a-token"}`, biotsim.PathLogout), 0, "api -d DATA")
	wantExit(t, w.run("", "api", biotsim.PathLogout, "-X", "POST", "-d", "@"+file), 0, "api PATH -d @FILE")
	wantExit(t, w.run(`{"refreshToken":"not-a-token"}`, "api", "-d", "@-", "-H", "Content-Type: application/json", biotsim.PathLogout), 0, "api -d @-")
	if n := w.sim.Stats().Logouts - before; n != 3 {
		t.Errorf("BioT saw %d logouts, want 3", n)
	}
	res = w.run("", "api", "-d", "{}", biotsim.PathSelf)
	wantExit(t, res, 1, "api POST to a GET path")
	wantOneLine(t, res.stderr, "api POST to a GET path", "405")

	// BioT ends the access token early: the agent renews it, once.
	refreshes := w.sim.Stats().Refreshes
	w.sim.RevokeAccessTokens(ana)
	wantExit(t, w.run("", "api", "/ums/v2/users/self"), 0, "api after BioT ended the token")
	if n := w.sim.Stats().Refreshes - refreshes; n != 1 {
		t.Errorf("BioT saw %d refreshes, want 1", n)
	}

	wantExit(t, w.run("", "api"), 2, "api without a path")
	wantExit(t, w.run("", "api", w.sim.URL()+"/ums/v2/users/self"), 2, "api with a whole URL")
	wantExit(t, w.run("", "api", "-e", "nowhere", "/ums/v2/users/self"), 2, "api in an unknown environment")

	a.stop()
	res = w.run("", "api", "/ums/v2/users/self")
	wantExit(t, res, 4, "api with no agent")
}

// A 200 MB download goes through the agent without the agent holding it:
// its resident memory grows by less than 20 MB.
func TestAPIDownloadLeavesTheAgentSmall(t *testing.T) {
	t.Parallel()
	if testing.Short() {
		t.Skip("moves 200 MB")
	}
	w := newWorld(t, worldOptions{sim: anaSim()})
	a := w.startAgent()
	w.mustLogin(ana, anaPW)
	pid := a.cmd.Process.Pid
	wantExit(t, w.run("", "api", "/ums/v2/users/self"), 0, "api") // the connection to BioT is warm
	rss := procStatus(t, pid, "VmRSS")
	// The peak (VmHWM) starts again from here.
	if err := os.WriteFile(fmt.Sprintf("/proc/%d/clear_refs", pid), []byte("5"), 0); err != nil {
		t.Skipf("cannot reset the peak RSS: %v", err)
	}
	const size = 200_000_000
	res := w.sh(`biot-agent api '` + biotsim.PathBytes + `?n=` + strconv.Itoa(size) + `' | wc -c`)
	wantExit(t, res, 0, "api download | wc -c")
	if got := strings.TrimSpace(res.stdout); got != strconv.Itoa(size) {
		t.Fatalf("the download was %s bytes, want %d", got, size)
	}
	peak := procStatus(t, pid, "VmHWM")
	t.Logf("the agent's RSS: %d KiB before, peak %d KiB while 200 MB passed (+%d KiB)", rss, peak, peak-rss)
	if peak-rss >= 20_000 {
		t.Errorf("the agent's RSS grew by %d KiB while 200 MB passed, want under 20 MB", peak-rss)
	}
}

// procStatus reads a field of /proc/PID/status, in KiB.
func procStatus(t *testing.T, pid int, field string) int {
	t.Helper()
	f, err := os.Open(fmt.Sprintf("/proc/%d/status", pid))
	if err != nil {
		t.Skipf("no /proc: %v", err)
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		if v, ok := strings.CutPrefix(sc.Text(), field+":"); ok {
			n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimSpace(v), " kB"))
			if err != nil {
				t.Fatal(err)
			}
			return n
		}
	}
	t.Fatalf("no %s in /proc/%d/status", field, pid)
	return 0
}

// exec tells the child where the socket is, and with --proxy gives it a
// base URL that needs no token, for as long as it runs.
func TestExecProxyGivesTheChildABaseURL(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.startAgent()
	w.mustLogin(ana, anaPW)

	res := w.run("", "exec", "--", "sh", "-c", `echo "$BIOT_AGENT_SOCK"`)
	wantExit(t, res, 0, "exec")
	if res.stdout != w.socket()+"\n" {
		t.Errorf("the child got BIOT_AGENT_SOCK %q, want %q", res.stdout, w.socket())
	}

	urlFile := filepath.Join(w.tmp, "url")
	res = w.run("", "exec", "--proxy", "--", "sh", "-c",
		`test -z "$BIOT_TOKEN" && echo "$BIOT_API_URL" > `+urlFile+` && curl -sf "$BIOT_API_URL/ums/v2/users/self"`)
	wantExit(t, res, 0, "exec --proxy with curl")
	if !strings.HasPrefix(res.stdout, `{"username":"`+ana+`"`) {
		t.Errorf("curl through BIOT_API_URL printed %q", res.stdout)
	}
	raw, err := os.ReadFile(urlFile)
	if err != nil {
		t.Fatal(err)
	}
	base := strings.TrimSpace(string(raw))
	if !strings.HasPrefix(base, "http://127.0.0.1:") {
		t.Fatalf("BIOT_API_URL is %q", base)
	}
	// The child is gone, and so is its listener.
	res = w.run("", "api", "/ums/v2/users/self") // the agent still serves
	wantExit(t, res, 0, "api after exec")
	if out := w.sh(`curl -s -o /dev/null -w '%{http_code}' '` + base + `/ums/v2/users/self'`); out.stdout != "000" {
		t.Errorf("after the child exited, the listener answered %q", out.stdout)
	}
	res = w.run("", "exec", "--proxy", "--", "sh", "-c", "exit 9")
	wantExit(t, res, 9, "exec --proxy of a child that exits 9")
}
