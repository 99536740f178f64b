package crawler

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/x509"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/url"
	"regexp"
	"strings"
	"syscall"
	"testing"
	"time"

	"golang.org/x/text/encoding"
)

func TestParseHTML(t *testing.T) {
	doc := parseHTML([]byte(`<html><head><base href="/base/"><meta charset="gbk">
		<link rel="alternate" type="application/rss+xml" href="/feed">
		<link rel="stylesheet" href="/style.css"><link rel="canonical" href="/canon">
		<meta http-equiv="refresh" content="5; URL='/moved'">
		<script>var s = '<a href="/in-script">';</script></head>
		<body><a href="/a">a</a><a href="/a">again</a><A HREF=" /b ">b</A><area href="/c">
		<iframe src="/frame"></iframe><a name="x">no href</a><a href="">empty</a><img src="/i.jpg"></body></html>`))
	var got []string
	for _, l := range doc.links {
		got = append(got, fmt.Sprintf("%s:%v", l.href, l.kind))
	}
	want := "[/feed:feed /moved:page /a:page /b:page /c:page /frame:page /i.jpg:other]"
	if fmt.Sprint(got) != want {
		t.Errorf("links = %v, want %v", got, want)
	}
	if doc.base != "/base/" || doc.charset != "gbk" {
		t.Errorf("base %q, charset %q", doc.base, doc.charset)
	}
	doc = parseHTML([]byte(`<meta http-equiv="Content-Type" content="text/html; charset=GB2312">`))
	if doc.charset != "GB2312" {
		t.Errorf("http-equiv charset = %q", doc.charset)
	}
}

func TestRefreshURL(t *testing.T) {
	for in, want := range map[string]string{
		"0; url=/x":        "/x",
		"0;URL='/y'":       "/y",
		`3, url="/z"`:      "/z",
		"5":                "",
		"0; http://a.b/c ": "http://a.b/c",
	} {
		if got := refreshURL(in); got != want {
			t.Errorf("refreshURL(%q) = %q, want %q", in, got, want)
		}
	}
}

func TestClassify(t *testing.T) {
	h := func(ct string) http.Header {
		hd := http.Header{}
		if ct != "" {
			hd.Set("Content-Type", ct)
		}
		return hd
	}
	var gz bytes.Buffer
	zw := gzip.NewWriter(&gz)
	zw.Write([]byte(`<?xml version="1.0"?><urlset></urlset>`))
	zw.Close()
	tests := []struct {
		hint Kind
		ct   string
		body string
		want Kind
	}{
		{KindPage, "text/html; charset=gbk", "<html>", KindPage},
		{KindPage, "", "<!DOCTYPE html><html>", KindPage},
		{KindPage, "application/pdf", "%PDF-1.4", KindOther},
		{KindPage, "", "%PDF-1.4", KindOther},
		{KindPage, "image/png", "\x89PNG", KindOther},
		{KindPage, "application/rss+xml", `<?xml version="1.0"?><rss>`, KindFeed},
		{KindPage, "text/xml", "\xef\xbb\xbf<?xml version='1.0'?>\n<!-- c --><feed xmlns='http://www.w3.org/2005/Atom'>", KindFeed},
		{KindPage, "text/xml", `<rdf:RDF xmlns:rdf="x">`, KindFeed},
		{KindSitemap, "text/html", `<?xml version="1.0"?><urlset>`, KindSitemap},
		{KindSitemap, "application/xml", `<sitemapindex>`, KindSitemap},
		{KindSitemap, "application/x-gzip", gz.String(), KindSitemap},
		{KindPage, "application/x-gzip", gz.String(), KindOther},
		{KindPage, "application/xml", `<svg>`, KindOther},
		{KindRobots, "text/plain", "User-agent: *", KindRobots},
	}
	for _, tt := range tests {
		if got := classify(tt.hint, h(tt.ct), []byte(tt.body)); got != tt.want {
			t.Errorf("classify(%v, %q, %.20q) = %v, want %v", tt.hint, tt.ct, tt.body, got, tt.want)
		}
	}
}

func TestParseXMLLinks(t *testing.T) {
	got, err := parseXMLLinks([]byte(`<?xml version="1.0"?><rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns="http://purl.org/rss/1.0/">
		<channel rdf:about="/"><link>/</link></channel><item rdf:about="/i1"><link>/i1</link></item></rdf:RDF>`))
	if err != nil || len(got) != 2 || got[0].href != "/i1" || got[1].href != "/i1" || !got[0].modified.IsZero() {
		t.Errorf("RSS 1.0: %v, %v", got, err)
	}
	if _, err := parseXMLLinks([]byte("<html><a href=/x>")); err == nil {
		t.Error("HTML taken for a sitemap")
	}
	got, err = parseXMLLinks([]byte(`<urlset><url><loc>/a</loc></url><url><loc>/b`))
	if len(got) != 1 || err == nil {
		t.Errorf("a cut sitemap: %v, %v; want its whole entries and an error", got, err)
	}
}

