package extract_test

import (
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/annals/annals/extract"
	"github.com/annals/annals/portal"
)

// TestExtract_Portal serves the sample portal on loopback, fetches every
// HTML page of each edition as a crawler would, and compares what extract
// finds with the portal's ground truth, field by field (white space
// normalised, nothing else): article pages must come out exactly right in
// every template and encoding, and the home, section, archive and other
// pages must not be taken for articles.
func TestExtract_Portal(t *testing.T) {
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	for ed := 1; ed <= p.Editions(); ed++ {
		if err := p.SetEdition(ed); err != nil {
			t.Fatal(err)
		}
		t.Run(fmt.Sprintf("edition%d", ed), func(t *testing.T) {
			checked := 0
			for _, pg := range p.Pages() {
				if pg.Kind == portal.KindExternal || pg.Status != http.StatusOK || !strings.HasPrefix(pg.ContentType, "text/html") {
					continue
				}
				raw, ct := fetch(t, srv.URL+pg.Path)
				a, err := extract.Extract(raw, srv.URL+pg.Path, ct)
				if err != nil {
					t.Errorf("%s: %v", pg.Path, err)
					continue
				}
				checked++
				if pg.Kind != portal.KindArticle {
					if a.IsArticle() {
						t.Errorf("%s (%s): taken for an article: title %q, body %q", pg.Path, pg.Kind, a.Title, shorten(a.Body, 80))
					}
					continue
				}
				want, ok := p.Article(pg.Path)
				if !ok {
					t.Errorf("%s: listed as an article but has no ground truth", pg.Path)
					continue
				}
				for _, m := range compareArticle(a, want, srv.URL) {
					t.Errorf("%s (%s, %s): %s", pg.Path, want.Template, want.Encoding, m)
				}
			}
			if checked < 30 {
				t.Errorf("checked %d HTML pages, want at least 30", checked)
			}
		})
	}
}

func fetch(t *testing.T, u string) ([]byte, string) {
	t.Helper()
	resp, err := http.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET %s: %s", u, resp.Status)
	}
	return raw, resp.Header.Get("Content-Type")
}

// compareArticle lists every field where got differs from the ground truth.
func compareArticle(got *extract.Article, want portal.Article, base string) []string {
	var out []string
	field := func(name, g, w string) {
		if norm(g) != norm(w) {
			out = append(out, fmt.Sprintf("%s = %q, want %q", name, g, w))
		}
	}
	if !got.IsArticle() {
		out = append(out, "IsArticle() = false")
	}
	field("title", got.Title, want.Title)
	field("kicker", got.Kicker, want.Kicker)
	field("subtitle", got.Subtitle, want.Subtitle)
	field("published", got.Published, want.Published)
	field("source", got.Source, want.Source)
	field("language", got.Language, want.Language)
	field("charset", got.Charset, canonicalCharset(want.Encoding))
	var gb, wb []string
	for _, b := range got.Bylines {
		gb = append(gb, b.Name+"/"+string(b.Role))
	}
	for _, b := range want.Bylines {
		wb = append(wb, b.Name+"/"+b.Role)
	}
	if missing, extra := diffLists(gb, wb); len(missing)+len(extra) > 0 {
		out = append(out, fmt.Sprintf("bylines %v: missing %v, extra %v", gb, missing, extra))
	}
	gp := strings.Split(got.Body, "\n\n")
	if got.Body == "" {
		gp = nil
	}
	if missing, extra := diffLists(gp, want.Body); len(missing)+len(extra) > 0 {
		out = append(out, fmt.Sprintf("body (%d paragraphs, want %d): missing %q, extra %q", len(gp), len(want.Body), missing, extra))
	}
	if len(got.Images) != len(want.Images) {
		out = append(out, fmt.Sprintf("%d images, want %d: %+v", len(got.Images), len(want.Images), got.Images))
	} else {
		for i, w := range want.Images {
			g := got.Images[i]
			field(fmt.Sprintf("images[%d].src", i), strings.TrimPrefix(g.Src, base), w.Src)
			field(fmt.Sprintf("images[%d].caption", i), g.Caption, w.Caption)
			field(fmt.Sprintf("images[%d].credit", i), g.Credit, w.Credit)
		}
	}
	return out
}

// canonicalCharset is the name extract reports for an encoding.
func canonicalCharset(enc string) string {
	switch enc {
	case "gb2312":
		return "gbk"
	}
	return enc
}

// norm collapses white space, including no-break and full-width spaces.
func norm(s string) string {
	return strings.Join(strings.FieldsFunc(s, func(r rune) bool {
		return r == ' ' || r == '\t' || r == '\n' || r == '\r' || r == '\u00a0' || r == '\u3000'
	}), " ")
}

// diffLists compares two lists, normalised, as multisets: the members of
// want missing from got, and the members of got not in want.
func diffLists(got, want []string) (missing, extra []string) {
	count := map[string]int{}
	for _, w := range want {
		count[norm(w)]++
	}
	for _, g := range got {
		if k := norm(g); count[k] > 0 {
			count[k]--
		} else {
			extra = append(extra, g)
		}
	}
	for _, w := range want {
		if k := norm(w); count[k] > 0 {
			count[k]--
			missing = append(missing, w)
		}
	}
	return missing, extra
}

func shorten(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
