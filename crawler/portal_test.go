package crawler_test

import (
	"bytes"
	"io"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
	"github.com/annals/annals/portal"
)

// TestRun_Portal crawls the sample portal with its faults and traps, then
// its second edition, and holds the crawl to the portal's own account of
// every URL.
func TestRun_Portal(t *testing.T) {
	if testing.Short() {
		t.Skip("crawls the whole sample portal twice")
	}
	p, err := portal.New(portal.Options{Faults: true, SlowDelay: 300 * time.Millisecond, HugeSize: 11 << 20})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	defer srv.Close()
	rec := &recorder{verdict: func(r *crawler.Response) crawler.Verdict {
		_, ok := p.Article(strings.TrimPrefix(r.URL, srv.URL))
		return crawler.Verdict{Article: ok && r.Status == 200}
	}}
	f := openArchive(t, filepath.Join(t.TempDir(), "portal.db"))
	cfg := testConfig(srv.URL + "/")
	cfg.Parallel = 4
	cfg.PatternCap = 12
	cfg.MaxBackoff = 3 * time.Second
	st := crawl(t, cfg, f, rec)

	// Requests are counted by canonical URL: the crawler sorts query
	// parameters.
	canon := func(target string) string {
		c, err := crawler.Canonicalize(srv.URL + target)
		if err != nil {
			t.Fatalf("portal target %q: %v", target, err)
		}
		return strings.TrimPrefix(c, srv.URL)
	}
	requests := func() map[string]int {
		n := map[string]int{}
		for _, r := range p.Requests() {
			n[canon(r.Target)]++
		}
		return n
	}
	status := map[string]int{}
	got := requests()
	for _, r := range p.Requests() {
		status[canon(r.Target)] = r.Status
	}
	for _, pg := range p.Pages() {
		if pg.Kind == portal.KindExternal {
			if r := rec.of(pg.Path); len(r) != 0 {
				t.Errorf("out-of-scope %s was fetched", pg.Path)
			}
			continue
		}
		path := canon(pg.Path)
		n := got[path]
		switch pg.Kind {
		case portal.KindDisallowed:
			if n != 0 {
				t.Errorf("%s is disallowed by robots.txt but was requested %d times", pg.Path, n)
			}
		case portal.KindTrap:
			prefix, _, _ := strings.Cut(pg.Path, "?")
			prefix, _, _ = strings.Cut(prefix, ";")
			var total int
			for target, c := range got {
				if strings.HasPrefix(target, prefix) {
					total += c
				}
			}
			if total == 0 || total > cfg.PatternCap+2 {
				t.Errorf("trap %s: %d requests, want at least one and at most about the cap of %d", pg.Path, total, cfg.PatternCap)
			}
		case portal.KindFault:
			if n == 0 {
				t.Errorf("fault page %s was never requested", pg.Path)
			}
		default:
			if n != 1 {
				t.Errorf("%s (%s) requested %d times, want exactly once", pg.Path, pg.Kind, n)
			}
		}
	}
	if n := got["/interact/busy.html"]; n != 3 {
		t.Errorf("the 429 page was requested %d times, want 3 (two 429s with Retry-After, then 200)", n)
	}
	if n := got["/interact/flaky.html"]; n != 3 {
		t.Errorf("the flaky page was requested %d times, want 3", n)
	}
	if r := rec.of(srv.URL + "/interact/huge.html"); len(r) != 1 || !r[0].Truncated || int64(len(r[0].Body)) != cfg.MaxBody {
		t.Errorf("the huge page: %d responses, want one cut at MaxBody", len(r))
	}
	if r := rec.of(srv.URL + "/interact/slow.html"); len(r) != 1 || r[0].Status != 200 || r[0].Duration < 300*time.Millisecond {
		t.Errorf("the slow page: %+v", r)
	}
	// Legacy pages reach the handler byte for byte.
	for _, a := range p.Articles() {
		r := rec.of(srv.URL + a.Path)
		if len(r) != 1 {
			t.Errorf("article %s: %d responses", a.Path, len(r))
			continue
		}
		if a.Encoding != "utf-8" {
			resp, err := http.Get(srv.URL + a.Path)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if !bytes.Equal(r[0].Body, want) {
				t.Errorf("%s (%s) was not handed over byte for byte", a.Path, a.Encoding)
			}
		}
	}
	if !st.Finished || st.Errors < 2 { // the 404 and the 410 links
		t.Errorf("first crawl: %+v", st)
	}

	// A week later: edition 2, crawled again with conditional GETs.
	if err := p.SetEdition(2); err != nil {
		t.Fatal(err)
	}
	p.Reset()
	rec2 := &recorder{verdict: rec.verdict}
	st2 := crawl(t, cfg, f, rec2)
	got = requests()
	conditional := 0
	for _, r := range p.Requests() {
		if r.Header.Get("If-None-Match") != "" || r.Header.Get("If-Modified-Since") != "" {
			conditional++
		}
	}
	if conditional < 40 {
		t.Errorf("only %d conditional requests on the revisit", conditional)
	}
	unchanged := 0
	for _, r := range rec2.all() {
		if r.Status == http.StatusNotModified {
			unchanged++
		}
	}
	if unchanged < 5 || st2.Unchanged < unchanged {
		t.Errorf("%d 304s on the revisit (stats %+v), want the binaries and feeds unchanged", unchanged, st2)
	}
	for _, c := range p.Changes() {
		if c.Path == "" {
			continue
		}
		rs := rec2.of(srv.URL + c.Path)
		if len(rs) != 1 || rs[0].Status != c.Status {
			t.Errorf("%s (%s): responses %d, want one answering %d", c.Path, c.Kind, len(rs), c.Status)
			continue
		}
		if c.Kind == portal.ChangeMoved {
			if rs[0].RedirectTo != srv.URL+c.To || got[c.To] != 1 {
				t.Errorf("moved %s: redirect to %q, %d requests of %s", c.Path, rs[0].RedirectTo, got[c.To], c.To)
			}
		}
	}
	if !st2.Finished || st2.Resumed {
		t.Errorf("second crawl: %+v", st2)
	}
}
