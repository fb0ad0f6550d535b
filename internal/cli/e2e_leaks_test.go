package cli_test

import (
	"io/fs"
	"os"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
)

// secretSet is every secret a test saw: passwords, SMS codes, service
// users' secret keys, access and refresh tokens. Each has a label, so a
// failure says which secret leaked without printing it.
type secretSet struct {
	mu   sync.Mutex
	list []secret
}

type secret struct{ label, value string }

// add records a secret; empty values are ignored.
func (s *secretSet) add(label, value string) {
	if value == "" {
		return
	}
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, x := range s.list {
		if x.value == value {
			return
		}
	}
	s.list = append(s.list, secret{label, value})
}

// addToken records a JWT and its signature alone, so a log line that
// printed only the signed part is caught too (the header is the same in
// every token, and the claims are no secret).
func (s *secretSet) addToken(label, jwt string) {
	s.add(label, jwt)
	if parts := strings.Split(jwt, "."); len(parts) == 3 && len(parts[2]) >= 32 {
		s.add(label+" (its signature)", parts[2])
	}
}

// in names the secrets that text holds.
func (s *secretSet) in(text string) []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var found []string
	for _, x := range s.list {
		if strings.Contains(text, x.value) {
			found = append(found, x.label)
		}
	}
	return found
}

func (s *secretSet) len() int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return len(s.list)
}

// checkNoLeaks fails the test if a secret it saw is in any output but a
// token printed by "token", or in any file under the world's home, XDG
// and temporary folders. It runs in Cleanup, after the agents stopped.
func (w *world) checkNoLeaks() {
	t := w.t
	t.Helper()
	w.mu.Lock()
	outputs := append([]output(nil), w.outputs...)
	w.mu.Unlock()
	for _, o := range outputs {
		if found := w.secrets.in(o.text()); len(found) > 0 {
			t.Errorf("%s holds secrets: %s", o.what, strings.Join(found, ", "))
		}
	}
	for _, root := range []string{w.home, w.runtime, w.state, w.config, w.tmp} {
		err := filepath.WalkDir(root, func(path string, d fs.DirEntry, err error) error {
			if err != nil || !d.Type().IsRegular() {
				return err
			}
			b, err := os.ReadFile(path)
			if err != nil {
				return err
			}
			if found := w.secrets.in(string(b)); len(found) > 0 {
				t.Errorf("the file %s holds secrets: %s", path, strings.Join(found, ", "))
			}
			return nil
		})
		if err != nil {
			t.Errorf("walking %s: %v", root, err)
		}
	}
}

// procLeaks reads the command line and the environment of every process
// this test can read under /proc, the running agent's and its children's
// among them, and answers where value is found, by process, but for the
// environment of the processes in given (which the test started with
// value there). Where there is no /proc it answers nothing, and ok false.
func procLeaks(value string, given ...int) (found []string, checked int, ok bool) {
	dirs, err := os.ReadDir("/proc")
	if err != nil {
		return nil, 0, false
	}
	for _, d := range dirs {
		pid := d.Name()
		if pid[0] < '0' || pid[0] > '9' {
			continue
		}
		read := 0
		for _, f := range []string{"cmdline", "environ"} {
			b, err := os.ReadFile(filepath.Join("/proc", pid, f))
			if err != nil {
				continue // gone meanwhile, or another user's
			}
			read++
			if f == "environ" && slices.Contains(given, atoi(pid)) {
				continue
			}
			if strings.Contains(string(b), value) {
				comm, _ := os.ReadFile(filepath.Join("/proc", pid, "comm"))
				found = append(found, "the "+f+" of process "+pid+" ("+strings.TrimSpace(string(comm))+")")
			}
		}
		if read > 0 {
			checked++
		}
	}
	return found, checked, true
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}
