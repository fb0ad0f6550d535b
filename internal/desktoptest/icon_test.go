package desktoptest

import (
	"bytes"
	"image"
	"image/color"
	"image/png"
	"testing"
)

func TestShownIconNamesTheIconWhosePixelsTheItemSends(t *testing.T) {
	pngs := map[string][]byte{"red": solidPNG(t, color.NRGBA{R: 255, A: 255}), "blue": solidPNG(t, color.NRGBA{B: 255, A: 255})}
	pngOf := func(name string) []byte { return pngs[name] }
	red := systrayPixmap(pngs["red"])
	if want := []byte{0xff, 0xff, 0, 0}; !bytes.Equal(red[:4], want) {
		t.Fatalf("an opaque red pixel converts to % x, want ARGB % x", red[:4], want)
	}
	for _, tt := range []struct {
		name  string
		icons []Pixmap
		want  string
	}{
		{"the red icon", []Pixmap{{W: 2, H: 2, ARGB: red}}, "red"},
		{"no icon", nil, ""},
		{"an icon of neither", []Pixmap{{W: 2, H: 2, ARGB: make([]byte, 16)}}, ""},
		{"two images", []Pixmap{{W: 2, H: 2, ARGB: red}, {W: 2, H: 2, ARGB: red}}, ""},
	} {
		t.Run(tt.name, func(t *testing.T) {
			if got := (ItemProps{Icons: tt.icons}).ShownIcon([]string{"blue", "red"}, pngOf); got != tt.want {
				t.Errorf("ShownIcon = %q, want %q", got, tt.want)
			}
		})
	}
}

// solidPNG is a 2×2 PNG of one colour.
func solidPNG(t *testing.T, c color.NRGBA) []byte {
	t.Helper()
	img := image.NewNRGBA(image.Rect(0, 0, 2, 2))
	for i := 0; i < len(img.Pix); i += 4 {
		img.Pix[i], img.Pix[i+1], img.Pix[i+2], img.Pix[i+3] = c.R, c.G, c.B, c.A
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}
