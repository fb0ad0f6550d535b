package bench

import (
	"bytes"
	"image/png"
	"testing"
)

func TestPlotDrawsTheLinesItIsGiven(t *testing.T) {
	p := Plot{
		Title: "two lines", XLabel: "x", YLabel: "y",
		BandFrom: 2, BandTo: 4, BandLabel: "down",
		Series: []Series{
			{Label: "up", Color: ColorNaive, X: []float64{0, 1, 2, 3, 4, 5}, Y: []float64{0, 10, 20, 30, 40, 50}},
			{Label: "flat", Color: ColorAgent, X: []float64{0, 5}, Y: []float64{5, 5}},
		},
	}
	var buf bytes.Buffer
	if err := p.WritePNG(&buf); err != nil {
		t.Fatal(err)
	}
	img, err := png.Decode(&buf)
	if err != nil {
		t.Fatalf("not a PNG: %v", err)
	}
	if b := img.Bounds(); b.Dx() != 1000 || b.Dy() != 520 {
		t.Errorf("the plot is %v, want 1000×520", b)
	}
	seen := map[[3]uint32]bool{}
	b := img.Bounds()
	for y := b.Min.Y; y < b.Max.Y; y++ {
		for x := b.Min.X; x < b.Max.X; x++ {
			r, g, bl, _ := img.At(x, y).RGBA()
			seen[[3]uint32{r >> 8, g >> 8, bl >> 8}] = true
		}
	}
	for _, c := range []struct {
		name    string
		r, g, b uint8
	}{{"the first line", ColorNaive.R, ColorNaive.G, ColorNaive.B}, {"the second line", ColorAgent.R, ColorAgent.G, ColorAgent.B}, {"the band", colorBand.R, colorBand.G, colorBand.B}} {
		if !seen[[3]uint32{uint32(c.r), uint32(c.g), uint32(c.b)}] {
			t.Errorf("%s is not drawn", c.name)
		}
	}
}

func TestPlotRefusesNoData(t *testing.T) {
	if err := (Plot{}).WritePNG(&bytes.Buffer{}); err == nil {
		t.Error("a plot without data was drawn")
	}
}
