package bench

import (
	"bufio"
	"bytes"
	"context"
	"os/exec"
	"slices"
	"strconv"
	"strings"
	"time"
)

// InitTrace is what GODEBUG=inittrace=1 says of a command's start: the
// package initializers run before main.
type InitTrace struct {
	Runs      int           `json:"runs"`
	Packages  int           `json:"packages"`  // packages with an initializer
	Total     time.Duration `json:"total"`     // median of the summed init clock time
	MainAt    time.Duration `json:"mainAt"`    // median time from the runtime's start to the end of the last init (0.1 ms resolution)
	Heaviest  []InitPackage `json:"heaviest"`  // by median clock time
	Allocated int           `json:"allocated"` // bytes allocated by initializers, median
}

// InitPackage is one package's initializer.
type InitPackage struct {
	Package string        `json:"package"`
	Clock   time.Duration `json:"clock"`
	Bytes   int           `json:"bytes"`
}

// TraceInit runs bin args runs times with GODEBUG=inittrace=1 and sums
// what the runtime reports.
func TraceInit(ctx context.Context, bin string, env []string, runs int, args ...string) (InitTrace, error) {
	per := map[string][]time.Duration{}
	bytesOf := map[string]int{}
	var totals, mains []time.Duration
	var allocs []int
	for range runs {
		cmd := exec.CommandContext(ctx, bin, args...)
		cmd.Env = append(append([]string(nil), env...), "GODEBUG=inittrace=1")
		var stderr bytes.Buffer
		cmd.Stderr = &stderr
		if err := cmd.Run(); err != nil {
			return InitTrace{}, err
		}
		var total, last time.Duration
		alloc := 0
		sc := bufio.NewScanner(&stderr)
		for sc.Scan() {
			// init internal/bytealg @0.008 ms, 0 ms clock, 0 bytes, 0 allocs
			f := strings.Fields(sc.Text())
			if len(f) < 11 || f[0] != "init" || !strings.HasPrefix(f[2], "@") {
				continue
			}
			at := ms(strings.TrimPrefix(f[2], "@"))
			clock := ms(f[4])
			b, _ := strconv.Atoi(f[7])
			per[f[1]] = append(per[f[1]], clock)
			bytesOf[f[1]] = b
			total += clock
			alloc += b
			last = max(last, at+clock)
		}
		totals = append(totals, total)
		mains = append(mains, last)
		allocs = append(allocs, alloc)
	}
	tr := InitTrace{Runs: runs, Packages: len(per), Total: median(totals), MainAt: median(mains)}
	slices.Sort(allocs)
	tr.Allocated = allocs[len(allocs)/2]
	for pkg, cs := range per {
		tr.Heaviest = append(tr.Heaviest, InitPackage{Package: pkg, Clock: median(cs), Bytes: bytesOf[pkg]})
	}
	slices.SortFunc(tr.Heaviest, func(a, b InitPackage) int { return int(b.Clock - a.Clock) })
	tr.Heaviest = tr.Heaviest[:min(len(tr.Heaviest), 8)]
	return tr, nil
}

// ms reads "0.012" (milliseconds) as a duration.
func ms(s string) time.Duration {
	f, _ := strconv.ParseFloat(s, 64)
	return time.Duration(f * float64(time.Millisecond))
}

func median(d []time.Duration) time.Duration {
	if len(d) == 0 {
		return 0
	}
	c := slices.Clone(d)
	slices.Sort(c)
	return c[len(c)/2]
}
