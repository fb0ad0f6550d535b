package ipc

import (
	"go/build"
	"strings"
	"testing"
)

// TestImportsOnlyAgentTypes keeps ipc on its side of the design: of this
// project it may import package agent (for data types) and nothing else,
// and a production file never imports "testing".
func TestImportsOnlyAgentTypes(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	for _, imp := range pkg.Imports {
		if imp == "testing" || (strings.HasPrefix(imp, "biot-agent/") && imp != "biot-agent/agent") {
			t.Errorf("package ipc imports %s", imp)
		}
	}
}
