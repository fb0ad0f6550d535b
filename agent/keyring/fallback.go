package keyring

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strings"
	"sync"

	"biot-agent/agent"
)

// Fallback is the session store of a running agent: the OS keyring when it
// answers, memory while it does not.
//
// A desktop may start the agent before its keyring (XFCE, LXQt and i3 start
// gnome-keyring from autostart as well), and a keyring daemon may restart or
// stay locked for a while. Whatever the agent saves then is kept in memory,
// and the keyring is tried again at every Save, at a Load or Delete that
// needs it, and at each [Fallback.Retry], which the caller makes when a
// Secret Service appears on the session bus. Once the keyring answers, the
// sessions kept in memory move into it, every environment's, and the log
// says so in one line; a sign-out made meanwhile reaches it too. Info says
// at each moment which store holds the sessions.
//
// Save never fails for want of a keyring: the agent keeps the session in
// memory anyway, and Info says why it is not in the keyring. With no keyring
// at all (an ssh login, a server) it costs one quick failed call per Save
// and nothing in between.
type Fallback struct {
	kr  *keyringStore
	log *slog.Logger
	// lock is held while the keyring is asked, so that the writes of what
	// memory holds reach the keyring one at a time and in order. It is a
	// channel so that waiting for it honours the caller's context.
	lock chan struct{}

	mu      sync.Mutex
	reach   reach
	problem string            // why the keyring is not used, while it is silent
	pending map[string]*entry // by environment name: changes the keyring has yet to take
	last    string            // the environment saved last in this process
}

// reach is what the keyring did when it was last asked.
type reach int

const (
	opening   reach = iota // not asked yet
	answering              // its last call went through
	silent                 // its last call failed: memory holds the sessions
)

// entry is a change the keyring has yet to take: a session to save or, with
// sess nil, one to delete. Every change is a new entry, so a write that ends
// after a newer change replaced its entry leaves the newer one pending.
type entry struct{ sess *agent.Session }

// NewFallback answers a store over the OS keyring that has not asked it
// anything yet; Info says "opening" until the first call, usually a
// [Fallback.Retry] made at start. log hears when the session moves between
// memory and the keyring.
func NewFallback(opts Options, log *slog.Logger) (*Fallback, error) {
	kr, err := newKeyringStore(opts)
	if err != nil {
		return nil, err
	}
	if log == nil {
		log = slog.Default()
	}
	return &Fallback{kr: kr, log: log, lock: make(chan struct{}, 1), pending: map[string]*entry{}}, nil
}

// Retry asks the keyring now: it moves what memory holds into it or, with
// nothing held, checks that it answers. It answers nil when the keyring
// holds every session, and back when the keyring answered where its last
// call had failed: a session an earlier run saved in it can be loaded now.
// A keyring known to answer, with nothing to move, is not asked at all.
func (f *Fallback) Retry(ctx context.Context) (back bool, err error) {
	unlock, err := f.acquire(ctx)
	if err != nil {
		return false, fmt.Errorf("keyring: %w", err)
	}
	defer unlock()
	f.mu.Lock()
	before := f.reach
	f.mu.Unlock()
	if err := f.sync(ctx); err != nil {
		return false, err
	}
	return before == silent, nil
}

// Info names the store that holds the session now: the keyring's own Info
// while it answers (a save on its way to it included), else memory, with
// the reason.
func (f *Fallback) Info() agent.StoreInfo {
	f.mu.Lock()
	r, problem, held := f.reach, f.problem, f.heldLocked()
	f.mu.Unlock()
	switch {
	case r == answering:
		return f.kr.Info()
	case r == opening && !held:
		return agent.StoreInfo{Kind: "opening", Problem: "the OS keyring has not answered yet"}
	case r == opening:
		problem = "the OS keyring has not answered yet"
	}
	return agent.StoreInfo{Kind: "memory", Persistent: false,
		Problem: problem + ": the session is kept in memory until the keyring answers"}
}

// Load answers what memory holds for key's environment, which is newer
// than anything in the keyring (a sign-out included); else what the
// keyring holds, trying it first if its last call failed, and adopting as
// the keyring store does. While it stays silent, memory is the store, and
// it holds nothing here: agent.ErrNoSession, with Info saying why. A
// session held for another URL than key's is not answered.
func (f *Fallback) Load(ctx context.Context, key agent.Key) (agent.Session, error) {
	unlock, err := f.acquire(ctx)
	if err != nil {
		return agent.Session{}, fmt.Errorf("keyring: load: %w", err)
	}
	defer unlock()
	f.mu.Lock()
	e, ok := f.pending[key.Env]
	r := f.reach
	f.mu.Unlock()
	switch {
	case ok && (e.sess == nil || e.sess.BaseURL != normalize(key.URL)):
		return agent.Session{}, agent.ErrNoSession
	case ok:
		return *e.sess, nil
	case r != answering && f.sync(ctx) != nil:
		return agent.Session{}, agent.ErrNoSession
	}
	return f.kr.Load(ctx, key)
}

