package bench

import (
	"fmt"
	"image"
	"image/color"
	"image/png"
	"io"
	"math"
	"strings"
)

// Series is one line of a [Plot].
type Series struct {
	Label string
	Color color.RGBA
	X, Y  []float64
	Width int // pixels; default 2
}

// Plot is a line chart drawn with the standard library alone: axes, a
// grid, a shaded band, lines and a legend, in a 5×7 bitmap font.
type Plot struct {
	Title          string
	XLabel, YLabel string
	Width, Height  int // default 1000×520
	// Band shades [BandFrom, BandTo] on the x axis (an outage), labelled
	// BandLabel; BandFrom == BandTo draws none.
	BandFrom, BandTo float64
	BandLabel        string
	Series           []Series
}

var (
	colorInk   = color.RGBA{40, 40, 40, 255}
	colorGrid  = color.RGBA{225, 225, 225, 255}
	colorBand  = color.RGBA{253, 232, 226, 255}
	colorWhite = color.RGBA{255, 255, 255, 255}
)

// The colors of the fleet plot's lines.
var (
	ColorNaive = color.RGBA{214, 69, 65, 255}
	ColorAgent = color.RGBA{33, 102, 172, 255}
	ColorSlow  = color.RGBA{77, 160, 90, 255}
	// ColorTwoMinutes is the fourth line's.
	ColorTwoMinutes = color.RGBA{140, 86, 170, 255}
)

// WritePNG draws p as a PNG.
func (p Plot) WritePNG(w io.Writer) error {
	if p.Width == 0 {
		p.Width, p.Height = 1000, 520
	}
	img := image.NewRGBA(image.Rect(0, 0, p.Width, p.Height))
	fill(img, img.Bounds(), colorWhite)
	const left, right, top, bottom = 80, 24, 48, 60
	area := image.Rect(left, top, p.Width-right, p.Height-bottom)

	bandLabel := func() {}
	xmin, xmax := math.Inf(1), math.Inf(-1)
	ymax := 0.0
	for _, s := range p.Series {
		for i := range s.X {
			xmin, xmax = math.Min(xmin, s.X[i]), math.Max(xmax, s.X[i])
			ymax = math.Max(ymax, s.Y[i])
		}
	}
	if math.IsInf(xmin, 1) || xmax == xmin {
		return fmt.Errorf("plot: no data")
	}
	ymax *= 1.25 // headroom for the legend
	ystep := niceStep(ymax / 5)
	ymax = math.Ceil(ymax/ystep) * ystep
	if ymax == 0 {
		ymax = 1
	}
	px := func(x float64) int {
		return area.Min.X + int(math.Round((x-xmin)/(xmax-xmin)*float64(area.Dx())))
	}
	py := func(y float64) int {
		return area.Max.Y - int(math.Round(y/ymax*float64(area.Dy())))
	}
	if p.BandTo > p.BandFrom {
		from, to := px(max(p.BandFrom, xmin)), px(min(p.BandTo, xmax))
		fill(img, image.Rect(from, area.Min.Y, to, area.Max.Y), colorBand)
		bandLabel = func() {
			drawText(img, (from+to)/2-textWidth(p.BandLabel, 2)/2, area.Min.Y+area.Dy()*3/10, p.BandLabel, ColorNaive, 2)
		}
	}
	for y := 0.0; y <= ymax+ystep/2; y += ystep {
		line(img, area.Min.X, py(y), area.Max.X, py(y), colorGrid, 1)
		label := trimFloat(y)
		drawText(img, area.Min.X-8-textWidth(label, 2), py(y)-7, label, colorInk, 2)
	}
	xstep := niceStep((xmax - xmin) / 10)
	for x := math.Ceil(xmin/xstep) * xstep; x <= xmax; x += xstep {
		line(img, px(x), area.Min.Y, px(x), area.Max.Y, colorGrid, 1)
		label := trimFloat(x)
		drawText(img, px(x)-textWidth(label, 2)/2, area.Max.Y+8, label, colorInk, 2)
	}
	line(img, area.Min.X, area.Max.Y, area.Max.X, area.Max.Y, colorInk, 1)
	line(img, area.Min.X, area.Min.Y, area.Min.X, area.Max.Y, colorInk, 1)
	for _, s := range p.Series {
		wd := s.Width
		if wd == 0 {
			wd = 2
		}
		for i := 1; i < len(s.X); i++ {
			line(img, px(s.X[i-1]), py(s.Y[i-1]), px(s.X[i]), py(s.Y[i]), s.Color, wd)
		}
	}
	bandLabel()
	drawText(img, left, 14, p.Title, colorInk, 2)
	drawText(img, area.Min.X+area.Dx()/2-textWidth(p.XLabel, 2)/2, p.Height-24, p.XLabel, colorInk, 2)
	drawTextUp(img, 10, area.Min.Y+area.Dy()/2+textWidth(p.YLabel, 2)/2, p.YLabel, colorInk, 2)
	// The legend, top left, in the headroom.
	lw := 0
	for _, s := range p.Series {
		lw = max(lw, textWidth(s.Label, 2))
	}
	lx, ly := area.Min.X+16, area.Min.Y+10
	fill(img, image.Rect(lx-10, ly-6, lx+lw+44, ly+len(p.Series)*22), colorWhite)
	for i, s := range p.Series {
		y := ly + i*22
		fill(img, image.Rect(lx, y+4, lx+26, y+9), s.Color)
		drawText(img, lx+34, y, s.Label, colorInk, 2)
	}
	return png.Encode(w, img)
}

