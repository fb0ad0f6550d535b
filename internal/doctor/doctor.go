package doctor

import (
	"context"
	"crypto/x509"
	"fmt"
	"sync"
	"time"

	"biot-agent/internal/bounded"
)

// Level is how a check came out.
type Level string

// The levels; see the package documentation.
const (
	OK   Level = "ok"
	Warn Level = "warn"
	Fail Level = "fail"
	Skip Level = "skip"
)

// The checks, by id, in the order they are reported.
const (
	CheckAgent         = "agent"
	CheckSession       = "session"
	CheckBus           = "session-bus"
	CheckSecrets       = "secret-service"
	CheckTray          = "tray-host"
	CheckNotifications = "notifications"
	CheckAutostart     = "autostart"
	CheckURL           = "biot-url"
	CheckClock         = "clock"
)

var order = []struct{ id, title string }{
	{CheckAgent, "agent"},
	{CheckSession, "session"},
	{CheckBus, "session bus"},
	{CheckSecrets, "secret service"},
	{CheckTray, "tray host"},
	{CheckNotifications, "notifications"},
	{CheckAutostart, "autostart"},
	{CheckURL, "BioT URL"},
	{CheckClock, "clock"},
}

// Finding is the outcome of one check.
type Finding struct {
	Check   string `json:"check"` // one of the Check ids
	Title   string `json:"title"`
	Level   Level  `json:"level"`
	Message string `json:"message"`
	// Fix says what to do, when something is off.
	Fix string `json:"fix,omitempty"`
	// Detail holds facts for machines: "socket", "url", "skewSeconds", ...
	Detail map[string]string `json:"detail,omitempty"`
}

// Report is what Run found.
type Report struct {
	// OK is true when no check failed.
	OK       bool      `json:"ok"`
	Findings []Finding `json:"findings"`
	// Took is how long the checks took, e.g. "1.2s".
	Took string `json:"took"`
}

// Find returns the finding of the check id.
func (r Report) Find(id string) (Finding, bool) {
	for _, f := range r.Findings {
		if f.Check == id {
			return f, true
		}
	}
	return Finding{}, false
}

// DefaultTimeout bounds a whole run.
const DefaultTimeout = 9 * time.Second

// Deadlines of the single steps; the slowest chain (resolve the URL, then
// the health check) stays within DefaultTimeout.
const (
	stepTimeout   = 3 * time.Second
	healthTimeout = 5 * time.Second
)

// Options tune Run. The zero value checks this machine as it is, without a
// BioT URL.
type Options struct {
	// ResolveURL finds the BioT URL as "biot-agent run" would (flag,
	// $BIOT_URL, config file, saved session) and says where it came from.
	// It answers "" when none is configured. nil: none is.
	ResolveURL func(ctx context.Context) (url, source string, err error)
	// ConfigPath names the config file in advice; "" says "the config file".
	ConfigPath string
	// SocketPath is the agent's socket; "" means ipc.SocketPath().
	SocketPath string
	// Roots check BioT's certificate; nil means the system's.
	Roots *x509.CertPool
	// Version is this program's, for the User-Agent.
	Version string
	// Timeout bounds the whole run; 0 means DefaultTimeout.
	Timeout time.Duration
}

// collector gathers findings from the checks' goroutines; once closed, late
// findings from a check that ignored its deadline are dropped.
type collector struct {
	mu     sync.Mutex
	closed bool
	got    map[string]Finding
}

func (c *collector) put(fs ...Finding) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.closed {
		return
	}
	for _, f := range fs {
		c.got[f.Check] = f
	}
}

func (c *collector) close() map[string]Finding {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.closed = true
	return c.got
}

// Run runs every check and reports, within o.Timeout even when something
// hangs.
func Run(ctx context.Context, o Options) Report {
	begin := time.Now()
	timeout := o.Timeout
	if timeout <= 0 {
		timeout = DefaultTimeout
	}
	ctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()

	c := &collector{got: map[string]Finding{}}
	agentURL := make(chan string, 1) // the running agent's BioT URL, "" if none
	var wg sync.WaitGroup
	spawn := func(f func()) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			f()
		}()
	}
	spawn(func() {
		a, s, url := checkAgent(ctx, o.SocketPath)
		agentURL <- url
		c.put(a, s)
	})
	spawn(func() { c.put(checkDesktop(ctx)...) })
	spawn(func() { c.put(checkAutostart(ctx)) })
	spawn(func() { c.put(checkBioT(ctx, o, agentURL)...) })

	// A check that overstays the run is left to finish on its own; the
	// collector drops what it finds.
	_ = bounded.Do(ctx, func() error { wg.Wait(); return nil })
	got := c.close()

	r := Report{OK: true}
	for _, ch := range order {
		f, ok := got[ch.id]
		if !ok {
			f = Finding{Check: ch.id, Level: Fail,
				Message: fmt.Sprintf("no answer within %v: something it asks hangs", timeout),
				Fix:     "run biot-agent doctor again; if it hangs again, the part named here is stuck: restart it"}
		}
		f.Title = ch.title
		if f.Level == Fail {
			r.OK = false
		}
		r.Findings = append(r.Findings, f)
	}
	r.Took = time.Since(begin).Round(time.Millisecond).String()
	return r
}

// withTimeout runs f under a deadline of d, or ctx's if sooner, and gives up
// waiting when it passes even if f does not return (a call that cannot be
// interrupted, such as a keyring library's).
func withTimeout[T any](ctx context.Context, d time.Duration, f func(ctx context.Context) (T, error)) (T, error) {
	ctx, cancel := context.WithTimeout(ctx, d)
	defer cancel()
	return bounded.Call(ctx, func() (T, error) { return f(ctx) })
}

// budget is how long a step that starts now may take: d, or less when the
// run's deadline comes sooner. Messages name it, so "within 3s" is true.
func budget(ctx context.Context, d time.Duration) time.Duration {
	if dl, ok := ctx.Deadline(); ok {
		if left := time.Until(dl); left < d {
			return max(left.Round(100*time.Millisecond), 100*time.Millisecond)
		}
	}
	return d
}
