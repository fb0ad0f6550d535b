package agent

import "time"

// deadline is a moment read on both of the Clock's readings. It has passed
// when either says so: the wall reading catches a machine that slept, the
// monotonic one a wall clock set back.
type deadline struct {
	wall time.Time
	mono time.Duration
}

// after returns the deadline d from now.
func after(c Clock, d time.Duration) deadline {
	return deadline{wall: c.Now().Add(d), mono: c.Monotonic() + d}
}

func (d deadline) isZero() bool { return d.wall.IsZero() }

// left is the time until d, the shorter of the two readings.
func (d deadline) left(c Clock) time.Duration {
	return min(d.wall.Sub(c.Now()), d.mono-c.Monotonic())
}

// passed reports whether d has come.
func (d deadline) passed(c Clock) bool { return !d.isZero() && d.left(c) <= 0 }

// sooner returns d moved earlier by lead.
func (d deadline) sooner(lead time.Duration) deadline {
	return deadline{wall: d.wall.Add(-lead), mono: d.mono - lead}
}
