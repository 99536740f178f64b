package portal

import (
	"bytes"
	"fmt"
	"image"
	"image/color"
	"image/jpeg"
	"strings"
	"sync"
)

// assets are the portal's binary files, made from code so that no binary
// is committed: JPEG photos and a PDF attachment. Both are deterministic.
type assets struct {
	pdf []byte

	mu     sync.Mutex
	photos map[string][]byte
}

func newAssets() (*assets, error) {
	pdf, err := makePDF([]string{
		"Xiliao River News - attachment",
		"2021-2022 heating season: service hotlines of the heating companies",
		"Downtown Tongliao: heating season 15 October 2021 to 15 April 2022.",
		"Repairs: 24-hour duty; crews on site within 2 hours in the city.",
	})
	if err != nil {
		return nil, err
	}
	return &assets{pdf: pdf, photos: map[string][]byte{}}, nil
}

// jpeg returns the photo at path: a small picture whose colours depend on
// the path, the same bytes every time.
func (a *assets) jpeg(path string) []byte {
	a.mu.Lock()
	defer a.mu.Unlock()
	if b := a.photos[path]; b != nil {
		return b
	}
	h := hashString(path)
	base := color.RGBA{R: uint8(h), G: uint8(h >> 8), B: uint8(h >> 16), A: 255}
	const w, ht = 240, 160
	img := image.NewRGBA(image.Rect(0, 0, w, ht))
	for y := range ht {
		for x := range w {
			img.Set(x, y, color.RGBA{
				R: base.R/2 + uint8(x*100/w),
				G: base.G/2 + uint8(y*100/ht),
				B: base.B/2 + uint8((x+y)*50/(w+ht)),
				A: 255,
			})
		}
	}
	var buf bytes.Buffer
	// Encoding an in-memory RGBA image cannot fail.
	_ = jpeg.Encode(&buf, img, &jpeg.Options{Quality: 80})
	a.photos[path] = buf.Bytes()
	return a.photos[path]
}

// makePDF writes a one-page PDF 1.4 showing lines of ASCII text in
// Helvetica, with a correct cross-reference table.
func makePDF(lines []string) ([]byte, error) {
	var content strings.Builder
	content.WriteString("BT /F1 14 Tf 72 770 Td 18 TL\n")
	for _, l := range lines {
		for _, r := range l {
			if r > 126 || r < 32 {
				return nil, fmt.Errorf("pdf text must be printable ASCII: %q", l)
			}
		}
		l = strings.NewReplacer(`\`, `\\`, "(", `\(`, ")", `\)`).Replace(l)
		content.WriteString("(" + l + ") Tj T*\n")
	}
	content.WriteString("ET\n")
	objects := []string{
		"<< /Type /Catalog /Pages 2 0 R >>",
		"<< /Type /Pages /Kids [3 0 R] /Count 1 >>",
		"<< /Type /Page /Parent 2 0 R /MediaBox [0 0 595 842] /Contents 4 0 R /Resources << /Font << /F1 5 0 R >> >> >>",
		fmt.Sprintf("<< /Length %d >>\nstream\n%sendstream", content.Len(), content.String()),
		"<< /Type /Font /Subtype /Type1 /BaseFont /Helvetica >>",
	}
	var buf bytes.Buffer
	buf.WriteString("%PDF-1.4\n%\xe2\xe3\xcf\xd3\n")
	offsets := make([]int, len(objects))
	for i, o := range objects {
		offsets[i] = buf.Len()
		fmt.Fprintf(&buf, "%d 0 obj\n%s\nendobj\n", i+1, o)
	}
	xref := buf.Len()
	fmt.Fprintf(&buf, "xref\n0 %d\n0000000000 65535 f \n", len(objects)+1)
	for _, off := range offsets {
		fmt.Fprintf(&buf, "%010d 00000 n \n", off)
	}
	fmt.Fprintf(&buf, "trailer\n<< /Size %d /Root 1 0 R >>\nstartxref\n%d\n%%%%EOF\n", len(objects)+1, xref)
	return buf.Bytes(), nil
}
