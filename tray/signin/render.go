package signin

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
	"regexp"
	"sync"
)

//go:embed page.html
var pageHTML string

// pageTemplate is parsed on first use, not at package init: every run of
// the binary, `biot-agent token` included, would otherwise pay for parsing
// a page only the tray's sign-in ever shows. The tests render every step,
// so a broken template still fails them.
var pageTemplate = sync.OnceValue(func() *template.Template {
	return template.Must(template.New("page").Parse(pageHTML))
})

// view is what the template shows.
type view struct {
	Step     step
	Secret   string // the page's path segment; empty on the expired page
	CSRF     string
	Env      string // the environment's name
	Username string // prefilled, or the account signed in
	BaseURL  string // the environment's BioT URL
	Prompt   string // where the SMS code went
	ByCode   bool   // the code step signs in by a code sent to the phone
	Phone    string // the phone form's number, typed or the last account's
	// PhoneProblem is why the phone form failed: shown in that form,
	// which is then open.
	PhoneProblem *problem
	Notice       string // good news, such as a code sent again
	Problem      *problem
	URL          string // typed at the environment step
	Name         string // typed at the environment step
}

// Host is the environment's host, for short mentions.
func (v view) Host() string {
	if u, err := url.Parse(v.BaseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return v.BaseURL
}

// PhoneOpen says the phone form is shown open: it holds a number, or
// says what went wrong with one.
func (v view) PhoneOpen() bool { return v.Phone != "" || v.PhoneProblem != nil }

// FocusPhone says the phone form has the focus: it went wrong, or holds a
// number while the password form has nothing to say.
func (v view) FocusPhone() bool {
	return v.PhoneProblem != nil || (v.Phone != "" && v.Problem == nil)
}

// prefill puts the last account in the password step's form: a phone
// number (the username of a user who signs in by code) in the phone form,
// unless a number is there already, anything else as the username.
func (v *view) prefill(last string) {
	switch {
	case !e164.MatchString(last):
		v.Username = last
	case v.Phone == "":
		v.Phone = last
	}
}

// e164 is a phone number as BioT knows it: a plus, then up to 15 digits,
// the first not a zero.
var e164 = regexp.MustCompile(`^\+[1-9][0-9]{1,14}$`)

// Action is where the form posts: the page itself.
func (v view) Action() string { return "/" + v.Secret + "/" }

// render writes the page. A form sets the CSRF cookie beside its hidden
// field.
func (s *Server) render(w http.ResponseWriter, status int, v view) {
	var buf bytes.Buffer
	if err := pageTemplate().Execute(&buf, v); err != nil {
		s.log.Error("sign-in page: template failed", "err", err)
		http.Error(w, "the sign-in page could not be shown", http.StatusInternalServerError)
		return
	}
	if v.Secret != "" && v.CSRF != "" {
		http.SetCookie(w, &http.Cookie{
			Name:     csrfCookie,
			Value:    v.CSRF,
			Path:     v.Action(),
			HttpOnly: true,
			SameSite: http.SameSiteStrictMode,
		})
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}
