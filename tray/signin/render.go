package signin

import (
	"bytes"
	_ "embed"
	"html/template"
	"net/http"
	"net/url"
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
	Notice   string // good news, such as a code sent again
	Problem  *problem
	URL      string // typed at the environment step
	Name     string // typed at the environment step
}

// Host is the environment's host, for short mentions.
func (v view) Host() string {
	if u, err := url.Parse(v.BaseURL); err == nil && u.Host != "" {
		return u.Host
	}
	return v.BaseURL
}

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
