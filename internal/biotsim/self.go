package biotsim

import (
	"crypto/x509"
	"encoding/base64"
	"net/http"
)

// self answers GET /ums/v2/users/self with the user the token belongs to.
func (s *Server) self(w http.ResponseWriter, r *http.Request) {
	c, err := s.bearer(r, ScopeSelfGet)
	if err != nil {
		s.rejectBearer(w)
		return
	}
	s.mu.Lock()
	u := s.userByIDLocked(c.Subject)
	if u == nil {
		s.mu.Unlock()
		s.rejectBearer(w)
		return
	}
	resp := userResponse{
		Username:            u.Username,
		ID:                  u.ID,
		OwnerOrganizationID: u.OrganizationID,
		Groups:              []any{},
		Locked:              u.locked(),
		Active:              true,
		CredentialType:      u.credentialType(),
		UserIdPs:            []string{"UMS"},
	}
	if u.MFAPhone != "" {
		resp.MFA = &mfaInfo{Enabled: true, Phone: u.MFAPhone, ExpirationInMinutes: int(s.cfg.MFATTL.Minutes())}
	}
	if !u.lastLogin.IsZero() {
		resp.LoginTimestamp = formatTime(u.lastLogin)
	}
	s.stats.Self++
	s.mu.Unlock()
	writeJSON(w, http.StatusOK, resp)
}

// healthCheck answers GET /ums/system/healthCheck.
func (s *Server) healthCheck(w http.ResponseWriter, r *http.Request) {
	s.count(func(st *Stats) { st.HealthChecks++ })
	writeJSON(w, http.StatusOK, versionResponse{
		Version:       "2.4.2-biotsim",
		SpringVersion: "simulated",
		TraceID:       randomHex(8),
	})
}

// publicKey answers GET /ums/v1/security/public-key. The encoding, base64
// of the DER SubjectPublicKeyInfo (what Java's Key.getEncoded gives), is a
// guess: the spec says only "string".
func (s *Server) publicKey(w http.ResponseWriter, r *http.Request) {
	der, err := x509.MarshalPKIXPublicKey(&s.key.PublicKey)
	if err != nil {
		s.internalError(w, err)
		return
	}
	writeJSON(w, http.StatusOK, publicKeyResponse{PublicKey: base64.StdEncoding.EncodeToString(der)})
}
