package crawler_test

import (
	"fmt"
	"net/http"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

// editedSite is a news site whose sitemap gives each article's <lastmod>
// and whose RSS feed gives <pubDate>s. Articles answer conditional GETs by
// their ETag (a version number).
type editedSite struct {
	// linked: the home page links the sitemap after the articles (else it
	// is found at /sitemap.xml).
	linked   bool
	mu       sync.Mutex
	version  map[string]int    // article path → body version
	lastmod  map[string]string // article path → sitemap <lastmod>
	pubDates map[string]string // article path → feed <pubDate>
}

func newEditedSite(linked bool) *editedSite {
	return &editedSite{
		linked:   linked,
		version:  map[string]int{"/art1": 1, "/art2": 1, "/art3": 1, "/art4": 1},
		lastmod:  map[string]string{"/art1": "2020-01-01", "/art2": "2020-01-02T10:00:00+08:00", "/art3": "2020-01-03"},
		pubDates: map[string]string{"/art4": "Fri, 03 Jan 2020 10:00:00 GMT"},
	}
}

func (e *editedSite) set(f func()) {
	e.mu.Lock()
	defer e.mu.Unlock()
	f()
}

func (e *editedSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	e.mu.Lock()
	defer e.mu.Unlock()
	switch p := r.URL.Path; {
	case p == "/":
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprint(w, `<html><head><link rel="alternate" type="application/rss+xml" href="/feed.xml"></head><body>`+
			`<a href="/art1">1</a><a href="/art2">2</a><a href="/art3">3</a><a href="/art4">4</a>`)
		if e.linked {
			fmt.Fprint(w, `<a href="/sitemap.xml">sitemap</a>`)
		}
		fmt.Fprint(w, `</body></html>`)
	case p == "/sitemap.xml":
		w.Header().Set("Content-Type", "application/xml")
		fmt.Fprint(w, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">`)
		for _, a := range []string{"/art1", "/art2", "/art3"} {
			fmt.Fprintf(w, "<url><loc>http://%s%s</loc><lastmod>%s</lastmod></url>\n", r.Host, a, e.lastmod[a])
		}
		fmt.Fprint(w, `</urlset>`)
	case p == "/feed.xml":
		w.Header().Set("Content-Type", "application/rss+xml")
		fmt.Fprintf(w, `<rss version="2.0"><channel><link>/</link><item><link>http://%s/art4</link><pubDate>%s</pubDate></item></channel></rss>`,
			r.Host, e.pubDates["/art4"])
	case e.version[p] > 0:
		etag := fmt.Sprintf(`"v%d"`, e.version[p])
		w.Header().Set("ETag", etag)
		if r.Header.Get("If-None-Match") == etag {
			w.WriteHeader(http.StatusNotModified)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		fmt.Fprintf(w, "<html><body><h1>%s</h1><p>version %d</p></body></html>", p, e.version[p])
	default:
		http.NotFound(w, r)
	}
}

// Under the aging policy, an article that is not due is fetched again in
// the very next run when the sitemap's <lastmod> or the feed's <pubDate>
// says it changed since its last fetch, and only then: other articles, a
// hint not after the last fetch, and one far in the future change nothing.
// Conditional GETs still apply. No URL is fetched twice in one pass.
//
// The sitemap is either found at /sitemap.xml, queued before the articles
// (they are queued again ahead of where the crawler has read the queue),
// or linked after them (they are queued again behind it).
func TestRun_ModifiedHints(t *testing.T) {
	for _, which := range []string{"memory", "sqlite"} {
		for _, linked := range []bool{false, true} {
			t.Run(fmt.Sprintf("%s/linked=%v", which, linked), func(t *testing.T) {
				var f crawler.Frontier = crawler.NewMemoryFrontier()
				if which == "sqlite" {
					f = openArchive(t, filepath.Join(t.TempDir(), "archive.db"))
				}
				testModifiedHints(t, f, linked)
			})
		}
	}
}

func testModifiedHints(t *testing.T, f crawler.Frontier, linked bool) {
	e := newEditedSite(linked)
	s := newSite(t, e)
	rec := &recorder{verdict: func(r *crawler.Response) crawler.Verdict {
		return crawler.Verdict{Article: strings.Contains(r.URL, "/art")}
	}}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots = true // the sitemap is found at /sitemap.xml, or linked
	cfg.NoSitemapProbe = linked
	cfg.Revisit = crawler.RevisitAging
	counts := func() string {
		var b strings.Builder
		for _, p := range []string{"/", "/sitemap.xml", "/feed.xml", "/art1", "/art2", "/art3", "/art4"} {
			fmt.Fprintf(&b, "%s:%d ", p, s.count(p))
		}
		return strings.TrimSpace(b.String())
	}
	check := func(run string, want string, st crawler.Stats, requeued int) {
		t.Helper()
		if got := counts(); got != want {
			t.Errorf("%s: requests %s, want %s", run, got, want)
		}
		if st.Requeued != requeued || !st.Finished || st.Queued != 0 {
			t.Errorf("%s: %+v, want %d queued again and the pass finished", run, st, requeued)
		}
	}

	st := crawl(t, cfg, f, rec)
	check("first run", "/:1 /sitemap.xml:1 /feed.xml:1 /art1:1 /art2:1 /art3:1 /art4:1", st, 0)
	// The articles are due tomorrow; their hints are years old.
	st = crawl(t, cfg, f, rec)
	check("second run", "/:2 /sitemap.xml:2 /feed.xml:2 /art1:1 /art2:1 /art3:1 /art4:1", st, 0)

	// A second later (a <pubDate> is to the second), /art2 is edited and
	// its <lastmod> says so; the feed says /art4 changed though it did
	// not; /art3's <lastmod> is a bogus date next week.
	time.Sleep(1100 * time.Millisecond)
	now := time.Now()
	e.set(func() {
		e.version["/art2"] = 2
		e.lastmod["/art2"] = now.Format(time.RFC3339Nano)
		e.lastmod["/art3"] = now.Add(7 * 24 * time.Hour).Format("2006-01-02")
		e.pubDates["/art4"] = now.UTC().Format(time.RFC1123)
	})
	st = crawl(t, cfg, f, rec)
	check("run after the edit", "/:3 /sitemap.xml:3 /feed.xml:3 /art1:1 /art2:2 /art3:1 /art4:2", st, 2)
	if r := rec.of(s.URL + "/art2"); len(r) != 2 || r[1].Status != 200 || !strings.Contains(string(r[1].Body), "version 2") {
		t.Errorf("/art2 was not fetched again with its new body: %+v", r)
	}
	if r := rec.of(s.URL + "/art4"); len(r) != 2 || r[1].Status != http.StatusNotModified {
		t.Errorf("/art4 must be asked again conditionally and answer 304: %+v", r)
	}
	// Changed: the sitemap, the feed and /art2; unchanged: / and /art4.
	if st.Changed != 3 || st.Unchanged != 2 {
		t.Errorf("run after the edit: %d changed, %d unchanged; want 3 and 2", st.Changed, st.Unchanged)
	}

	// The same hints, now older than the last fetches, change nothing.
	st = crawl(t, cfg, f, rec)
	check("run after that", "/:4 /sitemap.xml:4 /feed.xml:4 /art1:1 /art2:2 /art3:1 /art4:2", st, 0)

	// Under RevisitAll every article is fetched once per pass, hints or
	// not: a hint after a fetch in this pass does not queue it again.
	cfg.Revisit = crawler.RevisitAll
	e.set(func() { e.lastmod["/art1"] = time.Now().Add(time.Hour).Format(time.RFC3339) })
	st = crawl(t, cfg, f, rec)
	check("revisit-all run", "/:5 /sitemap.xml:5 /feed.xml:5 /art1:2 /art2:3 /art3:2 /art4:3", st, 0)
}
