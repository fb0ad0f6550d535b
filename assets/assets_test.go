package assets

import (
	"bytes"
	"encoding/binary"
	"image"
	"image/png"
	"os"
	"os/exec"
	"path/filepath"
	"testing"
)

func TestEveryStateHasEverySize(t *testing.T) {
	for _, st := range States {
		for _, size := range Sizes {
			b := PNG(st, size)
			if b == nil {
				t.Errorf("no %d px icon for %s", size, st)
				continue
			}
			img, err := png.Decode(bytes.NewReader(b))
			if err != nil {
				t.Errorf("%s %d px: %v", st, size, err)
				continue
			}
			if got := img.Bounds().Size(); got != (image.Point{size, size}) {
				t.Errorf("%s %d px is %v", st, size, got)
			}
		}
	}
	if PNG("no_such_state", 16) != nil || PNG(SignedIn, 17) != nil {
		t.Error("PNG answers an icon that does not exist")
	}
}

// The states must differ at the smallest size a panel shows, or a glance
// at the tray tells nothing.
func TestStatesLookDifferentAt16px(t *testing.T) {
	seen := map[string]string{}
	for _, st := range States {
		k := string(PNG(st, 16))
		if other, ok := seen[k]; ok {
			t.Errorf("%s and %s have the same 16 px icon", st, other)
		}
		seen[k] = st
	}
}

// Filled badges must be opaque in their middle and the corners clear, so
// the icon reads as a round badge on any panel colour.
func TestBadgesAreRoundAndOpaque(t *testing.T) {
	for _, st := range []string{SignedIn, Offline, NeedsLogin} {
		img, _ := png.Decode(bytes.NewReader(PNG(st, 32)))
		if _, _, _, a := img.At(4, 16).RGBA(); a != 0xffff {
			t.Errorf("%s: the badge is not opaque inside (alpha %#x)", st, a)
		}
		if _, _, _, a := img.At(0, 0).RGBA(); a != 0 {
			t.Errorf("%s: the corner is not transparent (alpha %#x)", st, a)
		}
	}
}

func TestTemplatesAreBlackAndAlpha(t *testing.T) {
	for _, st := range States {
		img, err := png.Decode(bytes.NewReader(Template(st)))
		if err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		b := img.Bounds()
		if b.Dx() != 32 {
			t.Errorf("%s template is %d px, want 32", st, b.Dx())
		}
		for y := b.Min.Y; y < b.Max.Y; y++ {
			for x := b.Min.X; x < b.Max.X; x++ {
				if r, g, bl, _ := img.At(x, y).RGBA(); r|g|bl != 0 {
					t.Fatalf("%s template has colour at %d,%d", st, x, y)
				}
			}
		}
	}
}

func TestICOHoldsTheWindowsSizes(t *testing.T) {
	for _, st := range States {
		b := ICO(st)
		var hdr struct{ Reserved, Type, Count uint16 }
		if err := binary.Read(bytes.NewReader(b), binary.LittleEndian, &hdr); err != nil {
			t.Fatalf("%s: %v", st, err)
		}
		if hdr.Type != 1 || hdr.Count == 0 {
			t.Fatalf("%s: header %+v is not an icon", st, hdr)
		}
		sizes := map[int]bool{}
		for i := 0; i < int(hdr.Count); i++ {
			e := b[6+16*i:]
			w := int(e[0])
			if w == 0 {
				w = 256
			}
			size := binary.LittleEndian.Uint32(e[8:])
			off := binary.LittleEndian.Uint32(e[12:])
			if int(off+size) > len(b) {
				t.Fatalf("%s: entry %d runs past the file", st, i)
			}
			data := b[off : off+size]
			if w == 256 {
				if _, err := png.Decode(bytes.NewReader(data)); err != nil {
					t.Errorf("%s: the 256 px entry is not a PNG: %v", st, err)
				}
			} else if hs := binary.LittleEndian.Uint32(data); hs != 40 {
				t.Errorf("%s: the %d px entry is not a DIB (header size %d)", st, w, hs)
			}
			sizes[w] = true
		}
		for _, want := range []int{16, 24, 32, 48, 256} {
			if !sizes[want] {
				t.Errorf("%s.ico has no %d px image", st, want)
			}
		}
	}
}

// The embedded icons must be what gen.go draws today.
func TestIconsAreUpToDate(t *testing.T) {
	goTool, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go tool in PATH to run gen.go")
	}
	dir := t.TempDir()
	cmd := exec.Command(goTool, "run", "gen.go", "-o", dir)
	if out, err := cmd.CombinedOutput(); err != nil {
		t.Fatalf("go run gen.go: %v\n%s", err, out)
	}
	drawn, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	embedded, _ := os.ReadDir("icons")
	if len(drawn) != len(embedded) {
		t.Errorf("gen.go draws %d files, icons/ holds %d: run go generate ./assets", len(drawn), len(embedded))
	}
	for _, e := range drawn {
		want, _ := os.ReadFile(filepath.Join(dir, e.Name()))
		got, err := File(e.Name())
		if err != nil || !bytes.Equal(got, want) {
			t.Errorf("%s is out of date: run go generate ./assets", e.Name())
		}
	}
}
