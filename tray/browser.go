package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"strings"
	"time"

	"biot-agent/internal/bounded"

	"github.com/cli/browser"
)

// openWait is how long openURL waits for the opener to fail; an opener that
// is still running by then has most likely started the browser.
const openWait = 10 * time.Second

// openURL opens url with the commands in $BROWSER when it is set, else with
// the desktop's opener (github.com/cli/browser: xdg-open and friends, open
// on macOS, the URL handler on Windows).
func openURL(url string) error {
	if b := os.Getenv("BROWSER"); b != "" {
		return openWithBrowserEnv(b, url)
	}
	ctx, cancel := context.WithTimeout(context.Background(), openWait)
	defer cancel()
	err := bounded.Do(ctx, func() error { return browser.OpenURL(url) })
	if err != nil && ctx.Err() == nil {
		return fmt.Errorf("open the browser: %w", err)
	}
	return nil // opened, or still at it: xdg-open may wait for a browser it started itself
}

// openWithBrowserEnv follows the $BROWSER convention: a colon-separated
// list of commands, tried in turn; "%s" in a command stands for the URL,
// which is appended when there is none. Commands are split on spaces, not
// given to a shell. The first command that starts wins; it is not waited
// for, since a browser may run until it is closed.
func openWithBrowserEnv(list, url string) error {
	var errs []error
	for _, c := range strings.Split(list, ":") {
		f := strings.Fields(c)
		if len(f) == 0 {
			continue
		}
		args, subst := make([]string, 0, len(f)), false
		for _, a := range f[1:] {
			if strings.Contains(a, "%s") {
				a, subst = strings.ReplaceAll(a, "%s", url), true
			}
			args = append(args, a)
		}
		if !subst {
			args = append(args, url)
		}
		cmd := exec.Command(f[0], args...)
		if err := cmd.Start(); err != nil {
			errs = append(errs, err)
			continue
		}
		go cmd.Wait() // reap it whenever it ends
		return nil
	}
	if len(errs) == 0 {
		return errors.New("open the browser: $BROWSER names no command")
	}
	return fmt.Errorf("open the browser with $BROWSER: %w", errors.Join(errs...))
}
