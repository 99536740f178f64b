package crawler_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"net/http"
	"regexp"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

func TestRun_Redirects(t *testing.T) {
	redirect := func(to string, code int) http.HandlerFunc {
		return func(w http.ResponseWriter, r *http.Request) { http.Redirect(w, r, to, code) }
	}
	mux := http.NewServeMux()
	mux.HandleFunc("/{$}", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		w.Write([]byte(links("/r1", "/loop1", "/long/0")))
	})
	mux.Handle("/r1", redirect("/r2", http.StatusMovedPermanently))
	mux.Handle("/r2", redirect("/r3", http.StatusFound))
	mux.Handle("/r3", redirect("/final", http.StatusTemporaryRedirect))
	mux.HandleFunc("/final", func(w http.ResponseWriter, r *http.Request) { w.Write([]byte("final")) })
	mux.Handle("/loop1", redirect("/loop2", http.StatusFound))
	mux.Handle("/loop2", redirect("/loop1", http.StatusFound))
	mux.HandleFunc("/long/{n}", func(w http.ResponseWriter, r *http.Request) {
		var n int
		fmt.Sscanf(r.PathValue("n"), "%d", &n)
		http.Redirect(w, r, fmt.Sprintf("/long/%d", n+1), http.StatusFound)
	})
	s := newSite(t, mux)
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	cfg.MaxRedirects = 3
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)

	for _, p := range []string{"/r1", "/r2", "/r3", "/final", "/loop1", "/loop2"} {
		if n := s.count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
	// Each hop is its own response, naming where it points.
	if r := rec.of(s.URL + "/r1"); len(r) != 1 || r[0].Status != 301 || r[0].RedirectTo != s.URL+"/r2" {
		t.Errorf("/r1: %+v", r)
	}
	if r := rec.of(s.URL + "/final"); len(r) != 1 || string(r[0].Body) != "final" {
		t.Errorf("/final: %+v", r)
	}
	// An endless chain stops at MaxRedirects hops after the linked URL.
	for i := range 4 {
		if n := s.count(fmt.Sprintf("/long/%d", i)); n != 1 {
			t.Errorf("/long/%d requested %d times, want 1", i, n)
		}
	}
	if n := s.count("/long/4"); n != 0 {
		t.Errorf("/long/4 requested: the redirect limit of 3 was not kept")
	}
	if !st.Finished || st.RedirectsStopped != 1 {
		t.Errorf("stats = %+v, want a finished pass with 1 redirect chain stopped", st)
	}
}

// A seed that redirects to its www. host (or from http to https) brings
// that host into scope; a redirect elsewhere does not.
func TestRun_SeedRedirectToWWW(t *testing.T) {
	// Two loopback names for one server: 127.0.0.1 and localhost; the test
	// cannot make "www." names, so it checks the rule on sameSite-like
	// hosts through the exported behaviour of an Allow-free crawl.
	other := newSite(t, pages(map[string]string{"/": links("/o")}))
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			http.Redirect(w, r, other.URL+"/", http.StatusFound)
		default:
			http.NotFound(w, r)
		}
	}))
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	if n := len(other.requests()); n != 0 {
		t.Errorf("a seed's redirect to another host was followed: %v", other.requests())
	}
}

