package biot

import (
	"context"
	"encoding/json"
	"net/http"
	"reflect"
	"testing"
	"time"
)

// Each endpoint sends what the spec asks (method, path, headers, body,
// Bearer) and decodes what it answers.
func TestEndpoints(t *testing.T) {
	tk := testTokens()
	serverDate := time.Date(2025, 11, 24, 9, 8, 15, 0, time.UTC)
	loginOK := func(t *testing.T, got any) {
		r := got.(*LoginResponse)
		want := &LoginResponse{
			UserID: userID, OwnerOrganizationID: orgID,
			AccessJwt:  JWT{tk.access, accessExp},
			RefreshJwt: &JWT{tk.refresh, refreshExp},
			ServerDate: serverDate,
		}
		if !reflect.DeepEqual(r, want) {
			t.Errorf("got  %+v\nwant %+v", r, want)
		}
	}
	tests := []struct {
		name   string
		call   func(context.Context, *Client) (any, error)
		body   string // the answer
		method string
		path   string
		bearer string // "" = no Authorization header
		sent   string // the request body as JSON; "" = no body
		check  func(t *testing.T, got any)
	}{
		{
			name: "login posts username and password",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Login(ctx, "alice@example.com", testPassword)
			},
			body:   loginJSON(),
			method: "POST", path: "/ums/v2/users/login",
			sent:  `{"username":"alice@example.com","password":"` + testPassword + `"}`,
			check: loginOK,
		},
		{
			name: "mfa posts the code with the interim token as Bearer",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.LoginMFA(ctx, tk.interim, testSMSCode)
			},
			body:   loginJSON(),
			method: "POST", path: "/ums/v2/users/login/mfa", bearer: tk.interim,
			sent:  `{"code":"` + testSMSCode + `"}`,
			check: loginOK,
		},
		{
			name: "resend posts nothing with the interim token and returns the new code expiry",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ResendMFA(ctx, tk.interim)
			},
			body:   `{"mfaExpiration":"2025-11-24T09:13:14.945Z"}`,
			method: "POST", path: "/ums/v2/users/login/mfa/resend", bearer: tk.interim,
			check: func(t *testing.T, got any) {
				want := time.Date(2025, 11, 24, 9, 13, 14, 945_000_000, time.UTC)
				if !got.(time.Time).Equal(want) {
					t.Errorf("mfaExpiration = %v, want %v", got, want)
				}
			},
		},
		{
			name: "otp code posts the phone and returns the request and the masked phone",
			call: func(ctx context.Context, c *Client) (any, error) {
				id, masked, err := c.GenerateOTP(ctx, testPhone)
				return [2]string{id, masked}, err
			},
			body:   `{"requestId":"` + testReqID + `","phone":"******0123"}`,
			method: "POST", path: "/ums/v2/users/otp/generate",
			sent: `{"phone":"` + testPhone + `"}`,
			check: func(t *testing.T, got any) {
				if got != [2]string{testReqID, "******0123"} {
					t.Errorf("got %v", got)
				}
			},
		},
		{
			name: "otp login posts the request id and the code",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.LoginOTP(ctx, testReqID, testSMSCode)
			},
			body:   loginJSON(),
			method: "POST", path: "/ums/v2/users/otp/login",
			sent:  `{"requestId":"` + testReqID + `","code":"` + testSMSCode + `"}`,
			check: loginOK,
		},
		{
			name: "service login posts the id and secret key and reads the token and BioT's clock",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.ServiceToken(ctx, userID, testSecret)
			},
			body:   `{"accessToken":"` + tk.access + `","accessTokenExpiration":"` + accessExpText + `"}`,
			method: "POST", path: "/ums/v2/services/accessToken",
			sent: `{"id":"` + userID + `","secretKey":"` + testSecret + `"}`,
			check: func(t *testing.T, got any) {
				want := &ServiceToken{AccessToken: tk.access, Expiration: accessExp, ServerDate: serverDate}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "refresh posts the refresh token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Refresh(ctx, tk.refresh)
			},
			body:   loginJSON(),
			method: "POST", path: "/ums/v2/users/token/refresh",
			sent:  `{"refreshToken":"` + tk.refresh + `"}`,
			check: loginOK,
		},
		{
			name: "logout posts the refresh token and takes an empty 200",
			call: func(ctx context.Context, c *Client) (any, error) {
				return nil, c.Logout(ctx, tk.refresh)
			},
			method: "POST", path: "/ums/v2/users/logout",
			sent: `{"refreshToken":"` + tk.refresh + `"}`,
		},
		{
			name: "self gets the user with the access token",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Self(ctx, tk.access)
			},
			body: `{"id":"` + userID + `","username":"alice@example.com","ownerOrganizationId":"` + orgID +
				`","groups":[],"locked":false,"active":true,"credentialType":"PASSWORD","userIdPs":["UMS"]}`,
			method: "GET", path: "/ums/v2/users/self", bearer: tk.access,
			check: func(t *testing.T, got any) {
				want := &User{ID: userID, Username: "alice@example.com", OwnerOrganizationID: orgID,
					CredentialType: "PASSWORD", Active: true}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
		{
			name: "health gets the version and the server's clock",
			call: func(ctx context.Context, c *Client) (any, error) {
				return c.Health(ctx)
			},
			body:   `{"version":"2.4.2","springVersion":"3.2.1","traceId":"` + traceID + `"}`,
			method: "GET", path: "/ums/system/healthCheck",
			check: func(t *testing.T, got any) {
				want := &Health{Status: 200, Version: "2.4.2", TraceID: traceID, ServerDate: serverDate}
				if !reflect.DeepEqual(got, want) {
					t.Errorf("got %+v, want %+v", got, want)
				}
			},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s := newServer(t, func(w http.ResponseWriter, r *http.Request) {
				w.Header().Set("Date", serverDate.Format(http.TimeFormat))
				reply(200, "application/json", tt.body)(w, r)
			})
			got, err := tt.call(t.Context(), s.client)
			if err != nil {
				t.Fatalf("call failed: %v", err)
			}
			req := s.next(t)
			if req.method != tt.method || req.path != tt.path {
				t.Errorf("sent %s %s, want %s %s", req.method, req.path, tt.method, tt.path)
			}
			wantHeaders := map[string]string{
				"Accept":        "application/json",
				"User-Agent":    "biot-agent/" + testVersion,
				"Content-Type":  "",
				"Authorization": "",
			}
			if tt.sent != "" {
				wantHeaders["Content-Type"] = "application/json"
			}
			if tt.bearer != "" {
				wantHeaders["Authorization"] = "Bearer " + tt.bearer
			}
			for k, v := range wantHeaders {
				if got := req.header.Get(k); got != v {
					t.Errorf("header %s = %q, want %q", k, got, v)
				}
			}
			if tt.sent == "" {
				if len(req.body) != 0 {
					t.Errorf("sent a body %q, want none", req.body)
				}
			} else {
				var gotBody, wantBody any
				if err := json.Unmarshal(req.body, &gotBody); err != nil {
					t.Fatalf("sent body is not JSON: %v", err)
				}
				json.Unmarshal([]byte(tt.sent), &wantBody)
				if !reflect.DeepEqual(gotBody, wantBody) {
					t.Errorf("sent body %s, want %s", req.body, tt.sent)
				}
			}
			if tt.check != nil {
				tt.check(t, got)
			}
		})
	}
}
