// Package bench measures what biot-agent costs, side by side with the floors
// it is compared to, in one run on one machine.
//
// Shared machines are noisy, so nothing here asserts a time: each
// measurement runs the agent and its reference in the same run, interleaved
// where it can, and reports medians, 99th percentiles and their ratio. The
// program bench/cmd/biot-bench runs them all and writes docs/PERFORMANCE.md
// and the fleet plot; bench/run.sh is the one command for it, and
// .ci/bench-smoke runs everything once, small, as a smoke test.
//
// What is measured, and against what:
//
//   - [SocketBench]: a token over the agent's socket, the real binary in a
//     process of its own asked through the Go client ([ipc.Client], one
//     kept connection per client), beside ssh-agent listing its key over
//     its socket (the peer), a bare net/http server and a line protocol in
//     processes of their own (the floors), and the same code inside the
//     bench's process.
//   - [CLIBench]: the whole process `biot-agent token` beside `ssh-add -l`
//     against a private ssh-agent, in pairs, one right after the other,
//     judged by the median of the pairs' ratios; beside the floors of the
//     command (tokenfloor, ipctoken, gofloor).
//   - [IdleBench]: the anonymous memory and the wake-ups of a signed-in
//     agent left alone, headless and with the tray, beside a Go program
//     doing nothing but the agent's network job (jobfloor) and one holding
//     a listener.
//   - [StormBench]: 1,000 concurrent token requests that all need a refresh,
//     which must share one call to BioT; beside the same storm needing no
//     refresh, and at the HTTP floor.
//   - [FleetBench]: 10,000 real agents' refresh loops, each on its own fake
//     clock, through a five-minute BioT outage, beside the same fleet
//     retrying at a fixed interval.
//   - [StartupBench]: from exec to the first token, resuming a session
//     stored in a real keyring; and the size of the binary.
//   - [ProxyBench]: a script's call to BioT through the agent's proxy
//     (curl over the socket) beside the call with `$(biot-agent token)`
//     and a TLS connection of its own; and one request on kept
//     connections, through the proxy, through a bare reverse proxy on a
//     socket (the floor of any proxy) and straight to BioT.
//   - [EnvsBench]: the idle cost of an agent with 10 signed-in environments beside one with 1, and a storm over 10 environments that must cost one refresh each.
//
// The agents measured are the real ones: the real binary as a child
// process, or [agent.Agent] behind [ipc.Server] on a real socket, against
// the simulator (package biotsim) over real HTTPS. The one stand-in is the
// fleet's BioT (see fleet_server.go), because ten thousand simulated
// sessions over HTTPS would measure the simulator's RSA signatures rather
// than the agents' timing.
package bench
