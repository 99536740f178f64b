package portal_test

import (
	"bytes"
	"compress/gzip"
	"context"
	"encoding/xml"
	"image/jpeg"
	"io"
	"net/http"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/portal"
)

// conditionalPages are the URLs that answer 200 with validators.
func conditionalPages(p *portal.Portal) []portal.Page {
	var out []portal.Page
	for _, pg := range p.Pages() {
		if pg.Status == 200 && pg.Kind != portal.KindFault && pg.Kind != portal.KindTrap && pg.Kind != portal.KindExternal {
			out = append(out, pg)
		}
	}
	return out
}

// Every page has an ETag and a Last-Modified, and answers 304 when either
// still matches; If-None-Match wins over If-Modified-Since.
func TestConditionalGET(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	type validators struct {
		etag, lastMod string
		body          []byte
	}
	seen := map[string]validators{}
	for _, pg := range conditionalPages(s.p) {
		resp, body := s.get(pg.Path)
		v := validators{resp.Header.Get("ETag"), resp.Header.Get("Last-Modified"), body}
		if resp.StatusCode != 200 || v.etag == "" || v.lastMod == "" || len(body) == 0 {
			t.Errorf("%s: status %d, ETag %q, Last-Modified %q, %d bytes", pg.Path, resp.StatusCode, v.etag, v.lastMod, len(body))
			continue
		}
		if n, _ := strconv.Atoi(resp.Header.Get("Content-Length")); n != len(body) {
			t.Errorf("%s: Content-Length %d for %d bytes", pg.Path, n, len(body))
		}
		seen[pg.Path] = v
		for _, tc := range []struct {
			name   string
			header []string
			want   int
		}{
			{"If-None-Match", []string{"If-None-Match", v.etag}, 304},
			{"If-None-Match among others", []string{"If-None-Match", `"x", ` + v.etag}, 304},
			{"If-Modified-Since", []string{"If-Modified-Since", v.lastMod}, 304},
			{"If-Modified-Since earlier", []string{"If-Modified-Since", "Mon, 01 Jan 2001 00:00:00 GMT"}, 200},
			{"If-None-Match wins", []string{"If-None-Match", `"stale"`, "If-Modified-Since", v.lastMod}, 200},
		} {
			resp, body := s.get(pg.Path, tc.header...)
			if resp.StatusCode != tc.want {
				t.Errorf("%s with %s: status %d, want %d", pg.Path, tc.name, resp.StatusCode, tc.want)
			}
			if tc.want == 304 && len(body) != 0 {
				t.Errorf("%s with %s: 304 with a body", pg.Path, tc.name)
			}
		}
		if resp, body := s.do(http.MethodHead, pg.Path); resp.StatusCode != 200 || len(body) != 0 || resp.Header.Get("ETag") != v.etag {
			t.Errorf("%s HEAD: status %d, %d bytes, ETag %q", pg.Path, resp.StatusCode, len(body), resp.Header.Get("ETag"))
		}
	}

	// In edition 2 every HTML page changed (its template did); validators
	// from edition 1 match exactly the pages whose bytes did not change.
	if err := s.p.SetEdition(2); err != nil {
		t.Fatal(err)
	}
	for _, pg := range conditionalPages(s.p) {
		v, ok := seen[pg.Path]
		if !ok {
			continue // new in edition 2
		}
		_, body := s.get(pg.Path)
		unchanged := bytes.Equal(body, v.body)
		if unchanged && strings.HasPrefix(pg.ContentType, "text/html") {
			t.Errorf("edition 2, %s: HTML page unchanged; the template change must reach every page", pg.Path)
		}
		resp, _ := s.get(pg.Path, "If-None-Match", v.etag)
		if want := map[bool]int{true: 304, false: 200}[unchanged]; resp.StatusCode != want {
			t.Errorf("edition 2, %s (%s) with edition 1's ETag: status %d, want %d", pg.Path, pg.Kind, resp.StatusCode, want)
		}
		resp, _ = s.get(pg.Path, "If-Modified-Since", v.lastMod)
		if want := map[bool]int{true: 304, false: 200}[unchanged]; resp.StatusCode != want {
			t.Errorf("edition 2, %s (%s) with edition 1's Last-Modified: status %d, want %d", pg.Path, pg.Kind, resp.StatusCode, want)
		}
	}
}

