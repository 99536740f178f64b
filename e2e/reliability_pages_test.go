package e2e

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// hostilePage is one adversarial page, generated in code.
type hostilePage struct {
	name, contentType string
	body              []byte
	// text, when not "", must be in the extracted body.
	text string
	// links is how many links the crawler must discover on it.
	links int
}

// maxLinksPerDoc is the crawler's bound on the links taken from one page
// (crawler/links.go); a page with more has only the first ones queued.
const maxLinksPerDoc = 50000

// hugeText is the size of the pages of text: 50 MB, or 8 MB under the race
// detector, which makes extraction of the 50 MB pages take minutes (CI
// runs these tests at full size without it too).
func hugeText() int {
	if raceEnabled {
		return 8 << 20
	}
	return 50 << 20
}

// hostileCorpus generates the adversarial pages: 100,000 links, 10,000-deep
// nesting, 50 MB of text (in paragraphs and in one text node), pages of
// scripts only, NUL bytes, binary bytes served as HTML, endless attributes,
// a million entities, and an unclosed comment. Each is deterministic.
func hostileCorpus() []hostilePage {
	const html = "text/html; charset=utf-8"
	var pages []hostilePage
	add := func(name string, body []byte, text string, links int) {
		pages = append(pages, hostilePage{name: name, contentType: html, body: body, text: text, links: links})
	}
	para := "全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来的工作，部署了下一阶段的任务。"

	var b bytes.Buffer
	b.WriteString("<html><head><title>十万链接</title></head><body><h1>十万链接</h1><p>" + para + "</p><ul>")
	for i := range 100000 {
		fmt.Fprintf(&b, `<li><a href="/l/%d.html">第%d条消息</a></li>`, i, i)
	}
	b.WriteString("</ul></body></html>")
	add("100k links", bytes.Clone(b.Bytes()), "", maxLinksPerDoc)

	deep := "深处的文字，仍然应当被读到。" + para
	add("10,000-deep nesting", []byte("<html><body>"+strings.Repeat("<div>", 10000)+`<p>`+deep+`</p><a href="/deep">deep</a>`+strings.Repeat("</div>", 10000)+"</body></html>"), "深处的文字", 1)
	add("10,000 unclosed blocks", []byte("<html><body>"+strings.Repeat("<div><span><table><tr><td><font>", 2000)+"<p>"+deep+"</p>"), "", 0)
	add("10,000-deep inline", []byte("<p>"+strings.Repeat("<b><i>", 5000)+deep+strings.Repeat("</i></b>", 5000)+"</p>"), "", 0)

	b.Reset()
	b.WriteString("<html><head><title>五十兆的正文</title></head><body><article><h1>五十兆的正文</h1>")
	for b.Len() < hugeText() {
		b.WriteString("<p>" + strings.Repeat(para, 8) + "</p>\n")
	}
	b.WriteString("</article></body></html>")
	add(fmt.Sprintf("%d MB of paragraphs", hugeText()>>20), bytes.Clone(b.Bytes()), "全市秋季农业生产现场推进会", 0)

	b.Reset()
	for b.Len() < hugeText() {
		b.WriteString("The council met on Tuesday and agreed the budget after a long debate about the roads. ")
	}
	add(fmt.Sprintf("%d MB in one text node", hugeText()>>20), bytes.Clone(b.Bytes()), "", 0)

	b.Reset()
	b.WriteString("<html><head><script>")
	for b.Len() < 2<<20 {
		b.WriteString(`var a=document.createElement("div");a.innerHTML="<p>not text</p>";document.body.appendChild(a);` + "\n")
	}
	b.WriteString("</script></head><body>")
	for range 2000 {
		b.WriteString(`<script>document.write("<a href='/js'>x</a>")</script><noscript></noscript>`)
	}
	b.WriteString("</body></html>")
	add("script only", bytes.Clone(b.Bytes()), "", 0)

	b.Reset()
	b.WriteString("<html><head><title>Nul\x00 bytes</title></head><body><article><h1>Nul\x00 bytes</h1>")
	for range 200 {
		b.WriteString("<p>The council\x00 met on Tuesday\x00\x00 and agreed the budget <a href=\"/n\x00ul\">after</a> a long debate.</p>")
	}
	b.WriteString("</article></body></html>")
	add("NUL bytes in the text", bytes.Clone(b.Bytes()), "The council met on Tuesday and agreed the budget", 1)
	add("a megabyte of NULs", append([]byte("<html><body><p>Before the nothing.</p>"), make([]byte, 1<<20)...), "", 0)

	rng := rand.New(rand.NewPCG(8, 8))
	bin := make([]byte, 5<<20)
	for i := range bin {
		bin[i] = byte(rng.Uint32())
	}
	add("binary served as text/html", bin, "", 0)

	add("100,000 attributes", []byte("<html><body><div "+strings.Repeat(`class="a" `, 50000)+strings.Repeat(`data-x="1" `, 50000)+">"+para+"</div></body></html>"), "", 0)
	add("a 10 MB attribute", []byte(`<html><body><img src="data:image/png;base64,`+strings.Repeat("QUJD", 10<<20/4)+`"><a href="/after">after</a><p>`+para+"</p></body></html>"), "", 1)
	add("a million entities", []byte("<html><body><p>"+strings.Repeat("&amp;&#x4e2d;&nbsp;&bogus;", 250000)+"</p></body></html>"), "", 0)
	add("an unclosed comment", []byte("<html><body><p>"+para+"</p><!-- "+strings.Repeat("<p>hidden</p>", 1<<20)), "", 0)
	return pages
}

