package ipc

import (
	"bytes"
	"encoding/json"
	"reflect"
	"testing"
	"time"
)

// A token as the agent answers it: a JWT, UUIDs, an e-mail and a URL.
var typicalToken = Token{
	Token:          "eyJhbGciOiJSUzUxMiJ9.eyJzdWIiOiJhbmEiLCJleHAiOjE3OTk5OTk5OTl9.c2lnbmF0dXJlLXNpZ25hdHVyZS1zaWduYXR1cmU",
	ExpiresAt:      time.Date(2026, 11, 28, 9, 30, 15, 123456789, time.UTC),
	UserID:         "5c6a1d1e-0b7c-4f5e-9a43-3a1a7e2f6b01",
	Username:       "ana.silva+qa@example.com",
	OrganizationID: "00000000-0000-0000-0000-000000000000",
	BaseURL:        "https://api.dev.example.biot-med.com",
}

// The fast paths must be the ones taken for the agent's usual answer, or
// the socket pays encoding/json's reflection again without anyone noticing.
func TestTheUsualTokenTakesTheFastPaths(t *testing.T) {
	b, err := appendTokenJSON(nil, typicalToken)
	if err != nil {
		t.Fatal(err)
	}
	want, _ := json.Marshal(typicalToken)
	if !bytes.Equal(b, want) {
		t.Fatalf("appendTokenJSON wrote\n%s\nencoding/json writes\n%s", b, want)
	}
	if allocs := testing.AllocsPerRun(100, func() { _, _ = appendTokenJSON(b[:0], typicalToken) }); allocs != 0 {
		t.Errorf("appendTokenJSON allocated %.0f times into a buffer large enough: not the fast path", allocs)
	}
	b = append(b, '\n')
	got, ok := decodeTokenFast(string(b), b)
	if !ok {
		t.Fatalf("decodeTokenFast refused the agent's own answer %s", b)
	}
	if !reflect.DeepEqual(got, typicalToken) {
		t.Errorf("decodeTokenFast = %+v, want %+v", got, typicalToken)
	}
}

// FuzzTokenJSON holds the hand-written token codec to encoding/json: the
// same bytes out, the same token (or an error) in, for any input.
//
//	go test -fuzz=FuzzTokenJSON ./ipc
func FuzzTokenJSON(f *testing.F) {
	b, _ := json.Marshal(typicalToken)
	f.Add(typicalToken.Token, typicalToken.ExpiresAt.Unix(), typicalToken.ExpiresAt.Nanosecond(), 0, typicalToken.Username, typicalToken.BaseURL, b)
	f.Add("a<b>&c", int64(0), 0, 3600, "josé@example.com", `C:\path "q"`, []byte(`{"token":"x\u003c","expiresAt":"2026-01-02T03:04:05Z","userId":"","username":"","organizationId":"","baseURL":""}`))
	f.Add("tab\there", int64(-62135596801), 5, -19800, "", "", []byte(`{"baseURL":"u","token":"t","expiresAt":"2026-01-02T03:04:05+05:30"}`))
	f.Add("t", int64(253402300800), 0, 0, "u", "b", []byte(`{}`)) // year 10000: encoding/json refuses it
	f.Add("", int64(253402300800), 0, 0, "\xff", "\u2028", []byte(`{"token":"t","expiresAt":"2026-13-02T03:04:05Z","userId":"","username":"","organizationId":"","baseURL":""}`))
	f.Add("t", int64(1), 7, 60, "u", "b", []byte(`{"token":"t","expiresAt":"2026-01-02T03:04:05Z","userId":"","username":"","organizationId":"","baseURL":""} x`))
	f.Add("t", int64(1), 7, 60, "u", "b", []byte(`{"token":"t","expiresAt":"2026-01-02T03:04:05Z","userId":"","username":"","organizationId":"","baseURL":"","token":"dup"}`))
	f.Add("t", int64(1), 7, 60, "u", "b", []byte(`{"token":"t","expiresAt":"2026-01-02T03:04:05.Z","userId":"","username":"","organizationId":"","baseURL":""}`+"\n"))
	f.Fuzz(func(t *testing.T, token string, expiresSec int64, nanos, zoneSeconds int, username, baseURL string, data []byte) {
		tok := Token{
			Token:          token,
			ExpiresAt:      time.Unix(expiresSec, int64(nanos)).In(time.FixedZone("", zoneSeconds%(18*3600))),
			UserID:         token,
			Username:       username,
			OrganizationID: username,
			BaseURL:        baseURL,
		}
		got, gotErr := appendTokenJSON(nil, tok)
		want, wantErr := json.Marshal(tok)
		if (gotErr != nil) != (wantErr != nil) || (gotErr == nil && !bytes.Equal(got, want)) {
			t.Fatalf("appendTokenJSON(%+v) = %s, %v\nencoding/json: %s, %v", tok, got, gotErr, want, wantErr)
		}
		// Appended after bytes already there, which it must keep, error or not.
		after, _ := appendTokenJSON([]byte("prefix"), tok)
		if !bytes.Equal(after, append([]byte("prefix"), want...)) {
			t.Fatalf("appendTokenJSON after a prefix = %s, want prefix%s", after, want)
		}
		for _, in := range [][]byte{data, got, append(got, '\n')} {
			var fast, slow Token
			fastErr := decodeToken(in, &fast)
			slowErr := json.Unmarshal(in, &slow)
			if (fastErr != nil) != (slowErr != nil) {
				t.Fatalf("decodeToken(%q) error %v, json.Unmarshal error %v", in, fastErr, slowErr)
			}
			if fastErr == nil && !reflect.DeepEqual(fast, slow) {
				t.Fatalf("decodeToken(%q) = %+v\njson.Unmarshal: %+v", in, fast, slow)
			}
			var owned Token
			ownedErr := decodeTokenOwned(bytes.Clone(in), &owned)
			if (ownedErr != nil) != (slowErr != nil) || !reflect.DeepEqual(owned, fast) {
				t.Fatalf("decodeTokenOwned(%q) = %+v, %v; decodeToken: %+v, %v", in, owned, ownedErr, fast, fastErr)
			}
		}
	})
}
