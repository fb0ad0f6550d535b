//go:build !linux

package cli

// scrubInitialEnv does nothing where there is no /proc/self/mem: there,
// os.Unsetenv is what keeps the variable from the agent's children.
func scrubInitialEnv(func(name string) bool) error { return nil }
