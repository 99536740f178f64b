package e2e

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/archive"
)

// The generated site of the scale test: a home page linking listPages list
// pages, each linking perList articles; each article links a few others.
const (
	listPages = 1000
	perList   = 100
	articles  = listPages * perList
	// scaleRSS bounds the crawl's peak resident memory.
	scaleRSS = 512 << 20
)

// scaleSite serves the generated site and counts the requests of each
// path.
type scaleSite struct {
	mu   sync.Mutex
	hits map[string]int
}

func (s *scaleSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.mu.Lock()
	s.hits[r.URL.Path]++
	s.mu.Unlock()
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	var b strings.Builder
	switch {
	case r.URL.Path == "/":
		b.WriteString("<html><head><title>规模测试</title></head><body><h1>规模测试</h1><ul>")
		for i := range listPages {
			fmt.Fprintf(&b, `<li><a href="/list/%d.html">第%d页</a></li>`, i, i)
		}
		b.WriteString("</ul></body></html>")
	case strings.HasPrefix(r.URL.Path, "/list/"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/list/"), ".html"))
		if err != nil || n < 0 || n >= listPages {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(&b, "<html><head><title>列表 %d</title></head><body><ul>", n)
		for i := n * perList; i < (n+1)*perList; i++ {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">第%d号消息</a> <span>2021-09-%02d</span></li>`, i, i, 1+i%28)
		}
		b.WriteString("</ul></body></html>")
	case strings.HasPrefix(r.URL.Path, "/a/"):
		n, err := strconv.Atoi(strings.TrimSuffix(strings.TrimPrefix(r.URL.Path, "/a/"), ".html"))
		if err != nil || n < 0 || n >= articles {
			http.NotFound(w, r)
			return
		}
		fmt.Fprintf(&b, `<html><head><meta charset="utf-8"><title>第%d号消息 - 规模测试</title></head><body>
<div class="nav"><a href="/">首页</a></div>
<article><h1>第%d号消息</h1><p class="date">发布时间：2021-09-%02d 09:%02d</p>`, n, n, 1+n%28, n%60)
		for p := range 5 {
			fmt.Fprintf(&b, "<p>本报讯(记者 张启民)第%d号消息的第%d段：全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来的工作，部署了下一阶段的任务，编号%d。</p>\n", n, p+1, n*7+p)
		}
		b.WriteString(`</article><div class="related"><ul>`)
		for _, k := range []int{1, 7, 97, 9973} {
			fmt.Fprintf(&b, `<li><a href="/a/%d.html">相关消息</a></li>`, (n+k)%articles)
		}
		b.WriteString("</ul></div></body></html>")
	default:
		http.NotFound(w, r)
		return
	}
	w.Write([]byte(b.String()))
}

// TestReliability_Scale crawls a generated loopback site of 100,000
// article pages (and 1,001 list pages) with the real binary and reports
// its peak resident memory and pages per second; every page must be
// fetched exactly once and archived. It takes minutes, so it runs only
// when asked:
//
//	ANNALS_SCALE=1 go test ./e2e -run TestReliability_Scale -v -timeout 1h
func TestReliability_Scale(t *testing.T) {
	if os.Getenv("ANNALS_SCALE") == "" {
		t.Skip("the 100,000-page crawl runs with ANNALS_SCALE=1 (minutes; see the README's reliability section)")
	}
	site := &scaleSite{hits: map[string]int{}}
	srv := httptest.NewServer(site)
	defer srv.Close()
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	began := time.Now()
	p := start(t, dir, crawlArgs(db, srv.URL+"/", "--job", "scale", "--delay", "0", "--parallel", "8", "--ignore-robots")...)
	mem := watchRSS(p)
	code := p.wait(t, time.Duration(slack())*time.Hour)
	took, rss := time.Since(began), mem.Peak()
	if code != 0 {
		t.Fatalf("crawl: exit %d\n%s", code, lastLine(p.stderr.String()))
	}
	if limit := int64(slack()) * scaleRSS; rss > limit {
		t.Errorf("peak RSS %s, want at most %s", mib(rss), mib(limit))
	}

	site.mu.Lock()
	requests, twice := 0, 0
	for path, n := range site.hits {
		requests += n
		if n > 1 {
			twice++
			if twice <= 5 {
				t.Errorf("%s fetched %d times", path, n)
			}
		}
	}
	pages := len(site.hits)
	site.mu.Unlock()
	// The home page, the list pages, the articles and /sitemap.xml.
	if want := 1 + listPages + articles + 1; pages != want {
		t.Errorf("%d distinct URLs fetched, want %d", pages, want)
	}

	a := openArchive(t, db)
	ctx := context.Background()
	caps := 0
	if err := a.EachCapture(ctx, archive.CaptureFilter{}, func(archive.CaptureInfo, []byte) error { caps++; return nil }); err != nil {
		t.Fatal(err)
	}
	if caps != requests {
		t.Errorf("%d captures for %d requests", caps, requests)
	}
	arts := 0
	if err := a.Export(ctx, archive.ExportQuery{}, func(archive.ExportRecord) error { arts++; return nil }); err != nil {
		t.Fatal(err)
	}
	if arts != articles {
		t.Errorf("%d articles archived, want %d", arts, articles)
	}
	st, _ := os.Stat(db)
	t.Logf("%d pages crawled in %s: %.0f pages/s; peak RSS %s; %d captures, %d articles; archive %s",
		pages, took.Round(time.Second), float64(pages)/took.Seconds(), mib(rss), caps, arts, mib(st.Size()))
}
