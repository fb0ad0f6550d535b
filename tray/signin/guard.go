package signin

import (
	"errors"
	"net"
	"net/http"
	"net/netip"
	"strings"
)

// maxBody bounds a POST body: the form holds a username, a password or a
// code, and a token.
const maxBody = 8 << 10

// csrfCookie names the cookie that carries a page's CSRF token. Its Path
// is the page's own, so pages of other runs (cookies ignore the port) never
// mix.
const csrfCookie = "biot_signin_csrf"

// securityHeaders go on every answer, refusals included.
var securityHeaders = map[string]string{
	"Cache-Control": "no-store",
	"Content-Security-Policy": "default-src 'none'; style-src 'unsafe-inline'; " +
		"form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
	"X-Frame-Options":              "DENY",
	"X-Content-Type-Options":       "nosniff",
	"Referrer-Policy":              "same-origin", // see the package doc for why not no-referrer
	"Cross-Origin-Opener-Policy":   "same-origin",
	"Cross-Origin-Resource-Policy": "same-origin",
}

// serveHTTP checks who asks and for what before any page is involved.
func (s *Server) serveHTTP(w http.ResponseWriter, r *http.Request) {
	for k, v := range securityHeaders {
		w.Header().Set(k, v)
	}
	if !loopback(r.RemoteAddr) {
		s.refuse(w, http.StatusForbidden, "forbidden", "peer not on loopback", "remote", r.RemoteAddr)
		return
	}
	if want := s.hostport(); want == "" || r.Host != want {
		s.refuse(w, http.StatusMisdirectedRequest, "misdirected request", "wrong Host header", "host", r.Host)
		return
	}
	secret, ok := secretOf(r.URL.EscapedPath())
	if !ok {
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	p, gone := s.lookup(secret)
	switch {
	case gone:
		s.render(w, http.StatusGone, view{Step: stepExpired})
		return
	case p == nil:
		http.Error(w, "404 page not found", http.StatusNotFound)
		return
	}
	switch r.Method {
	case http.MethodGet, http.MethodHead:
		s.get(w, p)
	case http.MethodPost:
		s.post(w, r, p)
	default:
		w.Header().Set("Allow", "GET, HEAD, POST")
		http.Error(w, "method not allowed", http.StatusMethodNotAllowed)
	}
}

// checkPost answers whether a POST may go on: same origin, a small body,
// and the page's CSRF token in both the form and the cookie. When it may
// not, it has answered already.
func (s *Server) checkPost(w http.ResponseWriter, r *http.Request, p *page) bool {
	if o := r.Header.Get("Origin"); o != "" && o != "http://"+s.hostport() {
		s.refuse(w, http.StatusForbidden, "forbidden: cross-origin request", "cross-origin POST", "origin", o)
		return false
	}
	r.Body = http.MaxBytesReader(w, r.Body, maxBody)
	if err := r.ParseForm(); err != nil {
		var tooBig *http.MaxBytesError
		if errors.As(err, &tooBig) {
			s.refuse(w, http.StatusRequestEntityTooLarge, "the form is too large", "body too large")
		} else {
			s.refuse(w, http.StatusBadRequest, "the form could not be read", "unreadable form")
		}
		return false
	}
	c, err := r.Cookie(csrfCookie)
	if err != nil || !equal(c.Value, p.csrf) || !equal(r.PostForm.Get("csrf"), p.csrf) {
		s.refuse(w, http.StatusForbidden,
			"forbidden: this form did not come from the sign-in page (its token is missing or wrong; cookies for 127.0.0.1 must be allowed)",
			"CSRF token missing or wrong")
		return false
	}
	return true
}

// refuse answers a bare text error and logs why; args never hold a secret.
func (s *Server) refuse(w http.ResponseWriter, status int, text, why string, args ...any) {
	s.log.Warn("sign-in page refused a request: "+why, append([]any{"status", status}, args...)...)
	http.Error(w, text, status)
}

// secretOf takes the secret out of a path of the form /<secret>/.
func secretOf(path string) (string, bool) {
	inner, ok := strings.CutPrefix(path, "/")
	if !ok {
		return "", false
	}
	secret, ok := strings.CutSuffix(inner, "/")
	if !ok || secret == "" || strings.Contains(secret, "/") {
		return "", false
	}
	return secret, true
}

// loopback reports whether a request's peer address is on this machine.
func loopback(remote string) bool {
	host, _, err := net.SplitHostPort(remote)
	if err != nil {
		return false
	}
	a, err := netip.ParseAddr(host)
	return err == nil && a.Unmap().IsLoopback()
}
