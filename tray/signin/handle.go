package signin

import (
	"context"
	"errors"
	"net/http"
	"net/url"
	"regexp"
	"strings"

	"biot-agent/agent"
)

// validName is what an environment may be called: short, lower-case, and
// fit for a command line (biot-agent token --env NAME) and a file.
var validName = regexp.MustCompile(`^[a-z0-9][a-z0-9-]{0,31}$`)

// get shows the page's current step, or that it expired.
func (s *Server) get(w http.ResponseWriter, p *page) {
	p.mu.Lock()
	defer p.mu.Unlock()
	if p.dead(s.clk.Now()) {
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	}
	if p.step == stepEnvironment {
		s.render(w, http.StatusOK, s.envForm(p))
		return
	}
	b, ok := s.backend(p)
	if !ok {
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	}
	v := s.form(p, b)
	if p.step == stepPassword {
		v.prefill(b.Status().Username)
	}
	s.render(w, http.StatusOK, v)
}

// post runs one step of the sign-in: the action field says which, and it
// must be one of the page's step.
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
	action := f.Get("action")
	if p.step == stepEnvironment {
		// Until an environment is added, there is nobody to sign in to.
		if action != "environment" {
			s.refuse(w, http.StatusBadRequest, "unknown action", "unknown action")
			return
		}
		s.addEnvironment(ctx, w, p, f.Get("url"), f.Get("name"))
		return
	}
	b, ok := s.backend(p)
	if !ok {
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	}
	switch action {
	case "password":
		username := f.Get("username")
		err := b.Login(ctx, username, f.Get("password"))
		var ae *agent.Error
		if errors.As(err, &ae) && ae.Kind == agent.KindMFARequired {
			p.step, p.prompt, p.byCode = stepCode, ae.Message, false
			s.log.Info("sign-in page: BioT asked for an SMS code", "env", p.env)
			s.render(w, http.StatusOK, s.form(p, b))
			return
		}
		s.finish(w, p, b, err, action, username)
	case "phone":
		s.requestCode(ctx, w, p, b, f.Get("phone"))
	case "code":
		s.finish(w, p, b, b.SubmitMFA(ctx, f.Get("code")), action, "")
	case "resend":
		if err := b.ResendMFA(ctx); err != nil {
			s.finish(w, p, b, err, action, "")
			return
		}
		v := s.form(p, b)
		v.Notice = "BioT sent a new code. Enter the newest one."
		if p.byCode {
			v.Notice = "BioT sent a new code" + to(p.sentTo) + ". Enter the newest one: the one before no longer works."
		}
		s.render(w, http.StatusOK, v)
	case "restart":
		p.step, p.prompt, p.byCode = stepPassword, "", false
		v := s.form(p, b)
		v.prefill(b.Status().Username)
		s.render(w, http.StatusOK, v)
	default:
		s.refuse(w, http.StatusBadRequest, "unknown action", "unknown action")
	}
}

// addEnvironment runs the environment step: the name must be free and
// well formed, the URL BioT's; then the environment is added and the page
// goes on to sign in to it.
func (s *Server) addEnvironment(ctx context.Context, w http.ResponseWriter, p *page, rawURL, name string) {
	rawURL = strings.TrimSpace(rawURL)
	p.url, p.name = withoutUserInfo(rawURL), strings.TrimSpace(name)
	v := s.envForm(p)
	switch {
	case !validName.MatchString(p.name):
		v.Problem = &problem{Title: "Choose another short name",
			Detail: "A name is 1 to 32 lower-case letters, digits and dashes, and starts with a letter or a digit.",
			Hint:   "Such as dev, staging or prod-eu. Scripts use it: biot-agent token --env NAME."}
	case s.taken(p.name):
		v.Problem = &problem{Title: "There is an environment named " + p.name + " already",
			Hint: "Choose another name, or sign in to " + p.name + " from the BioT agent’s menu."}
	}
	if v.Problem != nil {
		s.render(w, http.StatusOK, v)
		return
	}
	base, prob := checkURL(ctx, rawURL, s.roots, s.version)
	if prob != nil {
		s.log.Info("sign-in page: the new environment's URL did not pass", "why", prob.Title)
		v.Problem = prob
		s.render(w, http.StatusOK, v)
		return
	}
	if err := s.add(ctx, p.name, base); err != nil {
		s.log.Warn("sign-in page: the environment could not be added", "env", p.name, "err", err)
		v.Problem = &problem{Title: "The environment could not be added", Detail: err.Error(),
			Hint: "Try again; if it fails again, the BioT agent’s log says more."}
		s.render(w, http.StatusOK, v)
		return
	}
	b, err := s.envs(p.name)
	if err != nil {
		s.log.Warn("sign-in page: the added environment cannot be found", "env", p.name, "err", err)
		v.Problem = &problem{Title: "The environment was added, but the agent does not know it yet",
			Hint: "Sign in to " + p.name + " from the BioT agent’s menu."}
		s.render(w, http.StatusOK, v)
		return
	}
	s.log.Info("sign-in page: environment added", "env", p.name, "url", base)
	p.env, p.step = p.name, stepPassword
	v = s.form(p, b)
	v.Notice = "BioT answers at this address. Now sign in."
	s.render(w, http.StatusOK, v)
}

