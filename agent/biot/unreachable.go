package biot

import (
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/url"
	"syscall"
)

// UnreachableError says a call got no complete answer from BioT: the name
// did not resolve, the connection was refused or dropped, the certificate
// was not trusted, or no answer came in time. It counts as transient.
type UnreachableError struct {
	Op     string // the call, as in APIError.Op
	Reason string // the cause in a few words, such as "connection refused"
	Err    error  // the cause, for errors.Is and errors.As
	detail string // Err's text, scrubbed
}

func (e *UnreachableError) Error() string {
	return "biot: " + e.Op + ": BioT unreachable (" + e.Reason + "): " + e.detail
}

func (e *UnreachableError) Unwrap() error { return e.Err }

// Timeout reports whether no answer came in time.
func (e *UnreachableError) Timeout() bool { return e.Reason == reasonTimeout }

const reasonTimeout = "no answer in time"

func newUnreachable(op string, err error, secrets []string) *UnreachableError {
	inner := err
	var ue *url.Error
	if errors.As(err, &ue) {
		inner = ue.Err // the method and URL add nothing the Op does not say
	}
	return &UnreachableError{Op: op, Reason: reason(err), Err: err, detail: scrub(inner.Error(), secrets)}
}

// reason puts the cause of a transport error in words.
func reason(err error) string {
	var (
		ne      net.Error
		dnsErr  *net.DNSError
		certErr *tls.CertificateVerificationError
		unknown x509.UnknownAuthorityError
		invalid x509.CertificateInvalidError
		host    x509.HostnameError
		record  tls.RecordHeaderError
	)
	switch {
	case errors.Is(err, context.DeadlineExceeded), errors.As(err, &ne) && ne.Timeout():
		return reasonTimeout
	case errors.As(err, &dnsErr):
		return "host name not found"
	case errors.Is(err, syscall.ECONNREFUSED):
		return "connection refused"
	case errors.As(err, &certErr), errors.As(err, &unknown), errors.As(err, &invalid), errors.As(err, &host):
		return "certificate not trusted"
	case errors.As(err, &record):
		return "the server does not speak TLS"
	case errors.Is(err, syscall.ECONNRESET), errors.Is(err, io.EOF), errors.Is(err, io.ErrUnexpectedEOF):
		return "connection dropped"
	default:
		return "network error"
	}
}
