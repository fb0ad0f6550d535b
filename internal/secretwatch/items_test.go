//go:build linux || freebsd || openbsd || netbsd

package secretwatch

import (
	"context"
	"testing"
	"time"

	"biot-agent/internal/desktoptest"
)

// TestItemsCallsWhenAnItemIsStoredOrReplaced stores an item with
// secret-tool, as a person would, then stores it again with another
// secret: each is at least one call.
func TestItemsCallsWhenAnItemIsStoredOrReplaced(t *testing.T) {
	bus := desktoptest.SessionBus(t)
	kr := desktoptest.SecretService(t, bus)
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	conn, err := bus.Connect(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	// Listening before anything is stored: the match rules are in place
	// once listenItems returns.
	sigs, err := listenItems(ctx, conn)
	if err != nil {
		t.Fatal(err)
	}
	calls := make(chan struct{}, 64)
	ended := make(chan error, 1)
	wctx, stop := context.WithCancel(ctx)
	go func() {
		ended <- serveItems(wctx, sigs, func(context.Context) { calls <- struct{}{} })
	}()
	next := func(what string) {
		t.Helper()
		select {
		case <-calls:
		case err := <-ended:
			t.Fatalf("the watch ended before %s: %v", what, err)
		case <-ctx.Done():
			t.Fatalf("no call for %s", what)
		}
		for len(calls) > 0 { // the rest of the burst
			<-calls
		}
	}
	store := func(secret string) {
		t.Helper()
		if _, err := kr.SecretTool(ctx, secret, "store", "--label", "watch test", "service", "biot-agent service test", "username", "u"); err != nil {
			t.Fatal(err)
		}
	}
	store("first")
	next("a new item")
	store("second")
	next("a replaced secret")

	stop()
	select {
	case err := <-ended:
		if err != nil {
			t.Errorf("the watch ended with %v when its context ended", err)
		}
	case <-ctx.Done():
		t.Fatal("the watch goes on after its context ended")
	}
}
