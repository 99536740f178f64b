package portal_test

import (
	"bytes"
	"compress/gzip"
	"io"
	"reflect"
	"slices"
	"strings"
	"sync"
	"testing"

	"github.com/annals/annals/portal"
)

func byPath(as []portal.Article) map[string]portal.Article {
	m := map[string]portal.Article{}
	for _, a := range as {
		m[a.Path] = a
	}
	return m
}

// Edition 2 differs from edition 1 exactly as Changes says: each change is
// checked on the ground truth and on the wire, and nothing else changed.
func TestEdition2_ChangesExactly(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	e1 := byPath(s.p.Articles())
	_, home1 := s.get("/")
	if err := s.p.SetEdition(2); err != nil {
		t.Fatal(err)
	}
	e2 := byPath(s.p.Articles())
	changes := s.p.Changes()

	kinds := map[portal.ChangeKind]int{}
	explained1 := map[string]bool{} // edition-1 paths a change accounts for
	explained2 := map[string]bool{}
	for _, c := range changes {
		kinds[c.Kind]++
		switch c.Kind {
		case portal.ChangeEdited:
			a, b := e1[c.Path], e2[c.Path]
			if a.Body[c.Paragraph] != c.Before || b.Body[c.Paragraph] != c.After || c.Before == c.After {
				t.Errorf("edit of %s paragraph %d: %q → %q, Changes says %q → %q", c.Path, c.Paragraph, a.Body[c.Paragraph], b.Body[c.Paragraph], c.Before, c.After)
			}
			b.Body = slices.Clone(b.Body)
			b.Body[c.Paragraph] = c.Before
			if !reflect.DeepEqual(a, b) || !slices.Equal(c.Fields, []string{"body"}) {
				t.Errorf("edit of %s changed more than one paragraph, or Fields %v is wrong", c.Path, c.Fields)
			}
			explained1[c.Path], explained2[c.Path] = true, true
		case portal.ChangeRetitled:
			a, b := e1[c.Path], e2[c.Path]
			if a.Title != c.Before || b.Title != c.After || a.Title == b.Title {
				t.Errorf("retitle of %s: %q → %q, Changes says %q → %q", c.Path, a.Title, b.Title, c.Before, c.After)
			}
			b.Title = a.Title
			if !reflect.DeepEqual(a, b) || !slices.Equal(c.Fields, []string{"title"}) {
				t.Errorf("retitle of %s changed more than the title, or Fields %v is wrong", c.Path, c.Fields)
			}
			explained1[c.Path], explained2[c.Path] = true, true
		case portal.ChangeDeleted, portal.ChangeGone:
			if _, ok := e2[c.Path]; ok {
				t.Errorf("%s of %s, but edition 2 still has it", c.Kind, c.Path)
			}
			want := map[portal.ChangeKind]int{portal.ChangeDeleted: 404, portal.ChangeGone: 410}[c.Kind]
			if resp, _ := s.get(c.Path); resp.StatusCode != want || c.Status != want {
				t.Errorf("%s of %s: answers %d, Changes says %d, want %d", c.Kind, c.Path, resp.StatusCode, c.Status, want)
			}
			explained1[c.Path] = true
		case portal.ChangeMoved:
			a, b := e1[c.Path], e2[c.To]
			b.Path = a.Path
			if !reflect.DeepEqual(a, b) {
				t.Errorf("move of %s to %s changed its content", c.Path, c.To)
			}
			resp, _ := s.get(c.Path)
			if resp.StatusCode != 301 || resp.Header.Get("Location") != s.srv.URL+c.To {
				t.Errorf("moved %s: status %d, Location %q; want 301 to %s", c.Path, resp.StatusCode, resp.Header.Get("Location"), c.To)
			}
			if resp, _ := s.get(c.To); resp.StatusCode != 200 {
				t.Errorf("moved %s: new URL answers %d", c.Path, resp.StatusCode)
			}
			explained1[c.Path], explained2[c.To] = true, true
		case portal.ChangeAdded:
			if _, ok := e1[c.Path]; ok {
				t.Errorf("%s added in edition 2 but edition 1 has it", c.Path)
			}
			if _, ok := e2[c.Path]; !ok {
				t.Errorf("%s added, but edition 2 lacks it", c.Path)
			}
			checkLinkedEverywhere(t, s, c.Path)
			if bytes.Contains(home1, []byte(c.Path)) {
				t.Errorf("edition 1's home page links the edition-2 article %s", c.Path)
			}
			explained2[c.Path] = true
		case portal.ChangeTemplate:
			if c.Path != "" || len(c.Fields) != 0 {
				t.Errorf("template change with path %q and fields %v", c.Path, c.Fields)
			}
		default:
			t.Errorf("unknown change kind %q", c.Kind)
		}
	}
	for _, k := range []portal.ChangeKind{portal.ChangeEdited, portal.ChangeRetitled, portal.ChangeDeleted, portal.ChangeGone, portal.ChangeMoved, portal.ChangeAdded, portal.ChangeTemplate} {
		if kinds[k] != 1 {
			t.Errorf("%d changes of kind %s, want 1", kinds[k], k)
		}
	}
	// Nothing else changed.
	for path, a := range e1 {
		if !explained1[path] && !reflect.DeepEqual(a, e2[path]) {
			t.Errorf("%s changed between editions, and Changes does not say so", path)
		}
	}
	for path := range e2 {
		if _, ok := e1[path]; !ok && !explained2[path] {
			t.Errorf("%s is new in edition 2, and Changes does not say so", path)
		}
	}
}

