package keyring

import (
	"context"

	"biot-agent/agent"
)

// LastUsed is implemented by the stores of this package: it tells the
// environment saved last, for a caller given no base URL.
type LastUsed interface {
	LastBaseURL(ctx context.Context) (string, error)
}

// LastBaseURL asks s for the environment saved last. It answers "" when
// nothing was saved, or when s is not a store of this package.
func LastBaseURL(ctx context.Context, s agent.Store) (string, error) {
	if l, ok := s.(LastUsed); ok {
		return l.LastBaseURL(ctx)
	}
	return "", nil
}
