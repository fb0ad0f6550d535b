package bench

import "fmt"

// Sections 1 to 3 of the report: what a person and the tools on their
// machine see of the agent, each beside its peer or floor.

func (r *Results) writeSocket(p *printer) {
	s := r.Socket
	if s == nil {
		return
	}
	ssh := s.Row(ServerSSH, 1)
	p.f("## 1. A token over the socket\n\n")
	p.f("What a tool sees: one connection kept open, a request after each answer, to an agent in a process of its own. "+
		"The agent is the real binary (`biot-agent run --headless`, signed in to the simulator over HTTPS, the session in "+
		"memory), asked through `ipc.Client` from the bench's process. Its peer is `ssh-agent` holding one ed25519 key, "+
		"asked for its key list by a few lines of Go on a kept connection (SSH2_AGENTC_REQUEST_IDENTITIES, message 11, "+
		"answered by SSH2_AGENT_IDENTITIES_ANSWER, 12; each a uint32 length and a type byte): the same kind of work, a "+
		"local agent answering a credential request on a Unix socket. Beside them, each in a process of its own: the "+
		"agent under GOMAXPROCS=1 (a setting it does not make), a bare net/http server answering a fixed 1 KB token "+
		"(`jobfloor`, the HTTP floor), and a line protocol (`gofloor listen`: \"token\\n\" in, 1 KB out, one goroutine a "+
		"connection: Go's floor for the exchange). The servers take turns in stretches of 100 ms, 20 rounds of them, each "+
		"stretch on new connections, so that the machine's bursts fall on all of them alike (with one client the latency "+
		"has two modes, set per connection: client and server on one CPU or on two; many short stretches spread them "+
		"evenly). p50 and p99 are over every request, req/s is the median of the stretches' rates. The agent's token is "+
		"%d bytes.\n\n", s.TokenBytes)
	p.f("| server, in a process of its own | clients | p50 | p99 | req/s | p50 ÷ ssh-agent's, as many clients |\n|---|---:|---:|---:|---:|---:|\n")
	for _, row := range s.Rows {
		if row.InProcess {
			continue
		}
		ref := s.Row(ServerSSH, row.Concurrency)
		p.f("| %s | %d | %s | %s | %.0f | %.2f× |\n", row.Server, row.Concurrency, lat(row.Summary.P50), lat(row.Summary.P99),
			row.PerSecond, ratio(float64(row.Summary.P50), float64(ref.Summary.P50)))
	}
	p.f("\nThe same code inside the bench's process, one client: no other process to wake, so this is what the code " +
		"path itself costs.\n\n")
	p.f("| server, in the bench's process | p50 | p99 | req/s | p50 ÷ ssh-agent's (above) |\n|---|---:|---:|---:|---:|\n")
	for _, row := range s.Rows {
		if row.InProcess {
			p.f("| %s | %s | %s | %.0f | %.2f× |\n", row.Server, lat(row.Summary.P50), lat(row.Summary.P99), row.PerSecond,
				ratio(float64(row.Summary.P50), float64(ssh.Summary.P50)))
		}
	}
	p.f("\n`TokenString` gets the token alone (`text/plain`); `Token` gets an `ipc.Token` as JSON (the token with its "+
		"expiry, user, organization and URL), through encoding/json: %s to encode it and %s to decode it, per token, in "+
		"this run. The server encodes a token once and keeps the answer while the token is the same; the client decodes "+
		"every answer.\n\n", us(s.JSONEncode), us(s.JSONDecode))
	text, http, line := s.Row(ServerAgentText, 1), s.Row(ServerHTTPProc, 1), s.Row(ServerRawProc, 1)
	p.f("**Why a Go HTTP server answers slower than ssh-agent.** ssh-agent is one C thread in a poll loop: it reads five "+
		"bytes and writes its answer, %s a round trip here. Go's own floor for that exchange, one goroutine a connection "+
		"and no HTTP, answers in %s. A bare net/http server takes %s, and the agent %s: net/http's server starts a "+
		"goroutine for every request, to watch the connection while the handler runs, and its client hands each request "+
		"to a writer goroutine and each answer back from a reader goroutine. In a process that sleeps between requests, "+
		"each hand-off wakes a thread that was asleep, microseconds each on this machine's virtual CPUs, and how many "+
		"wake varies from one connection to the next and from one run to the next (in the runs made for this report "+
		"the agent's p50 here went from 55 to 113 µs, and the bare net/http server's with it, higher when the machine "+
		"was otherwise idle); inside one busy process those threads are awake anyway, and "+
		"the same code answers in %s (the second table). With GOMAXPROCS=1 there are fewer threads to wake: %s. ",
		lat(ssh.Summary.P50), lat(line.Summary.P50), lat(http.Summary.P50), lat(text.Summary.P50),
		lat(s.Row(ServerIPCPlain, 1).Summary.P50), lat(s.Row(ServerAgentOneP, 1).Summary.P50))
	rules := "the `Cache-Control` header, the check for `Origin` and `Referer`, the route, a write deadline, the " +
		"server's read and idle timeouts, and the client's deadline per call"
	if text.Summary.P50 > http.Summary.P50 {
		p.f("Between the HTTP floor and the agent are the local API's rules: %s; each guards something, so they stay.", rules)
	} else {
		p.f("Here the agent measured no slower than the bare net/http server: its rules (%s) are lost in the wake-ups.", rules)
	}
	if s8 := s.Row(ServerSSH, 8); s8.Summary.N > 0 {
		p.f(" With 8 clients at once ssh-agent's p50 is %s: it answers one request at a time.", lat(s8.Summary.P50))
	}
	p.f("\n\n")
}

