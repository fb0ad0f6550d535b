package ipc

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsNoSessionCode keeps ipc on its side of the design: the local
// API's types are its own, so of this project it imports only
// internal/peercred (a leaf that imports nothing of ours) and never the
// agent (which internal/localapi adapts to it), nor golang-jwt; and a
// production file never imports "testing". The module's TestImportRules
// checks the same of every package ipc pulls in.
func TestImportsNoSessionCode(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"biot-agent/internal/peercred": true}
	for _, imp := range pkg.Imports {
		if imp == "testing" || (strings.HasPrefix(imp, "biot-agent/") && !allowed[imp]) || strings.HasPrefix(imp, "github.com/golang-jwt/") {
			t.Errorf("package ipc imports %s", imp)
		}
	}
}
