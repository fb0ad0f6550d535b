package biotsim

import (
	"strings"
	"testing"
	"time"
)

// TestSpecConformance drives every endpoint through each answer it can
// give; do() checks each real answer against the spec (status listed,
// schema, Date header, error body). It needs BIOT_UMS_SPEC.
func TestSpecConformance(t *testing.T) {
	requireSpec(t)
	clock := newFakeClock()
	s := start(t, clock)

	full := signIn(t, s, alice)
	interim := login(t, s, mfaBob).login(t)
	reset := login(t, s, resetC).login(t)
	var rotated loginResponse      // the pair answered by the "refresh" row
	var otpReq generateOtpResponse // the request of the "otp code" row
	lockedOTP := User{Username: "+15550100999", OTP: true, Locked: true}
	s.AddUser(lockedOTP)
	lockedReq := sendCode(t, s, lockedOTP.Username)
	lockedRobot := s.AddServiceUser(ServiceUser{Secret: "locked-Secret8", Locked: true})

	rows := []struct {
		name   string
		call   func() call
		status int
		code   string // the error code, for error answers
	}{
		{"login", func() call { return loginCall(alice.Username, alice.Password) }, 200, ""},
		{"login asks for MFA", func() call { return loginCall(mfaBob.Username, mfaBob.Password) }, 200, ""},
		{"login asks for a new password", func() call { return loginCall(resetC.Username, resetC.Password) }, 200, ""},
		{"login with a wrong password", func() call { return loginCall(alice.Username, "nope") }, 403, "LOGIN_FAILED"},
		{"login of an unknown user", func() call { return loginCall("nobody@example.com", "x") }, 403, "LOGIN_FAILED"},
		{"login without password", func() call {
			return call{Method: "POST", Path: PathLogin, Body: map[string]string{"username": alice.Username}}
		}, 403, "LOGIN_FAILED"},
		{"login of a locked user", func() call { return loginCall(lockD.Username, lockD.Password) }, 401, "USER_LOCKED"},
		{"login of a user locked for a while", func() call { return loginCall(lockE.Username, lockE.Password) }, 401, "USER_LOCKED_WITH_TIME"},
		{"login with a broken body", func() call { return call{Method: "POST", Path: PathLogin, Body: `{"username":`} }, 400, "BAD_REQUEST"},
		{"login without username", func() call { return call{Method: "POST", Path: PathLogin, Body: map[string]string{"password": "x"}} }, 400, "BAD_REQUEST"},
		{"login as a form", func() call {
			return call{Method: "POST", Path: PathLogin, Body: "username=a&password=b", ContentType: "application/x-www-form-urlencoded"}
		}, 400, "BAD_REQUEST"},
		{"login with a null body", func() call { return call{Method: "POST", Path: PathLogin, Body: "null"} }, 400, "BAD_REQUEST"},
		{"login with a number for username", func() call { return call{Method: "POST", Path: PathLogin, Body: `{"username":5}`} }, 400, "BAD_REQUEST"},

		{"mfa with a wrong code", func() call { return mfaCall(interim.AccessJwt.Token, "not-it") }, 403, "LOGIN_FAILED"},
		{"mfa without bearer", func() call { return mfaCall("", "123456") }, 401, "TOKEN_NOT_VALID"},
		{"mfa with a full token", func() call { return mfaCall(full.AccessJwt.Token, "123456") }, 401, "TOKEN_NOT_VALID"},
		{"mfa with an array body", func() call {
			return call{Method: "POST", Path: PathMFALogin, Bearer: interim.AccessJwt.Token, Body: "[]"}
		}, 400, "BAD_REQUEST"},
		{"mfa resend", func() call { return call{Method: "POST", Path: PathMFAResend, Bearer: interim.AccessJwt.Token} }, 200, ""},
		{"mfa resend with a full token", func() call { return call{Method: "POST", Path: PathMFAResend, Bearer: full.AccessJwt.Token} }, 401, "TOKEN_NOT_VALID"},
		{"mfa with the right code", func() call { return mfaCall(interim.AccessJwt.Token, s.LastSMSCode(mfaBob.Username)) }, 200, ""},

		{"refresh", func() call { return refreshCall(full.RefreshJwt.Token) }, 200, ""},
		{"refresh with a rotated-out token", func() call { return refreshCall(full.RefreshJwt.Token) }, 403, "REFRESH_TOKEN_NOT_VALID"},
		{"refresh with garbage", func() call { return refreshCall("not-a-token") }, 403, "REFRESH_TOKEN_NOT_VALID"},
		{"refresh with an access token", func() call { return refreshCall(full.AccessJwt.Token) }, 403, "REFRESH_TOKEN_NOT_VALID"},
		{"refresh without token", func() call { return call{Method: "POST", Path: PathRefresh, Body: map[string]string{}} }, 400, "BAD_REQUEST"},

		{"self", func() call { return call{Method: "GET", Path: PathSelf, Bearer: rotated.AccessJwt.Token} }, 200, ""},
		{"self with the token of a reset", func() call { return call{Method: "GET", Path: PathSelf, Bearer: reset.AccessJwt.Token} }, 200, ""},
		{"self with an MFA interim token", func() call { return call{Method: "GET", Path: PathSelf, Bearer: interim.AccessJwt.Token} }, 401, "TOKEN_NOT_VALID"},
		{"self with a refresh token", func() call { return call{Method: "GET", Path: PathSelf, Bearer: rotated.RefreshJwt.Token} }, 401, "TOKEN_NOT_VALID"},
		{"self without bearer", func() call { return call{Method: "GET", Path: PathSelf} }, 401, "TOKEN_NOT_VALID"},

		{"logout", func() call { return logoutCall(rotated.RefreshJwt.Token) }, 200, ""},
		{"logout with an unknown token", func() call { return logoutCall("not-a-token") }, 200, ""},
		{"logout without token", func() call { return call{Method: "POST", Path: PathLogout, Body: `{}`} }, 400, "BAD_REQUEST"},
		{"refresh after logout", func() call { return refreshCall(rotated.RefreshJwt.Token) }, 403, "REFRESH_TOKEN_NOT_VALID"},

		{"otp code", func() call { return otpCodeCall(otpF.Username) }, 200, ""},
		{"otp code for a phone nobody has", func() call { return otpCodeCall("+15550100000") }, 409, "PHONE_NOT_VALID"},
		{"otp code for a phone that is no phone", func() call { return otpCodeCall("alice") }, 409, "PHONE_NOT_VALID"},
		{"otp code for a password user", func() call { return otpCodeCall(alice.Username) }, 409, "PHONE_NOT_VALID"},
		{"otp code without phone", func() call { return call{Method: "POST", Path: PathOTPCode, Body: `{}`} }, 400, "BAD_REQUEST"},
		{"otp login with a wrong code", func() call { return otpLoginCall(otpReq.RequestID, "not-it") }, 403, "LOGIN_FAILED"},
		{"otp login", func() call { return otpLoginCall(otpReq.RequestID, s.LastSMSCode(otpF.Username)) }, 200, ""},
		{"otp login with a used code", func() call { return otpLoginCall(otpReq.RequestID, s.LastSMSCode(otpF.Username)) }, 403, "LOGIN_FAILED"},
		{"otp login of a locked user", func() call { return otpLoginCall(lockedReq.RequestID, s.LastSMSCode(lockedOTP.Username)) }, 401, "USER_LOCKED"},
		{"otp login with a request id not a uuid", func() call { return otpLoginCall("42", "123456") }, 400, "BAD_REQUEST"},
		{"otp login without code", func() call {
			return call{Method: "POST", Path: PathOTPLogin, Body: map[string]string{"requestId": otpReq.RequestID}}
		}, 400, "BAD_REQUEST"},
		{"password login of an OTP user", func() call { return loginCall(otpF.Username, "") }, 403, "LOGIN_FAILED"},

		{"service token", func() call { return serviceCall(robot.ID, robot.Secret) }, 200, ""},
		{"service token with a wrong secret", func() call { return serviceCall(robot.ID, "nope") }, 403, "LOGIN_FAILED"},
		{"service token of a service user nobody has", func() call { return serviceCall("3fa85f64-5717-4562-b3fc-2c963f66afa6", "x") }, 403, "LOGIN_FAILED"},
		{"service token of a locked service user", func() call { return serviceCall(lockedRobot, "locked-Secret8") }, 401, "SERVICE_LOCKED"},
		{"service token without secret", func() call { return call{Method: "POST", Path: PathService, Body: map[string]string{"id": robot.ID}} }, 400, "BAD_REQUEST"},
		{"service token with an id not a uuid", func() call { return serviceCall("robot", robot.Secret) }, 400, "BAD_REQUEST"},
		{"service token by GET", func() call { return call{Method: "GET", Path: PathService} }, 405, "METHOD_NOT_ALLOWED"},

		{"health check", func() call { return call{Method: "GET", Path: PathHealth} }, 200, ""},
		{"public key", func() call { return call{Method: "GET", Path: PathPublicKey} }, 200, ""},
		{"a path nobody has", func() call { return call{Method: "GET", Path: "/ums/v2/nothing"} }, 404, "NOT_FOUND"},
		{"a spec path not simulated", func() call { return call{Method: "GET", Path: "/ums/v2/users/" + full.UserID} }, 404, "NOT_FOUND"},
		{"outside /ums", func() call { return call{Method: "GET", Path: "/"} }, 404, "NOT_FOUND"},
		{"GET on login", func() call { return call{Method: "GET", Path: PathLogin} }, 405, "METHOD_NOT_ALLOWED"},
		{"DELETE on self, in the spec but not simulated", func() call { return call{Method: "DELETE", Path: PathSelf, Bearer: full.AccessJwt.Token} }, 405, "METHOD_NOT_ALLOWED"},
		{"mfa login by GET", func() call { return call{Method: "GET", Path: PathMFALogin} }, 405, "METHOD_NOT_ALLOWED"},
	}
	for _, row := range rows {
		c := row.call()
		r := do(t, s, c)
		if r.Status != row.status {
			t.Errorf("%s: want %d, got %d: %s", row.name, row.status, r.Status, r.Body)
			continue
		}
		if row.code != "" {
			if got := r.errorCode(t); got != row.code {
				t.Errorf("%s: want code %s, got %s", row.name, row.code, got)
			}
		}
		switch row.name {
		case "refresh":
			rotated = r.login(t)
		case "otp code":
			r.decode(t, &otpReq)
		}
	}
	if rotated.RefreshJwt == nil {
		t.Fatal("the refresh row did not answer a pair")
	}

	// Expired tokens, on the injected clock.
	clock.Advance(15*time.Minute + time.Second)
	wantError(t, self(t, s, full.AccessJwt.Token), 401, "TOKEN_NOT_VALID")
	wantError(t, do(t, s, mfaCall(interim.AccessJwt.Token, "123456")), 401, "TOKEN_NOT_VALID")

	// Faults answer in BioT's error body where the spec lists them.
	for _, fc := range []struct {
		fault  Fault
		path   string
		status int
		code   string
	}{
		{Fault500, PathLogin, 500, "INTERNAL_SERVER_ERROR"},
		{Fault504, PathLogin, 504, "GATEWAY_TIMEOUT"},
		{Fault500, PathRefresh, 500, "INTERNAL_SERVER_ERROR"},
		{Fault504, PathRefresh, 504, "GATEWAY_TIMEOUT"},
		{Fault500, PathPublicKey, 500, "INTERNAL_SERVER_ERROR"},
		{Fault500, PathOTPCode, 500, "INTERNAL_SERVER_ERROR"},
		{Fault504, PathOTPLogin, 504, "GATEWAY_TIMEOUT"},
		{Fault500, PathService, 500, "INTERNAL_SERVER_ERROR"},
		{Fault504, PathService, 504, "GATEWAY_TIMEOUT"},
	} {
		s.SetFaultFor(fc.fault, fc.path)
		method := "POST"
		if fc.path == PathPublicKey {
			method = "GET"
		}
		wantError(t, do(t, s, call{Method: method, Path: fc.path, Body: map[string]string{"username": "x", "refreshToken": "x"}}), fc.status, fc.code)
		s.SetFault(FaultNone)
	}

	// Every endpoint was exercised.
	st := s.Stats()
	for _, p := range Paths() {
		if st.ByPath[p] == 0 {
			t.Errorf("%s was never called", p)
		}
	}
}