// withoutUserInfo is raw as the form shows it again: without a password
// typed into it (https://user:password@host), which the check refuses.
func withoutUserInfo(raw string) string {
	full := raw
	if !strings.Contains(raw, "://") {
		full = "https://" + raw
	}
	u, err := url.Parse(full)
	switch {
	case err != nil && strings.Contains(raw, "@"):
		return ""
	case err != nil || u.User == nil:
		return raw
	}
	u.User = nil
	return u.String()
}

// taken says whether an environment of that name is configured.
func (s *Server) taken(name string) bool {
	_, err := s.envs(name)
	return err == nil
}

// backend is the agent of the page's environment; false when it is no
// longer configured, and the page cannot go on.
func (s *Server) backend(p *page) (Backend, bool) {
	b, err := s.envs(p.env)
	if err != nil {
		s.log.Warn("sign-in page: its environment is gone", "env", p.env, "err", err)
		return nil, false
	}
	return b, true
}

// requestCode starts a sign-in by a code sent to the phone: BioT sends
// the code, and the page asks for it. A number BioT sends no code to stays
// in the phone form, with the agent's words.
func (s *Server) requestCode(ctx context.Context, w http.ResponseWriter, p *page, b Backend, typed string) {
	p.phone = strings.TrimSpace(typed)
	masked, err := b.RequestCode(ctx, p.phone)
	if err != nil {
		s.finish(w, p, b, err, "phone", "")
		return
	}
	p.step, p.byCode, p.sentTo = stepCode, true, masked
	p.prompt = "BioT sent a code" + to(masked) + ": enter it to finish signing in"
	s.log.Info("sign-in page: BioT sent a sign-in code", "env", p.env)
	s.render(w, http.StatusOK, s.form(p, b))
}

// to names where a code went, when BioT said.
func to(masked string) string {
	if masked == "" {
		return " to your phone"
	}
	return " to " + masked
}

// finish shows the outcome of a sign-in action: success spends the page;
// a failure shows the form again with the reason. username is what the
// person typed, kept in the form after a failed password step.
func (s *Server) finish(w http.ResponseWriter, p *page, b Backend, err error, action, username string) {
	if err == nil {
		p.used = true
		st := b.Status()
		s.log.Info("signed in from the sign-in page", "env", p.env, "username", st.Username)
		s.render(w, http.StatusOK, view{Step: stepDone, Env: p.env, Username: st.Username, BaseURL: st.BaseURL})
		return
	}
	s.log.Info("sign-in page: sign-in failed", "env", p.env, "action", action, "kind", string(agent.KindOf(err)))
	// A password form sent from the code step (the browser's Back) is no
	// sign-in by code.
	byCode := action == "phone" || (p.byCode && action != "password")
	prob := explain(err, action, byCode)
	st := b.Status()
	switch {
	case action == "password" || action == "phone":
		// The form that was sent is shown again.
		p.step, p.prompt, p.byCode = stepPassword, "", false
	case p.step == stepCode && !st.MFAPending:
		// The agent dropped the sign-in (the code or its interim token
		// expired): only a fresh start can help.
		p.step, p.prompt, p.byCode = stepPassword, "", false
	}
	v := s.form(p, b)
	if p.step != stepPassword {
		v.Problem = prob
		s.render(w, http.StatusOK, v)
		return
	}
	if byCode {
		v.PhoneProblem = prob
	} else {
		v.Problem = prob
	}
	if username != "" {
		v.Username = username
	} else {
		v.prefill(st.Username)
	}
	s.render(w, http.StatusOK, v)
}

// form is the view of a live page at its current sign-in step.
func (s *Server) form(p *page, b Backend) view {
	v := view{
		Step:    p.step,
		Secret:  p.secret,
		CSRF:    p.csrf,
		Prompt:  p.prompt,
		Env:     p.env,
		BaseURL: b.Status().BaseURL,
		ByCode:  p.byCode,
	}
	if p.step == stepPassword {
		v.Phone = p.phone
	}
	return v
}

// envForm is the view of a live page at the environment step.
func (s *Server) envForm(p *page) view {
	return view{Step: stepEnvironment, Secret: p.secret, CSRF: p.csrf, URL: p.url, Name: p.name}
}
