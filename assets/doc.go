// Package assets holds the files biot-agent embeds: the tray icons.
//
// There is one icon per session state — "signed_in" (green disc with a
// pulse line), "offline" (amber disc with three dots: BioT out of reach,
// retrying), "needs_login" (red disc with "!") and "signed_out" (hollow grey
// ring) — in three forms:
//
//   - PNG at 16, 22, 24, 32, 48, 64, 128 and 256 px: [PNG]. Linux trays take
//     PNG; the larger sizes are for the hicolor icon theme.
//   - A Windows .ico holding 16 to 256 px: [ICO].
//   - A macOS template PNG, black and alpha only, which the menu bar tints:
//     [Template].
//
// The state names are the agent's (agent.State's values), spelled out here
// because this package imports nothing of the project's.
//
// The icons are drawn by gen.go, a small program that describes each icon
// as shapes in a unit square and rasterises it at every size, so a change of
// design is a change of code: edit gen.go and run `go generate ./assets`.
// The test TestIconsAreUpToDate redraws them and fails if the files differ.
package assets
