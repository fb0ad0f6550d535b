package autostart

import (
	"os"
	"path/filepath"
)

// missingProgram says what is wrong when an entry runs a program that is not
// there; "" when it is (or the entry names none).
func missingProgram(prog string) string {
	if prog == "" || !filepath.IsAbs(prog) {
		return ""
	}
	if _, err := os.Stat(prog); err != nil {
		return "it runs " + prog + ", which does not exist (run biot-agent autostart enable again from the installed program)"
	}
	return ""
}
