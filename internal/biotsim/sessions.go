package biotsim

import "time"

// refreshState is what became of a refresh token.
type refreshState int

const (
	refreshLive refreshState = iota
	refreshRotated
	refreshLoggedOut
	refreshRevoked
)

// refreshRecord is the server side of one refresh token, kept by its jti
// after it dies so a reuse can be told from a stranger.
type refreshRecord struct {
	username string
	expires  time.Time
	state    refreshState
	// accessRevoked: the access tokens issued with this refresh token
	// are refused (RevokeAccessTokens).
	accessRevoked bool
}

// mfaChallenge is the SMS code a user must send back.
type mfaChallenge struct {
	code    string
	expires time.Time
}

// fullGrantLocked opens a new refresh token for u and describes the
// answer of a completed sign-in (or refresh). When u must reset the
// password, no refresh token is issued, as the spec says. s.mu must be
// held.
func (s *Server) fullGrantLocked(u *User, now time.Time) grant {
	g := grant{
		userID:        u.ID,
		orgID:         u.OrganizationID,
		scopes:        userScopes,
		accessExp:     now.Add(s.cfg.AccessTTL),
		resetRequired: u.PasswordResetRequired,
	}
	if u.PasswordResetRequired {
		return g
	}
	g.issueRefresh = true
	g.refreshID = newUUID()
	g.refreshExp = now.Add(s.cfg.RefreshTTL)
	s.sessions[g.refreshID] = &refreshRecord{username: u.Username, expires: g.refreshExp}
	return g
}

// RevokeRefreshTokens ends every live refresh token of the user now, as an
// administrator would. Access tokens already issued stay valid until they
// expire: they are stateless JWTs.
func (s *Server) RevokeRefreshTokens(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.sessions {
		if rec.username == username && rec.state == refreshLive {
			rec.state = refreshRevoked
		}
	}
}

// RevokeAccessTokens makes every access token the user holds now answer
// 401 TOKEN_NOT_VALID, as BioT does to a token it ended early, and leaves
// the refresh tokens alive: a refresh then answers a good new pair. (It
// acts on the refresh token each access token was issued with, so an
// access token answered by FaultNoRefreshJwt for a revoked one is refused
// too.)
func (s *Server) RevokeAccessTokens(username string) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, rec := range s.sessions {
		if rec.username == username {
			rec.accessRevoked = true
		}
	}
}

// LastSMSCode is the last MFA code "sent" to the user, or "" if none was.
func (s *Server) LastSMSCode(username string) string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.lastSMS[username]
}