// socketWhy says why goal 1 is missed and what meeting it would take.
func (r *Results) socketWhy() string {
	s := r.Socket
	ssh := s.Row(ServerSSH, 1)
	rel := func(server string) float64 {
		return ratio(float64(s.Row(server, 1).Summary.P50), float64(ssh.Summary.P50))
	}
	floor := "and even Go's floor for such a protocol is above the half"
	if rel(ServerRawProc) <= goalSocketVsSSH {
		floor = "as Go's floor for such a protocol shows is possible"
	}
	return fmt.Sprintf("ssh-agent lists its key in %s; a bare net/http server in a process of its own takes %.2f× "+
		"that, and Go's floor for the exchange without HTTP (a line protocol, one goroutine a connection) %.2f×. Go's "+
		"HTTP server and client hand every request between goroutines, and in a process idle between requests each "+
		"hand-off wakes a sleeping thread (section 1). Meeting half of ssh-agent's time would take a framed protocol "+
		"of the agent's own instead of HTTP, %s; the socket's HTTP, with plain net/http and encoding/json, is kept on "+
		"purpose", lat(ssh.Summary.P50), rel(ServerHTTPProc), rel(ServerRawProc), floor)
}

func (r *Results) writeCLI(p *printer) {
	c := r.CLI
	if c == nil {
		return
	}
	p.f("## 2. A script's view: `biot-agent token` against `ssh-add -l`\n\n")
	p.f("The whole process, as `$(biot-agent token)` in a script pays for it: exec, Go's start, the package "+
		"initializers, one request over the socket to a signed-in agent (the real binary, in a process of its own), "+
		"printing the token, exit. Its reference is `ssh-add -l` against a private `ssh-agent` holding one ed25519 key. "+
		"Every command runs in pairs with `ssh-add -l`, one right after the other (ssh-add, token, ssh-add, ipctoken, "+
		"ssh-add, ..., %d pairs of each), and is judged by the median of its pairs' ratios: the two runs of a pair meet "+
		"the machine in the same state, which a block of runs of one command and then a block of the other do not "+
		"(in earlier runs hyperfine, timing blocks, put `biot-agent token` at 0.83-0.90×, and this harness, comparing "+
		"the medians of interleaved runs, at 0.66×). Beside it, to show what the time is made of: `ipctoken`, the same "+
		"request through `ipc.Client` in a program with nothing else of biot-agent in it; `tokenfloor`, a Go program "+
		"that connects, writes the request by hand and prints the answer, the floor of the job; `biot-agent version`, "+
		"the same binary without the socket; and `gofloor exit`, a Go program that does nothing. Times are wall times "+
		"as the harness sees them (fork, exec, wait); CPU (user and system) and minor page faults are the kernel's "+
		"counts for the child, medians.\n\n", c.Pairs)
	p.f("| command | runs | p50 | p99 | ÷ ssh-add -l: median of pairs | middle half | CPU | minor faults |\n|---|---:|---:|---:|---:|---:|---:|---:|\n")
	for _, row := range c.Rows {
		p.f("| `%s` | %d | %s | %s | %.2f× | %.2f-%.2f× | %s | %d |\n", row.Command, row.Summary.N, ms2(row.Summary.P50), ms2(row.Summary.P99),
			row.Ratio, row.RatioLow, row.RatioHigh, ms2(row.CPU), row.MinFaults)
	}
	tok, ipct, floor, ver, gof := c.Row(CmdToken), c.Row(CmdIPCToken), c.Row(CmdTokenFloor), c.Row(CmdVersion), c.Row(CmdGoFloor)
	t, ft := c.Init, c.FloorInit
	p.f("\n**Where the time goes**, in fractions of `ssh-add -l`: Go's start is %.2f (`gofloor exit`); connecting, "+
		"asking and printing by hand bring it to %.2f (`tokenfloor`); net/http and `ipc.Client` add %.2f (`ipctoken`, "+
		"%.2f: the packages net/http links, crypto/tls among them, run their initializers, and the client hands the "+
		"request between goroutines); the rest of biot-agent's binary adds %.2f (`biot-agent token`, %.2f): its start "+
		"alone is %.2f (`biot-agent version`), with %d minor page faults against `ipctoken`'s %d, and the initializers of "+
		"the packages of the tray, D-Bus, the keyring, the config file and the templates. What runs before `main` "+
		"(GODEBUG=inittrace=1, medians of %d runs): in `biot-agent token` %d packages have an initializer, together "+
		"%s and %s allocated, and the last ends %s after the runtime starts; in `tokenfloor` %d packages, %s, %s. Of "+
		"biot-agent's own packages none does measurable work at init (regular expressions and the sign-in page's "+
		"template are made on first use), and the one-shot commands let go of the main thread that fyne.io/systray "+
		"locks in its init. The heaviest initializers of `biot-agent token`:\n\n",
		gof.Ratio, floor.Ratio, ipct.Ratio-floor.Ratio, ipct.Ratio, tok.Ratio-ipct.Ratio, tok.Ratio, ver.Ratio,
		ver.MinFaults, ipct.MinFaults,
		t.Runs, t.Packages, ms2(t.Total), kb(t.Allocated), ms2(t.MainAt), ft.Packages, ms2(ft.Total), kb(ft.Allocated))
	p.f("| package | init | allocated |\n|---|---:|---:|\n")
	for _, pk := range t.Heaviest {
		p.f("| %s | %s | %d B |\n", pk.Package, us(pk.Clock), pk.Bytes)
	}
	p.f("\nThese are small and mostly not ours to change: the binary's start is dominated by the runtime's own " +
		"start (`gofloor exit`) and by linking net/http. Two changes to the command were measured outside this run, in " +
		"A B pairs of binaries, and left out: an HTTP/1-only transport for `ipc.Client` (no HTTP/2 set-up on the first " +
		"request) changed nothing measurable, and dropping the signal handler that lets Ctrl-C end a waiting `token " +
		"--wait` cleanly saved about 2 %% (60 µs).\n\n")
}

