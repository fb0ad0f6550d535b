package signin

import (
	"context"
	"errors"
	"net/http"

	"biot-agent/agent"
)

// get shows the page's current step, or that it expired.
func (s *Server) get(w http.ResponseWriter, p *page) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead(s.clk.Now()) {
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	}
	v := s.form(p)
	if p.step == stepPassword {
		v.Username = s.b.Status().Username
	}
	s.render(w, http.StatusOK, v)
}

// post runs one step of the sign-in: the action field says which.
func (s *Server) post(w http.ResponseWriter, r *http.Request, p *page) {
	if !s.checkPost(w, r, p) {
		return
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead(s.clk.Now()) {
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	}
	ctx, cancel := context.WithTimeout(s.base, callTimeout)
	defer cancel()

	f := r.PostForm
	switch f.Get("action") {
	case "password":
		username := f.Get("username")
		err := s.b.Login(ctx, username, f.Get("password"))
		var ae *agent.Error
		if errors.As(err, &ae) && ae.Kind == agent.KindMFARequired {
			p.step, p.prompt = stepCode, ae.Message
			s.log.Info("sign-in page: BioT asked for an SMS code")
			s.render(w, http.StatusOK, s.form(p))
			return
		}
		s.finish(w, p, err, username)
	case "code":
		s.finish(w, p, s.b.SubmitMFA(ctx, f.Get("code")), "")
	case "resend":
		if err := s.b.ResendMFA(ctx); err != nil {
			s.finish(w, p, err, "")
			return
		}
		v := s.form(p)
		v.Notice = "BioT sent a new code. Enter the newest one."
		s.render(w, http.StatusOK, v)
	case "restart":
		p.step, p.prompt = stepPassword, ""
		v := s.form(p)
		v.Username = s.b.Status().Username
		s.render(w, http.StatusOK, v)
	default:
		s.refuse(w, http.StatusBadRequest, "unknown action", "unknown action")
	}
}

// finish shows the outcome of a sign-in step: success spends the page; a
// failure shows the form again with the reason. username is what the
// person typed, kept in the form after a failed password step.
func (s *Server) finish(w http.ResponseWriter, p *page, err error, username string) {
	if err == nil {
		p.used = true
		st := s.b.Status()
		s.log.Info("signed in from the sign-in page", "username", st.Username)
		s.render(w, http.StatusOK, view{Step: stepDone, Username: st.Username, BaseURL: st.BaseURL})
		return
	}
	s.log.Info("sign-in page: sign-in failed", "step", string(p.step), "kind", string(agent.KindOf(err)))
	failedAt := p.step
	st := s.b.Status()
	if p.step == stepCode && !st.MFAPending {
		// The agent dropped the sign-in (the code or its interim token
		// expired): only a fresh start with the password can help.
		p.step, p.prompt = stepPassword, ""
	}
	v := s.form(p)
	v.Problem = explain(err, failedAt)
	if p.step == stepPassword {
		v.Username = username
		if v.Username == "" {
			v.Username = st.Username
		}
	}
	s.render(w, http.StatusOK, v)
}

// form is the view of a live page at its current step.
func (s *Server) form(p *page) view {
	return view{
		Step:    p.step,
		Secret:  p.secret,
		CSRF:    p.csrf,
		Prompt:  p.prompt,
		BaseURL: s.b.Status().BaseURL,
	}
}
