//go:build unix

package testkit

import (
	"bufio"
	"os"
	"syscall"
	"testing"
)

// FIFOLines makes a FIFO at path and answers each line written into it. A
// fake program (a browser, a clipboard tool) that a test puts in place of a
// real one writes a line there to say how it was run, and the test reads
// it with a deadline. The FIFO is opened for reading and writing, so it
// never reports EOF and the program may run as often as the code under test
// likes; it is closed in the test's Cleanup.
func FIFOLines(t testing.TB, path string) <-chan string {
	t.Helper()
	if err := syscall.Mkfifo(path, 0o600); err != nil {
		t.Fatal(err)
	}
	f, err := os.OpenFile(path, os.O_RDWR, 0)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { f.Close() })
	lines := make(chan string, 16)
	go func() {
		sc := bufio.NewScanner(f)
		for sc.Scan() {
			lines <- sc.Text()
		}
	}()
	return lines
}
