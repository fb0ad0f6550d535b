package cli_test

import (
	"context"
	"fmt"
	"net"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"biot-agent/internal/biotsim"
)

// The loopback listener of `exec --proxy`, seen from a real browser
// (headless chromium), as a web page on this machine would try it: no page
// reads through it, from another origin or by rebinding a name of its own
// to 127.0.0.1; a wrong or missing key is refused; and once the child
// exits, nothing listens there.
func TestExecProxyIsClosedToWebPages(t *testing.T) {
	t.Parallel()
	w := newWorld(t, worldOptions{sim: anaSim()})
	w.startAgent()
	w.mustLogin(ana, anaPW)

	// The child writes its base URL, then waits on a FIFO until the test
	// lets it go.
	urlFile, gate := filepath.Join(w.tmp, "url"), filepath.Join(w.tmp, "gate")
	if err := syscall.Mkfifo(gate, 0o600); err != nil {
		t.Fatal(err)
	}
	child := w.start(w.env, "", "exec", "--proxy", "--", "sh", "-c", `echo "$BIOT_API_URL" > `+urlFile+` && cat `+gate)
	var base string
	waitFor(t, 20*time.Second, "the child's BIOT_API_URL", func() bool {
		if child.exited() {
			t.Fatalf("exec --proxy ended early: %+v", child.res)
		}
		raw, err := os.ReadFile(urlFile)
		base = strings.TrimSpace(string(raw))
		return err == nil && strings.HasSuffix(string(raw), "\n")
	})
	addr := strings.TrimPrefix(base, "http://")
	addr, key, _ := strings.Cut(addr, "/")
	_, port, _ := net.SplitHostPort(addr)

	browser := chromium(t, chromedp.Flag("host-resolver-rules", "MAP evil.test 127.0.0.1"))
	selfCalls := func() int { return w.sim.Stats().ByPath[biotsim.PathSelf] }

	// The person's own browser, with the whole URL typed in: that is the
	// person, and the listener answers.
	if text := pageText(t, browser, base+biotsim.PathSelf); !strings.Contains(text, `"username":"`+ana+`"`) {
		t.Fatalf("the base URL typed into the browser shows %q", text)
	}
	before := selfCalls()

	// A page on another origin that knows the whole URL, key and all,
	// still reads nothing: with CORS (Origin) or without (no-cors, marked
	// Sec-Fetch-Site), and an <img> load alike.
	attacker := httptest.NewServer(http.HandlerFunc(func(rw http.ResponseWriter, r *http.Request) {
		rw.Header().Set("Content-Type", "text/html")
		fmt.Fprintf(rw, `<!doctype html><title>waiting</title><script>
const target = %q;
const results = [];
const done = () => { if (results.length === 3) document.title = results.join(" "); };
fetch(target).then(r => r.text()).then(t => results.push("cors:read:" + t), e => results.push("cors:blocked")).then(done);
fetch(target, {mode: "no-cors"}).then(r => r.text()).then(t => results.push("no-cors:read:" + t.length), e => results.push("no-cors:failed")).then(done);
const img = new Image(); img.onload = () => { results.push("img:loaded"); done(); }; img.onerror = () => { results.push("img:error"); done(); }; img.src = target;
</script>`, base+biotsim.PathSelf)
	}))
	t.Cleanup(attacker.Close)
	title := pageTitle(t, browser, attacker.URL)
	for _, want := range []string{"cors:blocked", "no-cors:read:0", "img:error"} {
		if !strings.Contains(title, want) {
			t.Errorf("the other origin's page got %q, want %s among them", title, want)
		}
	}
	if strings.Contains(title, ana) {
		t.Errorf("the other origin's page read BioT's answer: %q", title)
	}

	// DNS rebinding: a page served as evil.test, a name that now resolves
	// to 127.0.0.1, asks its own origin, so the browser sends no Origin;
	// the Host gives it away.
	text := pageText(t, browser, "http://evil.test:"+port+"/"+key+biotsim.PathSelf)
	if !strings.Contains(text, "forbidden") || strings.Contains(text, ana) {
		t.Errorf("through evil.test the page shows %q, want the listener's 403", text)
	}
	// A wrong key, and none.
	for _, u := range []string{"http://" + addr + "/" + strings.Repeat("A", len(key)) + biotsim.PathSelf, "http://" + addr + biotsim.PathSelf} {
		if text := pageText(t, browser, u); !strings.Contains(text, "wrong or missing key") {
			t.Errorf("%s shows %q, want the listener's 403", strings.ReplaceAll(u, key, "KEY"), text)
		}
	}
	if n := selfCalls() - before; n != 0 {
		t.Errorf("BioT saw %d requests from the pages", n)
	}

	// The child exits; its listener is gone.
	f, err := os.OpenFile(gate, os.O_WRONLY, 0)
	if err != nil {
		t.Fatal(err)
	}
	f.Close()
	wantExit(t, child.wait(), 0, "exec --proxy once let go")
	if c, err := net.DialTimeout("tcp", addr, 2*time.Second); err == nil {
		c.Close()
		t.Errorf("%s still accepts connections after the child exited", addr)
	}
	ctx, cancel := context.WithTimeout(browser, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(base+biotsim.PathSelf)); err == nil || !strings.Contains(err.Error(), "ERR_CONNECTION_REFUSED") {
		t.Errorf("the browser, after the child exited: %v, want ERR_CONNECTION_REFUSED", err)
	}
}

// pageText opens u and answers the text the page shows.
func pageText(t *testing.T, browser context.Context, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	text, err := chromedp.Run(ctx, chromedp.Text(chromedp.CSS("body")))
	if err != nil {
		t.Fatalf("read %s: %v", u, err)
	}
	return text
}

// pageTitle opens u and waits for its script to set the title.
func pageTitle(t *testing.T, browser context.Context, u string) string {
	t.Helper()
	ctx, cancel := context.WithTimeout(browser, 15*time.Second)
	defer cancel()
	if err := chromedp.Do(ctx, chromedp.Navigate(u)); err != nil {
		t.Fatalf("open %s: %v", u, err)
	}
	// The page's script sets the title once its three tries have ended.
	title, err := chromedp.Run(ctx, chromedp.Poll[string](`document.title !== "waiting" && document.title`))
	if err != nil {
		t.Fatalf("the page at %s never finished: %v", u, err)
	}
	return title
}
