package biotsim

import (
	"net/http"
	"strings"
	"testing"
	"time"
)

// TestLogsHoldNoSecrets runs every flow with Logf on and checks that no
// token or password ever reaches it, while the SMS code does.
func TestLogsHoldNoSecrets(t *testing.T) {
	var logs logSink
	s := start(t, nil, func(c *Options) { c.Logf = logs.logf })

	var secrets []string
	keep := func(l loginResponse) {
		secrets = append(secrets, l.AccessJwt.Token)
		if l.RefreshJwt != nil {
			secrets = append(secrets, l.RefreshJwt.Token)
		}
	}
	for _, u := range []User{alice, mfaBob, resetC, lockD, lockE} {
		secrets = append(secrets, u.Password)
	}

	a := signIn(t, s, alice)
	keep(a)
	login(t, s, User{Username: alice.Username, Password: "wrong-Secret9"})
	secrets = append(secrets, "wrong-Secret9")
	login(t, s, lockE)
	keep(refresh(t, s, a.RefreshJwt.Token).login(t))
	refresh(t, s, a.RefreshJwt.Token) // reuse
	b := login(t, s, mfaBob).login(t)
	keep(b)
	do(t, s, call{Method: "POST", Path: PathMFAResend, Bearer: b.AccessJwt.Token})
	full := do(t, s, mfaCall(b.AccessJwt.Token, s.LastSMSCode(mfaBob.Username))).login(t)
	keep(full)
	do(t, s, logoutCall(full.RefreshJwt.Token))
	keep(login(t, s, resetC).login(t))
	g := sendCode(t, s, otpF.Username)
	keep(do(t, s, otpLoginCall(g.RequestID, s.LastSMSCode(otpF.Username))).login(t))
	secrets = append(secrets, robot.Secret, "wrong-Secret10")
	secrets = append(secrets, serviceToken(t, s, robot.ID, robot.Secret).AccessToken)
	do(t, s, serviceCall(robot.ID, "wrong-Secret10"))
	s.SetFault(Fault500)
	_, _ = send(t.Context(), s, refreshCall(full.RefreshJwt.Token))
	s.SetFault(FaultNone)
	// A client that does not trust the CA makes net/http complain.
	if resp, err := (&http.Client{Timeout: 10 * time.Second}).Get(s.URL() + PathHealth); err == nil {
		resp.Body.Close()
		t.Error("a client with system roots trusted the simulator")
	}

	lines := logs.all()
	if len(lines) == 0 {
		t.Fatal("nothing logged; the SMS codes should be")
	}
	for _, line := range lines {
		for _, secret := range secrets {
			if strings.Contains(line, secret) {
				t.Errorf("log line holds a secret: %q", line)
			}
		}
	}
	if !logs.contains(s.LastSMSCode(mfaBob.Username)) {
		t.Error("the SMS code was not logged")
	}
}
