package cli

import "strings"

// childEnv is env without any service user's secret key: what a program
// the agent or exec starts gets. exec's child gets a token instead, and a
// CI job's step may well hold the key in its environment.
func childEnv(env []string) []string {
	out := make([]string, 0, len(env))
	for _, kv := range env {
		if name, _, _ := strings.Cut(kv, "="); !isSecretVar(name) {
			out = append(out, kv)
		}
	}
	return out
}
