package crawler_test

import (
	"fmt"
	"net/http"
	"sort"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

// startGaps returns the gaps between the starts of consecutive requests,
// as the server saw them.
func startGaps(hits []hit) []time.Duration {
	sort.Slice(hits, func(i, j int) bool { return hits[i].At.Before(hits[j].At) })
	var gaps []time.Duration
	for i := 1; i < len(hits); i++ {
		gaps = append(gaps, hits[i].At.Sub(hits[i-1].At))
	}
	return gaps
}

// manyPages is a site whose seed /?n=N links to /p0 … /p(N-1); each page
// takes slow to answer. It returns the most requests it saw in flight at
// once.
func manyPages(slow time.Duration, robots string) (http.Handler, *int32) {
	var inFlight, peak int32
	var mu sync.Mutex
	h := http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			if robots == "" {
				http.NotFound(w, r)
				return
			}
			w.Write([]byte(robots))
			return
		}
		cur := atomic.AddInt32(&inFlight, 1)
		mu.Lock()
		peak = max(peak, cur)
		mu.Unlock()
		defer atomic.AddInt32(&inFlight, -1)
		time.Sleep(slow)
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			var n int
			fmt.Sscanf(r.URL.Query().Get("n"), "%d", &n)
			var hrefs []string
			for i := range n {
				hrefs = append(hrefs, fmt.Sprintf("/p%d", i))
			}
			w.Write([]byte(links(hrefs...)))
			return
		}
		w.Write([]byte("<p>page</p>"))
	})
	return h, &peak
}

func TestRun_DelayBetweenStarts(t *testing.T) {
	h, _ := manyPages(0, "")
	s := newSite(t, h)
	cfg := testConfig(s.URL + "/?n=12")
	cfg.Delay = 100 * time.Millisecond
	cfg.Parallel = 3
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	hits := s.requests()
	if len(hits) != 14 { // robots.txt, the seed, 12 pages
		t.Fatalf("%d requests, want 14", len(hits))
	}
	// The server stamps a request when its handler runs: a loaded
	// machine may stamp one late and the next on time.
	const tolerance = 10 * time.Millisecond
	for i, g := range startGaps(hits) {
		if g < cfg.Delay-tolerance {
			t.Errorf("gap %d between request starts is %v, want at least %v", i, g, cfg.Delay)
		}
	}
}

func TestRun_ParallelCap(t *testing.T) {
	h, peak := manyPages(60*time.Millisecond, "")
	s := newSite(t, h)
	cfg := testConfig(s.URL + "/?n=12")
	cfg.Parallel = 2
	cfg.NoSitemapProbe = true
	crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	if got := atomic.LoadInt32(peak); got != 2 {
		t.Errorf("at most %d requests were in flight, want exactly 2", got)
	}
	cfg.Job, cfg.Parallel = "three", 3
	atomic.StoreInt32(peak, 0)
	crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	if got := atomic.LoadInt32(peak); got != 3 {
		t.Errorf("with parallel 3, at most %d requests were in flight, want exactly 3", got)
	}
}

