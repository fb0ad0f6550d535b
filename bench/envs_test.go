package bench

import (
	"testing"

	"biot-agent/internal/config"
)

func TestEnvsWakes(t *testing.T) {
	for _, c := range []struct {
		name           string
		one, many      EnvsIdleRow
		extraW, extraR int
		valid, met     bool
	}{
		{"each extra wake-up is a refresh", EnvsIdleRow{Bursts: 4, Refreshes: 2}, EnvsIdleRow{Bursts: 22, Refreshes: 20}, 18, 18, true, true},
		{"refreshes shared a wake-up", EnvsIdleRow{Bursts: 4, Refreshes: 2}, EnvsIdleRow{Bursts: 8, Refreshes: 20}, 4, 18, true, true},
		{"fewer wake-ups than the reference", EnvsIdleRow{Bursts: 6, Refreshes: 2}, EnvsIdleRow{Bursts: 5, Refreshes: 20}, -1, 18, true, true},
		{"one wake-up too many", EnvsIdleRow{Bursts: 4, Refreshes: 2}, EnvsIdleRow{Bursts: 23, Refreshes: 20}, 19, 18, true, false},
		// The reference's own refreshes are not the extra environments':
		// 2 refreshes beyond it cannot excuse 3 wake-ups.
		{"the reference's refreshes do not count", EnvsIdleRow{Bursts: 4, Refreshes: 2}, EnvsIdleRow{Bursts: 7, Refreshes: 4}, 3, 2, true, false},
		{"no refresh in the window judges nothing", EnvsIdleRow{Bursts: 4}, EnvsIdleRow{Bursts: 4}, 0, 0, false, false},
	} {
		w, r, valid, met := envsWakes(c.one, c.many)
		if w != c.extraW || r != c.extraR || valid != c.valid || met != c.met {
			t.Errorf("%s: envsWakes = %d, %d, %v, %v; want %d, %d, %v, %v", c.name, w, r, valid, met, c.extraW, c.extraR, c.valid, c.met)
		}
	}
}

func TestEnvsAnonPerEnv(t *testing.T) {
	one := EnvsIdleRow{Envs: 1, MemEnd: ProcMem{Anon: 5000}}
	many := EnvsIdleRow{Envs: 10, MemEnd: ProcMem{Anon: 5000 + 9*300}}
	if got := envsAnonPerEnv(one, many); got != 300 {
		t.Errorf("per environment = %v KiB, want 300", got)
	}
	if got := envsAnonPerEnv(one, one); got != 0 {
		t.Errorf("with one environment on both sides = %v, want 0", got)
	}
}

func TestEnvsStormOK(t *testing.T) {
	for _, c := range []struct {
		storms []EnvsStorm
		ok     bool
	}{
		{[]EnvsStorm{{Refreshes: []int{1, 1, 1}}, {Refreshes: []int{1, 1, 1}}}, true},
		// Ten in all is not enough: one environment refreshing twice while
		// another refreshes not at all is two misses.
		{[]EnvsStorm{{Refreshes: []int{2, 0, 1}}}, false},
		{[]EnvsStorm{{Refreshes: []int{1, 1, 1}}, {Refreshes: []int{1, 2, 1}}}, false},
		{[]EnvsStorm{{Refreshes: nil}}, false},
		{nil, false},
	} {
		if got, ok := envsStormOK(c.storms); ok != c.ok {
			t.Errorf("envsStormOK(%v) = %q, %v; want %v", c.storms, got, ok, c.ok)
		}
	}
}

func TestEnvsConfigFile(t *testing.T) {
	s := envsConfigFile(3, "https://127.0.0.1:1")
	cfg, err := config.Parse("config.toml", []byte(s))
	if err != nil || len(cfg.Environments) != 3 || cfg.DefaultEnvironment() != envName(0) {
		t.Errorf("config:\n%s\nparsed: %+v, %v", s, cfg, err)
	}
}