func TestParseModified(t *testing.T) {
	utc := func(y int, mo time.Month, d, h, mi, sec, ms int) time.Time {
		return time.Date(y, mo, d, h, mi, sec, ms*int(time.Millisecond), time.UTC)
	}
	tests := []struct {
		in   string
		want time.Time // zero: no hint
	}{
		// W3C datetimes (sitemaps, Atom). A date alone is its last moment.
		{"2024-03-01", utc(2024, 3, 1, 23, 59, 59, 999)},
		{" 2024-03-01\n", utc(2024, 3, 1, 23, 59, 59, 999)},
		{"2024-03", utc(2024, 3, 31, 23, 59, 59, 999)},
		{"2024", utc(2024, 12, 31, 23, 59, 59, 999)},
		{"2024-03-01T09:30+08:00", utc(2024, 3, 1, 1, 30, 0, 0)},
		{"2024-03-01T09:30:15Z", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"2024-03-01T09:30:15.25-05:00", utc(2024, 3, 1, 14, 30, 15, 250)},
		{"2024-03-01T09:30:15+0800", utc(2024, 3, 1, 1, 30, 15, 0)},
		{"2024-03-01T09:30:15", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"2024-03-01 09:30:15", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"2024-03-01 09:30:15 +0800", utc(2024, 3, 1, 1, 30, 15, 0)},
		{"2024-03-01 09:30", utc(2024, 3, 1, 9, 30, 0, 0)},
		// RSS <pubDate>: RFC 1123 and RFC 822, and what feeds make of them.
		{"Fri, 01 Mar 2024 09:30:15 GMT", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"Fri, 01 Mar 2024 09:30:15 +0800", utc(2024, 3, 1, 1, 30, 15, 0)},
		{"Fri, 1 Mar 2024 09:30:15 -0500", utc(2024, 3, 1, 14, 30, 15, 0)},
		{"Fri, 01 Mar 24 09:30 EST", utc(2024, 3, 1, 14, 30, 0, 0)},
		{"01 Mar 2024 09:30:15 UT", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"Friday, 01 March 2024 09:30:15 GMT", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"Mon, 01 Mar 2024 09:30:15 +0800 (CST)", utc(2024, 3, 1, 1, 30, 15, 0)},
		{"Fri, 01 Mar 2024 09:30:15 CST", utc(2024, 3, 1, 15, 30, 15, 0)},
		{"Fri, 01 Mar 2024 09:30:15 +08:00", utc(2024, 3, 1, 1, 30, 15, 0)},
		{"Fri, 01 Mar 2024 09:30:15", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"fri, 01 mar 2024 09:30:15 gmt", utc(2024, 3, 1, 9, 30, 15, 0)},
		{"Mar 1, 2024 09:30:15 GMT", utc(2024, 3, 1, 9, 30, 15, 0)},
		// Junk.
		{"", time.Time{}},
		{"yesterday", time.Time{}},
		{"2024-13-01", time.Time{}},
		{"2024-02-30T10:00:00Z", time.Time{}},
		{"2024-03-01T25:00:00Z", time.Time{}},
		{"Fri, 01 Mar 2024 09:30:15 XYZ", time.Time{}},
		{"Fri, 01 Mar 2024 09:30:15 +9999", time.Time{}},
		{"Fri, 01 Mar 2024", time.Time{}},
		{"2024-03-01T09:30:15Z" + strings.Repeat(" ", 100) + "x", time.Time{}},
		{"\xff\xfe", time.Time{}},
		{"1709285415", time.Time{}},
	}
	for _, tt := range tests {
		got, ok := parseModified(tt.in)
		if ok != !tt.want.IsZero() || !got.Equal(tt.want) {
			t.Errorf("parseModified(%q) = %v, %v; want %v", tt.in, got, ok, tt.want)
		}
	}
}

// BenchmarkParseModified reads the forms sitemaps and feeds write most,
// once per entry of a sitemap of up to 50,000.
func BenchmarkParseModified(b *testing.B) {
	for _, s := range []string{"2024-03-01", "2024-03-01T09:00:00+08:00", "Fri, 01 Mar 2024 09:30:15 +0800"} {
		b.Run(strings.NewReplacer(" ", "_", ",", "").Replace(s), func(b *testing.B) {
			for b.Loop() {
				if _, ok := parseModified(s); !ok {
					b.Fatalf("%q not read", s)
				}
			}
		})
	}
}

