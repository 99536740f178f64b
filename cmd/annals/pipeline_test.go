package main

import (
	"bytes"
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
	"github.com/annals/annals/portal"
)

// testPortal serves a fresh sample portal (edition 1, no faults) on
// loopback.
func testPortal(t *testing.T) (*portal.Portal, string) {
	t.Helper()
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

// syncBuffer is a bytes.Buffer safe for a command writing while the test
// reads.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// pipeRun runs annals with args in this process, as main does.
func pipeRun(t *testing.T, ctx context.Context, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	var out, errb syncBuffer
	m := &Main{Stdout: &out, Stderr: &errb, Getenv: func(string) string { return "" }}
	err := m.Run(ctx, args)
	code = m.exitCode(err)
	return out.String(), errb.String(), code
}

// openTestArchive creates an archive in a temporary directory.
func openTestArchive(t *testing.T) *archive.DB {
	t.Helper()
	db := archive.NewDB(filepath.Join(t.TempDir(), "annals.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// fetch returns what the portal answers for path, as a crawler response.
func fetch(t *testing.T, p *portal.Portal, base, path string) *crawler.Response {
	t.Helper()
	rec := httptest.NewRecorder()
	req := httptest.NewRequest(http.MethodGet, base+path, nil)
	p.ServeHTTP(rec, req)
	res := rec.Result()
	return &crawler.Response{
		URL: base + path, Method: http.MethodGet, RequestHeader: http.Header{"User-Agent": {"annals/test"}},
		Proto: "HTTP/1.1", Status: res.StatusCode, Header: res.Header, Body: rec.Body.Bytes(),
		StartedAt: time.Now(), Duration: 5 * time.Millisecond, RemoteAddr: "127.0.0.1:80",
		RedirectTo: res.Header.Get("Location"), Kind: crawler.KindPage, Attempt: 1,
	}
}

func TestPipeline_Handle(t *testing.T) {
	ctx := context.Background()
	p, base := testPortal(t)
	db := openTestArchive(t)
	run, err := db.StartRun(ctx, archive.RunInfo{Job: "t", Seeds: []string{base + "/"}})
	if err != nil {
		t.Fatal(err)
	}
	pipe := &Pipeline{DB: db, Extractor: extract.New(extract.Options{}), RunID: run}
	art := p.Articles()[0]
	for _, a := range p.Articles() {
		if a.Encoding == "gbk" && a.CharsetHeader == "" {
			art = a // the seed in the old layout: GBK, charset only in a late <meta>
			break
		}
	}

	t.Run("Article", func(t *testing.T) {
		r := fetch(t, p, base, art.Path)
		v, err := pipe.Handle(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if !v.Article {
			t.Errorf("verdict = %+v, want an article", v)
		}
		caps, err := db.CapturesOf(ctx, r.URL)
		if err != nil || len(caps) != 1 {
			t.Fatalf("captures = %v, %v", caps, err)
		}
		c := caps[0]
		if c.RunID != run || c.Status != 200 || c.Method != "GET" || c.Proto != "HTTP/1.1" || c.RemoteAddr != "127.0.0.1:80" ||
			c.Size != int64(len(r.Body)) || c.Duration != 5*time.Millisecond || c.RequestHeader.Get("User-Agent") != "annals/test" {
			t.Errorf("capture = %+v", c)
		}
		if c.Charset != "gbk" && c.Charset != "gb18030" {
			t.Errorf("charset = %q (%s), want the page's GBK", c.Charset, c.CharsetSource)
		}
		body, err := db.CapturePayload(ctx, c.ID)
		if err != nil || !bytes.Equal(body, r.Body) {
			t.Errorf("payload is not the bytes received (%v)", err)
		}
		a, err := db.ArticleByURL(ctx, r.URL)
		if err != nil {
			t.Fatal(err)
		}
		v1, err := db.Version(ctx, a.ID, 0)
		if err != nil {
			t.Fatal(err)
		}
		if v1.Content.Title != art.Title {
			t.Errorf("title = %q, want %q", v1.Content.Title, art.Title)
		}
	})

	t.Run("ListPage", func(t *testing.T) {
		r := fetch(t, p, base, "/news/local/")
		v, err := pipe.Handle(ctx, r)
		if err != nil {
			t.Fatal(err)
		}
		if v.Article {
			t.Error("a list page was taken for an article")
		}
		caps, _ := db.CapturesOf(ctx, r.URL)
		if len(caps) != 1 || caps[0].ArticleID != 0 || caps[0].Charset != "utf-8" {
			t.Errorf("captures = %+v", caps)
		}
	})

	t.Run("NonHTML", func(t *testing.T) {
		r := fetch(t, p, base, "/gov/files/2021-heating-hotlines.pdf")
		r.Kind = crawler.KindOther
		v, err := pipe.Handle(ctx, r)
		if err != nil || v.Article {
			t.Fatalf("verdict %+v, %v", v, err)
		}
		caps, _ := db.CapturesOf(ctx, r.URL)
		if len(caps) != 1 || caps[0].Size != int64(len(r.Body)) || caps[0].Charset != "" {
			t.Errorf("captures = %+v", caps)
		}
	})

	t.Run("Failure", func(t *testing.T) {
		r := &crawler.Response{URL: base + "/down.html", Method: "GET", Err: errors.New("dial tcp: connection refused"), StartedAt: time.Now(), Kind: crawler.KindPage}
		if _, err := pipe.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		caps, _ := db.CapturesOf(ctx, r.URL)
		if len(caps) != 1 || caps[0].Status != 0 || !strings.Contains(caps[0].Err, "connection refused") {
			t.Errorf("captures = %+v", caps)
		}
	})

	t.Run("Truncated", func(t *testing.T) {
		r := fetch(t, p, base, p.Articles()[1].Path)
		r.Body, r.Truncated = r.Body[:len(r.Body)/2], true
		v, err := pipe.Handle(ctx, r)
		if err != nil || v.Article {
			t.Fatalf("verdict %+v, %v: a cut page must not make a version", v, err)
		}
		caps, _ := db.CapturesOf(ctx, r.URL)
		if len(caps) != 1 || !caps[0].Truncated || caps[0].ArticleID != 0 {
			t.Errorf("captures = %+v", caps)
		}
	})

	t.Run("Redirect", func(t *testing.T) {
		r := fetch(t, p, base, portal.PathTemporary)
		if r.Status != http.StatusFound || r.RedirectTo == "" {
			t.Fatalf("portal answered %d %q", r.Status, r.RedirectTo)
		}
		if _, err := pipe.Handle(ctx, r); err != nil {
			t.Fatal(err)
		}
		caps, _ := db.CapturesOf(ctx, r.URL)
		if len(caps) != 1 || caps[0].RedirectTo != r.RedirectTo {
			t.Errorf("captures = %+v", caps)
		}
	})

	t.Run("ArchiveClosed", func(t *testing.T) {
		closed := openTestArchive(t)
		closed.Close()
		bad := &Pipeline{DB: closed, Extractor: pipe.Extractor}
		if _, err := bad.Handle(ctx, fetch(t, p, base, "/")); err == nil {
			t.Error("no error from a closed archive: the crawl would go on losing captures")
		}
	})
}

func TestPipeline_Canonical(t *testing.T) {
	ctx := context.Background()
	db := openTestArchive(t)
	pipe := &Pipeline{DB: db, Extractor: extract.New(extract.Options{})}
	page := `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Council passes budget - Example News</title>
<link rel="canonical" href="http://news.example/2024/budget.html"></head><body><article><h1>Council passes budget</h1>
<p class="byline">By Jane Doe</p><time datetime="2024-03-01T10:00:00Z">March 1, 2024</time>` +
		strings.Repeat("<p>The city council passed the budget on Friday after a long debate about schools, roads and parks in every district.</p>", 6) +
		`</article></body></html>`
	r := &crawler.Response{URL: "http://news.example/2024/budget.html?ref=home", Method: "GET", Status: 200,
		Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, Body: []byte(page), StartedAt: time.Now(), Kind: crawler.KindPage}
	v, err := pipe.Handle(ctx, r)
	if err != nil {
		t.Fatal(err)
	}
	if !v.Article || v.Canonical != "http://news.example/2024/budget.html" {
		t.Errorf("verdict = %+v, want the article's canonical URL", v)
	}
}

func TestExtractable(t *testing.T) {
	html := http.Header{"Content-Type": {"text/html; charset=gbk"}}
	for _, tc := range []struct {
		name string
		c    archive.Capture
		want bool
	}{
		{"html", archive.Capture{Status: 200, Header: html, Body: []byte("<p>x")}, true},
		{"xhtml", archive.Capture{Status: 200, Header: http.Header{"Content-Type": {"application/xhtml+xml"}}, Body: []byte("<p>x")}, true},
		{"sniffed", archive.Capture{Status: 200, Header: http.Header{}, Body: []byte("<!DOCTYPE html><p>x")}, true},
		{"sniffed text", archive.Capture{Status: 200, Header: http.Header{}, Body: []byte("plain words")}, false},
		{"pdf", archive.Capture{Status: 200, Header: http.Header{"Content-Type": {"application/pdf"}}, Body: []byte("%PDF-1.4")}, false},
		{"404", archive.Capture{Status: 404, Header: html, Body: []byte("<p>x")}, false},
		{"304", archive.Capture{Status: 304, Header: html}, false},
		{"empty", archive.Capture{Status: 200, Header: html}, false},
		{"truncated", archive.Capture{Status: 200, Header: html, Body: []byte("<p>x"), Truncated: true}, false},
		{"broken off", archive.Capture{Status: 200, Header: html, Body: []byte("<p>x"), Err: "unexpected EOF"}, false},
		{"bad type", archive.Capture{Status: 200, Header: http.Header{"Content-Type": {"text/html;;charset"}}, Body: []byte("<p>x")}, true},
	} {
		if got := Extractable(&tc.c); got != tc.want {
			t.Errorf("%s: Extractable = %v, want %v", tc.name, got, tc.want)
		}
	}
}

func TestStatusLine(t *testing.T) {
	var b bytes.Buffer
	s := newStatusLine(&b)
	s.Set("fetched 1")
	s.Write([]byte("level=WARN msg=x\n"))
	s.Set("fetched 2")
	s.Done()
	want := "\rfetched 1\x1b[K" + "\r\x1b[K" + "level=WARN msg=x\n" + "\rfetched 1\x1b[K" + "\rfetched 2\x1b[K" + "\n"
	if b.String() != want {
		t.Errorf("got %q\nwant %q", b.String(), want)
	}
	b.Reset()
	s.Write([]byte("after\n"))
	s.Done()
	if b.String() != "after\n" {
		t.Errorf("after Done: %q", b.String())
	}
}

func TestRecordedCommand(t *testing.T) {
	got := recordedCommand("crawl", []string{"--deny", `\?page=`, "--job", "tl", "http://a.example/x y"})
	want := `annals crawl --deny '\?page=' --job tl 'http://a.example/x y'`
	if got != want {
		t.Errorf("got %s\nwant %s", got, want)
	}
}
