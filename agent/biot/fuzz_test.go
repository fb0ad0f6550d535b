package biot

import (
	"strings"
	"testing"
)

// FuzzDecodeLoginResponse: any 200 body decodes or is a *MalformedError,
// never a panic, and a decoded answer has what the spec requires.
func FuzzDecodeLoginResponse(f *testing.F) {
	for _, seed := range []string{
		loginJSON(),
		`{"userId":"u","ownerOrganizationId":"o","accessJwt":{"token":"t","expiration":"2025-11-24T09:23:14.945Z"},"refreshJwt":null}`,
		`{"userId":"u","ownerOrganizationId":"o","accessJwt":{"token":"t","expiration":"2025-11-24T09:23:14Z"},"mfaRequired":true,"mfaExpiration":"2025-11-24T09:13:14.945+02:00"}`,
		`{"accessJwt":{}}`, `{"accessJwt":5}`, `{"refreshJwt":{"token":1}}`, `{"mfaExpiration":"x"}`,
		`null`, `[]`, `""`, `{`, ``, `<html></html>`, `{"userId":null}`, `{"accessJwt":{"expiration":"2025-13-45T99:99:99Z"}}`,
	} {
		f.Add([]byte(seed))
	}
	f.Fuzz(func(t *testing.T, body []byte) {
		r, err := decodeLoginResponse(OpRefresh, 200, body)
		if err != nil {
			if _, ok := err.(*MalformedError); !ok {
				t.Fatalf("error %T, want *MalformedError", err)
			}
			if Classify(err) != ClassTransient || err.Error() == "" {
				t.Fatalf("malformed answer: class %v, message %q", Classify(err), err)
			}
			return
		}
		if r.UserID == "" || r.OwnerOrganizationID == "" || r.AccessJwt.Token == "" {
			t.Fatalf("decoded without a required field: %+v", r)
		}
		if r.RefreshJwt != nil && r.RefreshJwt.Token == "" {
			t.Fatalf("decoded a refreshJwt without a token: %+v", r.RefreshJwt)
		}
	})
}

// FuzzDecodeError: any error answer decodes to an *APIError that classifies,
// reads its lock time and prints, never a panic and never the secret.
func FuzzDecodeError(f *testing.F) {
	const secret = "s3cr3t-r3fr3sh-t0k3n"
	for _, seed := range []struct {
		status int
		body   string
	}{
		{403, biotError("LOGIN_FAILED", "Login failed", "")},
		{401, biotError("USER_LOCKED_WITH_TIME", "locked for 15 minutes", `{"timeLeftInMinutes":"15"}`)},
		{401, biotError("USER_LOCKED_WITH_TIME", "", `[{"a":[{"timeLeftInMinutes":[1e400]}]}]`)},
		{403, biotError("REFRESH_TOKEN_NOT_VALID", "token "+secret+" is not valid", `{"t":"`+secret+`"}`)},
		{403, wafPage},
		{500, ``},
		{429, `{"code":5,"message":["x"],"details":"text"}`},
		{401, `{"code":"USER_LOCKED","details":{"timeLeftInMinutes":{"timeLeftInMinutes":-1e308}}}`},
		{302, `null`},
		{0, `{"code":"X","message":"\u0000\u001b[31m` + strings.Repeat("é", 400) + `"}`},
	} {
		f.Add(seed.status, []byte(seed.body))
	}
	f.Fuzz(func(t *testing.T, status int, body []byte) {
		for _, op := range []string{OpLogin, OpMFA, OpResend, OpRefresh, OpLogout, OpSelf, OpHealth} {
			e := decodeAPIError(op, status, body, []string{secret})
			msg := e.Error()
			if strings.Contains(msg, secret) {
				t.Fatalf("the secret shows in %q", msg)
			}
			if c := Classify(e); c == ClassNone || c == ClassCanceled {
				t.Fatalf("Classify = %v for an answer", c)
			}
			if m, ok := LockedMinutes(e); ok && (m < 0 || m > maxMinutes) {
				t.Fatalf("LockedMinutes = %d", m)
			}
		}
	})
}

// FuzzJWTExpiry feeds JWTExpiry anything a server might send as an access
// token: it must never panic, and an expiry it reports must be a real time.
func FuzzJWTExpiry(f *testing.F) {
	f.Add("eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiJ1IiwiZXhwIjoxNzY0MDAwMDAwfQ.c2ln")
	f.Add("eyJhbGciOiJSUzUxMiJ9.eyJleHAiOiIxNzY0MDAwMDAwIn0.c2ln")
	f.Add("eyJhbGciOiJub25lIn0.eyJleHAiOjEuNWUxMDB9.")
	f.Add("a.b.c")
	f.Add("")
	f.Add("....")
	f.Fuzz(func(t *testing.T, tok string) {
		exp, ok := JWTExpiry(tok)
		if ok && exp.IsZero() {
			t.Errorf("JWTExpiry(%q) = zero time, ok", tok)
		}
		if !ok && !exp.IsZero() {
			t.Errorf("JWTExpiry(%q) = %v, not ok", tok, exp)
		}
	})
}
