package bench

import (
	"fmt"
	"time"
)

func (r *Results) writeSocket(p *printer) {
	s := r.Socket
	if s == nil {
		return
	}
	p.f("## 1. A token over the socket\n\n")
	p.f("A real agent (`agent.New`, signed in to the simulator over HTTPS) behind `ipc.Server` on a real Unix socket "+
		"(`ipc.Listen`, with its peer check), asked by `ipc.Client`: each client is one goroutine with one persistent "+
		"connection, asking back to back. Beside it, on sockets in the same folder and in the same process: a bare "+
		"`net/http` server answering a fixed 1 KB token (the HTTP floor, asked by a bare `http.Client`), and a bare line "+
		"protocol (\"token\\n\" in, 1 KB out: the floor of the socket itself). The servers take turns in stretches of "+
		"100 ms, 20 rounds of them, each stretch on new connections, so that the machine's bursts fall on all of them "+
		"alike. Many short stretches, not a few long ones: with one client the latency has two modes (the client's and "+
		"the server's goroutines on one CPU or on two), set per connection, and a handful of stretches put one server's "+
		"p50 in one mode and another's in the other (runs of 5 stretches of 400 ms moved the ratios by up to 0.3). p50 "+
		"and p99 are over every request, req/s is the median of the stretches' rates. The agent's token is %d bytes.\n\n", s.TokenBytes)
	p.f("| server | clients | p50 | p99 | req/s | p50 ÷ HTTP floor | req/s ÷ HTTP floor |\n|---|---:|---:|---:|---:|---:|---:|\n")
	for _, c := range concurrencies(s) {
		floor := s.Row(ServerHTTP, c)
		for _, row := range s.Rows {
			if row.Concurrency != c {
				continue
			}
			p.f("| %s | %d | %s | %s | %.0f | %.2f× | %.0f %% |\n", row.Server, c, lat(row.Summary.P50), lat(row.Summary.P99), row.PerSecond,
				ratio(float64(row.Summary.P50), float64(floor.Summary.P50)), 100*ratio(row.PerSecond, floor.PerSecond))
		}
	}
	p.f("\n`TokenString` gets the same kind of answer as the floor (the token alone, `text/plain`), so it is the like-for-like "+
		"comparison; `Token` gets an `ipc.Token` as JSON (the token with its expiry, user, organization and URL), "+
		"through encoding/json: %s to encode it and %s to decode it, per token, in this run. The server encodes a token "+
		"once and keeps the answer while the token is the same; the client decodes every answer.\n\n",
		us(s.JSONEncode), us(s.JSONDecode))
	floor, text := s.Row(ServerHTTP, 1), s.Row(ServerIPCPlain, 1)
	p.f("**What is between the agent and the floor.** With one client the agent's p50 is %s the floor's. A token at "+
		"hand is answered on a fast path: `agent.CurrentToken` reads it under the agent's lock without waiting, and "+
		"the connection keeps the one write deadline the router sets for every answer; only a request that may wait "+
		"for a refresh or a sign-in moves its read and write deadlines (each move a runtime timer reset). What is "+
		"left beyond the floor is the local API's rules, each a little: a `Cache-Control` header, the check for "+
		"`Origin` and `Referer`, the route, that write deadline, the read and idle timeouts of the server; and on the "+
		"client a deadline per call, so that a stuck agent cannot hang a script. Each guards something, so they stay.\n\n",
		signedDiff(text.Summary.P50, floor.Summary.P50))
}

// signedDiff says how far a is from b: "4.1 µs above" or "1.2 µs below".
func signedDiff(a, b time.Duration) string {
	if a >= b {
		return us(a-b) + " above"
	}
	return us(b-a) + " below"
}

