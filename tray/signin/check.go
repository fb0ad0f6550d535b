package signin

import (
	"context"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"time"

	"biot-agent/agent/biot"
)

// checkTimeout bounds the health check of a new environment's URL: a
// little more than doctor's, since a person is waiting on a VPN perhaps,
// and less than a person waits for a page.
const checkTimeout = 10 * time.Second

// checkURL checks a new environment's URL as biot-agent doctor does: a URL
// BioT's client takes (https, or http for this machine only), a trusted
// certificate, and BioT's health check answering. It answers the URL as
// the agent will use it, or what is wrong in words. A URL typed without a
// scheme is taken as https.
func checkURL(ctx context.Context, raw string, roots *x509.CertPool, version string) (string, *problem) {
	if raw == "" {
		return "", &problem{Title: "The URL is missing", Hint: urlHint}
	}
	if !strings.Contains(raw, "://") {
		raw = "https://" + raw
	}
	hc := biot.NewHTTPClient(roots)
	defer hc.CloseIdleConnections()
	c, err := biot.New(raw, hc, version)
	if err != nil {
		why := strings.TrimPrefix(err.Error(), "biot: base URL: ")
		if strings.HasPrefix(why, "must ") || strings.HasPrefix(why, "needs ") {
			why = "the URL " + why
		}
		return "", &problem{Title: "This is not a BioT URL the agent can use", Detail: sentence(why), Hint: urlHint}
	}
	ctx, cancel := context.WithTimeout(ctx, checkTimeout)
	defer cancel()
	if _, err := c.Health(ctx); err != nil {
		return "", healthProblem(c.BaseURL(), err)
	}
	return c.BaseURL(), nil
}

// urlHint says where the URL comes from.
const urlHint = "Use the environment’s “Rest API URL” from the BioT Console, such as api.dev.example.biot-med.com."

// healthProblem puts a failed health check of u in words, as doctor does.
func healthProblem(u string, err error) *problem {
	host := u
	if pu, perr := url.Parse(u); perr == nil && pu.Host != "" {
		host = pu.Host
	}
	var (
		unr   *biot.UnreachableError
		api   *biot.APIError
		mal   *biot.MalformedError
		redir *biot.RedirectError
	)
	switch {
	case errors.As(err, &redir):
		return &problem{Title: host + " sends elsewhere instead of answering",
			Detail: "It redirects to " + redir.Location + ".", Hint: urlHint}
	case errors.As(err, &unr) && unr.Reason == "certificate not trusted":
		return &problem{Title: "The certificate of " + host + " is not trusted",
			Detail: said(unr),
			Hint:   "Check the URL. If your network inspects TLS, its root certificate must be installed on this computer (update-ca-certificates, or SSL_CERT_FILE)."}
	case errors.As(err, &unr) && unr.Timeout(), errors.Is(err, context.DeadlineExceeded):
		return &problem{Title: host + " does not answer",
			Detail: fmt.Sprintf("No answer came within %v.", checkTimeout),
			Hint:   "Check the URL, the network connection, and the VPN or proxy if you use one."}
	case errors.As(err, &unr):
		return &problem{Title: host + " cannot be reached (" + unr.Reason + ")",
			Detail: said(unr),
			Hint:   "Check the URL, the network connection, and the VPN or proxy if you use one."}
	case errors.As(err, &api) && api.Firewall:
		return &problem{Title: "A firewall or proxy answered, not BioT",
			Detail: fmt.Sprintf("%s answered HTTP %d to BioT’s health check, with a page that is not BioT’s.", host, api.Status),
			Hint:   "Check the URL and the network or proxy; if it persists, ask BioT support."}
	case errors.As(err, &api):
		d := fmt.Sprintf("BioT’s health check at %s answered HTTP %d %s.", host, api.Status, api.Code)
		if api.TraceID != "" {
			d += " Its trace id is " + api.TraceID + "."
		}
		return &problem{Title: "BioT’s health check failed", Detail: d,
			Hint: "Check the URL: it must be the Rest API URL. If it is, BioT may be down: try again later, or ask BioT support."}
	case errors.As(err, &mal):
		return &problem{Title: host + " is not BioT",
			Detail: "It answered, but not as BioT does (" + mal.Reason + "): a sign-in portal or proxy, or another service.",
			Hint:   urlHint}
	}
	return &problem{Title: "BioT’s health check did not finish", Detail: sentence(detail(err)), Hint: "Try again."}
}

// said is what the system said of an unreachable BioT, after the reason
// the title gives already.
func said(unr *biot.UnreachableError) string {
	d := strings.TrimPrefix(unr.Error(), "biot: "+unr.Op+": BioT unreachable ("+unr.Reason+"): ")
	return "The system said: " + strings.TrimSuffix(d, ".") + "."
}

// detail is a client error without the "biot: health: " it starts with.
func detail(err error) string {
	s := strings.TrimPrefix(err.Error(), "biot: ")
	return strings.TrimPrefix(s, "health: ")
}

// sentence makes s one: a capital first letter, unless it starts with a
// URL, and a full stop.
func sentence(s string) string {
	s = strings.TrimSuffix(strings.TrimSpace(s), ".")
	if s == "" {
		return ""
	}
	if first, _, _ := strings.Cut(s, " "); !strings.Contains(first, "://") {
		s = strings.ToUpper(s[:1]) + s[1:]
	}
	return s + "."
}