func TestRobots(t *testing.T) {
	for _, tc := range []struct {
		delay time.Duration
		want  string
	}{
		{0, ""},
		{2 * time.Second, "Crawl-delay: 2\n"},
		{1500 * time.Millisecond, "Crawl-delay: 1.5\n"},
	} {
		s := newTestSite(t, portal.Options{CrawlDelay: tc.delay})
		resp, body := s.get(portal.PathRobots)
		text := string(body)
		if resp.Header.Get("Content-Type") != "text/plain; charset=utf-8" {
			t.Errorf("Content-Type %q", resp.Header.Get("Content-Type"))
		}
		for _, want := range []string{"User-agent: *\n", "Disallow: /admin/\n", "Sitemap: " + s.srv.URL + portal.PathSitemap + "\n"} {
			if !strings.Contains(text, want) {
				t.Errorf("robots.txt lacks %q:\n%s", want, text)
			}
		}
		if got := regexp.MustCompile(`Crawl-delay: .*\n`).FindString(text); got != tc.want {
			t.Errorf("CrawlDelay %s: robots.txt says %q, want %q", tc.delay, got, tc.want)
		}
		if !strings.HasPrefix(portal.PathDisallowed, "/admin/") {
			t.Errorf("%s is not under the disallowed /admin/", portal.PathDisallowed)
		}
	}
}

// The sitemaps and feeds list exactly the current edition's articles.
func TestSitemapsAndFeeds(t *testing.T) {
	for _, edition := range []int{1, 2} {
		s := newTestSite(t, portal.Options{})
		if err := s.p.SetEdition(edition); err != nil {
			t.Fatal(err)
		}
		articles := map[string]bool{}
		english := map[string]bool{}
		for _, a := range s.p.Articles() {
			articles[s.srv.URL+a.Path] = true
			if a.Language == "en" {
				english[s.srv.URL+a.Path] = true
			}
		}

		var index struct {
			Locs []string `xml:"sitemap>loc"`
		}
		_, body := s.get(portal.PathSitemap)
		if err := xml.Unmarshal(body, &index); err != nil {
			t.Fatal(err)
		}
		if want := []string{s.srv.URL + portal.PathSitemapPages, s.srv.URL + portal.PathSitemapGzip}; strings.Join(index.Locs, " ") != strings.Join(want, " ") {
			t.Errorf("sitemap index lists %v, want %v", index.Locs, want)
		}

		var set struct {
			Locs []string `xml:"url>loc"`
		}
		resp, gz := s.get(portal.PathSitemapGzip)
		if resp.Header.Get("Content-Encoding") != "" {
			t.Errorf("gzipped sitemap sent with Content-Encoding %q: it is a .gz file", resp.Header.Get("Content-Encoding"))
		}
		zr, err := gzip.NewReader(bytes.NewReader(gz))
		if err != nil {
			t.Fatal(err)
		}
		plain, err := io.ReadAll(zr)
		if err != nil {
			t.Fatal(err)
		}
		if err := xml.Unmarshal(plain, &set); err != nil {
			t.Fatal(err)
		}
		sameSet(t, "edition "+strconv.Itoa(edition)+" article sitemap", set.Locs, articles)

		var rss struct {
			Links []string `xml:"channel>item>link"`
		}
		_, body = s.get(portal.PathRSS)
		if err := xml.Unmarshal(body, &rss); err != nil {
			t.Fatal(err)
		}
		if len(rss.Links) != 15 {
			t.Errorf("RSS has %d items, want the newest 15", len(rss.Links))
		}
		for _, l := range rss.Links {
			if !articles[l] {
				t.Errorf("RSS links %s, not an article of edition %d", l, edition)
			}
		}

		var atom struct {
			Entries []struct {
				Link struct {
					Href string `xml:"href,attr"`
				} `xml:"link"`
			} `xml:"entry"`
		}
		_, body = s.get(portal.PathAtom)
		if err := xml.Unmarshal(body, &atom); err != nil {
			t.Fatal(err)
		}
		var hrefs []string
		for _, e := range atom.Entries {
			hrefs = append(hrefs, e.Link.Href)
		}
		sameSet(t, "Atom feed", hrefs, english)
	}
}

