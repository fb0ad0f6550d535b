package cli

import (
	"bytes"
	"fmt"
	"os"
	"strconv"
	"strings"
)

// scrubInitialEnv blanks the value of every variable whose name is secret
// in the environment the process started with: the block the kernel shows
// as /proc/PID/environ, which os.Unsetenv leaves as it was. Go copied that
// block into its own strings at start and reads it no more, so its bytes
// can be overwritten (through /proc/self/mem, our own memory). What
// /proc/PID/environ shows after is name= and as many NUL bytes as the
// value had.
func scrubInitialEnv(secret func(name string) bool) error {
	start, end, err := envBlock()
	if err != nil {
		return err
	}
	mem, err := os.OpenFile("/proc/self/mem", os.O_RDWR, 0)
	if err != nil {
		return err
	}
	defer mem.Close()
	block := make([]byte, end-start)
	if _, err := mem.ReadAt(block, start); err != nil {
		return fmt.Errorf("reading the environment block: %w", err)
	}
	for off := 0; off < len(block); {
		n := bytes.IndexByte(block[off:], 0)
		if n < 0 {
			n = len(block) - off
		}
		entry := block[off : off+n]
		if name, value, ok := bytes.Cut(entry, []byte("=")); ok && len(value) > 0 && secret(string(name)) {
			at := off + len(name) + 1
			if _, err := mem.WriteAt(make([]byte, len(value)), start+int64(at)); err != nil {
				return fmt.Errorf("overwriting %s in the environment block: %w", name, err)
			}
		}
		off += n + 1
	}
	return nil
}

// envBlock answers where the environment the process started with lies
// in its memory: fields 50 and 51 of /proc/self/stat (env_start, env_end).
func envBlock() (start, end int64, err error) {
	b, err := os.ReadFile("/proc/self/stat")
	if err != nil {
		return 0, 0, err
	}
	// The command's name, in parentheses, may hold spaces: count from after
	// it, where field 3 begins.
	fields := strings.Fields(string(b[bytes.LastIndexByte(b, ')')+1:]))
	if len(fields) < 51-2 {
		return 0, 0, fmt.Errorf("/proc/self/stat has %d fields, and the environment's bounds are fields 50 and 51", len(fields)+2)
	}
	start, err1 := strconv.ParseInt(fields[50-3], 10, 64)
	end, err2 := strconv.ParseInt(fields[51-3], 10, 64)
	if err1 != nil || err2 != nil || start <= 0 || end < start {
		return 0, 0, fmt.Errorf("/proc/self/stat: no environment bounds in fields 50 and 51 (%q, %q)", fields[50-3], fields[51-3])
	}
	return start, end, nil
}
