package biotsim

import (
	"go/parser"
	"go/token"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
)

// TestImports keeps the simulator independent of the client it checks
// (biot-agent/agent/biot is tested against it, so it must not lean on it)
// and keeps "testing" out of the production files, which `biot-agent demo`
// links.
func TestImports(t *testing.T) {
	files, err := filepath.Glob("*.go")
	if err != nil {
		t.Fatal(err)
	}
	for _, f := range files {
		if strings.HasSuffix(f, "_test.go") {
			continue
		}
		ast, err := parser.ParseFile(token.NewFileSet(), f, nil, parser.ImportsOnly)
		if err != nil {
			t.Fatal(err)
		}
		for _, imp := range ast.Imports {
			path, _ := strconv.Unquote(imp.Path.Value)
			if path == "testing" || path == "net/http/httptest" || strings.HasPrefix(path, "biot-agent/") {
				t.Errorf("%s imports %s", f, path)
			}
		}
	}
}
