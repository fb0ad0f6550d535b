package ipc

import (
	"encoding/json"
	"net/http"
	"time"
)

// handleEvents answers GET /v1/events with a text/event-stream: first the
// current status as an event with seq 0, then one event per change, and a
// comment line every 30 s so idle proxies and clients see the stream alive.
func (s *Server) handleEvents(w http.ResponseWriter, r *http.Request) {
	rc := http.NewResponseController(w)
	// The stream lasts as long as the client wants; the client's close ends
	// it, noticed by the server's background read.
	_ = rc.SetReadDeadline(time.Time{})
	// The subscription's first event is the current status.
	sess, err := s.session(r, queryOf(r), "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	events, cancel := sess.Subscribe()
	defer cancel()
	first, ok := <-events
	if !ok {
		return
	}

	h := w.Header()
	h.Set("Content-Type", "text/event-stream")
	h.Set("X-Content-Type-Options", "nosniff")
	w.WriteHeader(http.StatusOK)

	send := func(p []byte) bool {
		// A client that stops reading must not hold this goroutine forever.
		_ = rc.SetWriteDeadline(time.Now().Add(writeBudget))
		if _, err := w.Write(p); err != nil {
			return false
		}
		return rc.Flush() == nil
	}
	sendEvent := func(ev Event) bool {
		b, err := json.Marshal(ev)
		if err != nil {
			s.log().Error("encode event", "err", err)
			return false
		}
		return send(append(append([]byte("data: "), b...), '\n', '\n'))
	}

	if !sendEvent(Event{Env: first.Env, Status: first.Status}) { // seq 0: a snapshot, not a change
		return
	}
	every := s.heartbeat
	if every <= 0 {
		every = defaultHeartbeat
	}
	tick := time.NewTicker(every)
	defer tick.Stop()
	for {
		select {
		case ev, ok := <-events:
			if !ok || !sendEvent(ev) {
				return
			}
		case <-tick.C:
			if !send([]byte(": heartbeat\n\n")) {
				return
			}
		case <-r.Context().Done():
			return
		case <-s.done:
			return
		}
	}
}