// TestSpecCheckerCatchesMistakes proves the checker is not a rubber stamp:
// each document here breaks the spec in one way and must be caught.
func TestSpecCheckerCatchesMistakes(t *testing.T) {
	sp := requireSpec(t)
	const (
		uid   = `"userId":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1"`
		org   = `"ownerOrganizationId":"00d1b4a0-5b4e-4d59-9a5b-9f0ad1c1a7a2"`
		jwtOK = `{"token":"a.b.c","expiration":"2025-11-24T09:23:14.945Z"}`
	)
	rows := []struct {
		name, schema, doc string
		ok                bool
	}{
		{"a good LoginResponse", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":` + jwtOK + `,"refreshJwt":` + jwtOK + `,"mfaRequired":false}`, true},
		{"refreshJwt null, as the spec's prose allows", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":` + jwtOK + `,"refreshJwt":null}`, true},
		{"accessJwt null", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":null}`, false},
		{"userId missing", "LoginResponse", `{` + org + `,"accessJwt":` + jwtOK + `}`, false},
		{"userId not a uuid", "LoginResponse", `{"userId":"42",` + org + `,"accessJwt":` + jwtOK + `}`, false},
		{"expiration without milliseconds", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":{"token":"t","expiration":"2025-11-24T09:23:14Z"}}`, false},
		{"expiration with an offset", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":{"token":"t","expiration":"2025-11-24T10:23:14.945+01:00"}}`, false},
		{"expiration not a date", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":{"token":"t","expiration":"soon"}}`, false},
		{"token missing", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":{"expiration":"2025-11-24T09:23:14.945Z"}}`, false},
		{"mfaRequired as a string", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":` + jwtOK + `,"mfaRequired":"false"}`, false},
		{"a misspelt property", "LoginResponse", `{` + uid + `,` + org + `,"accessJwt":` + jwtOK + `,"refreshJWT":` + jwtOK + `}`, false},
		{"an array", "LoginResponse", `[]`, false},
		{"error details as an array", "ErrorResponse", `{"code":"X","details":[]}`, false},
		{"error details with anything inside", "ErrorResponse", `{"code":"X","details":{"timeLeftInMinutes":5}}`, true},
		{"username too short", "UserResponse", `{"username":"bob",` + `"id":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1",` + org + `}`, false},
		{"credentialType outside its enum", "UserResponse", `{"username":"bobby","id":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1",` + org + `,"credentialType":"SMS"}`, false},
		{"mfa minutes above the maximum", "UserResponse", `{"username":"bobby","id":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1",` + org + `,"mfa":{"enabled":true,"phone":"+1","expirationInMinutes":1441}}`, false},
		{"mfa minutes not an integer", "UserResponse", `{"username":"bobby","id":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1",` + org + `,"mfa":{"enabled":true,"phone":"+1","expirationInMinutes":1.5}}`, false},
		{"a good service token", "ServiceUserAccessTokenResponse", `{"accessToken":"a.b.c","accessTokenExpiration":"2025-11-24T09:23:14.945Z"}`, true},
		{"a service token without expiration", "ServiceUserAccessTokenResponse", `{"accessToken":"a.b.c"}`, false},
		{"a service token expiring without milliseconds", "ServiceUserAccessTokenResponse", `{"accessToken":"a.b.c","accessTokenExpiration":"2025-11-24T09:23:14Z"}`, false},
		{"a refresh token in a service answer", "ServiceUserAccessTokenResponse", `{"accessToken":"a.b.c","accessTokenExpiration":"2025-11-24T09:23:14.945Z","refreshToken":"x"}`, false},
		{"an OTP request id not a uuid", "GenerateOtpResponse", `{"requestId":"42","phone":"******8901"}`, false},
		{"an OTP answer without request id", "GenerateOtpResponse", `{"phone":"******8901"}`, false},
		{"a good OTP answer", "GenerateOtpResponse", `{"requestId":"3fa85f64-5717-4562-b3fc-2c963f66afa6","phone":"******8901"}`, true},
		{"repeated userIdPs", "UserResponse", `{"username":"bobby","id":"6f1d1b36-3b4e-4d59-9a5b-9f0ad1c1a7a1",` + org + `,"userIdPs":["UMS","UMS"]}`, false},
	}
	for _, row := range rows {
		t.Run(row.name, func(t *testing.T) {
			errs := sp.validate([]byte(row.doc), row.schema)
			if row.ok && len(errs) > 0 {
				t.Errorf("want valid, got %s", strings.Join(errs, "; "))
			}
			if !row.ok && len(errs) == 0 {
				t.Errorf("want the checker to reject %s", row.doc)
			}
		})
	}
}

func loginCall(username, password string) call {
	return call{Method: "POST", Path: PathLogin, Body: map[string]string{"username": username, "password": password}}
}

func mfaCall(bearer, code string) call {
	return call{Method: "POST", Path: PathMFALogin, Bearer: bearer, Body: map[string]string{"code": code}}
}

func refreshCall(token string) call {
	return call{Method: "POST", Path: PathRefresh, Body: map[string]string{"refreshToken": token}}
}

func logoutCall(token string) call {
	return call{Method: "POST", Path: PathLogout, Body: map[string]string{"refreshToken": token}}
}