func TestRun_Robots(t *testing.T) {
	robots := "User-agent: *\nDisallow: /\n\n" +
		"User-agent: annals\nDisallow: /p1\nDisallow: /*.pdf$\nCrawl-delay: 0.2\n" +
		"Allow: /p1/open\n"
	s := newSite(t, pages(map[string]string{
		"/robots.txt": robots,
		"/":           links("/p0", "/p1", "/p1/open", "/p1x", "/doc.pdf", "/p2"),
		"/p0":         "x", "/p1/open": "x", "/p2": "x",
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)
	for _, p := range []string{"/p1", "/p1x", "/doc.pdf"} {
		if n := s.count(p); n != 0 {
			t.Errorf("%s disallowed but requested %d times", p, n)
		}
	}
	for _, p := range []string{"/", "/p0", "/p1/open", "/p2"} {
		if n := s.count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
	if st.Blocked != 3 {
		t.Errorf("Blocked = %d, want 3", st.Blocked)
	}
	if !st.Finished {
		t.Error("pass not finished")
	}
	if r := rec.of(s.URL + "/robots.txt"); len(r) != 1 || r[0].Kind != crawler.KindRobots || string(r[0].Body) != robots {
		t.Errorf("the robots.txt fetch did not reach the handler whole: %+v", r)
	}
	// Crawl-delay 0.2 s is longer than the configured delay (0): it wins.
	for i, g := range startGaps(s.requests()) {
		if g < 190*time.Millisecond {
			t.Errorf("gap %d is %v, want at least the Crawl-delay of 200ms", i, g)
		}
	}

	t.Run("Ignored", func(t *testing.T) {
		s := newSite(t, pages(map[string]string{"/robots.txt": "User-agent: *\nDisallow: /\n", "/": links("/a"), "/a": "x"}))
		cfg := testConfig(s.URL + "/")
		cfg.IgnoreRobots = true
		cfg.NoSitemapProbe = true
		crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
		if s.count("/robots.txt") != 0 || s.count("/a") != 1 {
			t.Errorf("with IgnoreRobots: requests %v", s.requests())
		}
	})

	t.Run("Unavailable", func(t *testing.T) {
		s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			if r.URL.Path == "/robots.txt" {
				http.Error(w, "down", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("x"))
		}))
		cfg := testConfig(s.URL + "/")
		cfg.Retries = 1
		f := crawler.NewMemoryFrontier()
		st := crawl(t, cfg, f, &recorder{})
		if s.count("/") != 0 || s.count("/robots.txt") != 2 {
			t.Errorf("with robots.txt answering 503: requests %v", s.requests())
		}
		if st.HostsDown != 1 || st.Queued != 1 {
			t.Errorf("stats = %+v, want the host down and the seed still queued", st)
		}
		// The next run starts a new pass and tries the host again.
		st = crawl(t, cfg, f, &recorder{})
		if st.Resumed || s.count("/robots.txt") != 4 {
			t.Errorf("next run: %+v, %d robots.txt requests; want a new pass trying the host again", st, s.count("/robots.txt"))
		}
	})
}

func TestRun_Retries(t *testing.T) {
	var flaky, limited atomic.Int32
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		switch r.URL.Path {
		case "/":
			w.Header().Set("Content-Type", "text/html")
			w.Write([]byte(links("/flaky", "/dead", "/limited", "/gone")))
		case "/flaky":
			if flaky.Add(1) <= 2 {
				http.Error(w, "busy", http.StatusServiceUnavailable)
				return
			}
			w.Write([]byte("ok"))
		case "/dead":
			http.Error(w, "broken", http.StatusInternalServerError)
		case "/limited":
			if limited.Add(1) == 1 {
				w.Header().Set("Retry-After", "1")
				http.Error(w, "slow down", http.StatusTooManyRequests)
				return
			}
			w.Write([]byte("ok"))
		default:
			http.NotFound(w, r)
		}
	}))
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.Backoff = 40 * time.Millisecond
	cfg.MaxBackoff = 2 * time.Second
	cfg.Retries = 3
	cfg.HostFailures = 100
	cfg.NoSitemapProbe = true
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), rec)

	if n := s.count("/flaky"); n != 3 {
		t.Errorf("/flaky requested %d times, want 3", n)
	}
	if n := s.count("/dead"); n != 4 {
		t.Errorf("/dead requested %d times, want 1 + 3 retries", n)
	}
	if n := s.count("/gone"); n != 1 {
		t.Errorf("/gone (404) requested %d times, want 1: a 404 is not retried", n)
	}
	var attempts []int
	for _, r := range rec.of(s.URL + "/dead") {
		attempts = append(attempts, r.Attempt)
	}
	if fmt.Sprint(attempts) != "[1 2 3 4]" {
		t.Errorf("attempts of /dead handed over = %v", attempts)
	}
	// Exponential backoff with jitter: retry n waits between half and all
	// of Backoff·2^(n-1).
	var dead []hit
	for _, h := range s.requests() {
		if h.Path == "/dead" {
			dead = append(dead, h)
		}
	}
	for i, g := range startGaps(dead) {
		if min := cfg.Backoff<<i/2 - 5*time.Millisecond; g < min {
			t.Errorf("retry %d of /dead came %v after the previous try, want at least %v", i+1, g, min)
		}
	}
	var lim []hit
	for _, h := range s.requests() {
		if h.Path == "/limited" {
			lim = append(lim, h)
		}
	}
	if len(lim) != 2 || lim[1].At.Sub(lim[0].At) < 980*time.Millisecond {
		t.Errorf("/limited: %d requests, want 2, a Retry-After of 1s apart: %v", len(lim), lim)
	}
	if st.Retries != 2+3+1 || st.Errors != 2 {
		t.Errorf("stats = %+v, want 6 retries and 2 errors (/dead, /gone)", st)
	}
}

func TestRun_RetryAfterTooLong(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/" {
			w.Header().Set("Retry-After", time.Now().Add(time.Hour).UTC().Format(http.TimeFormat))
			http.Error(w, "come back later", http.StatusServiceUnavailable)
			return
		}
		http.NotFound(w, r)
	}))
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	start := time.Now()
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	if s.count("/") != 1 || time.Since(start) > 5*time.Second {
		t.Errorf("a Retry-After beyond MaxBackoff: %d requests in %v, want 1 and no wait", s.count("/"), time.Since(start))
	}
	if st.Errors != 1 {
		t.Errorf("stats = %+v", st)
	}
}

func TestRun_HostBackedOff(t *testing.T) {
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/robots.txt" {
			http.NotFound(w, r)
			return
		}
		http.Error(w, "down", http.StatusBadGateway)
	}))
	var seeds []string
	for i := range 20 {
		seeds = append(seeds, fmt.Sprintf("%s/s%d", s.URL, i))
	}
	cfg := testConfig(seeds...)
	cfg.Retries = 1
	cfg.HostFailures = 6
	cfg.Parallel = 1
	cfg.Backoff = 20 * time.Millisecond
	cfg.NoSitemapProbe = true
	st := crawl(t, cfg, crawler.NewMemoryFrontier(), &recorder{})
	pagesAsked := len(s.requests()) - 1
	if pagesAsked != cfg.HostFailures {
		t.Errorf("%d page requests to a failing host, want %d: then it is given up", pagesAsked, cfg.HostFailures)
	}
	if st.HostsDown != 1 || st.Queued < 15 {
		t.Errorf("stats = %+v, want the host down and its URLs still queued", st)
	}
	// Failures 3 and later pause the host: the requests slow down.
	hits := s.requests()[1:]
	if gap := hits[len(hits)-1].At.Sub(hits[len(hits)-2].At); gap < cfg.Backoff {
		t.Errorf("the last requests to a failing host came %v apart, want a pause", gap)
	}
}
