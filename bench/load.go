package bench

import (
	"context"
	"errors"
	"fmt"
	"sync"
	"time"
)

// segment is what one stretch of load on one server gave.
type segment struct {
	lats    []time.Duration
	elapsed time.Duration
}

// runLoad runs conc clients against one server for about dur, each on its
// own persistent connection, asking for tokens back to back. Connections
// are opened and warmed before the clock starts.
func runLoad(ctx context.Context, newClient func() Client, conc int, dur time.Duration) (segment, error) {
	clients := make([]Client, conc)
	for i := range clients {
		clients[i] = newClient()
		defer clients[i].Close()
		if _, err := clients[i].Token(ctx); err != nil {
			return segment{}, fmt.Errorf("warm-up: %w", err)
		}
	}
	start := make(chan struct{})
	var (
		wg   sync.WaitGroup
		mu   sync.Mutex
		all  []time.Duration
		errs []error
	)
	var begin time.Time
	for _, c := range clients {
		wg.Add(1)
		go func() {
			defer wg.Done()
			lats := make([]time.Duration, 0, 4096)
			<-start
			deadline := begin.Add(dur)
			for {
				t0 := time.Now()
				if !t0.Before(deadline) {
					break
				}
				if _, err := c.Token(ctx); err != nil {
					mu.Lock()
					errs = append(errs, err)
					mu.Unlock()
					return
				}
				lats = append(lats, time.Since(t0))
			}
			mu.Lock()
			all = append(all, lats...)
			mu.Unlock()
		}()
	}
	begin = time.Now()
	close(start)
	wg.Wait()
	elapsed := time.Since(begin)
	if len(errs) > 0 {
		return segment{}, errors.Join(errs...)
	}
	return segment{lats: all, elapsed: elapsed}, nil
}
