package bench

import (
	"bufio"
	"bytes"
	"fmt"
	"os"
	"path/filepath"
	"strconv"
	"strings"
)

// ProcMem is a process's resident memory, from /proc/PID/status and
// smaps_rollup, in kilobytes.
type ProcMem struct {
	RSS     int `json:"rssKB"`     // VmRSS: anonymous + file-backed + shared memory
	Anon    int `json:"anonKB"`    // RssAnon: the heap, stacks, the runtime's own
	File    int `json:"fileKB"`    // RssFile: pages of the binary and libraries mapped in
	PSS     int `json:"pssKB"`     // proportional: shared pages divided among their users
	Threads int `json:"threads"`   // OS threads
	HWM     int `json:"rssPeakKB"` // VmHWM: the highest RSS so far
}

// ReadMem reads pid's memory.
func ReadMem(pid int) (ProcMem, error) {
	st, err := statusFields(filepath.Join("/proc", strconv.Itoa(pid), "status"))
	if err != nil {
		return ProcMem{}, err
	}
	m := ProcMem{RSS: st["VmRSS"], Anon: st["RssAnon"], File: st["RssFile"], Threads: st["Threads"], HWM: st["VmHWM"]}
	if roll, err := statusFields(filepath.Join("/proc", strconv.Itoa(pid), "smaps_rollup")); err == nil {
		m.PSS = roll["Pss"]
	}
	return m, nil
}

// Switches counts the context switches of every thread of pid, summed over
// /proc/PID/task/*/status: the main thread's own file misses the runtime's
// other threads, where a Go program's timers and network poller run. A
// voluntary switch is a thread going to sleep, so each wake-up of an idle
// process shows as at least one.
type Switches struct {
	Voluntary   int `json:"voluntary"`
	Involuntary int `json:"involuntary"`
	Threads     int `json:"threads"`
}

// ReadSwitches reads pid's context switches.
func ReadSwitches(pid int) (Switches, error) {
	tasks, err := filepath.Glob(filepath.Join("/proc", strconv.Itoa(pid), "task", "*", "status"))
	if err != nil || len(tasks) == 0 {
		return Switches{}, fmt.Errorf("context switches of %d: no tasks (%v)", pid, err)
	}
	var s Switches
	for _, t := range tasks {
		f, err := statusFields(t)
		if err != nil {
			continue // the thread ended meanwhile
		}
		s.Voluntary += f["voluntary_ctxt_switches"]
		s.Involuntary += f["nonvoluntary_ctxt_switches"]
		s.Threads++
	}
	return s, nil
}

// statusFields reads the "Name: number [kB]" lines of a /proc status file.
func statusFields(path string) (map[string]int, error) {
	b, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	out := map[string]int{}
	sc := bufio.NewScanner(bytes.NewReader(b))
	for sc.Scan() {
		name, rest, ok := strings.Cut(sc.Text(), ":")
		if !ok {
			continue
		}
		fields := strings.Fields(rest)
		if len(fields) == 0 {
			continue
		}
		if n, err := strconv.Atoi(fields[0]); err == nil {
			out[name] = n
		}
	}
	return out, sc.Err()
}
