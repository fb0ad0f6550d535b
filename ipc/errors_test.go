package ipc

import (
	"net/http/httptest"
	"os"
	"regexp"
	"strconv"
	"testing"
)

// The error table of the package documentation is the contract: every code
// the server can answer is there, with the status it answers it with.
func TestErrorTableIsTheTruth(t *testing.T) {
	doc, err := os.ReadFile("doc.go")
	if err != nil {
		t.Fatal(err)
	}
	table := map[Code]int{}
	for _, m := range regexp.MustCompile(`(?m)^//\t([a-z_]+) +(\d{3})  `).FindAllStringSubmatch(string(doc), -1) {
		table[Code(m[1])], _ = strconv.Atoi(m[2])
	}
	src, err := os.ReadFile("errors.go")
	if err != nil {
		t.Fatal(err)
	}
	consts := regexp.MustCompile(`(?m)^\t(Code\w+) +Code = "([a-z_]+)"`).FindAllStringSubmatch(string(src), -1)
	if len(consts) < 10 || len(table) < 10 {
		t.Fatalf("read %d constants and %d documented codes: the patterns no longer match", len(consts), len(table))
	}
	for _, m := range consts {
		name, code := m[1], Code(m[2])
		if code == CodeHTTPError {
			if _, ok := table[code]; ok {
				t.Errorf("%s is the client's own, yet the error table lists it", name)
			}
			continue
		}
		want, ok := table[code]
		if !ok {
			t.Errorf("%s (%q) is missing from the error table of doc.go", name, code)
			continue
		}
		rec := httptest.NewRecorder()
		(&Server{}).writeError(rec, httptest.NewRequest("GET", "/v1/token", nil), &Error{Code: code})
		if rec.Code != want {
			t.Errorf("%s is answered with %d, the error table says %d", name, rec.Code, want)
		}
		delete(table, code)
	}
	for code := range table {
		t.Errorf("the error table lists %q, which no constant names", code)
	}
}