// Save keeps sess in memory, then writes it, with anything else memory
// holds, to the keyring. It fails only for a session no store could give
// back whole; a keyring that does not take it leaves it in memory.
func (f *Fallback) Save(ctx context.Context, sess agent.Session) error {
	if err := validate(sess); err != nil {
		return err
	}
	sess.BaseURL = normalize(sess.BaseURL)
	f.mu.Lock()
	f.pending[sess.Env] = &entry{sess: &sess}
	f.last = sess.Env
	f.mu.Unlock()
	unlock, err := f.acquire(ctx)
	if err != nil {
		return nil // a keyring call that waits has the lock; the session stays pending
	}
	defer unlock()
	_ = f.sync(ctx) // on failure Info says why
	return nil
}

// Delete forgets what memory holds for env and removes the keyring's
// session of env. When the keyring does not answer it says so, and the
// session is removed from the keyring once it answers.
func (f *Fallback) Delete(ctx context.Context, env string) error {
	e := &entry{}
	f.mu.Lock()
	f.pending[env] = e
	f.mu.Unlock()
	unlock, err := f.acquire(ctx)
	if err != nil {
		return fmt.Errorf("keyring: delete: %w", err)
	}
	defer unlock()
	// The metadata file says whether the keyring has anything to delete, so
	// no keyring is asked for what it never held.
	held, err := f.kr.holds(env)
	if err != nil || !held {
		f.done(env, e)
		return err
	}
	return f.sync(ctx)
}

// sync asks the keyring to take every pending change, the environment saved
// last written last (so that the metadata file's last URL is its), after a
// probe when its last call failed. Called with f.lock held.
func (f *Fallback) sync(ctx context.Context) error {
	f.mu.Lock()
	before := f.reach
	f.mu.Unlock()
	var err error
	if before != answering {
		err = f.kr.probe(ctx)
	}
	moved := 0
	for err == nil {
		env, e := f.next()
		if e == nil {
			break
		}
		if e.sess == nil {
			err = f.kr.Delete(ctx, env)
		} else {
			err = f.kr.Save(ctx, *e.sess)
		}
		if err == nil {
			f.done(env, e)
			if e.sess != nil {
				moved++
			}
		}
	}
	f.settle(before, moved, err)
	return err
}

// next picks a pending change, the one of the environment saved last only
// when it is the only one left.
func (f *Fallback) next() (string, *entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	for env, e := range f.pending {
		if env != f.last || len(f.pending) == 1 {
			return env, e
		}
	}
	return "", nil
}

// done drops a change the keyring took, unless a newer one replaced it.
func (f *Fallback) done(env string, e *entry) {
	f.mu.Lock()
	defer f.mu.Unlock()
	if f.pending[env] == e {
		delete(f.pending, env)
	}
}

// settle records how the keyring answered, and logs a change: one line when
// the sessions go to memory, one when they move back into the keyring.
func (f *Fallback) settle(before reach, moved int, err error) {
	if errors.Is(err, context.Canceled) {
		return // the caller's doing, not the keyring's
	}
	f.mu.Lock()
	if err != nil {
		f.reach, f.problem = silent, strings.TrimPrefix(err.Error(), "keyring: ")
	} else {
		f.reach, f.problem = answering, ""
	}
	f.mu.Unlock()
	switch {
	case err != nil && before == opening:
		f.log.Warn("no OS keyring: sessions are kept in memory until one answers; a restart before that asks for the password again", "reason", err)
	case err != nil && before == answering:
		f.log.Warn("the OS keyring did not take the session: it is kept in memory until the keyring answers; a restart before that asks for the password again", "reason", err)
	case err == nil && before == silent && moved > 0:
		f.log.Info("session moved from memory into the OS keyring: a restart resumes it without a password", "keyring", kind, "sessions", moved)
	case err == nil && before == silent:
		f.log.Info("the OS keyring answers: sessions are kept in it from now on", "keyring", kind)
	}
}

// heldLocked reports whether memory holds a session the keyring does not.
// Called with f.mu held.
func (f *Fallback) heldLocked() bool {
	for _, e := range f.pending {
		if e.sess != nil {
			return true
		}
	}
	return false
}

// acquire takes f.lock, or gives up when ctx ends.
func (f *Fallback) acquire(ctx context.Context) (unlock func(), err error) {
	select {
	case f.lock <- struct{}{}:
		return func() { <-f.lock }, nil
	case <-ctx.Done():
		return nil, ctx.Err()
	}
}
