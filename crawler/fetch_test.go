package crawler_test

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/annals/annals/crawler"
)

func gbk(t *testing.T, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// A legacy GB2312/GBK page declares its charset only after 2 KiB of
// markup, and the server sends no charset (or no Content-Type at all): the
// handler must get the bytes exactly as sent, and its non-ASCII links must
// still be followed.
func TestRun_GBKBodyByteExact(t *testing.T) {
	filler := strings.Repeat("<!-- 填充 padding padding padding -->\n", 80)
	page := gbk(t, "<html><head><title>通辽新闻</title>\n"+filler+
		`<meta http-equiv="Content-Type" content="text/html; charset=gb2312">`+
		"</head><body><h1>中国共产党通辽市第五次代表大会开幕</h1>"+
		`<a href="/新闻/2021.html">新闻</a><a href="/bare">无类型</a></body></html>`)
	if bytes.Index(page, []byte("charset=gb2312")) < 2048 {
		t.Fatal("the charset must be declared after the first 2 KiB")
	}
	article := gbk(t, "<html><body><p>本报讯（记者 赵彦臻）</p></body></html>")
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write(page)
		case "/新闻/2021.html":
			w.Header().Set("Content-Type", "text/html; charset=GBK")
			w.Write(article)
		case "/bare":
			// No Content-Type at all: net/http would otherwise sniff one
			// and add charset=utf-8.
			w.Header()["Content-Type"] = nil
			w.Write(article)
		default:
			http.NotFound(w, r)
		}
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	got := rec.of(s.URL + "/")
	if len(got) != 1 || !bytes.Equal(got[0].Body, page) {
		t.Fatalf("the GBK page was not handed over byte for byte")
	}
	if got[0].Kind != crawler.KindPage {
		t.Errorf("kind = %v", got[0].Kind)
	}
	art := rec.of(s.URL + "/%E6%96%B0%E9%97%BB/2021.html")
	if len(art) != 1 || !bytes.Equal(art[0].Body, article) || art[0].Header.Get("Content-Type") != "text/html; charset=GBK" {
		t.Errorf("the page behind the GBK link: %d responses, want its GBK bytes and header untouched", len(art))
	}
	bare := rec.of(s.URL + "/bare")
	if len(bare) != 1 || !bytes.Equal(bare[0].Body, article) || bare[0].Header.Get("Content-Type") != "" {
		t.Errorf("the page without Content-Type was changed: %+v", bare)
	}
}

func TestRun_ResponseFields(t *testing.T) {
	s := newSite(t, pages(map[string]string{"/": "<p>hello</p>"}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	rs := rec.all()
	if len(rs) != 1 {
		t.Fatalf("%d responses", len(rs))
	}
	r := rs[0]
	if r.URL != s.URL+"/" || r.Method != "GET" || r.Proto != "HTTP/1.1" || r.Status != 200 || string(r.Body) != "<p>hello</p>" ||
		r.Err != nil || r.StartedAt.IsZero() || r.Duration <= 0 || r.RemoteAddr != s.Listener.Addr().String() ||
		r.Depth != 0 || r.Kind != crawler.KindPage || r.Attempt != 1 || r.Truncated || r.RedirectTo != "" {
		t.Errorf("response = %+v", r)
	}
	if r.RequestHeader.Get("User-Agent") == "" || r.RequestHeader.Get("Accept") == "" || r.Header.Get("Content-Type") == "" {
		t.Errorf("headers: request %v, response %v", r.RequestHeader, r.Header)
	}
}

func TestRun_MaxBody(t *testing.T) {
	big := bytes.Repeat([]byte("0123456789"), 100_000) // 1 MB
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "application/octet-stream")
		w.Write(big)
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/big")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.MaxBody = 100 << 10
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	r := rec.of(s.URL + "/big")
	if len(r) != 1 || !r[0].Truncated || int64(len(r[0].Body)) != cfg.MaxBody || !bytes.Equal(r[0].Body, big[:cfg.MaxBody]) || r[0].Err != nil {
		t.Fatalf("a 1 MB body with MaxBody 100 KiB: %d responses, truncated %v, %d bytes", len(r), len(r) == 1 && r[0].Truncated, len(r[0].Body))
	}
	if st.Truncated != 1 || st.Retries != 0 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRun_Timeout(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		select {
		case <-time.After(10 * time.Second):
		case <-r.Context().Done():
		}
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/slow")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.Timeout = 150 * time.Millisecond
	cfg.Retries = 2
	start := time.Now()
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("three timed-out tries took %v", el)
	}
	r := rec.of(s.URL + "/slow")
	if len(r) != 3 {
		t.Fatalf("%d attempts, want 3", len(r))
	}
	for _, x := range r {
		if x.Err == nil || !errors.Is(x.Err, context.DeadlineExceeded) || x.Status != 0 {
			t.Errorf("attempt %d: err %v, status %d; want a deadline error", x.Attempt, x.Err, x.Status)
		}
		if x.Duration < cfg.Timeout || x.Duration > cfg.Timeout+time.Second {
			t.Errorf("attempt %d took %v, want about %v", x.Attempt, x.Duration, cfg.Timeout)
		}
	}
	if st.Errors != 1 || st.Finished != true {
		t.Errorf("stats = %+v", st)
	}
}

// Non-HTML is captured as it is and never parsed for links.
func TestRun_NonHTML(t *testing.T) {
	pdf := []byte("%PDF-1.4\n<a href=\"/secret\">not a link</a>\n%%EOF")
	png := []byte("\x89PNG\r\n\x1a\n<a href=\"/secret2\">")
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(links("/doc.pdf", "/img")))
		case "/doc.pdf":
			w.Header().Set("Content-Type", "application/pdf")
			w.Write(pdf)
		case "/img":
			w.Header()["Content-Type"] = nil
			w.Write(png)
		default:
			http.NotFound(w, r)
		}
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	if s.count("/secret") != 0 || s.count("/secret2") != 0 {
		t.Error("links inside non-HTML bodies were followed")
	}
	for _, p := range []string{"/doc.pdf", "/img"} {
		r := rec.of(s.URL + p)
		if len(r) != 1 || r[0].Kind != crawler.KindOther {
			t.Errorf("%s: %+v, want one response of kind other", p, r)
		}
	}
	if r := rec.of(s.URL + "/doc.pdf"); len(r) == 1 && !bytes.Equal(r[0].Body, pdf) {
		t.Error("the PDF was changed")
	}
}

