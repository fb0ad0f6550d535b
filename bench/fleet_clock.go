package bench

import (
	"fmt"
	"sync"
	"time"

	"biot-agent/internal/fakeclock"
)

// simClock is a fleet agent's clock: a fakeclock that the fleet's driver
// moves straight to the agent's next refresh, with one difference. An
// agent reads the clock, works out how long to sleep, then asks for a
// timer; with a clock that jumps, a jump can fall between the reading and
// the timer, and the timer would then be set from the moment after the
// jump and fire late by the whole jump. Real time never jumps that far in
// a few microseconds, so simClock takes the timer's length from the
// agent's last reading instead: no simulated time passes while an agent
// is deciding.
type simClock struct {
	*fakeclock.Clock

	mu   sync.Mutex
	read time.Duration // the monotonic reading last handed to the agent
	dbg  []string
}

func (c *simClock) Monotonic() time.Duration {
	m := c.Clock.Monotonic()
	c.mu.Lock()
	c.read = m
	c.mu.Unlock()
	return m
}

func (c *simClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	read := c.read
	c.mu.Unlock()
	m := c.Clock.Monotonic()
	c.mu.Lock()
	c.dbg = append(c.dbg, fmt.Sprintf("After(%v) read=%v now=%v eff=%v", d, read, m, d-(m-read)))
	c.mu.Unlock()
	return c.Clock.After(d - (m - read))
}
