//go:build ignore

// gen draws the tray icons into icons/. Run it with `go generate ./assets`
// (or `go run gen.go -o DIR` to draw elsewhere, as the up-to-date test does).
//
// Each icon is a round badge whose colour and mark tell the state:
//
//	signed_in    green disc, white pulse line
//	offline      amber disc, white dots (waiting for BioT)
//	needs_login  red disc, white "!"
//	signed_out   grey ring, grey pulse line, hollow
//
// Shape differs as well as colour, so the states stay apart for people who
// do not tell green from amber and on monochrome panels. Shapes are
// described in a unit square and rasterised at each size with 8×8
// samples per pixel, so every size is drawn, not scaled, and strokes keep
// at least ~1.8 px at 16 px. The macOS template icons are the same shapes in
// black and alpha only (the mark cut out of the disc), which macOS tints to
// suit the menu bar.
package main

import (
	"bytes"
	"encoding/binary"
	"flag"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"log"
	"math"
	"os"
	"path/filepath"
)

// Sizes of the PNG icons: the tray sizes (16–64) and the hicolor theme's
// larger ones.
var pngSizes = []int{16, 22, 24, 32, 48, 64, 128, 256}

// Sizes inside each Windows .ico: 100 % to 250 % display scaling, and 256
// for Explorer.
var icoSizes = []int{16, 20, 24, 32, 40, 48, 64, 256}

// Sizes of the macOS template icons: the menu bar shows 16 pt, so 16 px
// and 32 px (Retina).
var templateSizes = []int{16, 32}

var states = []string{"signed_in", "offline", "needs_login", "signed_out"}

func main() {
	out := flag.String("o", "icons", "folder to write the icons into")
	flag.Parse()
	if err := os.MkdirAll(*out, 0o755); err != nil {
		log.Fatal(err)
	}
	for _, st := range states {
		for _, size := range pngSizes {
			write(filepath.Join(*out, fmt.Sprintf("%s-%d.png", st, size)), encodePNG(drawn(st, size)))
		}
		for _, size := range templateSizes {
			write(filepath.Join(*out, fmt.Sprintf("%s-template-%d.png", st, size)), encodePNG(draw(st, size, true)))
		}
		var imgs []*image.NRGBA
		for _, size := range icoSizes {
			imgs = append(imgs, drawn(st, size))
		}
		write(filepath.Join(*out, st+".ico"), encodeICO(imgs))
	}
}

// cache keeps each colour icon drawn once, for the PNG and the .ico.
var cache = map[string]*image.NRGBA{}

func drawn(state string, size int) *image.NRGBA {
	k := fmt.Sprint(state, size)
	if cache[k] == nil {
		cache[k] = draw(state, size, false)
	}
	return cache[k]
}

func write(path string, b []byte) {
	if err := os.WriteFile(path, b, 0o644); err != nil {
		log.Fatal(err)
	}
}

// rgba is a straight (not premultiplied) colour with components in 0..1.
type rgba struct{ r, g, b, a float64 }

func hex(v uint32) rgba {
	return rgba{float64(v>>16&0xff) / 255, float64(v>>8&0xff) / 255, float64(v&0xff) / 255, 1}
}

var (
	green = hex(0x2e9d4c)
	amber = hex(0xe3940b)
	red   = hex(0xd63a2c)
	grey  = hex(0x8f8f8f)
	white = hex(0xffffff)
	black = hex(0x000000)
)

// darker is c with its light lowered, for the rim that keeps a light badge
// apart from a light panel.
func darker(c rgba, f float64) rgba { return rgba{c.r * f, c.g * f, c.b * f, c.a} }

// A shape answers whether a point of the unit square is inside it.
type shape func(x, y float64) bool

func disc(cx, cy, r float64) shape {
	return func(x, y float64) bool { return math.Hypot(x-cx, y-cy) <= r }
}

func ring(cx, cy, r, w float64) shape {
	return func(x, y float64) bool {
		d := math.Hypot(x-cx, y-cy)
		return d <= r && d >= r-w
	}
}

// stroke is a polyline of width w with round caps and joins.
func stroke(w float64, pts ...[2]float64) shape {
	return func(x, y float64) bool {
		for i := 0; i+1 < len(pts); i++ {
			if segDist(x, y, pts[i], pts[i+1]) <= w/2 {
				return true
			}
		}
		return false
	}
}