// checkLinkedEverywhere checks that the home page, the gzipped sitemap and
// the RSS feed link path.
func checkLinkedEverywhere(t *testing.T, s *testSite, path string) {
	t.Helper()
	_, home := s.get("/")
	_, gz := s.get(portal.PathSitemapGzip)
	zr, err := gzip.NewReader(bytes.NewReader(gz))
	if err != nil {
		t.Fatal(err)
	}
	sitemap, _ := io.ReadAll(zr)
	_, rss := s.get(portal.PathRSS)
	for name, body := range map[string][]byte{"home page": home, "sitemap": sitemap, "RSS feed": rss} {
		if !bytes.Contains(body, []byte(path)) {
			t.Errorf("the %s does not link %s", name, path)
		}
	}
}

// Switching editions is atomic: every response is all of one edition,
// never a mix, whatever the concurrency.
func TestEdition_SwitchIsAtomic(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	const path = "/news/local/2021-09/28/content_1001.html"
	stop := make(chan struct{})
	var wg sync.WaitGroup
	for range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				resp, err := s.client.Get(s.srv.URL + path)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				ed1 := strings.Contains(string(body), "2021-10-08 10:00:00")
				ed2 := strings.Contains(string(body), "2021-10-15 10:00:00")
				ad := strings.Contains(string(body), `id="ad-top"`)
				if ed1 == ed2 || ad != ed2 {
					t.Errorf("a response mixes editions (footer 1: %v, footer 2: %v, ad: %v)", ed1, ed2, ad)
					return
				}
			}
		}()
	}
	for i := range 200 {
		if err := s.p.SetEdition(1 + i%2); err != nil {
			t.Error(err)
		}
	}
	close(stop)
	wg.Wait()
	if err := s.p.SetEdition(3); err == nil {
		t.Error("SetEdition(3) succeeded; there are two editions")
	}
	if s.p.Edition() != 2 || s.p.Editions() != 2 {
		t.Errorf("Edition %d of %d, want 2 of 2", s.p.Edition(), s.p.Editions())
	}
}

// Going back to edition 1 gives edition 1 again, byte for byte.
func TestEdition_BackAndForth(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	_, before := s.get("/")
	arts := s.p.Articles()
	s.p.SetEdition(2)
	s.p.SetEdition(1)
	_, after := s.get("/")
	if !bytes.Equal(before, after) || !reflect.DeepEqual(arts, s.p.Articles()) {
		t.Error("edition 1 differs after a round trip through edition 2")
	}
}
