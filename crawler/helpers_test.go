package crawler_test

import (
	"context"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

// hit is one request a test site received.
type hit struct {
	Path   string // path and query as requested
	At     time.Time
	Header http.Header
}

// site is a loopback test server that logs every request.
type site struct {
	*httptest.Server
	mu   sync.Mutex
	hits []hit
}

func newSite(t *testing.T, h http.Handler) *site {
	t.Helper()
	s := &site{}
	s.Server = httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.mu.Lock()
		s.hits = append(s.hits, hit{Path: r.URL.RequestURI(), At: time.Now(), Header: r.Header.Clone()})
		s.mu.Unlock()
		h.ServeHTTP(w, r)
	}))
	t.Cleanup(s.Close)
	return s
}

// requests returns a copy of the requests so far.
func (s *site) requests() []hit {
	s.mu.Lock()
	defer s.mu.Unlock()
	return slices.Clone(s.hits)
}

// count tells how many requests asked for path (with its query).
func (s *site) count(path string) int {
	n := 0
	for _, h := range s.requests() {
		if h.Path == path {
			n++
		}
	}
	return n
}

// pages serves fixed HTML bodies by path (text/html; charset=utf-8) and
// 404 for anything else.
func pages(m map[string]string) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		body, ok := m[r.URL.RequestURI()]
		if !ok {
			http.NotFound(w, r)
			return
		}
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		w.Write([]byte(body))
	})
}

// links makes an HTML page linking to hrefs.
func links(hrefs ...string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html><head><title>t</title></head><body>")
	for _, h := range hrefs {
		b.WriteString(`<a href="` + h + `">x</a>`)
	}
	b.WriteString("</body></html>")
	return b.String()
}

// recorder is a Handler that keeps every response it is given.
type recorder struct {
	mu      sync.Mutex
	resps   []*crawler.Response
	verdict func(*crawler.Response) crawler.Verdict
	fail    func(*crawler.Response) error
}

func (rec *recorder) Handle(ctx context.Context, r *crawler.Response) (crawler.Verdict, error) {
	rec.mu.Lock()
	rec.resps = append(rec.resps, r)
	rec.mu.Unlock()
	if rec.fail != nil {
		if err := rec.fail(r); err != nil {
			return crawler.Verdict{}, err
		}
	}
	if rec.verdict != nil {
		return rec.verdict(r), nil
	}
	return crawler.Verdict{}, nil
}

func (rec *recorder) all() []*crawler.Response {
	rec.mu.Lock()
	defer rec.mu.Unlock()
	return slices.Clone(rec.resps)
}

// of returns the responses for URL u.
func (rec *recorder) of(u string) []*crawler.Response {
	var out []*crawler.Response
	for _, r := range rec.all() {
		if r.URL == u {
			out = append(out, r)
		}
	}
	return out
}

// testConfig is a fast configuration for loopback tests: no delay, short
// backoffs and timeouts, robots.txt obeyed.
func testConfig(seeds ...string) crawler.Config {
	cfg := crawler.DefaultConfig()
	cfg.Job = "test"
	cfg.Seeds = seeds
	cfg.Delay = 0
	cfg.Timeout = 5 * time.Second
	cfg.Backoff = 5 * time.Millisecond
	cfg.MaxBackoff = 100 * time.Millisecond
	cfg.Grace = 500 * time.Millisecond
	cfg.Version, cfg.ProjectURL = "test", "https://example.invalid/annals"
	return cfg
}

// crawl runs one crawl and fails the test on error.
func crawl(t *testing.T, cfg crawler.Config, f crawler.Frontier, h crawler.Handler) crawler.Stats {
	t.Helper()
	c, err := crawler.New(cfg, f, h)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithTimeout(context.Background(), time.Minute)
	defer cancel()
	st, err := c.Run(ctx)
	if err != nil {
		t.Fatalf("Run: %v", err)
	}
	return st
}
