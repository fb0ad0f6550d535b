package notify

import (
	"context"
	"fmt"
	"sync"

	"biot-agent/internal/bounded"

	"github.com/gen2brain/beeep"
)

// beeepNotifier sends through github.com/gen2brain/beeep: no buttons, no
// ids, but it works on every desktop.
type beeepNotifier struct {
	opts    Options
	actions chan string // never sent on; closed by Close
	mu      sync.Mutex
	done    bool
}

// appNameOnce guards beeep.AppName, a global of that package.
var appNameOnce sync.Once

func newBeeep(opts Options) *beeepNotifier {
	appNameOnce.Do(func() { beeep.AppName = opts.AppName })
	return &beeepNotifier{opts: opts, actions: make(chan string)}
}

func (b *beeepNotifier) Notify(ctx context.Context, n Notification) (uint32, error) {
	b.mu.Lock()
	done := b.done
	b.mu.Unlock()
	if done {
		return 0, ErrClosed
	}
	ctx, cancel := context.WithTimeout(ctx, b.opts.Timeout)
	defer cancel()
	var icon any = ""
	if n.Icon != nil {
		icon = n.Icon
	}
	// beeep takes no context: it finishes, or not, on its own.
	err := bounded.Do(ctx, func() error { return beeep.Notify(n.Title, n.Body, icon) })
	switch {
	case err == nil:
		return 0, nil
	case ctx.Err() != nil:
		return 0, fmt.Errorf("notify: the notification was not sent in time: %w", err)
	default:
		return 0, fmt.Errorf("notify: %w", err)
	}
}

// Actions never receives: beeep has no buttons.
func (b *beeepNotifier) Actions() <-chan string { return b.actions }

func (b *beeepNotifier) Close() error {
	b.mu.Lock()
	defer b.mu.Unlock()
	if !b.done {
		b.done = true
		close(b.actions)
	}
	return nil
}
