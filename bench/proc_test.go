package bench

import (
	"os"
	"testing"
)

func TestProcReadersSeeThisProcess(t *testing.T) {
	m, err := ReadMem(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if m.RSS <= 0 || m.Anon <= 0 || m.RSS < m.Anon || m.Threads < 1 {
		t.Errorf("this process's memory reads %+v", m)
	}
	s, err := ReadSwitches(os.Getpid())
	if err != nil {
		t.Fatal(err)
	}
	if s.Threads != m.Threads && s.Threads < 1 {
		t.Errorf("%d threads counted, %d in status", s.Threads, m.Threads)
	}
	if s.Voluntary <= 0 {
		t.Errorf("no voluntary context switch in a Go test process: %+v", s)
	}
}
