package ipc

import (
	"context"
	"encoding/json"
	"errors"
	"io"
	"net/http"
	"strings"
)

// handleStatus answers GET /v1/status.
func (s *Server) handleStatus(w http.ResponseWriter, r *http.Request) {
	sess, err := s.session(r, queryOf(r), "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(sess))
}

func (s *Server) status(sess Session) StatusResponse {
	return StatusResponse{Status: sess.Status(), Version: s.Version}
}

// handleEnvironments answers GET /v1/environments.
func (s *Server) handleEnvironments(w http.ResponseWriter, r *http.Request) {
	statuses, def := s.Backend.Environments()
	if statuses == nil {
		statuses = []Status{}
	}
	writeJSON(w, http.StatusOK, Environments{Default: def, Environments: statuses})
}

// loginRequest is the body of POST /v1/login, in one of three forms:
// {"username","password"}, {"code"} or {"resend":true}.
type loginRequest struct {
	Env      string `json:"env,omitempty"`
	Username string `json:"username"`
	Password string `json:"password"`
	Code     string `json:"code"`
	Resend   bool   `json:"resend"`
}

// handleLogin answers POST /v1/login: a sign-in, its MFA step, or a request
// to resend the SMS code. Success answers the new status.
func (s *Server) handleLogin(w http.ResponseWriter, r *http.Request) {
	var req loginRequest
	if err := decodeBody(r.Body, &req); err != nil {
		s.writeError(w, r, err)
		return
	}
	sess, err := s.session(r, queryOf(r), req.Env)
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	allowTime(w, requestBudget)
	ctx, cancel := context.WithTimeout(r.Context(), requestBudget)
	defer cancel()
	switch {
	case req.Username != "" && req.Password != "" && req.Code == "" && !req.Resend:
		s.log().Info("sign-in requested")
		err = sess.Login(ctx, req.Username, req.Password)
	case req.Code != "" && req.Username == "" && req.Password == "" && !req.Resend:
		s.log().Info("SMS code submitted")
		err = sess.SubmitMFA(ctx, req.Code)
	case req.Resend && req.Username == "" && req.Password == "" && req.Code == "":
		s.log().Info("SMS code resend requested")
		err = sess.ResendMFA(ctx)
	default:
		err = badRequest(`send {"username","password"}, {"code"} or {"resend":true}`)
	}
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(sess))
}

// handleLogout answers POST /v1/logout with the new status.
func (s *Server) handleLogout(w http.ResponseWriter, r *http.Request) {
	// A body means nothing here; read it so ReadTimeout still bounds it.
	if _, err := io.Copy(io.Discard, r.Body); err != nil {
		s.writeError(w, r, bodyError(err))
		return
	}
	sess, err := s.session(r, queryOf(r), "")
	if err != nil {
		s.writeError(w, r, err)
		return
	}
	allowTime(w, requestBudget)
	ctx, cancel := context.WithTimeout(r.Context(), requestBudget)
	defer cancel()
	s.log().Info("sign-out requested")
	if err := sess.Logout(ctx); err != nil {
		s.writeError(w, r, err)
		return
	}
	writeJSON(w, http.StatusOK, s.status(sess))
}

// decodeBody reads one JSON object from body into v. Its errors never
// quote the body: it may hold a password.
func decodeBody(body io.Reader, v any) error {
	dec := json.NewDecoder(body)
	dec.DisallowUnknownFields()
	if err := dec.Decode(v); err != nil {
		return bodyError(err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return bodyError(err)
		}
		return badRequest("the body must hold one JSON object and nothing after it")
	}
	return nil
}

func bodyError(err error) error {
	var mbe *http.MaxBytesError
	switch {
	case errors.As(err, &mbe):
		return badRequest("the body is larger than 64 KiB")
	case strings.HasPrefix(err.Error(), "json: unknown field "):
		// Names the field, never its value.
		return badRequest("unexpected field " + strings.TrimPrefix(err.Error(), "json: unknown field "))
	case errors.Is(err, io.EOF):
		return badRequest("the body is empty; it must be a JSON object")
	}
	return badRequest("the body must be a JSON object")
}