func TestParseXMLLinksModified(t *testing.T) {
	day := func(d int) time.Time { return time.Date(2024, 3, d, 23, 59, 59, 999e6, time.UTC) }
	at := func(d, h int) time.Time { return time.Date(2024, 3, d, h, 0, 0, 0, time.UTC) }
	tests := []struct {
		name, doc string
		want      []rawLink
	}{
		{"sitemap", `<?xml version="1.0"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9">
			<url><loc>/a</loc><lastmod>2024-03-01</lastmod></url>
			<url><lastmod>2024-03-02T10:00:00+00:00</lastmod><loc>/b</loc><changefreq>daily</changefreq></url>
			<url><loc>/c</loc></url>
			<url><loc>/d</loc><lastmod>soon</lastmod></url>
			<url><loc>/e</loc><image:image xmlns:image="x"><image:loc>/e.jpg</image:loc><lastmod>2024-03-09</lastmod></image:image></url>
			</urlset>`,
			[]rawLink{{"/a", KindPage, day(1)}, {"/b", KindPage, at(2, 10)}, {"/c", KindPage, time.Time{}},
				{"/d", KindPage, time.Time{}}, {"/e", KindPage, time.Time{}}}},
		{"sitemap index", `<sitemapindex><sitemap><loc>/s1.xml</loc><lastmod>2024-03-03</lastmod></sitemap></sitemapindex>`,
			[]rawLink{{"/s1.xml", KindSitemap, day(3)}}},
		{"atom", `<feed xmlns="http://www.w3.org/2005/Atom"><updated>2024-03-09T00:00:00Z</updated>
			<entry><link href="/x"/><link rel="edit" href="/x/edit"/><published>2024-03-01T10:00:00Z</published>
			<updated>2024-03-04T10:00:00Z</updated><source><updated>2024-03-08T00:00:00Z</updated></source></entry>
			<entry><link rel="alternate" href="/y"/><published>2024-03-05T10:00:00Z</published></entry>
			<entry><link href="/z"/><updated>broken</updated></entry></feed>`,
			[]rawLink{{"/x", KindPage, at(4, 10)}, {"/y", KindPage, at(5, 10)}, {"/z", KindPage, time.Time{}}}},
		{"rss", `<rss version="2.0"><channel><link>/</link><pubDate>Sat, 09 Mar 2024 00:00:00 GMT</pubDate>
			<item><title>t</title><link>/n1</link><pubDate>Wed, 06 Mar 2024 18:00:00 +0800</pubDate></item>
			<item><pubDate>Thu, 7 Mar 2024 10:00 GMT</pubDate><link>/n2</link></item>
			<item><link>/n3</link><pubDate>星期四</pubDate></item></channel></rss>`,
			[]rawLink{{"/n1", KindPage, at(6, 10)}, {"/n2", KindPage, at(7, 10)}, {"/n3", KindPage, time.Time{}}}},
		{"rss 1.0", `<rdf:RDF xmlns:rdf="http://www.w3.org/1999/02/22-rdf-syntax-ns#" xmlns:dc="http://purl.org/dc/elements/1.1/" xmlns="http://purl.org/rss/1.0/">
			<item rdf:about="/r1"><dc:date>2024-03-02T10:00:00Z</dc:date></item></rdf:RDF>`,
			[]rawLink{{"/r1", KindPage, at(2, 10)}}},
	}
	for _, tt := range tests {
		got, err := parseXMLLinks([]byte(tt.doc))
		if err != nil {
			t.Errorf("%s: %v", tt.name, err)
		}
		if len(got) != len(tt.want) {
			t.Errorf("%s: %v, want %v", tt.name, got, tt.want)
			continue
		}
		for i := range got {
			if got[i].href != tt.want[i].href || got[i].kind != tt.want[i].kind || !got[i].modified.Equal(tt.want[i].modified) {
				t.Errorf("%s: link %d = %v, want %v", tt.name, i, got[i], tt.want[i])
			}
		}
	}
}

