// Package fakeclock is a clock that tests move by hand. It stands in for the
// system clock where a test must move time (a laptop waking after hours, a
// token running out, the wall clock set back) faster than time passes, or
// in ways the real clock cannot be made to; it satisfies agent.Clock.
package fakeclock

import (
	"sync"
	"time"
)

// Clock is a settable clock with a wall reading and a monotonic one. The
// zero value is not usable; call New.
type Clock struct {
	mu      sync.Mutex
	wall    time.Time
	mono    time.Duration
	waiters []waiter
	changed chan struct{} // closed and replaced whenever a waiter is added
}

type waiter struct {
	at time.Duration // on the monotonic reading
	ch chan time.Time
}

// New returns a clock whose wall reading is now.
func New(now time.Time) *Clock {
	return &Clock{wall: now.Round(0), changed: make(chan struct{})}
}

// Now returns the wall reading.
func (c *Clock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.wall
}

// Monotonic returns the monotonic reading.
func (c *Clock) Monotonic() time.Duration {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.mono
}

// After returns a channel that receives the wall time once the monotonic
// reading has moved d forward.
func (c *Clock) After(d time.Duration) <-chan time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	ch := make(chan time.Time, 1)
	if d <= 0 {
		ch <- c.wall
		return ch
	}
	c.waiters = append(c.waiters, waiter{at: c.mono + d, ch: ch})
	close(c.changed)
	c.changed = make(chan struct{})
	return ch
}

// Advance lets d pass: both readings move forward, and what has come due
// fires.
func (c *Clock) Advance(d time.Duration) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = c.wall.Add(d)
	c.mono += d
	kept := c.waiters[:0]
	for _, w := range c.waiters {
		if w.at <= c.mono {
			w.ch <- c.wall
		} else {
			kept = append(kept, w)
		}
	}
	c.waiters = kept
}

// Sleep is a machine that slept for d: the wall reading moves forward, the
// monotonic one and its timers do not (as Linux's CLOCK_MONOTONIC while
// suspended).
func (c *Clock) Sleep(d time.Duration) { c.Set(c.Now().Add(d)) }

// Set moves the wall reading to t, forward or back, as a person or NTP
// setting the clock would; the monotonic reading and timers stay.
func (c *Clock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.wall = t.Round(0)
}

// Waiters answers how many After channels are pending, and a channel closed
// at the next call to After: a test waits on it to know that the code under
// test went to sleep.
func (c *Clock) Waiters() (int, <-chan struct{}) {
	c.mu.Lock()
	defer c.mu.Unlock()
	return len(c.waiters), c.changed
}
