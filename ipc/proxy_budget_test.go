package ipc

import (
	"bytes"
	"crypto/rand"
	"crypto/sha256"
	"io"
	"net/http"
	"strconv"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// smallBudget makes the process's budget for kept bodies max bytes for the
// test, so a crowd of a few hundred KiB shows what 64 MiB of 8 MiB bodies
// would.
func smallBudget(t *testing.T, max int64) *bodyBudget {
	t.Helper()
	old := keptBodies
	keptBodies = &bodyBudget{max: max}
	t.Cleanup(func() { keptBodies = old })
	return keptBodies
}

// bodyRecorder stands in for BioT: it reads every request's body whole
// and remembers its digest, by the caller's X-Id and the token it came
// with. Requests with the token "first" are held until hold of them have
// arrived (all is closed then) and release is closed, then refused 401;
// others are answered 200.
type bodyRecorder struct {
	hold    int32
	arrived atomic.Int32
	all     chan struct{}
	release chan struct{}

	mu   sync.Mutex
	seen map[string][][32]byte // "id token" -> digests
}

func newBodyRecorder(hold int) *bodyRecorder {
	return &bodyRecorder{hold: int32(hold), all: make(chan struct{}), release: make(chan struct{}), seen: map[string][][32]byte{}}
}

func (b *bodyRecorder) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	body, err := io.ReadAll(r.Body)
	if err != nil {
		http.Error(w, err.Error(), http.StatusBadRequest)
		return
	}
	auth := r.Header.Get("Authorization")
	b.mu.Lock()
	key := r.Header.Get("X-Id") + " " + auth
	b.seen[key] = append(b.seen[key], sha256.Sum256(body))
	b.mu.Unlock()
	if auth != "Bearer first" {
		_, _ = io.WriteString(w, "ok")
		return
	}
	if b.arrived.Add(1) == b.hold {
		close(b.all)
	}
	select {
	case <-b.release:
	case <-r.Context().Done():
		return
	}
	w.WriteHeader(http.StatusUnauthorized)
	_, _ = io.WriteString(w, `{"code":"TOKEN_NOT_VALID"}`)
}

// got answers the digests BioT saw of request id with token tok.
func (b *bodyRecorder) got(id, tok string) [][32]byte {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.seen[id+" Bearer "+tok]
}

// A crowd of bodies larger together than the budget: while all of them
// are at BioT at once, the agent keeps no more than the budget; those it
// kept are sent again after the renewal, the others say why not; and
// every body reaches BioT byte for byte.
func TestProxyCrowdOfBodiesStaysWithinTheBudget(t *testing.T) {
	const crowd, size = 8, 300 << 10
	budget := smallBudget(t, 1<<20) // room for 3 of them
	rec := newBodyRecorder(crowd)
	sess, _ := startUpstream(t, rec)
	ta := startAgent(t, StateSignedIn, withSession(sess))

	bodies := make([][]byte, crowd)
	type answer struct {
		status int
		retry  string
	}
	answers := make([]answer, crowd)
	var wg sync.WaitGroup
	for i := range crowd {
		bodies[i] = make([]byte, size)
		rand.Read(bodies[i])
		wg.Go(func() {
			req := newReq(t, "POST", "/v1/proxy/upload", bodies[i])
			req.Header.Set("X-Id", strconv.Itoa(i))
			resp, err := ta.client.httpClient().Do(req)
			if err != nil {
				t.Error(err)
				return
			}
			_, _ = io.Copy(io.Discard, resp.Body)
			resp.Body.Close()
			answers[i] = answer{resp.StatusCode, resp.Header.Get(RetryHeader)}
		})
	}
	select {
	case <-rec.all:
	case <-time.After(20 * time.Second):
		close(rec.release)
		t.Fatalf("only %d of %d requests reached BioT within 20 s", rec.arrived.Load(), crowd)
	}
	// Every request is at BioT, held: what the agent keeps now is all it
	// keeps at once.
	if used := budget.used.Load(); used != 3*size {
		t.Errorf("with every request at BioT the agent kept %d bytes of bodies, want %d (3 of %d bytes, within %d)", used, 3*size, size, budget.max)
	}
	close(rec.release)
	wg.Wait()

	kept, streamed := 0, 0
	for i, a := range answers {
		want := sha256.Sum256(bodies[i])
		if got := rec.got(strconv.Itoa(i), "first"); len(got) != 1 || got[0] != want {
			t.Errorf("request %d: BioT got %d bodies, not the one sent, byte for byte", i, len(got))
		}
		switch {
		case a.status == http.StatusOK && a.retry == "":
			kept++
			if got := rec.got(strconv.Itoa(i), "second"); len(got) != 1 || got[0] != want {
				t.Errorf("request %d was sent again with %d bodies, not the one sent", i, len(got))
			}
		case a.status == http.StatusUnauthorized && a.retry == whyBudget:
			streamed++
		default:
			t.Errorf("request %d: answer %d with %s %q", i, a.status, RetryHeader, a.retry)
		}
	}
	if kept != 3 || streamed != crowd-3 {
		t.Errorf("%d requests kept and sent again, %d streamed; want 3 and %d", kept, streamed, crowd-3)
	}
	ta.stop(t) // every handler has returned
	if used := budget.used.Load(); used != 0 {
		t.Errorf("once every request ended the agent still counted %d bytes of bodies", used)
	}
}

// A body sent without a length (chunked) is counted as it grows: the
// part that fits is kept, the rest streams behind it, and the 401 says
// why it was not sent again. With room, the same body is kept whole.
func TestProxyChunkedBodyOverTheBudgetStreams(t *testing.T) {
	budget := smallBudget(t, 1<<20)
	rec := newBodyRecorder(1)
	sess, _ := startUpstream(t, rec)
	close(rec.release) // nothing held: one at a time
	ta := startAgent(t, StateSignedIn, withSession(sess))
	body := make([]byte, 300<<10)
	rand.Read(body)
	send := func(id string) (int, string) {
		req := newReq(t, "PUT", "/v1/proxy/upload", nil)
		req.Body = io.NopCloser(bytes.NewReader(body)) // no length: chunked
		req.ContentLength = -1
		req.Header.Set("X-Id", id)
		resp, _ := ta.raw(t, req)
		return resp.StatusCode, resp.Header.Get(RetryHeader)
	}

	if !budget.take(900 << 10) { // other requests keep most of it
		t.Fatal("the budget is not empty")
	}
	if status, retry := send("crowded"); status != http.StatusUnauthorized || retry != whyBudget {
		t.Errorf("with the budget nearly spent: %d, %s %q; want 401 and %q", status, RetryHeader, retry, whyBudget)
	}
	budget.give(900 << 10)
	sess.mu.Lock()
	sess.tok = "first"
	sess.mu.Unlock()
	if status, retry := send("alone"); status != http.StatusOK || retry != "" {
		t.Errorf("with room in the budget: %d, %s %q; want 200, sent again", status, RetryHeader, retry)
	}
	want := sha256.Sum256(body)
	for _, key := range [][2]string{{"crowded", "first"}, {"alone", "first"}, {"alone", "second"}} {
		if got := rec.got(key[0], key[1]); len(got) != 1 || got[0] != want {
			t.Errorf("%s with the token %q: BioT got %d bodies, not the one sent", key[0], key[1], len(got))
		}
	}
	ta.stop(t)
	if used := budget.used.Load(); used != 0 {
		t.Errorf("once every request ended the agent still counted %d bytes of bodies", used)
	}
}
