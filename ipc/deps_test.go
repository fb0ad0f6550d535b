package ipc

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyAgentTypes keeps ipc on its side of the design: of this
// project it may import package agent (for data types) and
// internal/peercred (a leaf that imports nothing of ours) and nothing
// else, and a production file never imports "testing".
func TestImportsOnlyAgentTypes(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	allowed := map[string]bool{"biot-agent/agent": true, "biot-agent/internal/peercred": true}
	for _, imp := range pkg.Imports {
		if imp == "testing" || (strings.HasPrefix(imp, "biot-agent/") && !allowed[imp]) {
			t.Errorf("package ipc imports %s", imp)
		}
	}
}
