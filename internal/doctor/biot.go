package doctor

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"biot-agent/agent/biot"
)

// Clock skew limits: under skewOK the clock is fine; over skewFail the
// agent misjudges when tokens end by more than its refresh margin.
const (
	skewOK   = 30 * time.Second
	skewFail = 2 * time.Minute
	// certSoon is how close a certificate's end is worth a warning.
	certSoon = 14 * 24 * time.Hour
)

// noURLFix says how to add an environment; where names the config file.
func noURLFix(where string) string {
	if where == "" {
		where = "the config file"
	}
	return `add one: biot-agent login --url https://api.<env>.biot-med.com -e NAME (or "Add a BioT environment…" in the tray, or [environments.NAME] in ` + where + `)`
}

// checkBioT finds the BioT URL, asks its health check over HTTPS, and
// compares the clocks. agentURL delivers the running agent's URL, a
// fallback when none is configured.
func checkBioT(ctx context.Context, o Options, agentURL <-chan string) []Finding {
	uf := Finding{Check: CheckURL}
	cf := Finding{Check: CheckClock, Level: Skip}

	type resolved struct{ url, source string }
	limit := budget(ctx, stepTimeout)
	res, err := withTimeout(ctx, limit, func(ctx context.Context) (resolved, error) {
		if o.ResolveURL == nil {
			return resolved{}, nil
		}
		u, src, err := o.ResolveURL(ctx)
		return resolved{u, src}, err
	})
	if err != nil {
		uf.Level, uf.Message = Fail, fmt.Sprintf("cannot tell which BioT to use: %v.", err)
		if errors.Is(err, context.DeadlineExceeded) {
			uf.Message = fmt.Sprintf("finding the BioT URL took over %v.", limit)
		}
		uf.Fix = noURLFix(o.ConfigPath)
		cf.Message = "not checked: no BioT URL"
		return []Finding{uf, cf}
	}
	if res.url == "" {
		select {
		case u := <-agentURL:
			if u != "" {
				res = resolved{u, "the running agent"}
			}
		case <-ctx.Done():
		}
	}
	if res.url == "" {
		uf.Level, uf.Message, uf.Fix = Warn, "no BioT environment yet: the agent runs, signed out, until one is added.", noURLFix(o.ConfigPath)
		cf.Message = "not checked: no BioT URL"
		return []Finding{uf, cf}
	}
	uf.Detail = map[string]string{"url": res.url, "source": res.source}

	var (
		mu    sync.Mutex
		chain []*x509.Certificate
		tlsV  uint16
	)
	hc := biot.NewHTTPClient(o.Roots)
	if tr, ok := hc.Transport.(*http.Transport); ok {
		tr = tr.Clone()
		// VerifyConnection runs after the usual verification, so it only
		// watches: it records what the server showed.
		tr.TLSClientConfig.VerifyConnection = func(cs tls.ConnectionState) error {
			mu.Lock()
			defer mu.Unlock()
			chain, tlsV = cs.PeerCertificates, cs.Version
			return nil
		}
		hc.Transport = tr
	}
	bc, err := biot.New(res.url, hc, o.Version)
	if err != nil {
		uf.Level, uf.Message = Fail, fmt.Sprintf("%s (from %s) is not usable: %v.", res.url, res.source, err)
		uf.Fix = "use the BioT Console's \"Rest API URL\", https://..."
		cf.Message = "not checked: no usable BioT URL"
		return []Finding{uf, cf}
	}
	limit = budget(ctx, healthTimeout)
	hctx, cancel := context.WithTimeout(ctx, limit)
	defer cancel()
	h, err := bc.Health(hctx)
	now := time.Now()
	if err != nil {
		uf.Level = Fail
		uf.Message, uf.Fix = healthProblem(res.url, res.source, limit, err)
		cf.Message = "not checked: BioT did not answer"
		return []Finding{uf, cf}
	}

	mu.Lock()
	certs, version := chain, tlsV
	mu.Unlock()
	uf.Level = OK
	uf.Message = fmt.Sprintf("%s (from %s) answers /ums/system/healthCheck", res.url, res.source)
	if h.Version != "" {
		uf.Message += " (UMS " + h.Version + ")"
	}
	if len(certs) > 0 {
		leaf := certs[0]
		uf.Message += fmt.Sprintf(" over %s; its certificate is trusted, valid until %s", tls.VersionName(version), leaf.NotAfter.Local().Format(time.DateOnly))
		uf.Detail["certificateNotAfter"] = leaf.NotAfter.UTC().Format(time.RFC3339)
		if left := leaf.NotAfter.Sub(now); left < certSoon {
			uf.Level = Warn
			uf.Message += fmt.Sprintf(", which is in %v", left.Round(time.Hour))
			uf.Fix = "tell the BioT environment's administrators that its certificate ends soon"
		}
	} else if u, _ := url.Parse(res.url); u != nil && u.Scheme == "http" {
		uf.Message += " over plain HTTP (allowed for this machine's own address only)"
	}
	uf.Message += "."
	return []Finding{uf, clockFinding(h.ServerDate, now)}
}

