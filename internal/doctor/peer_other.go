//go:build !linux

package doctor

import (
	"context"
	"errors"
	"net"
	"syscall"
)

// peerOf only tells whether something listens: this system has no
// SO_PEERCRED to say who.
func peerOf(ctx context.Context, path string) (peer, error) {
	ctx, cancel := context.WithTimeout(ctx, stepTimeout)
	defer cancel()
	var d net.Dialer
	c, err := d.DialContext(ctx, "unix", path)
	if err != nil {
		if errors.Is(err, syscall.ECONNREFUSED) {
			return peer{}, errRefused
		}
		return peer{}, err
	}
	c.Close()
	return peer{}, nil
}