func TestRun_Scope(t *testing.T) {
	other := newSite(t, pages(map[string]string{"/": "x", "/news/1": "x"}))
	s := newSite(t, pages(map[string]string{
		"/":               links("/news/1", "/news/2", "/about", "/news/private/3", other.URL+"/", other.URL+"/news/1"),
		"/news/1":         links("/news/2"),
		"/news/2":         "x",
		"/about":          "x",
		"/news/private/3": "x",
	}))
	t.Run("SeedHosts", func(t *testing.T) {
		cfg := testConfig(s.URL + "/")
		cfg.NoSitemapProbe = true
		cfg.Deny = []*regexp.Regexp{regexp.MustCompile(`/private/`)}
		st := crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
		if len(other.requests()) != 0 {
			t.Errorf("an out-of-scope host was fetched: %v", other.requests())
		}
		if s.count("/news/private/3") != 0 || s.count("/about") != 1 || s.count("/news/2") != 1 {
			t.Errorf("requests %v", s.requests())
		}
		if st.Dropped != 3 {
			t.Errorf("Dropped = %d, want 3 (two off-site links, one denied)", st.Dropped)
		}
	})
	t.Run("Allow", func(t *testing.T) {
		before := len(s.requests())
		cfg := testConfig(s.URL + "/")
		cfg.Job = "allow"
		cfg.NoSitemapProbe = true
		cfg.Allow = []*regexp.Regexp{regexp.MustCompile(`/news/\d+$`)}
		crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
		got := s.requests()[before:]
		var paths []string
		for _, h := range got {
			paths = append(paths, h.Path)
		}
		sort.Strings(paths)
		want := "[/ /news/1 /news/2 /robots.txt]"
		if fmt.Sprint(paths) != want {
			t.Errorf("requests %v, want %v", paths, want)
		}
		if len(other.requests()) != 2 || other.count("/news/1") != 1 {
			t.Errorf("the other host's /news/1 matches Allow and must be fetched (with its robots.txt): %v", other.requests())
		}
	})
}

func gzipped(t *testing.T, b []byte) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func TestRun_Sitemaps(t *testing.T) {
	var base string
	sm := func(locs ...string) string {
		var b strings.Builder
		b.WriteString(`<?xml version="1.0" encoding="UTF-8"?>` + "\n" + `<urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9" xmlns:image="http://www.google.com/schemas/sitemap-image/1.1">`)
		for _, l := range locs {
			b.WriteString("<url><loc>" + base + l + "</loc><image:image><image:loc>" + base + "/img.png</image:loc></image:image></url>")
		}
		b.WriteString("</urlset>")
		return b.String()
	}
	mux := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/robots.txt":
			fmt.Fprintf(w, "User-agent: *\nDisallow:\nSitemap: %s/sitemap_index.xml\n", base)
		case "/sitemap_index.xml":
			w.Header().Set("Content-Type", "application/xml")
			fmt.Fprintf(w, `<?xml version="1.0"?><sitemapindex xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
				<sitemap><loc>%[1]s/sm1.xml.gz</loc></sitemap><sitemap><loc> %[1]s/sm2.xml </loc></sitemap></sitemapindex>`, base)
		case "/sm1.xml.gz":
			w.Header().Set("Content-Type", "application/x-gzip")
			w.Write(gzipped(t, []byte(sm("/a1", "/a2"))))
		case "/sm2.xml":
			w.Header().Set("Content-Type", "text/xml; charset=utf-8")
			w.Write([]byte(sm("/b1", "/a1&amp;x=1")))
		case "/", "/a1", "/a2", "/b1":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte("<p>no links</p>"))
		default:
			http.NotFound(w, r)
		}
	})
	s := newSite(t, mux)
	base = s.URL
	rec := &recorder{}
	st := crawl(t, testConfig(s.URL+"/"), crawler.NewMemoryFrontier(), rec)
	for _, p := range []string{"/sitemap_index.xml", "/sm1.xml.gz", "/sm2.xml", "/a1", "/a2", "/b1", "/a1&x=1"} {
		if n := s.count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
	if s.count("/sitemap.xml") != 0 {
		t.Error("/sitemap.xml probed although robots.txt names a sitemap")
	}
	if s.count("/img.png") != 0 {
		t.Error("an image:loc was taken for a page")
	}
	if r := rec.of(s.URL + "/sm1.xml.gz"); len(r) != 1 || r[0].Kind != crawler.KindSitemap || r[0].Body[0] != 0x1f {
		t.Errorf("the gzipped sitemap must reach the handler as sent, of kind sitemap: %+v", r)
	}
	if !st.Finished {
		t.Errorf("stats = %+v", st)
	}

	t.Run("Probe", func(t *testing.T) {
		s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			switch r.URL.Path {
			case "/sitemap.xml":
				w.Header().Set("Content-Type", "text/html") // wrongly labelled
				fmt.Fprint(w, `<urlset><url><loc>/hidden</loc></url></urlset>`)
			case "/hidden":
				w.Write([]byte("x"))
			default:
				http.NotFound(w, r)
			}
		}))
		crawl(t, testConfig(s.URL+"/"), crawler.NewMemoryFrontier(), &recorder{})
		if s.count("/sitemap.xml") != 1 || s.count("/hidden") != 1 {
			t.Errorf("requests %v", s.requests())
		}
	})
}

