package agent

import "time"

// Clock is the agent's source of time. Tests pass a clock they can move.
//
// It has two readings, because neither alone is right: the wall clock keeps
// moving while a laptop sleeps (so a token expires on it, as BioT sees it),
// but it can be set back or forward by hand or by NTP; the monotonic
// reading never jumps, but pauses while the machine sleeps. A token is
// valid while both say so.
type Clock interface {
	// Now returns the current wall-clock time, without a monotonic
	// reading.
	Now() time.Time
	// Monotonic returns the time elapsed on a clock that never jumps; it
	// may pause while the machine sleeps.
	Monotonic() time.Duration
	// After returns a channel that receives once d has passed on the
	// monotonic clock.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock.
type SystemClock struct{}

var processStart = time.Now()

// Now returns the wall-clock time without its monotonic reading, so that
// comparisons happen on the wall clock.
func (SystemClock) Now() time.Time { return time.Now().Round(0) }

// Monotonic returns the time since the process started, on Go's monotonic
// clock.
func (SystemClock) Monotonic() time.Duration { return time.Since(processStart) }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
