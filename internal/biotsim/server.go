package biotsim

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"log"
	"net"
	"net/http"
	"strings"
	"sync"
	"time"
)

// Options sets up a Server. The zero value is a server with no users and
// BioT-like lifetimes.
type Options struct {
	// AccessTTL is the lifetime of access tokens (and of MFA interim
	// tokens). Default 15 minutes.
	AccessTTL time.Duration
	// RefreshTTL is the lifetime of each refresh token. Default 24 hours.
	RefreshTTL time.Duration
	// MFATTL is how long an SMS code stays good, for MFA and for OTP
	// users alike. Default 5 minutes.
	MFATTL time.Duration
	// SlowDelay is how long FaultSlow holds a request. Default 30 seconds.
	SlowDelay time.Duration
	// Now is the clock of every expiration and exp claim; default
	// time.Now. It must be safe for concurrent use. TLS certificates use
	// the real clock, because clients check them against it.
	Now func() time.Time
	// Users are the accounts known at start.
	Users []User
	// ServiceUsers are the service users known at start.
	ServiceUsers []ServiceUser
	// Logf, if set, receives a line per SMS "sent" and per server error.
	// It must be safe for concurrent use. It never sees a token or
	// password.
	Logf func(format string, args ...any)
}

// Server is a running simulator. All its methods are safe for concurrent
// use.
type Server struct {
	cfg       Options
	key       *rsa.PrivateKey
	tls       *authority
	ln        net.Listener
	srv       *http.Server
	url       string
	done      chan struct{} // closed by Close, so held requests let go
	closeOnce sync.Once

	connMu   sync.Mutex
	newConns map[net.Conn]struct{} // connections yet to send a request

	mu       sync.Mutex
	users    map[string]*User          // by username
	byID     map[string]string         // user id -> username
	sessions map[string]*refreshRecord // by refresh token jti
	mfa      map[string]*mfaChallenge  // by user id
	otp      map[string]*otpRequest    // by request id
	services map[string]*ServiceUser   // by id
	lastSMS  map[string]string         // by username
	fault    Fault                     // for every path
	faultFor map[string]Fault          // by path; wins over fault
	stats    Stats
}

// New starts a Server on 127.0.0.1 with a fresh port, certificate
// authority and token key.
func New(cfg Options) (*Server, error) {
	if cfg.AccessTTL <= 0 {
		cfg.AccessTTL = 15 * time.Minute
	}
	if cfg.RefreshTTL <= 0 {
		cfg.RefreshTTL = 24 * time.Hour
	}
	if cfg.MFATTL <= 0 {
		cfg.MFATTL = 5 * time.Minute
	}
	if cfg.SlowDelay <= 0 {
		cfg.SlowDelay = 30 * time.Second
	}
	if cfg.Now == nil {
		cfg.Now = time.Now
	}
	// 2048 bits keeps hundreds of concurrent signatures fast in tests;
	// RS512 names the hash, not the key size.
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		return nil, fmt.Errorf("biotsim: token key: %w", err)
	}
	ca, err := newAuthority()
	if err != nil {
		return nil, fmt.Errorf("biotsim: %w", err)
	}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		return nil, fmt.Errorf("biotsim: listen: %w", err)
	}
	s := &Server{
		cfg:      cfg,
		key:      key,
		tls:      ca,
		ln:       ln,
		url:      "https://" + ln.Addr().String(),
		done:     make(chan struct{}),
		users:    map[string]*User{},
		byID:     map[string]string{},
		sessions: map[string]*refreshRecord{},
		mfa:      map[string]*mfaChallenge{},
		otp:      map[string]*otpRequest{},
		services: map[string]*ServiceUser{},
		lastSMS:  map[string]string{},
		faultFor: map[string]Fault{},
		newConns: map[net.Conn]struct{}{},
		stats:    Stats{ByPath: map[string]int{}, ReuseByToken: map[string]int{}},
	}
	for _, u := range cfg.Users {
		s.AddUser(u)
	}
	for _, su := range cfg.ServiceUsers {
		s.AddServiceUser(su)
	}
	s.srv = &http.Server{
		Handler:           s,
		TLSConfig:         ca.serverConfig(),
		ReadHeaderTimeout: time.Minute, // generous: hundreds of handshakes under -race are slow
		ErrorLog:          log.New(logWriter{s.logf}, "", 0),
		ConnState:         s.trackConn,
		// HTTP/1.1 only, so FaultDown can hijack and close the connection
		// the way a dead load balancer does.
		TLSNextProto: map[string]func(*http.Server, *tls.Conn, http.Handler){},
	}
	go func() {
		err := s.srv.ServeTLS(ln, "", "")
		if err != nil && !errors.Is(err, http.ErrServerClosed) {
			s.logf("biotsim: serve: %v", err)
		}
	}()
	return s, nil
}

// URL is the BioT base URL, https://127.0.0.1:PORT; the endpoints live under
// URL()+"/ums".
func (s *Server) URL() string { return s.url }

// CertPool holds the Server's certificate authority. Each call answers a
// new pool, so the caller may add to it.
func (s *Server) CertPool() *x509.CertPool { return s.tls.pool() }

// CACertPEM is the certificate authority in PEM, for `curl --cacert`.
func (s *Server) CACertPEM() []byte { return append([]byte(nil), s.tls.caPEM...) }

// PublicKey verifies the signature of every token the Server issues.
func (s *Server) PublicKey() *rsa.PublicKey { return &s.key.PublicKey }

// Client is a plain HTTP client that trusts the Server, with a 30-second
// deadline on each request.
func (s *Server) Client() *http.Client {
	return &http.Client{
		Timeout:   30 * time.Second,
		Transport: &http.Transport{TLSClientConfig: s.tls.clientConfig()},
	}
}

// Close stops the Server. Requests held by FaultSlow are let go first;
// Close then waits up to five seconds for answers in flight before cutting
// the connections.
func (s *Server) Close() {
	s.closeOnce.Do(func() {
		close(s.done)
		ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
		defer cancel()
		shut := make(chan error, 1)
		go func() { shut <- s.srv.Shutdown(ctx) }()
		// Shutdown waits for connections that never sent a request (a
		// client's spare dial, say) as if they were busy; like
		// httptest.Server.Close, cut those until Shutdown is done.
		tick := time.NewTicker(10 * time.Millisecond)
		defer tick.Stop()
		for {
			s.closeNewConns()
			select {
			case err := <-shut:
				if err != nil {
					s.srv.Close()
				}
				return
			case <-tick.C:
			}
		}
	})
}

// trackConn is the http.Server's ConnState hook; it keeps the connections
// that have not sent a request yet.
func (s *Server) trackConn(c net.Conn, state http.ConnState) {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	if state == http.StateNew {
		s.newConns[c] = struct{}{}
	} else {
		delete(s.newConns, c)
	}
}

func (s *Server) closeNewConns() {
	s.connMu.Lock()
	defer s.connMu.Unlock()
	for c := range s.newConns {
		_ = c.Close()
		delete(s.newConns, c)
	}
}

func (s *Server) now() time.Time { return s.cfg.Now() }

func (s *Server) logf(format string, args ...any) {
	if s.cfg.Logf != nil {
		s.cfg.Logf(format, args...)
	}
}

// logWriter sends net/http's own complaints (TLS handshakes from clients
// that do not trust the CA, mostly) to Logf instead of stderr.
type logWriter struct{ logf func(string, ...any) }

func (w logWriter) Write(p []byte) (int, error) {
	w.logf("biotsim: %s", strings.TrimRight(string(p), "\n"))
	return len(p), nil
}
