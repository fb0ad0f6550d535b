// Package localapi serves the agent on the local API: [New] makes an
// *agent.Agent an ipc.Backend.
//
// The two sides stay apart on purpose, as tailscale keeps its API types in
// apitype: package agent is the session engine in plain Go types, used in
// process by the tray, and carries no JSON; package ipc owns the socket's
// types, JSON tags and error codes, and imports no session code, so a
// program that talks to the socket builds without it. This package is the
// one place that knows both: it copies the agent's values into ipc's
// types, turns each agent.Kind into its ipc.Code, and hands the agent's
// subscriptions on with their promise intact (the first event is the
// status at the moment of subscribing).
package localapi