func FuzzParseXMLLinks(f *testing.F) {
	f.Add([]byte(`<urlset><url><loc>/a</loc><lastmod>2024-03-01T09:30+08:00</lastmod></url><url><lastmod>2024</lastmod><loc>/b</loc></url></urlset>`))
	f.Add([]byte(`<rss><channel><item><link>/a</link><pubDate>Fri, 01 Mar 2024 09:30:15 +0800 (CST)</pubDate></item></channel></rss>`))
	f.Add([]byte(`<feed><entry><link href="/x"/><updated>2024-03-01T09:30:15.5Z</updated><published>junk</published></entry></feed>`))
	f.Add([]byte(`<?xml version="1.0" encoding="gb2312"?><rss><channel><item><link>/a</link></item></channel></rss>`))
	f.Add([]byte(`<sitemapindex><sitemap><loc>/s.xml.gz</loc></sitemap></sitemapindex>`))
	f.Add([]byte(`<feed><entry><link href="/x" rel="alternate"/></entry></feed>`))
	f.Add([]byte("\x1f\x8b\x08\x00\x00\x00\x00\x00"))
	f.Fuzz(func(t *testing.T, b []byte) {
		links, _ := parseXMLLinks(b)
		if len(links) > maxLinksPerSitemap {
			t.Fatalf("%d links", len(links))
		}
		for _, l := range links {
			if l.href == "" {
				t.Fatalf("bad link %+v", l)
			}
		}
		classify(KindSitemap, http.Header{}, b)
	})
}

func FuzzParseHTML(f *testing.F) {
	f.Add([]byte(`<a href="/x">x</a><base href="http://a/"><meta http-equiv=refresh content="0;url=/y">`))
	f.Add([]byte("<a href=\"\xb9\xfa\">gbk</a><meta charset=gbk>"))
	f.Fuzz(func(t *testing.T, b []byte) {
		doc := parseHTML(b)
		base, _ := url.Parse("http://example.com/dir/page.html")
		r := resolver{base: base, enc: func() encoding.Encoding { return docEncoding("", doc.charset) }}
		for _, l := range doc.links {
			if u, _, ok := r.resolve(l.href); ok {
				if c, err := Canonicalize(u); err != nil || c != u {
					t.Fatalf("resolve(%q) = %q, not canonical (%q, %v)", l.href, u, c, err)
				}
			}
		}
	})
}

func TestParseRobots(t *testing.T) {
	body := []byte("\xef\xbb\xbfDisallow: /before-any-agent\nSitemap: http://a.test/sm.xml\n" +
		"User-agent: annals\nCrawl-delay: soon\nDisallow: /x # comment\nCrawl-delay: 2.5\n" +
		"User-agent: *\nDisallow: /\n")
	r := parseRobots(200, body, "annals")
	u := func(s string) *url.URL { p, _ := url.Parse(s); return p }
	if r.allowed(u("http://a.test/x/1")) || !r.allowed(u("http://a.test/before-any-agent")) || !r.allowed(u("http://a.test/y?q=1")) {
		t.Errorf("rules for annals wrong: %+v", r)
	}
	if r.delay != 2500*time.Millisecond || len(r.sitemaps) != 1 {
		t.Errorf("delay %v, sitemaps %v", r.delay, r.sitemaps)
	}
	other := parseRobots(200, body, "otherbot")
	if other.allowed(u("http://a.test/y")) {
		t.Error("the * group must apply to another agent")
	}
	if r := parseRobots(404, nil, "annals"); !r.allowed(u("http://a.test/x")) {
		t.Error("a 404 robots.txt must allow all")
	}
	if r := parseRobots(503, nil, "annals"); r.allowed(u("http://a.test/x")) {
		t.Error("a 503 robots.txt must disallow all")
	}
	if r := parseRobots(200, []byte("User-agent: *\nDisallow: /*.pdf$\nDisallow: /search?\n"), "annals"); r.allowed(u("http://a.test/a.pdf")) ||
		!r.allowed(u("http://a.test/a.pdf?x")) || r.allowed(u("http://a.test/search?q=1")) {
		t.Error("wildcard and query rules")
	}
}

func FuzzParseRobots(f *testing.F) {
	f.Add(200, []byte("User-agent: *\nDisallow: /private\nCrawl-delay: 1\nSitemap: /s.xml\n"))
	f.Add(200, []byte("Disallow: /x\nUser-agent: annals\nAllow: /*$\n"))
	f.Add(404, []byte(""))
	f.Fuzz(func(t *testing.T, status int, b []byte) {
		r := parseRobots(status, b, "annals")
		r.allowed(&url.URL{Path: "/a/b", RawQuery: "c=d"})
		if r.delay < 0 {
			t.Fatalf("negative delay %v", r.delay)
		}
	})
}