func segDist(x, y float64, a, b [2]float64) float64 {
	dx, dy := b[0]-a[0], b[1]-a[1]
	t := ((x-a[0])*dx + (y-a[1])*dy) / (dx*dx + dy*dy)
	t = math.Max(0, math.Min(1, t))
	return math.Hypot(x-(a[0]+t*dx), y-(a[1]+t*dy))
}

// A layer paints its colour where its shape is, or erases there.
type layer struct {
	s     shape
	c     rgba
	erase bool
}

// draw renders one state at one size. The geometry is in the unit square;
// px turns a length in pixels into unit lengths, so that thin features
// keep a minimum pixel width at small sizes.
func draw(state string, size int, template bool) *image.NRGBA {
	px := 1 / float64(size)
	small := size <= 32
	// At small sizes widths are whole pixels and straight edges fall on
	// pixel edges (snap), so the marks stay crisp instead of blurring
	// across two pixels.
	width := func(w, min float64) float64 {
		w = math.Max(w, min*px)
		if small {
			w = math.Max(1, math.Round(w*float64(size))) * px
		}
		return w
	}
	// snap moves v to where a stroke of width w has its edges on pixel
	// edges: a pixel boundary for even widths, a pixel centre for odd ones.
	snap := func(v, w float64) float64 {
		if !small {
			return v
		}
		n := float64(size)
		if int(math.Round(w*n))%2 == 1 {
			return (math.Floor(v*n) + 0.5) / n
		}
		return math.Round(v*n) / n
	}
	r := 0.5 - 0.5*px             // the badge fills the square, less half a pixel for its edge
	rim := math.Max(0.06, 1.0*px) // darker edge of the filled badges
	w := width(0.11, 1.6)         // width of the pulse and the ring
	if size <= 16 {
		w = 1.6 * px // thinner, or the pulse's zigzag fills in at 16 px
	}
	pulse := [][2]float64{ // a heartbeat across the badge
		{0.22, snap(0.56, w)}, {0.37, snap(0.56, w)}, {0.46, 0.27}, {0.58, 0.75}, {0.66, snap(0.47, w)}, {0.78, snap(0.47, w)},
	}
	bw := width(0.14, 2)
	bang := []layer{ // "!"
		{s: stroke(bw, [2]float64{snap(0.5, bw), 0.22 + bw/2}, [2]float64{snap(0.5, bw), 0.6 - bw/2})},
		{s: disc(snap(0.5, bw), 0.765, bw*0.62)},
	}
	dw := width(0.15, 2)
	dots := []layer{
		{s: disc(snap(0.27, dw), snap(0.5, dw), dw*0.58)},
		{s: disc(snap(0.5, dw), snap(0.5, dw), dw*0.58)},
		{s: disc(snap(0.73, dw), snap(0.5, dw), dw*0.58)},
	}

	var layers []layer
	filled := func(c rgba, mark []layer) {
		if template {
			layers = append(layers, layer{s: disc(0.5, 0.5, r), c: black})
			for _, m := range mark {
				layers = append(layers, layer{s: m.s, erase: true})
			}
			return
		}
		layers = append(layers,
			layer{s: disc(0.5, 0.5, r), c: darker(c, 0.72)},
			layer{s: disc(0.5, 0.5, r-rim), c: c},
		)
		for _, m := range mark {
			layers = append(layers, layer{s: m.s, c: white})
		}
	}
	switch state {
	case "signed_in":
		filled(green, []layer{{s: stroke(w, pulse...)}})
	case "needs_login":
		filled(red, bang)
	case "offline":
		if template { // a hollow ring keeps it apart from signed in
			layers = append(layers, layer{s: ring(0.5, 0.5, r, w), c: black})
			for _, d := range dots {
				layers = append(layers, layer{s: d.s, c: black})
			}
			break
		}
		filled(amber, dots)
	case "signed_out":
		c := grey
		if template {
			c = black
		}
		layers = append(layers,
			layer{s: ring(0.5, 0.5, r, w), c: c},
			layer{s: stroke(w, pulse...), c: c},
		)
		if template {
			// Dimmed, as macOS shows a disabled item.
			layers[0].c.a, layers[1].c.a = 0.55, 0.55
		}
	default:
		log.Fatalf("unknown state %q", state)
	}
	return rasterise(layers, size)
}