func sameSet(t *testing.T, what string, got []string, want map[string]bool) {
	t.Helper()
	seen := map[string]bool{}
	for _, g := range got {
		if !want[g] || seen[g] {
			t.Errorf("%s: unexpected or repeated %s", what, g)
		}
		seen[g] = true
	}
	for w := range want {
		if !seen[w] {
			t.Errorf("%s lacks %s", what, w)
		}
	}
}

func TestBinaries(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	for _, pg := range s.p.Pages() {
		if pg.Kind != portal.KindBinary {
			continue
		}
		resp, body := s.get(pg.Path)
		switch pg.ContentType {
		case "image/jpeg":
			if _, err := jpeg.Decode(bytes.NewReader(body)); err != nil {
				t.Errorf("%s: %v", pg.Path, err)
			}
		case "application/pdf":
			checkPDF(t, body)
		default:
			t.Errorf("%s: unexpected binary type %s", pg.Path, pg.ContentType)
		}
		if resp.Header.Get("Content-Type") != pg.ContentType {
			t.Errorf("%s: Content-Type %q", pg.Path, resp.Header.Get("Content-Type"))
		}
	}
}

// checkPDF checks the PDF's structure: header, trailer, and a
// cross-reference table whose offsets point at its objects.
func checkPDF(t *testing.T, b []byte) {
	t.Helper()
	if !bytes.HasPrefix(b, []byte("%PDF-1.")) || !bytes.HasSuffix(b, []byte("%%EOF\n")) {
		t.Fatal("not a PDF")
	}
	m := regexp.MustCompile(`startxref\n(\d+)\n`).FindSubmatch(b)
	if m == nil {
		t.Fatal("PDF has no startxref")
	}
	xref, _ := strconv.Atoi(string(m[1]))
	if !bytes.HasPrefix(b[xref:], []byte("xref\n")) {
		t.Fatalf("startxref %d does not point at the xref table", xref)
	}
	entries := regexp.MustCompile(`(\d{10}) 00000 n `).FindAllSubmatch(b[xref:], -1)
	for i, e := range entries {
		off, _ := strconv.Atoi(string(e[1]))
		if want := strconv.Itoa(i+1) + " 0 obj"; !bytes.HasPrefix(b[off:], []byte(want)) {
			t.Errorf("xref entry %d points at %q, want %q", i+1, b[off:off+10], want)
		}
	}
	if len(entries) == 0 {
		t.Error("empty xref table")
	}
}

func TestMethodNotAllowed(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	resp, _ := s.do(http.MethodPost, "/")
	if resp.StatusCode != http.StatusMethodNotAllowed || resp.Header.Get("Allow") != "GET, HEAD" {
		t.Errorf("POST /: status %d, Allow %q", resp.StatusCode, resp.Header.Get("Allow"))
	}
}

func TestUnknownPath(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	for _, path := range []string{"/nope.html", "/index.php?m=content&id=9", portal.PathBusy, portal.PathCalendar} {
		if resp, _ := s.get(path); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
	}
}

// Crawlers sort query parameters; the old CMS link must answer the same
// in any parameter order.
func TestQueryOrder(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	want, _ := s.get(portal.PathRedirectChain)
	sorted, _ := s.get("/index.php?a=show&c=index&catid=6&id=1003&m=content")
	if want.StatusCode != http.StatusMovedPermanently || sorted.StatusCode != want.StatusCode {
		t.Fatalf("status %d in link order, %d sorted; want both 301", want.StatusCode, sorted.StatusCode)
	}
	if got, w := sorted.Header.Get("Location"), want.Header.Get("Location"); got != w {
		t.Errorf("sorted query redirects to %q, want %q", got, w)
	}
}