// clockFinding compares the local clock, read when the answer came, with
// the server's Date header.
func clockFinding(server, local time.Time) Finding {
	f := Finding{Check: CheckClock}
	if server.IsZero() {
		f.Level, f.Message = Skip, "not checked: BioT's answer had no Date header."
		return f
	}
	// Date has whole seconds, cut down: the server's clock read up to a
	// second more than it says. Half a second off is the best guess.
	skew := (local.Sub(server) - time.Second/2).Round(time.Second)
	abs := skew
	if abs < 0 {
		abs = -abs
	}
	f.Detail = map[string]string{"skewSeconds": fmt.Sprint(int(skew.Seconds()))}
	dir := "ahead of"
	if skew < 0 {
		dir = "behind"
	}
	switch {
	case abs <= skewOK:
		f.Level, f.Message = OK, fmt.Sprintf("%v from the server's clock (fine up to %v).", abs, skewOK)
		if abs == 0 {
			f.Message = "agrees with the server's clock, to the second."
		}
	case abs <= skewFail:
		f.Level = Warn
		f.Message = fmt.Sprintf("this machine's clock is %v %s the server's: token ends are judged that much off.", abs, dir)
		f.Fix = "turn on network time: timedatectl set-ntp true"
	default:
		f.Level = Fail
		f.Message = fmt.Sprintf("this machine's clock is %v %s the server's: the agent would refresh too late, or think fresh tokens expired.", abs, dir)
		f.Fix = "set the clock right and keep it so: timedatectl set-ntp true"
	}
	return f
}

// healthProblem says why the health check failed, and what to do.
func healthProblem(u, source string, limit time.Duration, err error) (msg, fix string) {
	at := u + " (from " + source + ")"
	var (
		unr   *biot.UnreachableError
		api   *biot.APIError
		mal   *biot.MalformedError
		redir *biot.RedirectError
	)
	switch {
	case errors.As(err, &redir):
		return fmt.Sprintf("%s redirects to %s instead of answering.", at, redir.Location), "check the URL: use the BioT Console's \"Rest API URL\""
	case errors.As(err, &unr) && unr.Reason == "certificate not trusted":
		return fmt.Sprintf("%s shows a certificate this machine does not trust: %v.", at, trimPrefix(err)),
			"check the URL; if your network inspects TLS, add its root certificate to the system (update-ca-certificates) or point SSL_CERT_FILE at it"
	case errors.As(err, &unr) && unr.Timeout():
		return fmt.Sprintf("%s does not answer within %v.", at, limit), "check your network, VPN or proxy (HTTPS_PROXY)"
	case errors.As(err, &unr):
		return fmt.Sprintf("%s cannot be reached (%s): %v.", at, unr.Reason, trimPrefix(err)), "check the URL, your network, VPN or proxy (HTTPS_PROXY)"
	case errors.As(err, &api) && api.Firewall:
		return fmt.Sprintf("%s: a firewall or proxy answered HTTP %d, not BioT.", at, api.Status), "check your network or proxy; if it persists, ask BioT support"
	case errors.As(err, &api):
		fix := "BioT may be down: try again later, or ask BioT support"
		if api.TraceID != "" {
			fix += " (quote the trace id " + api.TraceID + ")"
		}
		return strings.TrimSpace(fmt.Sprintf("%s: the health check answered HTTP %d %s", at, api.Status, api.Code)) + ".", fix
	case errors.As(err, &mal):
		return fmt.Sprintf("%s answered, but not as BioT does (%s): a portal or proxy?", at, mal.Reason), "check the URL and your network"
	case errors.Is(err, context.DeadlineExceeded):
		return fmt.Sprintf("%s does not answer within %v.", at, limit), "check your network, VPN or proxy (HTTPS_PROXY)"
	}
	return fmt.Sprintf("%s: %v.", at, trimPrefix(err)), "check the URL and your network"
}

// trimPrefix drops the "biot: health: " the client's errors start with.
func trimPrefix(err error) string {
	s := strings.TrimPrefix(err.Error(), "biot: ")
	s = strings.TrimPrefix(s, "health: ")
	return strings.TrimSuffix(s, ".")
}
