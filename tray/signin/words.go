package signin

import (
	"errors"
	"fmt"

	"biot-agent/agent"
)

// problem is a failed step put in words: a short title, the agent's own
// explanation when it adds something (it is written for people and holds
// no secret), and what to do.
type problem struct {
	Title  string
	Detail string
	Hint   string
}

// explain turns the backend's answer to an action of the form (password,
// phone, code, resend) into words; byCode says the sign-in is by a code
// sent to the phone.
func explain(err error, action string, byCode bool) *problem {
	var ae *agent.Error
	if !errors.As(err, &ae) {
		// Not the agent's words (a canceled call, say): say little.
		return &problem{Title: "The sign-in did not finish", Hint: "Try again."}
	}
	p := &problem{Detail: ae.Message}
	switch ae.Kind {
	case agent.KindLoginFailed:
		switch action {
		case "phone":
			// The agent's message names the number and what to check.
			p.Title = "BioT sent no code"
		case "resend":
			p.Title = "BioT sent no new code"
		case "code":
			p.Title = "Wrong or expired code"
			if byCode {
				// BioT answers a wrong and an expired code alike.
				p.Hint = "A code works for a few minutes only, and only the newest one: press Send it again for a fresh code."
			}
		}
		if p.Title != "" {
			break
		}
		// The agent's message says the same as the title.
		p.Title, p.Detail = "Wrong username or password", ""
		p.Hint = "Check both and try again. Repeated failures lock the account."
	case agent.KindLocked:
		p.Title = "Account locked"
		if ae.MinutesLeft > 0 {
			p.Title = "Account locked for " + minutes(ae.MinutesLeft)
		} else {
			p.Hint = "Ask your BioT administrator to unlock it, or wait and try again later."
		}
	case agent.KindPasswordReset:
		// The agent's message names the console too; these words do not
		// depend on its wording.
		p.Title, p.Detail = "New password required", ""
		p.Hint = "BioT wants a new password for this account. Set it in the BioT console, then sign in here with the new password."
	case agent.KindOffline:
		p.Title = "BioT cannot be reached"
		p.Hint = "Check the network connection (and the VPN, if you use one), then try again."
	case agent.KindBadRequest:
		p.Title = "Something is missing"
	default:
		p.Title = "Sign-in failed"
	}
	return p
}

func minutes(n int) string {
	if n == 1 {
		return "1 more minute"
	}
	return fmt.Sprintf("%d more minutes", n)
}
