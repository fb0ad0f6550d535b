package assets

//go:generate go run gen.go -o icons

import (
	"embed"
	"fmt"
	"io/fs"
)

// The states that have an icon; their names are agent.State's values.
const (
	SignedIn   = "signed_in"
	Offline    = "offline"
	NeedsLogin = "needs_login"
	SignedOut  = "signed_out"
)

// States lists the states that have an icon.
var States = []string{SignedIn, Offline, NeedsLogin, SignedOut}

// Sizes lists the pixel sizes of the PNG icons.
var Sizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

//go:embed icons
var files embed.FS

// FS holds the icon files by name: "<state>-<size>.png",
// "<state>-template-<16|32>.png" and "<state>.ico".
var FS fs.FS = mustSub(files, "icons")

func mustSub(f fs.FS, dir string) fs.FS {
	sub, err := fs.Sub(f, dir)
	if err != nil {
		panic(err) // the folder is embedded at build time: cannot happen
	}
	return sub
}

// PNG returns the icon of state at size px (one of [Sizes]), or nil when
// there is none.
func PNG(state string, size int) []byte {
	return file(fmt.Sprintf("%s-%d.png", state, size))
}

// ICO returns the Windows icon of state, or nil when there is none.
func ICO(state string) []byte {
	return file(state + ".ico")
}

// Template returns the macOS template icon of state at 32 px, which the menu
// bar shows at 16 pt (sharp on Retina), or nil when there is none.
func Template(state string) []byte {
	return file(state + "-template-32.png")
}

// File returns the icon file called name (see [FS]).
func File(name string) ([]byte, error) {
	b, err := fs.ReadFile(FS, name)
	if err != nil {
		return nil, fmt.Errorf("assets: %w", err)
	}
	return b, nil
}

func file(name string) []byte {
	b, err := fs.ReadFile(FS, name)
	if err != nil {
		return nil
	}
	return b
}
