package agent

import "time"

// Clock is the agent's source of time. Tests pass a clock they can move.
type Clock interface {
	// Now returns the current wall-clock time.
	Now() time.Time
	// After returns a channel that receives once d has passed.
	After(d time.Duration) <-chan time.Time
}

// SystemClock is the real clock. Now strips the monotonic reading so that
// comparisons happen on the wall clock, which keeps moving while a laptop
// sleeps.
type SystemClock struct{}

// Now returns the wall-clock time without its monotonic reading.
func (SystemClock) Now() time.Time { return time.Now().Round(0) }

// After is time.After.
func (SystemClock) After(d time.Duration) <-chan time.Time { return time.After(d) }
