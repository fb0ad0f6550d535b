package agent

import (
	"context"
)

// Store calls are made with a.storeMu held, together with the change of
// memory they belong to, so that a slow save of one session can never land
// after the deletion that ended it (or the other way round).

// stale reports whether the session of generation gen has ended.
func (a *Agent) stale(gen uint64) bool {
	a.mu.Lock()
	defer a.mu.Unlock()
	return a.gen != gen
}

// save stores s under a deadline and records the store's health.
func (a *Agent) save(s Session) error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := a.cfg.Store.Save(ctx, s)
	a.mu.Lock()
	a.noteStore(err)
	a.mu.Unlock()
	if err != nil {
		a.log.Warn("could not save the session; it is kept in memory", "err", err)
	}
	return err
}

// deleteStored removes the stored session under a deadline.
func (a *Agent) deleteStored() error {
	ctx, cancel := context.WithTimeout(context.Background(), storeTimeout)
	defer cancel()
	err := a.cfg.Store.Delete(ctx, a.cfg.Env)
	a.mu.Lock()
	a.noteStore(err)
	a.mu.Unlock()
	if err != nil {
		a.log.Warn("could not remove the session from the store", "err", err)
	}
	return err
}

// noteStore records the outcome of a store call for Status. Called with
// a.mu held.
func (a *Agent) noteStore(err error) { a.storeErr = err }

// logoutUpstream ends a refresh token at BioT, best effort: the session is
// already gone here, whatever BioT answers.
func (a *Agent) logoutUpstream(refreshToken string) {
	if refreshToken == "" {
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), logoutTimeout)
	defer cancel()
	if err := a.cfg.Client.Logout(ctx, refreshToken); err != nil {
		a.log.Warn("could not end the session at BioT", "err", err)
	}
}
