package biotsim

import "maps"

// Stats counts what the Server answered since it started. A request
// answered by a fault counts in Requests, ByPath and Faults only (except
// FaultNoRefreshJwt, a real refresh, which counts in Refreshes too).
type Stats struct {
	Requests int            // every request, faults included
	ByPath   map[string]int // every request by URL path, faults included
	Faults   int            // requests a fault answered or altered

	Logins         int // 200 answers to login, MFA first steps included
	LoginsRejected int // 400, 401 and 403 answers to login
	SMSSent        int // codes sent, by login, resend and otp/generate
	MFALogins      int // 200 answers to login/mfa
	MFARejected    int // wrong or expired codes and bad bodies on login/mfa
	MFAResends     int // 200 answers to login/mfa/resend
	OTPSent        int // codes sent by otp/generate (counted in SMSSent too)
	OTPLogins      int // 200 answers to otp/login
	OTPRejected    int // wrong, expired or unknown codes, locked users and bad bodies on otp/login

	ServiceSignIns  int // 200 answers to services/accessToken
	ServiceRejected int // 400, 401 and 403 answers to services/accessToken

	Refreshes         int // 200 answers to token/refresh
	RefreshesRejected int // 400 and 403 answers to token/refresh, RefreshReuse included
	RefreshReuse      int // refreshes with a token already rotated out
	// ReuseByToken splits RefreshReuse by the reused token's id (its jti
	// claim), so a test can tell one token spent twice from two tokens
	// spent once each.
	ReuseByToken map[string]int

	Logouts       int // 200 answers to logout
	Self          int // 200 answers to users/self
	HealthChecks  int // 200 answers to the health check
	TokenRejected int // 401 TOKEN_NOT_VALID answers on bearer endpoints
}

// Stats returns a copy of the counters.
func (s *Server) Stats() Stats {
	s.mu.Lock()
	defer s.mu.Unlock()
	st := s.stats
	st.ByPath = maps.Clone(s.stats.ByPath)
	st.ReuseByToken = maps.Clone(s.stats.ReuseByToken)
	return st
}

// count changes the counters under the lock.
func (s *Server) count(f func(*Stats)) {
	s.mu.Lock()
	f(&s.stats)
	s.mu.Unlock()
}