func TestRun_Feeds(t *testing.T) {
	rss := `<?xml version="1.0" encoding="gb2312"?><rss version="2.0"><channel><title>x</title><link>/</link>
		<item><title>一</title><link>/rss1</link></item><item><link>
		/rss2
		</link><guid>/not-a-link</guid></item></channel></rss>`
	atom := `<?xml version="1.0" encoding="utf-8"?><feed xmlns="http://www.w3.org/2005/Atom"><title>x</title>
		<link rel="self" href="/atom.xml"/><entry><title>a</title><link href="/atom1"/><link rel="edit" href="/edit1"/></entry>
		<entry><link rel="alternate" type="text/html" href="/atom2"/></entry></feed>`
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(`<html><head><link rel="alternate" type="application/rss+xml" href="/rss.xml">
				<link rel="alternate" type="application/atom+xml" href="/atom.xml"></head><body>no links</body></html>`))
		case "/rss.xml":
			w.Header().Set("Content-Type", "application/rss+xml")
			w.Write(gbk(t, rss))
		case "/atom.xml":
			w.Header().Set("Content-Type", "application/atom+xml")
			w.Write([]byte(atom))
		case "/rss1", "/rss2", "/atom1", "/atom2":
			w.Write([]byte("x"))
		default:
			http.NotFound(w, r)
		}
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	for _, p := range []string{"/rss.xml", "/atom.xml", "/rss1", "/rss2", "/atom1", "/atom2"} {
		if n := s.count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
	for _, p := range []string{"/edit1", "/not-a-link"} {
		if s.count(p) != 0 {
			t.Errorf("%s is not an entry's link but was fetched", p)
		}
	}
	if r := rec.of(s.URL + "/rss.xml"); len(r) != 1 || r[0].Kind != crawler.KindFeed {
		t.Errorf("rss: %+v", r)
	}
}

func TestRun_CalendarTrap(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(links("/calendar?month=2024-01", "/events/2024/01/", "/list?page=1", "/2024-02/28/content_1.htm", "/2024-02/28/content_2.htm")))
		case "/calendar":
			m, _ := time.Parse("2006-01", r.URL.Query().Get("month"))
			w.Write([]byte(links("/calendar?month="+m.AddDate(0, 1, 0).Format("2006-01"), "/calendar?month="+m.AddDate(0, -1, 0).Format("2006-01"))))
		case "/list":
			var p int
			fmt.Sscanf(r.URL.Query().Get("page"), "%d", &p)
			w.Write([]byte(links(fmt.Sprintf("/list?page=%d", p+1))))
		default:
			if strings.HasPrefix(r.URL.Path, "/events/") {
				// A path calendar: /events/2024/01/ links the next month forever.
				var y, m int
				fmt.Sscanf(r.URL.Path, "/events/%d/%d/", &y, &m)
				next := time.Date(y, time.Month(m)+1, 1, 0, 0, 0, 0, time.UTC)
				w.Write([]byte(links(next.Format("/events/2006/01/"))))
				return
			}
			w.Write([]byte("article"))
		}
	}))
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	cfg.PatternCap = 10
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	var cal, events, list int
	for _, h := range s.requests() {
		switch {
		case strings.HasPrefix(h.Path, "/calendar"):
			cal++
		case strings.HasPrefix(h.Path, "/events/"):
			events++
		case strings.HasPrefix(h.Path, "/list"):
			list++
		}
	}
	if cal > 10 || events > 10 || list > 10 || cal < 5 || list < 5 {
		t.Errorf("calendar %d, path calendar %d, pager %d requests; want each bounded by the cap of 10", cal, events, list)
	}
	// Articles whose URLs carry a date are not one pattern.
	if s.count("/2024-02/28/content_1.htm") != 1 || s.count("/2024-02/28/content_2.htm") != 1 {
		t.Error("dated article URLs were capped as a trap")
	}
	if !st.Finished {
		t.Errorf("stats = %+v", st)
	}
	// Without a cap, dates far in the future still end it.
	cfg.PatternCap, cfg.Job, cfg.Seeds = 0, "nocap", []string{s.URL + "/events/2024/01/"}
	before := len(s.requests())
	crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	events = 0
	for _, h := range s.requests()[before:] {
		if strings.HasPrefix(h.Path, "/events/") {
			events++
		}
	}
	if limit := (time.Now().Year()+1-2024+1)*12 + 1; events > limit || events < 12 {
		t.Errorf("path calendar without a cap: %d requests, want it to stop a year ahead (≤ %d)", events, limit)
	}
}