func (r *Results) writeCLI(p *printer) {
	c := r.CLI
	if c == nil {
		return
	}
	p.f("## 2. A script's view: `biot-agent token` against `ssh-add -l`\n\n")
	p.f("The whole process, as `$(biot-agent token)` in a script pays for it: exec, Go's start, the package initializers, " +
		"one request over the socket to a signed-in agent, printing the token, exit. Beside it `ssh-add -l` against a " +
		"private `ssh-agent` holding one ed25519 key (the same kind of work: ask a local agent over a Unix socket), a Go " +
		"program that does nothing (`gofloor exit`, Go's floor for a process) and `biot-agent version` (the same binary, no socket). " +
		"The Go harness times them (fork, exec, wait) taking turns one run at a time, so that the machine's bursts fall on all alike.\n\n")
	p.f("| command | runs | p50 | p99 | mean | p50 ÷ ssh-add |\n|---|---:|---:|---:|---:|---:|\n")
	ssh := c.Row(CmdSSHAdd).Summary.P50
	for _, row := range c.Rows {
		p.f("| `%s` | %d | %s | %s | %s | %.2f× |\n", row.Command, row.Summary.N, ms2(row.Summary.P50), ms2(row.Summary.P99),
			ms2(row.Summary.Mean), ratio(float64(row.Summary.P50), float64(ssh)))
	}
	if len(c.Hyperfine) > 0 {
		p.f("\nThe same commands timed by hyperfine (`-N`: no shell), each in a block of runs after the other, as a cross-check:\n\n")
		p.f("| command | runs | p50 | p99 | mean | p50 ÷ ssh-add |\n|---|---:|---:|---:|---:|---:|\n")
		hssh := findRow(c.Hyperfine, CmdSSHAdd).Summary.P50
		for _, row := range c.Hyperfine {
			p.f("| `%s` | %d | %s | %s | %s | %.2f× |\n", row.Command, row.Summary.N, ms2(row.Summary.P50), ms2(row.Summary.P99),
				ms2(row.Summary.Mean), ratio(float64(row.Summary.P50), float64(hssh)))
		}
	}
	t := c.Init
	p.f("\nWhat the binary does before `main` (GODEBUG=inittrace=1, median of %d runs of `biot-agent token`): %d packages "+
		"have an initializer; together they take %s and allocate %s; the last ends %s after the runtime starts. The heaviest:\n\n",
		t.Runs, t.Packages, ms2(t.Total), fmt.Sprintf("%.0f KB", float64(t.Allocated)/1000), ms2(t.MainAt))
	p.f("| package | init | allocated |\n|---|---:|---:|\n")
	for _, pk := range t.Heaviest {
		p.f("| %s | %s | %d B |\n", pk.Package, us(pk.Clock), pk.Bytes)
	}
	p.f("\n")
}