func TestShape(t *testing.T) {
	now := time.Date(2024, 6, 1, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		u, key string
		absurd bool
	}{
		{"http://a.test/news/123.html", "", false},
		{"http://a.test/calendar?month=2024-01", "http://a.test/calendar?month={n}", false},
		{"http://a.test/calendar?month=2024-02", "http://a.test/calendar?month={n}", false},
		{"http://a.test/events/2024/01/", "http://a.test/events/{date}/", false},
		{"http://a.test/2024-02/28/content_1.htm", "http://a.test/{date}/content_1.htm", false},
		{"http://a.test/news/index_3.html", "http://a.test/news/index_{n}.html", false},
		{"http://a.test/page/7/", "http://a.test/page/{n}/", false},
		{"http://a.test/list?cat=2&page=9", "http://a.test/list?cat=2&page={n}", false},
		{"http://a.test/?p=123", "", false},
		{"http://a.test/events/2031/01/", "", true},
		{"http://a.test/cal?year=2999", "", true},
		{"http://a.test/cal?date=19500101", "", true},
		{"http://127.0.0.1:20210/a", "", false},
	}
	for _, tt := range tests {
		key, absurd := shape(tt.u, now)
		if key != tt.key || absurd != tt.absurd {
			t.Errorf("shape(%q) = %q, %v; want %q, %v", tt.u, key, absurd, tt.key, tt.absurd)
		}
	}
	if !repeatsSegments("http://a.test/a/b/a/b/a/b/a/b") || repeatsSegments("http://a.test/a/b/c/d/e") {
		t.Error("repeatsSegments")
	}
}

func TestRetryAfter(t *testing.T) {
	now := time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)
	for v, want := range map[string]time.Duration{
		"120":                           2 * time.Minute,
		"Fri, 01 Mar 2024 09:01:00 GMT": time.Minute,
		"Fri, 01 Mar 2024 08:00:00 GMT": 0,
	} {
		h := http.Header{"Retry-After": {v}}
		if got, ok := retryAfter(h, now); !ok || got != want {
			t.Errorf("Retry-After %q = %v, %v; want %v", v, got, ok, want)
		}
	}
	for _, v := range []string{"", "soon", "-5"} {
		if _, ok := retryAfter(http.Header{"Retry-After": {v}}, now); ok {
			t.Errorf("Retry-After %q accepted", v)
		}
	}
}

// A seed's redirect to the same site under www. (or without it) brings
// that host into scope; to another site it does not.
func TestRedirectTargetScope(t *testing.T) {
	cfg := DefaultConfig()
	r := &run{cfg: &cfg, log: discardLogger(), scope: newScope(nil, []*regexp.Regexp{regexp.MustCompile(`deny`)}), traps: newTrapCounter(10)}
	r.scope.addRoot("a.test")
	seed := &Item{URL: "http://a.test/", Host: "a.test"}
	now := time.Now()
	if got := r.redirectTarget(seed, "https://www.a.test/", now); len(got) != 1 || got[0].Depth != 0 || got[0].Redirects != 1 || !r.scope.isRoot("www.a.test") {
		t.Errorf("seed → www: %+v", got)
	}
	if got := r.redirectTarget(seed, "https://b.test/", now); len(got) != 0 || r.scope.isRoot("b.test") {
		t.Errorf("seed → another site: %+v", got)
	}
	deep := &Item{URL: "http://a.test/x", Host: "a.test", Depth: 1}
	if got := r.redirectTarget(deep, "http://www2.a.test/x", now); len(got) != 0 {
		t.Errorf("a deep page's redirect to another host: %+v", got)
	}
	if got := r.redirectTarget(deep, "/deny", now); len(got) != 0 {
		t.Errorf("relative Location must already be absolute, and denied: %+v", got)
	}
}

func discardLogger() *slog.Logger { return slog.New(slog.DiscardHandler) }

func TestRetryable(t *testing.T) {
	for _, tt := range []struct {
		r    Response
		want bool
	}{
		{Response{Status: 200}, false},
		{Response{Status: 404}, false},
		{Response{Status: 408}, true},
		{Response{Status: 429}, true},
		{Response{Status: 500}, true},
		{Response{Status: 501}, false},
		{Response{Status: 503}, true},
		{Response{Status: 505}, false},
		{Response{Err: context.DeadlineExceeded}, true},
		{Response{Err: &net.OpError{Op: "dial", Err: syscall.ECONNREFUSED}}, true},
		{Response{Err: &net.DNSError{Err: "no such host", Name: "x.invalid", IsNotFound: true}}, false},
		{Response{Err: &url.Error{Op: "Get", URL: "https://x", Err: x509.UnknownAuthorityError{}}}, false},
	} {
		if got := retryable(&tt.r); got != tt.want {
			t.Errorf("retryable(status %d, err %v) = %v, want %v", tt.r.Status, tt.r.Err, got, tt.want)
		}
	}
}