// The request log records what tests assert politeness with.
func TestRequests(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true})
	s.get("/", "User-Agent", "annals-test/1")
	resp, _ := s.get("/")
	s.get("/?utm_source=x", "If-None-Match", resp.Header.Get("ETag"))
	s.get("/nope")
	s.get(portal.PathFlaky)

	reqs := s.p.Requests()
	if len(reqs) != 5 {
		t.Fatalf("%d requests logged, want 5", len(reqs))
	}
	want := []struct {
		target string
		status int
	}{{"/", 200}, {"/", 200}, {"/?utm_source=x", 304}, {"/nope", 404}, {portal.PathFlaky, 503}}
	for i, w := range want {
		r := reqs[i]
		if r.Target != w.target || r.Status != w.status || r.Method != http.MethodGet {
			t.Errorf("request %d: %s %s → %d, want GET %s → %d", i, r.Method, r.Target, r.Status, w.target, w.status)
		}
		if i > 0 && r.Time.Before(reqs[i-1].Time) {
			t.Errorf("request %d logged before request %d", i, i-1)
		}
	}
	if ua := reqs[0].Header.Get("User-Agent"); ua != "annals-test/1" {
		t.Errorf("User-Agent logged as %q", ua)
	}
	if reqs[2].Header.Get("If-None-Match") == "" {
		t.Error("conditional header not logged")
	}
	reqs[0].Header.Set("User-Agent", "changed")
	if s.p.Requests()[0].Header.Get("User-Agent") != "annals-test/1" {
		t.Error("Requests returns the log's own headers, not a copy")
	}

	s.p.Reset()
	if n := len(s.p.Requests()); n != 0 {
		t.Errorf("%d requests after Reset", n)
	}
	if resp, _ := s.get(portal.PathFlaky); resp.StatusCode != 503 {
		t.Errorf("flaky page after Reset: status %d, want 503 again", resp.StatusCode)
	}
}

func TestStart(t *testing.T) {
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, addr := range []string{"0.0.0.0:0", "192.0.2.1:80", "example.com:80", "nonsense"} {
		if srv, err := portal.Start(context.Background(), addr, p); err == nil {
			srv.Close()
			t.Errorf("Start(%q) succeeded: it must listen on loopback only", addr)
		}
	}

	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	srv, err := portal.Start(ctx, "", p)
	if err != nil {
		t.Fatal(err)
	}
	if !strings.HasPrefix(srv.URL(), "http://127.0.0.1:") || strings.HasSuffix(srv.URL(), ":0") {
		t.Errorf("URL %q: want http://127.0.0.1 on a free port", srv.URL())
	}
	client := &http.Client{Timeout: 5 * time.Second}
	defer client.CloseIdleConnections()
	resp, err := client.Get(srv.URL() + "/")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Errorf("GET /: status %d", resp.StatusCode)
	}
	client.CloseIdleConnections()

	cancel() // the context stops the server
	deadline := time.Now().Add(3 * time.Second)
	for {
		resp, err := client.Get(srv.URL() + "/")
		if err != nil {
			break
		}
		resp.Body.Close()
		client.CloseIdleConnections()
		if time.Now().After(deadline) {
			t.Fatal("server still answers after its context ended")
		}
		time.Sleep(10 * time.Millisecond)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("Close after the context ended: %v", err)
	}
	if err := srv.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
}

// Close does not wait for a slow request longer than its grace period.
func TestStart_CloseWithRequestInFlight(t *testing.T) {
	p, err := portal.New(portal.Options{Faults: true, SlowDelay: time.Minute})
	if err != nil {
		t.Fatal(err)
	}
	srv, err := portal.Start(context.Background(), "127.0.0.1:0", p)
	if err != nil {
		t.Fatal(err)
	}
	client := &http.Client{}
	done := make(chan error, 1)
	go func() {
		resp, err := client.Get(srv.URL() + portal.PathSlow)
		if err == nil {
			resp.Body.Close()
		}
		done <- err
	}()
	for len(p.Requests()) == 0 {
		time.Sleep(5 * time.Millisecond)
	}
	start := time.Now()
	if err := srv.Close(); err != nil {
		t.Errorf("Close: %v", err)
	}
	if d := time.Since(start); d > 5*time.Second {
		t.Errorf("Close took %s with a slow request in flight", d)
	}
	if err := <-done; err == nil {
		t.Error("the slow request succeeded after Close")
	}
	client.CloseIdleConnections()
}