// Bounds of one hostile page, generous (the figures are logged): the time
// extract or the crawl may take, and the memory beyond the page's own
// size, as a multiple of it plus a constant.
const (
	hostileTime     = 60 * time.Second
	hostileHeapPer  = 30 // bytes of heap per byte of page, at most
	hostileHeapBase = 64 << 20
)

// TestReliability_HostilePages runs extract over each adversarial page in
// this process, measuring the time and the Go heap's high-water mark
// (sampled; the test runs alone, not in parallel). Each must return in
// bounded time and memory, with an error or an article, never a panic.
func TestReliability_HostilePages(t *testing.T) {
	ex := extract.New(extract.Options{})
	for _, pg := range hostileCorpus() {
		t.Run(pg.name, func(t *testing.T) {
			w := watchHeap()
			began := time.Now()
			a, err := ex.Extract(pg.body, "http://127.0.0.1/hostile.html", pg.contentType)
			took := time.Since(began)
			heap := w.Stop()
			if limit := time.Duration(slack()) * hostileTime; took > limit {
				t.Errorf("extract took %s, want at most %s", took, limit)
			}
			if limit := uint64(slack()) * uint64(hostileHeapBase+hostileHeapPer*len(pg.body)); heap > limit {
				t.Errorf("extract's heap grew by %s, want at most %s", mib(int64(heap)), mib(int64(limit)))
			}
			outcome := "error: " + fmt.Sprint(err)
			if err == nil {
				if a == nil {
					t.Fatal("nil article and no error")
				}
				outcome = fmt.Sprintf("article %v, title %q, body %d bytes", a.IsArticle(), clip(a.Title, 40), len(a.Body))
				if pg.text != "" && !strings.Contains(a.Body, pg.text) {
					t.Errorf("the body lacks %q", pg.text)
				}
				if strings.ContainsRune(a.Title+a.Body, 0) {
					t.Error("NUL in the extracted text")
				}
			}
			t.Logf("%s (%s): extract in %s, heap +%s; %s", pg.name, mib(int64(len(pg.body))), took.Round(time.Millisecond), mib(int64(heap)), outcome)
		})
	}
}

// TestReliability_HostilePagesCrawled serves each adversarial page on
// loopback and crawls it with the real binary: fetch, link discovery,
// extraction and archiving, in bounded time and resident memory. The page
// must be archived byte for byte, and its links discovered (the crawl
// stops after the page, with --max-pages 1, so that they stay queued).
func TestReliability_HostilePagesCrawled(t *testing.T) {
	t.Parallel()
	for _, pg := range hostileCorpus() {
		t.Run(pg.name, func(t *testing.T) {
			t.Parallel()
			srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
				if r.URL.Path != "/hostile.html" {
					http.NotFound(w, r)
					return
				}
				w.Header().Set("Content-Type", pg.contentType)
				w.Write(pg.body)
			}))
			defer srv.Close()
			dir := t.TempDir()
			db := filepath.Join(dir, "annals.db")
			began := time.Now()
			p := start(t, dir, crawlArgs(db, srv.URL+"/hostile.html", "--job", "hostile", "--delay", "0",
				"--max-body", "64MiB", "--max-pages", "1", "--ignore-robots")...)
			mem := watchRSS(p)
			if code := p.wait(t, time.Duration(slack())*hostileTime+time.Minute); code != 0 {
				t.Fatalf("crawl: exit %d\n%s", code, p.stderr.String())
			}
			took, rss := time.Since(began), mem.Peak()
			if limit := time.Duration(slack()) * hostileTime; took > limit {
				t.Errorf("the crawl took %s, want at most %s", took, limit)
			}
			if limit := int64(slack()) * int64(hostileHeapBase+hostileHeapPer*len(pg.body)); rss > limit {
				t.Errorf("peak RSS %s, want at most %s", mib(rss), mib(limit))
			}

			a := openArchive(t, db)
			ctx := context.Background()
			caps, err := a.CapturesOf(ctx, srv.URL+"/hostile.html")
			if err != nil || len(caps) != 1 {
				t.Fatalf("captures of the page: %v %v", caps, err)
			}
			c := caps[0]
			body, err := a.CapturePayload(ctx, c.ID)
			if err != nil {
				t.Fatal(err)
			}
			if c.Status != 200 || c.Err != "" || c.Truncated || !bytes.Equal(body, pg.body) {
				t.Errorf("captured status %d, error %q, truncated %v, %d bytes (equal: %v); want the %d bytes served",
					c.Status, c.Err, c.Truncated, len(body), bytes.Equal(body, pg.body), len(pg.body))
			}
			known, _, err := archive.NewFrontier(a).Count(ctx, "hostile")
			if err != nil {
				t.Fatal(err)
			}
			// The job knows the page, /sitemap.xml (probed when robots.txt
			// is ignored) and the links found.
			found := known - 2
			if found != pg.links {
				t.Errorf("%d links discovered, want %d", found, pg.links)
			}
			article := "not an article"
			if c.ArticleID != 0 {
				article = "an article"
			}
			t.Logf("%s (%s): crawled in %s, peak RSS %s; %d links found; archived as %s (charset %s from %s)",
				pg.name, mib(int64(len(pg.body))), took.Round(time.Millisecond), mib(rss), found, article, c.Charset, c.CharsetSource)
		})
	}
}

// clip shortens s to n runes for a log line.
func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n]) + "…"
}
