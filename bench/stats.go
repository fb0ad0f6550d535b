package bench

import (
	"slices"
	"time"
)

// Summary describes a set of latencies.
type Summary struct {
	N    int           `json:"n"`
	P50  time.Duration `json:"p50"`
	P99  time.Duration `json:"p99"`
	Mean time.Duration `json:"mean"`
	Min  time.Duration `json:"min"`
	Max  time.Duration `json:"max"`
}

// Summarize sorts d in place and describes it. Percentiles are taken by the
// nearest rank, so p99 of 100 samples is the 99th smallest.
func Summarize(d []time.Duration) Summary {
	if len(d) == 0 {
		return Summary{}
	}
	slices.Sort(d)
	var sum time.Duration
	for _, x := range d {
		sum += x
	}
	return Summary{
		N:    len(d),
		P50:  Percentile(d, 50),
		P99:  Percentile(d, 99),
		Mean: sum / time.Duration(len(d)),
		Min:  d[0],
		Max:  d[len(d)-1],
	}
}

// Percentile returns the p-th percentile of sorted by the nearest rank.
func Percentile(sorted []time.Duration, p float64) time.Duration {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(p/100*float64(len(sorted))+0.999999) - 1
	return sorted[min(max(rank, 0), len(sorted)-1)]
}

// ratio is a/b, or 0 when b is 0.
func ratio(a, b float64) float64 {
	if b == 0 {
		return 0
	}
	return a / b
}
