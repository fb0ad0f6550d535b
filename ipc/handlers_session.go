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

// loginRequest is the body of POST /v1/login, in one of five forms:
// {"username","password"}, {"phone"}, {"code"}, {"resend":true} or
// {"service":true}.
type loginRequest struct {
	Env      string `json:"env,omitempty"`
	Username string `json:"username,omitempty"`
	Password string `json:"password,omitempty"`
	Phone    string `json:"phone,omitempty"`
	Code     string `json:"code,omitempty"`
	Resend   bool   `json:"resend,omitempty"`
	Service  bool   `json:"service,omitempty"`
}

// form names which of the five forms req is, or "" for none of them:
// exactly one form's fields, and nothing of another's.
func (req *loginRequest) form() string {
	password := req.Username != "" || req.Password != ""
	n := 0
	for _, set := range []bool{password, req.Phone != "", req.Code != "", req.Resend, req.Service} {
		if set {
			n++
		}
	}
	switch {
	case n != 1:
		return ""
	case password && req.Username != "" && req.Password != "":
		return "password"
	case req.Phone != "":
		return "phone"
	case req.Code != "":
		return "code"
	case req.Resend:
		return "resend"
	case req.Service:
		return "service"
	}
	return ""
}

// handleLogin answers POST /v1/login: a sign-in with a password, the
// request of a code sent to a phone (a user who signs in without one), the
// SMS code that finishes either, a request to send that code again, or a
// service user's sign-in with its secret key as it is now.
// Success answers the new status, and after {"phone"} where the code went.
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
	switch req.form() {
	case "password":
		s.log().Info("sign-in requested")
		err = sess.Login(ctx, req.Username, req.Password)
	case "phone":
		s.log().Info("sign-in code requested")
		_, err = sess.RequestCode(ctx, req.Phone)
	case "code":
		s.log().Info("SMS code submitted")
		err = sess.SubmitMFA(ctx, req.Code)
	case "resend":
		s.log().Info("SMS code resend requested")
		err = sess.ResendMFA(ctx)
	case "service":
		s.log().Info("service user's sign-in requested")
		err = sess.SignIn(ctx)
	default:
		err = badRequest(`send one of {"username","password"}, {"phone"}, {"code"}, {"resend":true} or {"service":true}`)
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