func (r *Results) writeIdle(p *printer) {
	i := r.Idle
	if i == nil {
		return
	}
	p.f("## 3. Idle: memory and wake-ups\n\n")
	p.f("Five processes side by side on a private desktop (a D-Bus session bus of its own with gnome-keyring, a "+
		"StatusNotifierWatcher standing in for the panel, and a notification server): `biot-agent run --headless`, "+
		"`biot-agent run` with its tray icon registered, both signed in (the session in gnome-keyring; tokens live 15 "+
		"minutes, so no refresh falls in the window), the headless agent again under a Go memory limit (which the agent "+
		"does not set), a bare Go program holding a Unix socket listener, and the floor of the agent's job (below). Memory is read after %s idle; wake-ups are "+
		"the voluntary context switches of all threads (`/proc/PID/task/*/status`) over the next %s, counted both one by "+
		"one and as bursts (switches less than %s apart count once: woken by a timer, Go's sysmon thread sleeps and "+
		"wakes in 20 µs steps for a while before it sleeps deeply again, so one wake-up of an idle Go program is often "+
		"dozens of switches).\n\n", minutes(i.Settle), minutes(i.Window), burstGap)
	p.f("| process | RSS | anonymous | file-backed | PSS | threads | voluntary switches/min | wake-ups/min (bursts) | involuntary/min | refreshes in window |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range i.Rows {
		p.f("| %s | %s | %s | %s | %s | %d | %.1f | %.1f | %.1f | %d |\n", row.Name, mib(row.Mem.RSS), mib(row.Mem.Anon), mib(row.Mem.File),
			mib(row.Mem.PSS), row.Switches.Threads, row.WakesPerMin, row.BurstsPerMin, row.InvolPerMin, row.RefreshesSeen)
	}
	h, t := i.Row(IdleHeadless), i.Row(IdleTray)
	p.f("\nWhat the RSS is made of. *File-backed*: the binary's pages mapped into the process. This kernel maps "+
		"whole runs of the file around each page the process touches (fault-around over large page-cache folios), so "+
		"in effect the whole binary is resident: its loadable segments are %s, and the file-backed RSS is %s. These "+
		"pages are the page cache's, shared with every process that runs the binary; they cost the machine no more "+
		"for a second agent, and the kernel can drop them under pressure. *Anonymous*: the agent's own memory, %s "+
		"headless. Most of it is garbage of the sign-in, not live data: the first TLS handshake parses the system's "+
		"root certificates (some 2.7 MB of allocations, kept as raw bytes afterwards), and Go does not collect below a "+
		"4 MB heap, then hands freed pages back to the system over minutes (by the end of the window RSS was %s "+
		"headless and %s with the tray).\n\n",
		mib(int(r.Build.AgentLoaded/1024)), mib(h.Mem.File), mib(h.Mem.Anon), mib(h.MemEnd.RSS), mib(t.MemEnd.RSS))
	if j := i.Row(IdleJobFloor); j.Mem.RSS > 0 {
		p.f("**What 10 MiB would take.** The last row is the floor of the job itself: `bench/cmd/jobfloor`, a Go program "+
			"that makes one HTTPS request (Go's TLS, the system's root certificates) and then answers a token from net/http "+
			"on a Unix socket, nothing else, holds %s (%s anonymous, %s file-backed, from a binary whose loadable "+
			"segments are %s). The headless agent holds %s more: %s more file-backed, its binary carrying the keyring's and "+
			"the tray's D-Bus, the notifications, the sign-in page, the config file's parser, `demo`'s simulator and "+
			"`doctor`; and %s more anonymous, its D-Bus connection to the keyring and the session itself. A 10 MiB "+
			"agent would have to cost almost nothing beyond a program that only does its network job, which Go does not "+
			"allow: splitting the binary (a daemon without the simulator, `doctor` and the templates) could win back part "+
			"of the file-backed difference only, and no setting of Go's garbage collector touches the file-backed pages. "+
			"The third row shows what a memory limit buys: with GOMEMLIMIT=8MiB the anonymous memory is %s against %s, "+
			"for %d garbage collections since it started (GODEBUG=gctrace=1), because the runtime's own structures "+
			"already take much of the limit and each burst of garbage now brings a collection. The agent sets no limit: "+
			"a little memory is not worth a collector working near its limit whenever many clients connect. So the "+
			"goals of 10 and 12 MiB stay missed, by about the agent's features over Go's floor for the job.\n\n",
			mib(j.Mem.RSS), mib(j.Mem.Anon), mib(j.Mem.File), mib(int(r.Build.JobFloorLoaded/1024)),
			mib(h.Mem.RSS-j.Mem.RSS), mib(h.Mem.File-j.Mem.File), mib(h.Mem.Anon-j.Mem.Anon),
			mib(i.Row(IdleLimited).Mem.Anon), mib(h.Mem.Anon), i.Row(IdleLimited).GCs)
	}
}

func (r *Results) writeStorm(p *printer) {
	s := r.Storm
	if s == nil {
		return
	}
	p.f("## 4. A refresh storm\n\n")
	p.f("%s clients, each on a connection of its own opened beforehand, ask at once for a token with `min_valid=12m` "+
		"while the current one has 10 minutes left: every one of them needs a refresh (a first storm, not counted, warms "+
		"the connections up). The agent and the simulator share a "+
		"fake clock, moved 5 minutes ahead before each storm; everything else is real (HTTPS to the simulator, the socket). "+
		"Beside it, a refresh sent straight to the simulator on a warm connection: p50 %s, p99 %s (%d tries).\n\n",
		thousands(s.Clients), ms2(s.RefreshRTT.P50), ms2(s.RefreshRTT.P99), s.RefreshRTT.N)
	p.f("| storm | refreshes at BioT | the refresh took | p50 | p99 | max | first request to last answer |\n|---:|---:|---:|---:|---:|---:|---:|\n")
	for i, st := range s.Storms {
		p.f("| %d | %d | %s | %s | %s | %s | %s |\n", i+1, st.Refreshes, ms2(st.RefreshTook), ms2(st.Summary.P50), ms2(st.Summary.P99), ms2(st.Summary.Max), ms2(st.Wall))
	}
	p.f("| all | | | %s | %s | %s | |\n", ms2(s.All.P50), ms2(s.All.P99), ms2(s.All.Max))
	p.f("| *the same storms, no refresh needed* | 0 | | %s | %s | %s | |\n", ms2(s.NoRefresh.P50), ms2(s.NoRefresh.P99), ms2(s.NoRefresh.Max))
	p.f("| *the same storms at the HTTP floor* | | | %s | %s | %s | |\n\n", ms2(s.Floor.P50), ms2(s.Floor.P99), ms2(s.Floor.Max))
	p.f("Every storm cost BioT one refresh: the agent shares one call among all who need it (`agent.refresh`). "+
		"\"The refresh took\" is that call as the agent saw it, request out to answer in: far longer than on a quiet "+
		"connection, because the simulator runs in this process and signs its tokens on the same two CPUs that are "+
		"busy with the storm, as BioT would not be. The latency goal cannot be met as written here: %s requests at once "+
		"take %s at p99 at the bare HTTP floor, with no refresh at all, on %d CPUs shared by the clients and the server. "+
		"Without a refresh the agent's storm takes %s at p99; the refresh adds %s to that: the requests that need it "+
		"wait on the one call, then a thousand answers go out at once, behind a refresh slowed by the storm itself. "+
		"The agent adds no wait of its own.\n\n",
		thousands(s.Clients), ms2(s.Floor.P99), r.Machine.CPUs, ms2(s.NoRefresh.P99), ms2(s.All.P99-s.NoRefresh.P99))
}

