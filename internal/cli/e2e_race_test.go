//go:build race

package cli_test

// raceEnabled builds the binary under test with -race too.
const raceEnabled = true