// cliWhy says why goal 2 is missed and what meeting it would take.
func (r *Results) cliWhy() string {
	c := r.CLI
	ipct, floor := c.Row(CmdIPCToken), c.Row(CmdTokenFloor)
	take := fmt.Sprintf("more than a token command of its own: `ipc.Client` alone in a program (ipctoken) measured "+
		"%.2f×, and only a client that writes HTTP by hand, in a program of its own (tokenfloor), is under the goal. "+
		"The project keeps one binary and plain net/http on the token path on purpose", ipct.Ratio)
	if ipct.Ratio <= goalCLIRatio {
		take = fmt.Sprintf("a token command of its own, without the rest of biot-agent: `ipc.Client` alone in a "+
			"program (ipctoken) measured %.2f×. The project keeps one binary on purpose", ipct.Ratio)
	}
	return fmt.Sprintf("Go's start alone is %.2f× ssh-add -l and the floor of the job (tokenfloor: connect, ask and "+
		"print by hand) %.2f×; net/http with ipc.Client and the rest of biot-agent's binary add the rest (section 2). "+
		"Meeting %.2f× would take %s",
		c.Row(CmdGoFloor).Ratio, floor.Ratio, goalCLIRatio, take)
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
		"does not set), a bare Go program holding a Unix socket listener, and `jobfloor`, the floor of the agent's job: a "+
		"Go program that makes one HTTPS request (Go's TLS, the system's root certificates, as the agent's sign-in does) "+
		"and then answers a token from net/http on a Unix socket, nothing else. Memory is read after %s idle and again "+
		"at the end; wake-ups are the voluntary context switches of all threads (`/proc/PID/task/*/status`) over the "+
		"next %s, counted both one by one and as bursts (switches less than %s apart count once: woken by a timer, Go's "+
		"sysmon thread sleeps and wakes in 20 µs steps for a while before it sleeps deeply again, so one wake-up of an "+
		"idle Go program is often dozens of switches).\n\n", minutes(i.Settle), minutes(i.Window), burstGap)
	end := minutes(i.Settle + i.Window)
	p.f("| process | anonymous | ÷ jobfloor's | file-backed | RSS | anonymous at %s | threads | voluntary switches/min | wake-ups/min (bursts) | refreshes in window |\n|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|\n", end)
	j := i.Row(IdleJobFloor)
	for _, row := range i.Rows {
		p.f("| %s | %s | %.2f× | %s | %s | %s | %d | %.1f | %.1f | %d |\n", row.Name, mib(row.Mem.Anon),
			ratio(float64(row.Mem.Anon), float64(j.Mem.Anon)), mib(row.Mem.File), mib(row.Mem.RSS), mib(row.MemEnd.Anon),
			row.Switches.Threads, row.WakesPerMin, row.BurstsPerMin, row.RefreshesSeen)
	}
	h, t, f, lim := i.Row(IdleHeadless), i.Row(IdleTray), i.Row(IdleFloor), i.Row(IdleLimited)
	p.f("\n*Anonymous* memory is the process's own: its heap, its stacks, the runtime's structures. After %s the "+
		"headless agent holds %s, against %s for jobfloor. The agent's start-up makes one burst of garbage bigger than "+
		"all the rest of its start-up and sign-in: parsing the system's root certificates (some 2.7 MB of allocations, "+
		"nearly all garbage once the pool is built). Go keeps the pages of freed memory until after its second "+
		"collection, which in an agent that then idles comes minutes later, and gives them back over minutes more; the "+
		"agent hands them back as soon as the roots are parsed (`agent/biot`). jobfloor does not, so its own figure "+
		"moves with the moment of its one collection: 4.1-4.3 MiB when it comes during the root parse, 4.8-5.1 when it "+
		"has not come yet, in the runs made for this report. The third row shows what a memory limit would buy on top: "+
		"with GOMEMLIMIT=8MiB %s, for %d garbage collections since the start (GODEBUG=gctrace=1), each burst of garbage "+
		"bringing one; the agent sets no limit.\n\n",
		minutes(i.Settle), mib(h.Mem.Anon), mib(j.Mem.Anon), mib(lim.Mem.Anon), lim.GCs)
	p.f("**With the tray** the agent holds %s, %s more than headless, and its margin to jobfloor is thin or gone: "+
		"across the runs made for this report it measured 4.1-5.2 MiB (4.5-5.2 since the environments and the proxy "+
		"came), the headless agent 3.7-4.0. Read with runtime/metrics in a test build, what it holds beyond jobfloor is "+
		"goroutines with their stacks (some 35, against jobfloor's handful: 0.9 MB of stacks), three connections to the "+
		"session bus (the keyring's and systray's shared one, and the private ones of the keyring watch and the tray's "+
		"host), and heap pages holding a few live objects each among the many sizes those allocate (0.8 MB of objects "+
		"in 2.5 MB of pages). Bringing it within jobfloor's lower figure would take fewer of those: one connection to "+
		"the session bus where the match rules allow it, fewer goroutines waiting on the tray's menu.\n\n",
		mib(t.Mem.Anon), mib(t.Mem.Anon-h.Mem.Anon))
	p.f("*File-backed* memory is the binary's pages mapped into the process: the page cache's, shared with every "+
		"process that runs the binary, free for a second agent, and dropped by the kernel under pressure. This kernel maps "+
		"whole runs of the file around each page a process touches (fault-around over large page-cache folios), so in "+
		"effect the whole binary is resident: its loadable segments are %s, and the file-backed RSS %s headless (%s for "+
		"jobfloor, whose binary's segments are %s).\n\n",
		mib(int(r.Build.AgentLoaded/1024)), mib(h.Mem.File), mib(j.Mem.File), mib(int(r.Build.JobFloorLoaded/1024)))
	p.f("*Wake-ups*: between refreshes the agents wake %.1f (headless) and %.1f (tray) times a minute, counted as "+
		"bursts, against %.1f for a bare Go program holding a listener, whose wake-ups are Go's own.\n\n",
		h.BurstsPerMin, t.BurstsPerMin, f.BurstsPerMin)
}

// idleWhy says why goal 3 is missed and what meeting it would take.
func (r *Results) idleWhy() string {
	i := r.Idle
	h, j := i.Row(IdleHeadless), i.Row(IdleJobFloor)
	return fmt.Sprintf("the headless agent holds %s against jobfloor's %s: goroutines and threads with their stacks, "+
		"the keyring's and the keyring watch's connections to the session bus, the session, and heap pages holding a "+
		"few live objects each. jobfloor's own figure moves by several hundred KiB with the moment of its one "+
		"collection, and the agent's with its own (section 3)", mib(h.Mem.Anon), mib(j.Mem.Anon))
}

// kb prints bytes in kilobytes.
func kb(bytes int) string { return fmt.Sprintf("%.0f KB", float64(bytes)/1000) }
