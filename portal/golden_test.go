package portal_test

import (
	"bytes"
	"flag"
	"net/http/httptest"
	"os"
	"path/filepath"
	"testing"

	"github.com/annals/annals/portal"
)

var update = flag.Bool("update", false, "rewrite the golden files in testdata/golden")

// The golden files are the portal's pages as served, byte for byte, in
// their own encodings: a change to content or templates shows up here for
// review. Run `go test ./portal -run Golden -update` after a deliberate one.
func TestGolden(t *testing.T) {
	for _, tc := range []struct {
		file    string
		edition int
		path    string
	}{
		{"home.html", 1, "/"},
		{"home-edition2.html", 2, "/"},
		{"seed-modern.html", 1, "/news/local/2021-09/28/content_1001.html"},
		{"seed-modern-edition2.html", 2, "/news/local/2021-09/28/content_1001.html"},
		{"seed-legacy-gbk-late-meta.html", 1, "/epaper/html/2021-09/28/node_2_1001.htm"},
		{"legacy-gbk-no-charset.html", 1, "/system/2021/09/23/000123456.shtml"},
		{"legacy-gb18030.html", 1, "/system/2021/09/27/000123470.shtml"},
		{"legacy-big5.html", 1, "/big5/2021/0924/1009.htm"},
		{"english-json-ld.html", 1, "/en/2021/10/01/corn-harvest-passes-halfway.html"},
		{"list-local-page2.html", 1, "/news/local/index_1.html"},
		{"robots.txt", 1, portal.PathRobots},
		{"sitemap.xml", 1, portal.PathSitemap},
		{"rss-edition2.xml", 2, portal.PathRSS},
	} {
		t.Run(tc.file, func(t *testing.T) {
			got := serveOnce(t, tc.edition, tc.path)
			if again := serveOnce(t, tc.edition, tc.path); !bytes.Equal(got, again) {
				t.Fatal("two portals serve different bytes for the same request")
			}
			golden := filepath.Join("testdata", "golden", tc.file)
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run with -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("%s differs from %s (run with -update if the change is deliberate)", tc.path, golden)
			}
		})
	}
}

// serveOnce serves path from a new portal at the given edition, to a
// request for the host portal.test.
func serveOnce(t *testing.T, edition int, path string) []byte {
	t.Helper()
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	if err := p.SetEdition(edition); err != nil {
		t.Fatal(err)
	}
	rec := httptest.NewRecorder()
	p.ServeHTTP(rec, httptest.NewRequest("GET", "http://portal.test"+path, nil))
	if rec.Code != 200 {
		t.Fatalf("%s: status %d", path, rec.Code)
	}
	return rec.Body.Bytes()
}