func (r *Results) writeFleet(p *printer) {
	f := r.Fleet
	if f == nil {
		return
	}
	p.f("## 5. A fleet through a BioT outage\n\n")
	p.f("%s real agents (`agent.Agent`: its refresh loop, refresh schedule, backoff and jitter as they are), each on a "+
		"fake clock of its own (`internal/fakeclock`), started at random points of their refresh cycle (tokens live %s), "+
		"so that their refreshes spread as a real fleet's do. BioT refuses every connection for %s. Each policy is the same "+
		"agent with other settings: the naive fleet is the agent with its delay pinned to 5 s. The fleet's BioT is a stand-in "+
		"that answers in process (see `bench/fleet_server.go`: the simulator's RSA signatures would dominate at this scale). "+
		"The run took %s.\n\n", thousands(f.Agents), minutes(f.TTL), minutes(f.Outage), f.Took.Round(time.Second))
	if r.Plot != "" {
		p.f("![requests per second at BioT, over time](%s)\n\n", r.Plot)
	}
	p.f("| policy | peak req/s | at (s) | before the outage | requests in the window | agents that saw it | back after: p50 | max | not back |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|\n")
	naive := f.Curve(PolicyNaive.Name)
	for _, c := range f.Curves {
		p.f("| %s | %d (%.2f of naive) | %d | %.1f/s | %s | %d | %s | %s | %d |\n", c.Policy, c.Peak, ratio(float64(c.Peak), float64(naive.Peak)),
			c.PeakAt, c.Baseline, thousands(c.Requests), c.Failed, secs(c.Back.P50), secs(c.Back.Max), c.NotBack)
	}
	ours, slow := f.Curve(PolicyAgent.Name), f.Curve(PolicySlow.Name)
	p.f("\n**Why the agent's peak is not a tenth of the naive one.** An agent whose refresh fails at second s of the "+
		"outage retries after U(0,1) s, then U(0,2), U(0,4), … U(0,32), then U(0,60) s for good: about 7 tries in its first "+
		"minute, then 2 a minute, where the naive agent tries 12 a minute. The fleet's rate at second t is the number of "+
		"agents that begin to fail each second times the tries one agent makes in its first t seconds: at the end of the "+
		"outage (t = 300 s) about 16 for the agent against 61 for the naive one, a ratio near 0.26 whatever the fleet's "+
		"size; this run measured %.2f. Full jitter's delays average half the cap, and the doubling from 1 s adds the first "+
		"minute's burst.\n\n", ratio(float64(ours.Peak), float64(naive.Peak)))
	p.f("**What would meet it, and what it costs.** The two goals pull against each other: to be back within a minute "+
		"an agent must try at least once a minute, so it tries at least 1 + 300/60 = 6 times in a 5-minute outage "+
		"against the naive 61, a ratio of 0.098 at the very best, with no jitter at all; the jitter that keeps agents "+
		"which failed together from retrying together pushes it above a tenth. The third curve is the nearest the "+
		"agent's own settings get (BackoffBase = BackoffMax = 1 min, jitter in the top tenth: every retry 54 to 60 s "+
		"after the last): %.2f of the naive peak, and it gives up the quick retries that bring an agent back seconds after "+
		"a blip. Giving up the minute does not buy much either: full jitter from 1 minute doubling to 2 (the fourth "+
		"curve, agents back within two minutes) peaks at %.2f. Against a naive retry every 2 s (a peak 2.5 times the "+
		"5-second one) the agent's peak would be about %.2f; it takes a naive loop that retries every second to put it "+
		"under a tenth. So the agent keeps its defaults, which meet the minute and cut the naive peak %.1f-fold. Worth "+
		"doing on its own: retry slowly (the third curve) only while the access token still has minutes to live, as every "+
		"refresh that failed here did, and quickly once someone is waiting for a token; that would bring the agent's peak "+
		"to about the third curve's without slowing anyone down.\n\n",
		ratio(float64(slow.Peak), float64(naive.Peak)), ratio(float64(f.Curve(PolicyTwoMinutes.Name).Peak), float64(naive.Peak)),
		ratio(float64(ours.Peak), 2.5*float64(naive.Peak)), ratio(float64(naive.Peak), float64(ours.Peak)))
}

