package cli_test

import (
	"bufio"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"
)

// waitConnected waits until the command holds a connected Unix socket: for
// a biot-agent client, its connection to the agent. Linux shows this in
// /proc; elsewhere the test is skipped.
func waitConnected(t *testing.T, p *proc) {
	t.Helper()
	if _, err := os.Stat("/proc/net/unix"); err != nil {
		t.Skipf("no /proc/net/unix to see a client connect: %v", err)
	}
	waitFor(t, 10*time.Second, p.name+" to connect to the agent", func() bool {
		if p.exited() {
			t.Fatalf("%s ended before it could wait: %+v", p.name, p.res)
		}
		return hasConnectedUnixSocket(p.cmd.Process.Pid)
	})
}

// hasConnectedUnixSocket reports whether process pid holds a Unix socket in
// the connected state.
func hasConnectedUnixSocket(pid int) bool {
	fds, _ := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "fd", "*"))
	inodes := map[string]bool{}
	for _, fd := range fds {
		link, err := os.Readlink(fd)
		if err == nil && strings.HasPrefix(link, "socket:[") {
			inodes[strings.TrimSuffix(strings.TrimPrefix(link, "socket:["), "]")] = true
		}
	}
	if len(inodes) == 0 {
		return false
	}
	f, err := os.Open("/proc/net/unix")
	if err != nil {
		return false
	}
	defer f.Close()
	sc := bufio.NewScanner(f)
	for sc.Scan() {
		// Num RefCount Protocol Flags Type St Inode [Path]; St 03 is connected.
		fields := strings.Fields(sc.Text())
		if len(fields) >= 7 && fields[5] == "03" && inodes[fields[6]] {
			return true
		}
	}
	return false
}
