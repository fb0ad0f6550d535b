package biotsim

import (
	"encoding/json"
	"strconv"
	"sync"
	"testing"
)

// TestConcurrentRefreshes runs 200 sessions through parallel sign-ins,
// refreshes and reuses, with readers of Stats and writers of faults on the
// side; -race checks the locking.
func TestConcurrentRefreshes(t *testing.T) {
	const n = 200
	s := start(t, nil)

	sessions := make([]loginResponse, n)
	parallel(t, n, func(i int) error {
		r, err := send(t.Context(), s, loginCall(alice.Username, alice.Password))
		if err != nil {
			return err
		}
		return decodeOK(r, &sessions[i])
	})

	stop := make(chan struct{})
	var side sync.WaitGroup
	side.Go(func() {
		for {
			select {
			case <-stop:
				return
			default:
				_ = s.Stats()
				s.SetFaultFor(Fault500, "/ums/unused")
				s.AddUser(User{Username: "ivan@example.com", Password: "pw"})
			}
		}
	})

	next := make([]loginResponse, n)
	parallel(t, n, func(i int) error {
		r, err := send(t.Context(), s, refreshCall(sessions[i].RefreshJwt.Token))
		if err != nil {
			return err
		}
		return decodeOK(r, &next[i])
	})
	close(stop)
	side.Wait()

	seen := map[string]bool{}
	for i, l := range next {
		if l.RefreshJwt == nil || seen[l.RefreshJwt.Token] {
			t.Fatalf("session %d: missing or repeated refresh token", i)
		}
		seen[l.RefreshJwt.Token] = true
	}
	if st := s.Stats(); st.Refreshes != n || st.RefreshesRejected != 0 {
		t.Errorf("stats: %d refreshes, %d rejected; want %d and 0", st.Refreshes, st.RefreshesRejected, n)
	}

	// Everyone replays the old token at once: all refused, all counted.
	parallel(t, n, func(i int) error {
		r, err := send(t.Context(), s, refreshCall(sessions[i].RefreshJwt.Token))
		if err != nil {
			return err
		}
		if r.Status != 403 {
			return errStatus(r)
		}
		return nil
	})
	if got := s.Stats().RefreshReuse; got != n {
		t.Errorf("RefreshReuse = %d, want %d", got, n)
	}
}

// TestOneTokenRefreshedByMany is the race the agent must never run: many
// spenders of one refresh token. Exactly one wins.
func TestOneTokenRefreshedByMany(t *testing.T) {
	const n = 20
	s := start(t, nil)
	l := signIn(t, s, alice)
	statuses := make([]int, n)
	parallel(t, n, func(i int) error {
		r, err := send(t.Context(), s, refreshCall(l.RefreshJwt.Token))
		statuses[i] = r.Status
		return err
	})
	wins := 0
	for _, st := range statuses {
		if st == 200 {
			wins++
		} else if st != 403 {
			t.Errorf("status %d, want 200 or 403", st)
		}
	}
	if wins != 1 {
		t.Errorf("%d refreshes won, want exactly 1", wins)
	}
	if got := s.Stats().RefreshReuse; got != n-1 {
		t.Errorf("RefreshReuse = %d, want %d", got, n-1)
	}
}

// parallel runs f(0..n-1) at once and fails on the first error.
func parallel(t *testing.T, n int, f func(i int) error) {
	t.Helper()
	errs := make([]error, n)
	start := make(chan struct{})
	var wg sync.WaitGroup
	for i := range n {
		wg.Go(func() {
			<-start
			errs[i] = f(i)
		})
	}
	close(start)
	wg.Wait()
	for i, err := range errs {
		if err != nil {
			t.Fatalf("call %d: %v", i, err)
		}
	}
}

type statusError struct{ r reply }

func (e statusError) Error() string {
	return "status " + strconv.Itoa(e.r.Status) + ": " + string(e.r.Body)
}

func errStatus(r reply) error { return statusError{r} }

func decodeOK(r reply, l *loginResponse) error {
	if r.Status != 200 {
		return errStatus(r)
	}
	return json.Unmarshal(r.Body, l)
}