func (r *Results) writeStartup(p *printer) {
	s := r.Startup
	p.f("## 6. Start-up and size\n\n")
	if s != nil {
		p.f("`biot-agent run --headless` started %d times on a private desktop (a D-Bus session bus of its own with "+
			"gnome-keyring as the Secret Service), resuming a session stored there by a first sign-in: each start reads "+
			"the keyring, refreshes once (BioT counted %d refreshes for %d starts), and serves. Timed from just before exec "+
			"to the answer.\n\n", s.Runs, s.Refreshes, s.Runs)
		p.f("| from exec to | p50 | p99 | max |\n|---|---:|---:|---:|\n")
		p.f("| the socket answering (status) | %s | %s | %s |\n", ms2(s.Socket.P50), ms2(s.Socket.P99), ms2(s.Socket.Max))
		p.f("| the first token, session resumed (store: %s) | %s | %s | %s |\n", s.Store, ms2(s.Token.P50), ms2(s.Token.P99), ms2(s.Token.Max))
		p.f("| *for scale:* a refresh on a new connection (TCP + TLS handshake + refresh), straight to the simulator | %s | %s | %s |\n\n",
			ms2(s.ColdRefresh.P50), ms2(s.ColdRefresh.P99), ms2(s.ColdRefresh.Max))
		p.f("The socket answers as soon as the process has started; a token asked for meanwhile waits for the resume. "+
			"Between the socket and the first token (%s at p50) the agent opens the keyring and reads the session "+
			"(D-Bus calls to gnome-keyring), refreshes once over a new TLS connection (%s on its own, with the system's "+
			"root certificates already parsed in the background), and saves the rotated refresh token to the keyring "+
			"before it serves the new access token, so that a crash can never leave the keyring holding a spent one.\n\n",
			ms2(s.Token.P50-s.Socket.P50), ms2(s.ColdRefresh.P50))
	}
	b := r.Build
	p.f("| binary | size |\n|---|---:|\n")
	p.f("| `biot-agent`, as released (`-trimpath -ldflags \"-s -w\"`, CGO_ENABLED=0) | %s |\n", mb(b.AgentBytes))
	p.f("| `biot-agent` with symbols and DWARF (`-trimpath`) | %s |\n", mb(b.AgentDebugBytes))
	p.f("| *for scale:* `gofloor` (a Go program holding a listener), stripped | %s |\n", mb(b.GoFloorBytes))
	if b.JobFloorBytes > 0 {
		p.f("| *for scale:* `jobfloor` (one HTTPS request, then net/http on a socket), stripped | %s |\n", mb(b.JobFloorBytes))
	}
	p.f("\n")
}

// minutes prints a whole number of minutes in words, anything else as Go
// does.
func minutes(d time.Duration) string {
	switch {
	case d == time.Minute:
		return "1 minute"
	case d%time.Minute == 0:
		return fmt.Sprintf("%d minutes", d/time.Minute)
	}
	return d.Round(time.Second).String()
}
