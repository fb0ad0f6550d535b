// Package bounded waits on a call that cannot be cancelled for as long as a
// context allows, and no longer.
//
// Some calls take no context: the keyring library's, a D-Bus handshake, a
// notification library's, the desktop's URL opener. When one hangs, nothing
// can stop it; what its caller can do is stop waiting:
//
//	v, err := bounded.Call(ctx, func() (T, error) { return lib.Get(name) })
//	err := bounded.Do(ctx, func() error { return lib.Send(msg) })
//
// Call runs f on a goroutine of its own and answers f's result, or ctx's
// error once ctx ends, whichever comes first. f always runs, even under a
// context that has already ended, so that what f does on its way out (say,
// give back a slot) always happens. A call left behind finishes, or not, on
// its own: its result goes into a buffered channel that nobody reads, so
// its goroutine ends as soon as the call does, never blocked on a send.
//
// What else to do about a call left behind is the caller's policy, and
// stays beside the call: the keyring lets one call hang at most and fails
// the others at once; a D-Bus caller closes the connection, which ends the
// call; a private connection that arrives late is closed ([CallRelease]).
// A caller tells the two ends apart by ctx.Err(): when it is nil, the
// error is f's own.
//
// The package imports only the standard library, so that every package of
// the module may use it, the agent's included.
package bounded

import "context"

// Call runs f and waits for it until ctx ends. It answers f's result, or
// the zero T and ctx.Err() when ctx ends first; f then runs on, and what it
// answers is dropped.
func Call[T any](ctx context.Context, f func() (T, error)) (T, error) {
	return call(ctx, f, nil)
}

// CallRelease is Call for a result that holds something, such as a
// connection: a result that f answers without error after ctx ended is
// handed to release, which frees it, instead of being dropped.
func CallRelease[T any](ctx context.Context, f func() (T, error), release func(T)) (T, error) {
	return call(ctx, f, release)
}

// Do is Call for f that answers only an error.
func Do(ctx context.Context, f func() error) error {
	_, err := call(ctx, func() (struct{}, error) { return struct{}{}, f() }, nil)
	return err
}

type result[T any] struct {
	v   T
	err error
}

func call[T any](ctx context.Context, f func() (T, error), release func(T)) (T, error) {
	// Room for the one result: the goroutine never waits for a reader.
	done := make(chan result[T], 1)
	go func() {
		v, err := f()
		done <- result[T]{v, err}
	}()
	select {
	case r := <-done:
		return r.v, r.err
	case <-ctx.Done():
	}
	if release != nil {
		go func() {
			if r := <-done; r.err == nil {
				release(r.v)
			}
		}()
	}
	var zero T
	return zero, ctx.Err()
}
