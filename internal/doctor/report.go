package doctor

import (
	"encoding/json"
	"fmt"
	"io"
	"strings"
)

var levelWords = map[Level]string{OK: "ok", Warn: "warn", Fail: "FAIL", Skip: "skip"}

// WriteText prints one line per check, with its fix when something is off,
// then a summary line.
func (r Report) WriteText(w io.Writer) error {
	var b strings.Builder
	counts := map[Level]int{}
	for _, f := range r.Findings {
		counts[f.Level]++
		line := f.Message
		if f.Fix != "" {
			line += " Fix: " + f.Fix
		}
		fmt.Fprintf(&b, "%-4s  %-14s  %s\n", levelWords[f.Level], f.Title, oneLine(line))
	}
	switch {
	case counts[Fail] > 0:
		fmt.Fprintf(&b, "biot-agent doctor: %s, %s (took %s)\n", plural(counts[Fail], "check failed", "checks failed"), plural(counts[Warn], "warning", "warnings"), r.Took)
	case counts[Warn] > 0:
		fmt.Fprintf(&b, "biot-agent doctor: nothing failed, %s (took %s)\n", plural(counts[Warn], "warning", "warnings"), r.Took)
	default:
		fmt.Fprintf(&b, "biot-agent doctor: all is well (took %s)\n", r.Took)
	}
	_, err := io.WriteString(w, b.String())
	return err
}

// WriteJSON prints the report as one indented JSON object.
func (r Report) WriteJSON(w io.Writer) error {
	enc := json.NewEncoder(w)
	enc.SetIndent("", "  ")
	return enc.Encode(r)
}

func plural(n int, one, many string) string {
	if n == 1 {
		return "1 " + one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// oneLine keeps a finding on its line whatever an error message holds.
func oneLine(s string) string {
	return strings.Join(strings.Fields(s), " ")
}
