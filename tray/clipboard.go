package tray

import (
	"context"
	"errors"
	"fmt"
	"os"
	"os/exec"
	"runtime"
	"strings"
	"time"
)

// clipboardTimeout bounds one clipboard tool.
const clipboardTimeout = 5 * time.Second

// clipTool is a program that puts its stdin on the clipboard.
type clipTool struct {
	name string
	args []string
}

// clipboardTools lists the tools to try, the likeliest first.
func clipboardTools() []clipTool {
	switch runtime.GOOS {
	case "darwin":
		return []clipTool{{"pbcopy", nil}}
	case "windows":
		return []clipTool{{"clip", nil}}
	}
	wayland := clipTool{"wl-copy", nil}
	x11 := []clipTool{{"xclip", []string{"-selection", "clipboard"}}, {"xsel", []string{"--clipboard", "--input"}}}
	if os.Getenv("WAYLAND_DISPLAY") != "" {
		return append([]clipTool{wayland}, x11...)
	}
	return append(x11, wayland)
}

// copyText puts text on the clipboard through the first tool installed. The
// text goes on the tool's stdin: arguments are visible to every user of the
// machine (ps), and this text is an access token.
func copyText(text string) error {
	ctx, cancel := context.WithTimeout(context.Background(), clipboardTimeout)
	defer cancel()
	var names []string
	for _, tool := range clipboardTools() {
		names = append(names, tool.name)
		path, err := exec.LookPath(tool.name)
		if err != nil {
			continue
		}
		cmd := exec.CommandContext(ctx, path, tool.args...)
		cmd.Stdin = strings.NewReader(text)
		// Stdout and stderr stay unset (the null device): xclip and wl-copy
		// leave a process behind that owns the selection, and it would hold
		// a pipe open and make Run wait until something else is copied.
		if err := cmd.Run(); err != nil {
			return fmt.Errorf("clipboard: %s: %w", tool.name, err)
		}
		return nil
	}
	return errors.New("clipboard: none of " + strings.Join(names, ", ") + " is installed (on Linux: wl-clipboard, xclip or xsel)")
}