// niceStep rounds raw up to 1, 2 or 5 times a power of ten.
func niceStep(raw float64) float64 {
	if raw <= 0 {
		return 1
	}
	pow := math.Pow(10, math.Floor(math.Log10(raw)))
	for _, m := range []float64{1, 2, 5, 10} {
		if m*pow >= raw {
			return m * pow
		}
	}
	return 10 * pow
}

func trimFloat(f float64) string {
	s := fmt.Sprintf("%.2f", f)
	s = strings.TrimRight(strings.TrimRight(s, "0"), ".")
	if s == "-0" {
		s = "0"
	}
	return s
}

func fill(img *image.RGBA, r image.Rectangle, c color.RGBA) {
	r = r.Intersect(img.Bounds())
	for y := r.Min.Y; y < r.Max.Y; y++ {
		for x := r.Min.X; x < r.Max.X; x++ {
			img.SetRGBA(x, y, c)
		}
	}
}

// line draws from (x0,y0) to (x1,y1), w pixels thick (Bresenham).
func line(img *image.RGBA, x0, y0, x1, y1 int, c color.RGBA, w int) {
	dx, dy := abs(x1-x0), -abs(y1-y0)
	sx, sy := sign(x1-x0), sign(y1-y0)
	e := dx + dy
	for {
		fill(img, image.Rect(x0-w/2, y0-w/2, x0-w/2+w, y0-w/2+w), c)
		if x0 == x1 && y0 == y1 {
			return
		}
		if e2 := 2 * e; e2 >= dy {
			e += dy
			x0 += sx
		} else {
			e += dx
			y0 += sy
		}
	}
}

func abs(x int) int { return max(x, -x) }

func sign(x int) int {
	switch {
	case x > 0:
		return 1
	case x < 0:
		return -1
	}
	return 0
}

// textWidth is the width of s drawn at scale.
func textWidth(s string, scale int) int { return len([]rune(s)) * 6 * scale }

// drawText draws s with its top left at (x, y); unknown characters are
// blank.
func drawText(img *image.RGBA, x, y int, s string, c color.RGBA, scale int) {
	for _, r := range s {
		glyph(img, x, y, r, c, scale, false)
		x += 6 * scale
	}
}

// drawTextUp draws s rotated a quarter turn left, starting at (x, y) and
// going up.
func drawTextUp(img *image.RGBA, x, y int, s string, c color.RGBA, scale int) {
	for _, r := range s {
		glyph(img, x, y, r, c, scale, true)
		y -= 6 * scale
	}
}

func glyph(img *image.RGBA, x, y int, r rune, c color.RGBA, scale int, up bool) {
	rows := strings.Fields(font5x7[r])
	for row, bits := range rows {
		for col, b := range bits {
			if b != '#' {
				continue
			}
			gx, gy := x+col*scale, y+row*scale
			if up {
				gx, gy = x+row*scale, y-col*scale
			}
			fill(img, image.Rect(gx, gy, gx+scale, gy+scale), c)
		}
	}
}