func TestRun_ConditionalGet(t *testing.T) {
	const etag = `"v1"`
	lastMod := time.Date(2021, 9, 28, 9, 47, 3, 0, time.UTC).Format(http.TimeFormat)
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(links("/etag", "/lastmod")))
		case "/etag":
			if r.Header.Get("If-None-Match") == etag {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("ETag", etag)
			w.Write([]byte("v1"))
		case "/lastmod":
			if r.Header.Get("If-Modified-Since") == lastMod {
				w.WriteHeader(http.StatusNotModified)
				return
			}
			w.Header().Set("Last-Modified", lastMod)
			w.Write([]byte("v1"))
		default:
			http.NotFound(w, r)
		}
	}))
	f := crawler.NewMemoryFrontier()
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	first := crawl(t, cfg, f, &recorder{})
	if !first.Finished || first.Unchanged != 0 {
		t.Fatalf("first run: %+v", first)
	}
	rec := &recorder{}
	second := crawl(t, cfg, f, rec)
	for _, p := range []string{"/etag", "/lastmod"} {
		r := rec.of(s.URL + p)
		if len(r) != 1 || r[0].Status != http.StatusNotModified {
			t.Errorf("second run of %s: %+v, want one 304", p, r)
		}
	}
	if r := rec.of(s.URL + "/etag"); len(r) == 1 && r[0].RequestHeader.Get("If-None-Match") != etag {
		t.Errorf("If-None-Match sent = %q", r[0].RequestHeader.Get("If-None-Match"))
	}
	if second.Unchanged != 3 || second.Changed != 0 || second.Resumed || !second.Finished {
		t.Errorf("second run: %+v, want 3 unchanged (two 304s and the same seed)", second)
	}
}

// COLLY_* environment variables must not change the crawler.
func TestRun_CollyEnvironmentIgnored(t *testing.T) {
	t.Setenv("COLLY_USER_AGENT", "evil")
	t.Setenv("COLLY_IGNORE_ROBOTSTXT", "n")
	t.Setenv("COLLY_MAX_BODY_SIZE", "3")
	t.Setenv("COLLY_FOLLOW_REDIRECTS", "y")
	t.Setenv("COLLY_DETECT_CHARSET", "y")
	s := newSite(t, pages(map[string]string{"/": "<p>hello, world</p>"}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	hits := s.requests()
	if len(hits) != 1 || hits[0].Header.Get("User-Agent") == "evil" {
		t.Fatalf("requests %v", hits)
	}
	if r := rec.all(); len(r) != 1 || string(r[0].Body) != "<p>hello, world</p>" {
		t.Errorf("body = %q", r[0].Body)
	}
}

func TestNew_Invalid(t *testing.T) {
	f, h := crawler.NewMemoryFrontier(), &recorder{}
	for name, mod := range map[string]func(*crawler.Config){
		"NoJob":      func(c *crawler.Config) { c.Job = "" },
		"NoSeeds":    func(c *crawler.Config) { c.Seeds = nil },
		"BadSeed":    func(c *crawler.Config) { c.Seeds = []string{"example.com/x"} },
		"FtpSeed":    func(c *crawler.Config) { c.Seeds = []string{"ftp://example.com/"} },
		"Parallel0":  func(c *crawler.Config) { c.Parallel = 0 },
		"Timeout0":   func(c *crawler.Config) { c.Timeout = 0 },
		"NegDelay":   func(c *crawler.Config) { c.Delay = -time.Second },
		"MaxBody0":   func(c *crawler.Config) { c.MaxBody = 0 },
		"BackoffMax": func(c *crawler.Config) { c.MaxBackoff = c.Backoff / 2 },
		"UserAgent":  func(c *crawler.Config) { c.UserAgent = "a\r\nX-Evil: 1" },
		"Revisit":    func(c *crawler.Config) { c.Revisit = 7 },
	} {
		cfg := testConfig("http://127.0.0.1/")
		mod(&cfg)
		if _, err := crawler.New(cfg, f, h); err == nil {
			t.Errorf("%s: New accepted it", name)
		}
	}
	if _, err := crawler.New(testConfig("http://127.0.0.1/"), nil, h); err == nil {
		t.Error("New accepted a nil frontier")
	}
	def := crawler.DefaultConfig()
	if def.Delay != time.Second || def.Parallel != 2 || def.Timeout != 30*time.Second || def.Retries != 3 ||
		def.MaxBody != 10<<20 || def.IgnoreRobots || def.Revisit != crawler.RevisitAll {
		t.Errorf("DefaultConfig = %+v", def)
	}
}
