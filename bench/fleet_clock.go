package bench

import (
	"sync"
	"time"

	"biot-agent/internal/fakeclock"
)

// simClock is a fleet agent's clock: a fakeclock that the fleet's driver
// moves straight to the agent's next refresh, with one difference. An
// agent reads the clock, works out how long to sleep, then asks for a
// timer; with a clock that jumps, a jump can fall between the reading and
// the timer, and the timer would then run from the moment after the jump
// and fire late by the whole jump. Real time never jumps that far in a
// few microseconds, so simClock takes the timer's start from the agent's
// last reading instead: no simulated time passes while an agent decides.
// The driver moves it with Advance, which its lock keeps from falling
// inside After.
type simClock struct {
	*fakeclock.Clock

	mu   sync.Mutex
	read time.Duration // the monotonic reading last handed to the agent
}

func (c *simClock) Monotonic() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.read = c.Clock.Monotonic()
	return c.read
}

func (c *simClock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.Clock.After(d - (c.Clock.Monotonic() - c.read))
}

// Advance lets d pass, never in the middle of After.
func (c *simClock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.Clock.Advance(d)
}
