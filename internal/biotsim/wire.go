package biotsim

import (
	"bytes"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strconv"
	"time"
)

// The shapes of the spec's components/schemas that the simulator answers.

type jwtToken struct {
	Token      string `json:"token"`
	Expiration string `json:"expiration"`
}

type loginResponse struct {
	UserID                string    `json:"userId"`
	OwnerOrganizationID   string    `json:"ownerOrganizationId"`
	AccessJwt             jwtToken  `json:"accessJwt"`
	RefreshJwt            *jwtToken `json:"refreshJwt"` // null when there is none, as BioT sends
	MFARequired           bool      `json:"mfaRequired"`
	MFAExpiration         string    `json:"mfaExpiration,omitempty"`
	PasswordResetRequired bool      `json:"passwordResetRequired"`
	Phone                 string    `json:"phone,omitempty"`
}

type generateOtpResponse struct {
	RequestID string `json:"requestId"`
	Phone     string `json:"phone"` // masked
}

type serviceTokenResponse struct {
	AccessToken           string `json:"accessToken"`
	AccessTokenExpiration string `json:"accessTokenExpiration"`
}

type resendMfaResponse struct {
	MFAExpiration string `json:"mfaExpiration"`
}

type mfaInfo struct {
	Enabled             bool   `json:"enabled"`
	Phone               string `json:"phone"`
	ExpirationInMinutes int    `json:"expirationInMinutes"`
}

type userResponse struct {
	Username            string   `json:"username"`
	ID                  string   `json:"id"`
	OwnerOrganizationID string   `json:"ownerOrganizationId"`
	Groups              []any    `json:"groups"`
	Locked              bool     `json:"locked"`
	Active              bool     `json:"active"`
	MFA                 *mfaInfo `json:"mfa,omitempty"`
	LoginTimestamp      string   `json:"loginTimestamp,omitempty"`
	CredentialType      string   `json:"credentialType"`
	UserIdPs            []string `json:"userIdPs"`
}

type versionResponse struct {
	Version       string `json:"version"`
	SpringVersion string `json:"springVersion"`
	TraceID       string `json:"traceId"`
}

type publicKeyResponse struct {
	PublicKey string `json:"publicKey"`
}

type errorResponse struct {
	Code        string         `json:"code"`
	Message     string         `json:"message"`
	ServiceName string         `json:"serviceName"`
	TraceID     string         `json:"traceId"`
	Environment string         `json:"environment"`
	Details     map[string]any `json:"details"`
}

// The error codes the simulator answers. The spec names all but the
// routing and bad-request ones, which are guesses.
const (
	codeLoginFailed         = "LOGIN_FAILED"
	codeUserLocked          = "USER_LOCKED"
	codeUserLockedWithTime  = "USER_LOCKED_WITH_TIME"
	codeServiceLocked       = "SERVICE_LOCKED"
	codePhoneNotValid       = "PHONE_NOT_VALID"
	codeRefreshTokenInvalid = "REFRESH_TOKEN_NOT_VALID"
	codeTokenNotValid       = "TOKEN_NOT_VALID"
	codeInternal            = "INTERNAL_SERVER_ERROR"
	codeGatewayTimeout      = "GATEWAY_TIMEOUT"
	codeBadRequest          = "BAD_REQUEST"
	codeNotFound            = "NOT_FOUND"
	codeMethodNotAllowed    = "METHOD_NOT_ALLOWED"
)

// formatTime writes t the way BioT does: UTC, exactly three fraction
// digits, a Z.
func formatTime(t time.Time) string {
	return t.UTC().Format("2006-01-02T15:04:05.000Z")
}

func writeJSON(w http.ResponseWriter, status int, v any) {
	body, err := json.Marshal(v)
	if err != nil {
		// Only the simulator's own types come here; they always marshal.
		panic(fmt.Sprintf("biotsim: marshal %T: %v", v, err))
	}
	h := w.Header()
	h.Set("Content-Type", "application/json")
	h.Set("Content-Length", strconv.Itoa(len(body)))
	h.Set("Cache-Control", "no-store")
	w.WriteHeader(status)
	_, _ = w.Write(body)
}

// writeError answers BioT's error body. message must hold no secret.
func writeError(w http.ResponseWriter, status int, code, message string, details map[string]any) {
	if details == nil {
		details = map[string]any{}
	}
	writeJSON(w, status, errorResponse{
		Code:        code,
		Message:     message,
		ServiceName: "ums",
		TraceID:     randomHex(8),
		Environment: "simulator",
		Details:     details,
	})
}

// maxBody bounds request bodies; BioT's are a few hundred bytes.
const maxBody = 64 << 10

// decodeBody reads a JSON object into v. On failure it has already
// answered 400 and returns false.
func decodeBody(w http.ResponseWriter, r *http.Request, v any) bool {
	mt, _, err := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if err != nil || mt != "application/json" {
		writeError(w, http.StatusBadRequest, codeBadRequest, "Content-Type must be application/json", nil)
		return false
	}
	raw, err := io.ReadAll(http.MaxBytesReader(w, r.Body, maxBody))
	if err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "request body unreadable or too large", nil)
		return false
	}
	if err := unmarshalObject(raw, v); err != nil {
		writeError(w, http.StatusBadRequest, codeBadRequest, "malformed request body: "+err.Error(), nil)
		return false
	}
	return true
}

// unmarshalObject is json.Unmarshal that also rejects a body that is not
// one JSON object (null, an array, trailing data). Its errors describe the
// shape, never the content, so they are safe to send back.
func unmarshalObject(raw []byte, v any) error {
	dec := json.NewDecoder(bytes.NewReader(raw))
	tok, err := dec.Token()
	if err != nil || tok != json.Delim('{') {
		return errors.New("expected a JSON object")
	}
	dec = json.NewDecoder(bytes.NewReader(raw))
	if err := dec.Decode(v); err != nil {
		var te *json.UnmarshalTypeError
		if errors.As(err, &te) {
			return fmt.Errorf("field %q has the wrong type", te.Field)
		}
		return errors.New("invalid JSON")
	}
	if _, err := dec.Token(); err != io.EOF {
		return errors.New("trailing data after the JSON object")
	}
	return nil
}
