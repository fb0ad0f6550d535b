package desktoptest

import (
	"bytes"
	"image/png"
)

// ShownIcon tells which of the named icons the item shows: the first name
// whose PNG, as pngOf gives it, is the item's one IconPixmap once converted
// the way fyne.io/systray converts it; "" when none is, or when the item
// offers other than one image. A test reads the icon this way because the
// panel gets pixels, not a name.
func (p ItemProps) ShownIcon(names []string, pngOf func(name string) []byte) string {
	if len(p.Icons) != 1 {
		return ""
	}
	for _, name := range names {
		if bytes.Equal(p.Icons[0].ARGB, systrayPixmap(pngOf(name))) {
			return name
		}
	}
	return ""
}

// systrayPixmap converts a PNG into IconPixmap's ARGB32 as fyne.io/systray
// does: the low byte of each of RGBA's 16-bit, premultiplied values. It
// answers nil for what is not a PNG.
func systrayPixmap(b []byte) []byte {
	img, err := png.Decode(bytes.NewReader(b))
	if err != nil {
		return nil
	}
	r := img.Bounds()
	out := make([]byte, 0, r.Dx()*r.Dy()*4)
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			cr, cg, cb, ca := img.At(x, y).RGBA()
			out = append(out, byte(ca), byte(cr), byte(cg), byte(cb))
		}
	}
	return out
}