// rasterise composites the layers with 8×8 samples per pixel. A pixel
// whose nine probes (corners, edge middles, centre) all see the same colour
// lies inside one shape and is filled without sampling.
func rasterise(layers []layer, size int) *image.NRGBA {
	const ss = 8
	img := image.NewNRGBA(image.Rect(0, 0, size, size))
	at := func(x, y float64) (r, g, b, a float64) {
		for _, l := range layers {
			if !l.s(x, y) {
				continue
			}
			if l.erase {
				r, g, b, a = 0, 0, 0, 0
				continue
			}
			ca := l.c.a
			r = l.c.r*ca + r*(1-ca)
			g = l.c.g*ca + g*(1-ca)
			b = l.c.b*ca + b*(1-ca)
			a = ca + a*(1-ca)
		}
		return r, g, b, a
	}
	n := float64(size)
	for py := 0; py < size; py++ {
		for px := 0; px < size; px++ {
			var sr, sg, sb, sa float64 // premultiplied
			uniform := true
			pr, pg, pb, pa := at((float64(px)+0.5)/n, (float64(py)+0.5)/n)
			for _, oy := range []float64{0.01, 0.5, 0.99} {
				for _, ox := range []float64{0.01, 0.5, 0.99} {
					r, g, b, a := at((float64(px)+ox)/n, (float64(py)+oy)/n)
					uniform = uniform && r == pr && g == pg && b == pb && a == pa
				}
			}
			if uniform {
				sr, sg, sb, sa = pr, pg, pb, pa
			} else {
				for sy := 0; sy < ss; sy++ {
					for sx := 0; sx < ss; sx++ {
						r, g, b, a := at((float64(px)+(float64(sx)+0.5)/ss)/n, (float64(py)+(float64(sy)+0.5)/ss)/n)
						sr, sg, sb, sa = sr+r, sg+g, sb+b, sa+a
					}
				}
				sr, sg, sb, sa = sr/(ss*ss), sg/(ss*ss), sb/(ss*ss), sa/(ss*ss)
			}
			if sa == 0 {
				continue
			}
			img.SetNRGBA(px, py, color.NRGBA{R: to8(sr / sa), G: to8(sg / sa), B: to8(sb / sa), A: to8(sa)})
		}
	}
	return img
}

func to8(v float64) uint8 { return uint8(math.Round(math.Max(0, math.Min(1, v)) * 255)) }

func encodePNG(img image.Image) []byte {
	var buf bytes.Buffer
	enc := png.Encoder{CompressionLevel: png.BestCompression}
	if err := enc.Encode(&buf, img); err != nil {
		log.Fatal(err)
	}
	return buf.Bytes()
}

// encodeICO writes a Windows icon: 32-bit DIB images for the small sizes,
// which every Windows loads, and PNG for 256 px, as Windows Vista and later
// expect.
func encodeICO(imgs []*image.NRGBA) []byte {
	var data [][]byte
	for _, img := range imgs {
		if img.Rect.Dx() >= 256 {
			data = append(data, encodePNG(img))
		} else {
			data = append(data, dib(img))
		}
	}
	var buf bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&buf, le, [3]uint16{0, 1, uint16(len(imgs))}) // reserved, type icon, count
	offset := 6 + 16*len(imgs)
	for i, img := range imgs {
		n := img.Rect.Dx()
		dim := uint8(n)
		if n >= 256 {
			dim = 0 // 0 means 256
		}
		buf.Write([]byte{dim, dim, 0, 0})        // width, height, palette, reserved
		binary.Write(&buf, le, [2]uint16{1, 32}) // planes, bits per pixel
		binary.Write(&buf, le, [2]uint32{uint32(len(data[i])), uint32(offset)})
		offset += len(data[i])
	}
	for _, d := range data {
		buf.Write(d)
	}
	return buf.Bytes()
}

// dib is an icon image as Windows stores it: a BITMAPINFOHEADER with twice
// the height, BGRA rows from the bottom up, then a 1-bit AND mask (all
// zero: the alpha channel decides).
func dib(img *image.NRGBA) []byte {
	n := img.Rect.Dx()
	maskRow := (n + 31) / 32 * 4
	var buf bytes.Buffer
	le := binary.LittleEndian
	binary.Write(&buf, le, struct {
		Size                   uint32
		Width, Height          int32
		Planes, BitCount       uint16
		Compression, SizeImage uint32
		XPels, YPels           int32
		ClrUsed, ClrImportant  uint32
	}{40, int32(n), int32(2 * n), 1, 32, 0, uint32(n*n*4 + maskRow*n), 0, 0, 0, 0})
	for y := n - 1; y >= 0; y-- {
		for x := 0; x < n; x++ {
			c := img.NRGBAAt(x, y)
			buf.Write([]byte{c.B, c.G, c.R, c.A})
		}
	}
	buf.Write(make([]byte, maskRow*n))
	return buf.Bytes()
}
