package ipc

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"
	"time"
)

// Bounds of the token query parameters.
const (
	maxMinValid = 24 * time.Hour
	maxWait     = 10 * time.Minute
)

// handleToken answers GET /v1/token[?min_valid=5m][&wait=30s].
func (s *Server) handleToken(w http.ResponseWriter, r *http.Request) {
	var minValid, wait time.Duration
	var q url.Values
	if r.URL.RawQuery != "" { // most requests have none: skip parsing
		q = r.URL.Query()
		var err error
		if minValid, err = durationParam(q, "min_valid", false, maxMinValid); err != nil {
			s.writeError(w, r, err)
			return
		}
		if wait, err = durationParam(q, "wait", true, maxWait); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	// The fast path: a token at hand is answered at once, within the
	// deadline the router set. Only a request that may wait for a refresh
	// or a sign-in moves the connection's deadlines (each move is a runtime
	// timer reset: a measurable part of a token's cost).
	sess, err := s.session(r, q, "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	tok, ok := sess.CurrentToken(minValid)
	if !ok {
		allowTime(w, wait+requestBudget)
		var err error
		if tok, err = s.waitToken(r.Context(), sess, minValid, wait); err != nil {
			s.writeError(w, r, err)
			return
		}
	}
	if wantsText(r.Header.Get("Accept")) {
		// The token alone, no newline: `$(...)` and header values take it as
		// it is. The CLI adds the newline when it prints it.
		w.Header().Set("Content-Type", "text/plain; charset=utf-8")
		_, _ = io.WriteString(w, tok.Token)
		return
	}
	body, err := s.tokenJSON(tok)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	w.Header().Set("Content-Type", "application/json")
	_, _ = w.Write(body)
}

// tokenAnswer is a token's JSON answer, kept for the next request: a token
// is asked for far more often than it changes.
type tokenAnswer struct {
	tok  Token
	body []byte // never written to once stored
}

// tokenJSON returns tok's JSON answer, with its newline: the last one again
// when tok has not changed since (comparing the same strings is a pointer
// check), else a new one, which it keeps.
func (s *Server) tokenJSON(tok Token) ([]byte, error) {
	if last := s.lastToken.Load(); last != nil && last.tok == tok {
		return last.body, nil
	}
	body, err := json.Marshal(tok)
	if err != nil {
		return nil, err
	}
	body = append(body, '\n')
	s.lastToken.Store(&tokenAnswer{tok: tok, body: body})
	return body, nil
}

// durationParam reads a Go duration from q. Absent or empty means 0; a
// present value must be within (0, max], or [0, max] when zero is allowed.
func durationParam(q url.Values, name string, zeroOK bool, max time.Duration) (time.Duration, error) {
	v := q.Get(name)
	if v == "" {
		return 0, nil
	}
	d, err := time.ParseDuration(v)
	if err != nil {
		return 0, badRequest(fmt.Sprintf("%s must be a duration such as 30s or 5m", name))
	}
	if d < 0 || (d == 0 && !zeroOK) || d > max {
		low := "above 0"
		if zeroOK {
			low = "from 0"
		}
		return 0, badRequest(fmt.Sprintf("%s must be %s up to %s", name, low, shortDuration(max)))
	}
	return d, nil
}

// shortDuration prints whole hours and minutes without the zero tails
// ("24h", not "24h0m0s").
func shortDuration(d time.Duration) string {
	switch {
	case d%time.Hour == 0:
		return fmt.Sprintf("%dh", d/time.Hour)
	case d%time.Minute == 0:
		return fmt.Sprintf("%dm", d/time.Minute)
	}
	return d.String()
}

// wantsText reports whether the Accept header names text/plain before
// application/json.
func wantsText(accept string) bool {
	switch accept { // what clients send, answered without parsing
	case "text/plain":
		return true
	case "application/json", "":
		return false
	}
	for part := range strings.SplitSeq(accept, ",") {
		mt, _, err := mime.ParseMediaType(strings.TrimSpace(part))
		if err != nil {
			continue
		}
		switch mt {
		case "text/plain":
			return true
		case "application/json":
			return false
		}
	}
	return false
}

// waitable reports whether a token may come later without the caller doing
// anything: someone may sign in, finish MFA, or the network may return.
func waitable(err error) bool {
	switch codeOf(err) {
	case CodeSignedOut, CodeNeedsLogin, CodeOffline, CodeMFARequired:
		return true
	}
	return false
}

// waitToken asks the backend for a token and, while none is available for
// a reason that may pass, retries on each change of state for up to wait.
//
// The wait ends early when the session moves into signed_out or
// needs_login: a logout answers every waiting client with signed_out, and a
// rejected refresh answers them with needs_login. An event that leaves the
// state where it was (a sign-in in progress while signed out, say) does not
// end it, so a client can wait for the person to sign in.
func (s *Server) waitToken(ctx context.Context, sess Session, minValid, wait time.Duration) (Token, error) {
	if wait == 0 {
		// No deadline of its own: allowTime bounded the request by
		// requestBudget already (its read deadline cancels ctx), and a
		// timer per request is a measurable part of a token's cost.
		return sess.Token(ctx, minValid)
	}
	// The state the wait starts from comes with the subscription itself:
	// a logout that lands right after it is an event on the channel,
	// never a state the wait mistakes for where it began.
	events, cancel := sess.Subscribe()
	defer cancel()
	first, ok := <-events
	if !ok {
		return token(ctx, sess, minValid)
	}
	last := first.Status.State
	timer := time.NewTimer(wait)
	defer timer.Stop()
	for {
		tok, err := token(ctx, sess, minValid)
		if err == nil || !waitable(err) {
			return tok, err
		}
		select {
		case ev, ok := <-events:
			if !ok {
				return Token{}, err
			}
			st := ev.Status.State
			if st != last && (st == StateSignedOut || st == StateNeedsLogin) {
				return Token{}, stateError(ev.Status)
			}
			last = st
		case <-timer.C:
			return Token{}, &Error{
				Code:    CodeWaitTimeout,
				Message: fmt.Sprintf("no token within %s: %s", shortDuration(wait), messageOf(err)),
			}
		case <-ctx.Done():
			// The client went away; nobody reads this answer.
			return Token{}, err
		case <-s.done:
			return Token{}, err
		}
	}
}

func token(ctx context.Context, sess Session, minValid time.Duration) (Token, error) {
	ctx, cancel := context.WithTimeout(ctx, requestBudget)
	defer cancel()
	return sess.Token(ctx, minValid)
}

// stateError is the error a waiting client gets when the session moved to
// signed_out or needs_login.
func stateError(st Status) error {
	code := CodeSignedOut
	if st.State == StateNeedsLogin {
		code = CodeNeedsLogin
	}
	return &Error{Code: code, Message: st.Message}
}

// messageOf is the client-facing message of err.
func messageOf(err error) string {
	_, info, _ := toAPI(err)
	return info.Message
}