func TestRun_DuplicatesByCanonicalisation(t *testing.T) {
	s := newSite(t, pages(map[string]string{
		"/": links("/a?b=2&a=1", "/a?a=1&b=2", "/a?a=1&b=2&utm_source=feed", "/a?spm=1.2&a=1&b=2#c",
			"/x/../a?b=2&a=1", "/%61?b=2&a=1", "/a;jsessionid=DEADBEEF?a=1&b=2", "http://"+"HOST"+"/a?a=1&b=2"),
		"/a?a=1&b=2": links("/a?a=1&b=2&from=home"),
	}))
	host := strings.TrimPrefix(s.URL, "http://")
	// Put the upper-cased host into the page.
	s.Config.Handler = pages(map[string]string{
		"/": links("/a?b=2&a=1", "/a?a=1&b=2", "/a?a=1&b=2&utm_source=feed", "/a?spm=1.2&a=1&b=2#c",
			"/x/../a?b=2&a=1", "/%61?b=2&a=1", "/a;jsessionid=DEADBEEF?a=1&b=2", "HTTP://"+strings.ToUpper(host)+"/a?a=1&b=2"),
		"/a?a=1&b=2": links("/a?a=1&b=2&from=home"),
	})
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	rec := &recorder{}
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	var a int
	for _, r := range rec.all() {
		if strings.Contains(r.URL, "/a") {
			a++
		}
	}
	if a != 1 || len(rec.of(s.URL+"/a?a=1&b=2")) != 1 {
		t.Errorf("%d fetches of /a in its spellings, want 1", a)
	}
	if st.Known != 2 { // the seed and /a (robots.txt is not in the frontier)
		t.Errorf("the frontier knows %d URLs, want 2", st.Known)
	}
}

// A URL an article names as its canonical is not fetched again when linked.
func TestRun_CanonicalAlias(t *testing.T) {
	var base string
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.RequestURI() {
		case "/":
			w.Write([]byte(links("/article?id=7", "/list2")))
		case "/list2":
			w.Write([]byte(links("/articles/7.html")))
		default:
			w.Write([]byte("article"))
		}
	}))
	base = s.URL
	rec := &recorder{verdict: func(r *crawler.Response) crawler.Verdict {
		if strings.Contains(r.URL, "article?id=7") {
			return crawler.Verdict{Article: true, Canonical: base + "/articles/7.html"}
		}
		return crawler.Verdict{}
	}}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	cfg.Parallel = 1
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	if s.count("/article?id=7") != 1 || s.count("/articles/7.html") != 0 {
		t.Errorf("requests %v: the canonical URL of a fetched article must not be fetched", s.requests())
	}
}
