package extract

import (
	"compress/gzip"
	"flag"
	"io"
	"io/fs"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/markusmobius/go-trafilatura"
)

var corpusDir = flag.String("corpus", "", "folder of HTML pages (searched recursively, .html and .html.gz) for the benchmarks; default $ANNALS_CORPUS, else the repository's fixtures")

type benchPage struct {
	raw []byte
	url string
}

// benchPages loads the benchmark's pages once.
func benchPages(b *testing.B) []benchPage {
	b.Helper()
	dir := *corpusDir
	if dir == "" {
		dir = os.Getenv("ANNALS_CORPUS")
	}
	var dirs []string
	if dir != "" {
		dirs = []string{dir}
	} else {
		dirs = []string{filepath.Join("..", "testdata", "pages"), filepath.Join("testdata", "pages")}
	}
	var pages []benchPage
	for _, d := range dirs {
		filepath.WalkDir(d, func(path string, e fs.DirEntry, err error) error {
			if err != nil || e.IsDir() {
				return nil
			}
			raw, err := readMaybeGzip(path)
			if err != nil || len(raw) == 0 {
				return nil
			}
			pages = append(pages, benchPage{raw: raw, url: "http://example.com/" + filepath.Base(path)})
			return nil
		})
	}
	if len(pages) == 0 {
		b.Skip("no pages: give -corpus DIR or ANNALS_CORPUS")
	}
	return pages
}

func readMaybeGzip(path string) ([]byte, error) {
	switch {
	case strings.HasSuffix(path, ".html"), strings.HasSuffix(path, ".htm"):
		return os.ReadFile(path)
	case strings.HasSuffix(path, ".html.gz"):
		f, err := os.Open(path)
		if err != nil {
			return nil, err
		}
		defer f.Close()
		zr, err := gzip.NewReader(f)
		if err != nil {
			return nil, err
		}
		return io.ReadAll(zr)
	}
	return nil, nil
}

// BenchmarkExtract times one page per operation, annals beside
// go-trafilatura (without its fallback extractors) on the same pages in the
// same run: compare their ns/op. Both decode the raw bytes themselves.
//
//	go test ./extract -run XXX -bench Extract -benchmem -corpus DIR
func BenchmarkExtract(b *testing.B) {
	pages := benchPages(b)
	b.Run("annals", func(b *testing.B) {
		ex := New(Options{})
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p := pages[i%len(pages)]
			ex.Extract(p.raw, p.url, "")
		}
	})
	b.Run("go-trafilatura", func(b *testing.B) {
		b.ReportAllocs()
		b.ResetTimer()
		for i := 0; i < b.N; i++ {
			p := pages[i%len(pages)]
			text, _, _, err := Decode(p.raw, "")
			if err != nil {
				continue
			}
			u, _ := url.Parse(p.url)
			trafilatura.Extract(strings.NewReader(text), trafilatura.Options{OriginalURL: u, EnableFallback: false, ExcludeComments: true})
		}
	})
}

// BenchmarkExtractVsTrafilatura runs annals and go-trafilatura (without
// fallback) on each page in turn and reports both times per page and their
// ratio; interleaving keeps a busy machine from favouring either.
func BenchmarkExtractVsTrafilatura(b *testing.B) {
	pages := benchPages(b)
	ex := New(Options{})
	var ours, theirs time.Duration
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		p := pages[i%len(pages)]
		t0 := time.Now()
		ex.Extract(p.raw, p.url, "")
		t1 := time.Now()
		if text, _, _, err := Decode(p.raw, ""); err == nil {
			u, _ := url.Parse(p.url)
			trafilatura.Extract(strings.NewReader(text), trafilatura.Options{OriginalURL: u, EnableFallback: false, ExcludeComments: true})
		}
		t2 := time.Now()
		ours += t1.Sub(t0)
		theirs += t2.Sub(t1)
	}
	b.ReportMetric(float64(ours.Nanoseconds())/float64(b.N), "annals-ns/page")
	b.ReportMetric(float64(theirs.Nanoseconds())/float64(b.N), "trafilatura-ns/page")
	b.ReportMetric(float64(ours)/float64(theirs), "ratio")
}

// BenchmarkDecode times charset detection and decoding alone.
func BenchmarkDecode(b *testing.B) {
	pages := benchPages(b)
	b.ReportAllocs()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		Decode(pages[i%len(pages)].raw, "")
	}
}
