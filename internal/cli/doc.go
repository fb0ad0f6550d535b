// Package cli is biot-agent's command line: it parses the arguments, builds
// the parts (agent, socket server, store) for "run" and "demo", and talks to
// a running agent through package ipc for everything else.
//
// Exit codes, for scripts:
//
//	0  done
//	1  something else went wrong (the message says what)
//	2  bad usage
//	3  not signed in, or a fresh sign-in is needed
//	4  the agent is not running
//	5  BioT is unreachable and no valid token is left
package cli
