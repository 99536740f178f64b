package crawler_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"path/filepath"
	"runtime"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
)

// benchSite is a generated site of n pages, /p/0 … /p/(n-1), each a
// 5 KB news-like page with about twenty links: a nav bar of ten pages, the
// page's children in a 7-ary tree (so all pages are reachable from /p/0),
// and a few cross links. It counts the requests it serves.
type benchSite struct {
	pages    [][]byte
	requests atomic.Int64
}

func newBenchSite(n int) *benchSite {
	s := &benchSite{pages: make([][]byte, n)}
	para := strings.Repeat("通辽市第五次党代会胜利闭幕。The congress closed in Tongliao today. ", 40)
	for i := range n {
		var b bytes.Buffer
		fmt.Fprintf(&b, "<!doctype html><html><head><meta charset=utf-8><title>Page %d</title></head><body><nav>", i)
		for j := range 10 {
			fmt.Fprintf(&b, `<a href="/p/%d">nav %d</a> `, j, j)
		}
		b.WriteString("</nav><article><h1>Headline</h1><p>")
		b.WriteString(para)
		b.WriteString("</p></article><ul>")
		for c := 7*i + 1; c <= 7*i+7 && c < n; c++ {
			fmt.Fprintf(&b, `<li><a href="/p/%d">child %d</a></li>`, c, c)
		}
		for _, x := range []int{(i*31 + 17) % n, (i + 1) % n, (i + n/2) % n} {
			fmt.Fprintf(&b, `<li><a href="../p/%d#comments">see also %d</a></li>`, x, x)
		}
		b.WriteString("</ul></body></html>")
		s.pages[i] = b.Bytes()
	}
	return s
}

func (s *benchSite) ServeHTTP(w http.ResponseWriter, r *http.Request) {
	s.requests.Add(1)
	i, err := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/p/"))
	if err != nil || i < 0 || i >= len(s.pages) {
		http.NotFound(w, r)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Write(s.pages[i])
}

// baselineCrawl is a minimal breadth-first crawler on net/http and
// x/net/html: workers share a queue and a visited map, pages are
// tokenised for a[href], links resolved with net/url, fragments dropped.
// It does nothing else (no robots, no politeness, no storage).
func baselineCrawl(ctx context.Context, client *http.Client, seed string, workers int) int {
	var (
		mu      sync.Mutex
		cond    = sync.NewCond(&mu)
		queue   = []string{seed}
		visited = map[string]bool{seed: true}
		pending = 1
		fetched int
	)
	host := func() string { u, _ := url.Parse(seed); return u.Host }()
	var wg sync.WaitGroup
	for range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for {
				mu.Lock()
				for len(queue) == 0 && pending > 0 {
					cond.Wait()
				}
				if pending == 0 {
					mu.Unlock()
					return
				}
				u := queue[0]
				queue = queue[1:]
				mu.Unlock()

				var found []string
				if req, err := http.NewRequestWithContext(ctx, "GET", u, nil); err == nil {
					if resp, err := client.Do(req); err == nil {
						body, _ := io.ReadAll(resp.Body)
						resp.Body.Close()
						base, _ := url.Parse(u)
						z := html.NewTokenizer(bytes.NewReader(body))
						for tt := z.Next(); tt != html.ErrorToken; tt = z.Next() {
							if tt != html.StartTagToken {
								continue
							}
							name, more := z.TagName()
							if string(name) != "a" {
								continue
							}
							for more {
								var k, v []byte
								k, v, more = z.TagAttr()
								if string(k) == "href" {
									if ref, err := url.Parse(string(v)); err == nil {
										abs := base.ResolveReference(ref)
										abs.Fragment = ""
										if abs.Host == host {
											found = append(found, abs.String())
										}
									}
								}
							}
						}
					}
				}
				mu.Lock()
				fetched++
				for _, f := range found {
					if !visited[f] {
						visited[f] = true
						queue = append(queue, f)
						pending++
					}
				}
				pending--
				cond.Broadcast()
				mu.Unlock()
			}
		}()
	}
	wg.Wait()
	return fetched
}

// BenchmarkCrawl10k crawls a generated 10,000-page loopback site with
// politeness off, in the same run: the baseline crawler above, annals with
// the archive's SQLite frontier, and annals with the in-memory frontier.
// It fails unless each makes exactly 10,000 requests, and reports each
// one's pages per second and annals' ratios to the baseline.
//
//	go test ./crawler -run '^$' -bench Crawl10k -benchtime 3x
func BenchmarkCrawl10k(b *testing.B) {
	const n, parallel = 10000, 4
	site := newBenchSite(n)
	srv := httptest.NewServer(site)
	defer srv.Close()
	seed := srv.URL + "/p/0"
	ctx := context.Background()

	var base, sqlite, mem time.Duration          // wall time
	var baseCPU, sqliteCPU, memCPU time.Duration // process CPU time
	for i := 0; b.Loop(); i++ {
		// Baseline.
		runtime.GC()
		tr := &http.Transport{MaxIdleConnsPerHost: parallel}
		site.requests.Store(0)
		start, cpu := time.Now(), cpuTime()
		got := baselineCrawl(ctx, &http.Client{Transport: tr}, seed, parallel)
		base += time.Since(start)
		baseCPU += cpuTime() - cpu
		tr.CloseIdleConnections()
		if got != n || site.requests.Load() != n {
			b.Fatalf("baseline: %d pages, %d requests; want %d", got, site.requests.Load(), n)
		}

		for _, which := range []string{"sqlite", "memory"} {
			runtime.GC() // start each crawler on a clean heap
			var f crawler.Frontier = crawler.NewMemoryFrontier()
			var db *archive.DB
			if which == "sqlite" {
				db = archive.NewDB(filepath.Join(b.TempDir(), fmt.Sprintf("bench%d.db", i)))
				if err := db.Open(ctx); err != nil {
					b.Fatal(err)
				}
				f = archive.NewFrontier(db)
			}
			cfg := crawler.DefaultConfig()
			cfg.Job, cfg.Seeds = "bench", []string{seed}
			cfg.Delay, cfg.Parallel = 0, parallel
			// Requests in flight stay at 4, as for the baseline; more
			// pages may wait to be recorded, so that group commits are
			// larger (CPU per page falls with the batch).
			cfg.Workers = 64
			cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
			var pages atomic.Int64
			h := crawler.HandlerFunc(func(ctx context.Context, r *crawler.Response) (crawler.Verdict, error) {
				pages.Add(1)
				return crawler.Verdict{}, nil
			})
			c, err := crawler.New(cfg, f, h)
			if err != nil {
				b.Fatal(err)
			}
			site.requests.Store(0)
			start, cpu := time.Now(), cpuTime()
			st, err := c.Run(ctx)
			el, elCPU := time.Since(start), cpuTime()-cpu
			if err != nil {
				b.Fatal(err)
			}
			if which == "sqlite" {
				sqlite += el
				sqliteCPU += elCPU
				db.Close()
			} else {
				mem += el
				memCPU += elCPU
			}
			if site.requests.Load() != n || pages.Load() != n || !st.Finished {
				b.Fatalf("annals (%s): %d requests, %d responses; want %d: %+v", which, site.requests.Load(), pages.Load(), n, st)
			}
		}
	}
	per := func(d time.Duration) float64 { return float64(n*b.N) / d.Seconds() }
	b.ReportMetric(per(base), "baseline-pages/s")
	b.ReportMetric(per(sqlite), "sqlite-pages/s")
	b.ReportMetric(per(mem), "memory-pages/s")
	b.ReportMetric(per(sqlite)/per(base), "ratio-sqlite")
	b.ReportMetric(per(mem)/per(base), "ratio-memory")
	b.ReportMetric(n, "fetches/crawl")
	// CPU per page (the server's included) says how much of the gap is work
	// rather than waiting; it moves less than pages/s on a busy machine.
	cpuPer := func(d time.Duration) float64 { return float64(d.Microseconds()) / float64(n*b.N) }
	b.ReportMetric(cpuPer(baseCPU), "baseline-cpu-µs/page")
	b.ReportMetric(cpuPer(sqliteCPU), "sqlite-cpu-µs/page")
	b.ReportMetric(cpuPer(memCPU), "memory-cpu-µs/page")
}

// cpuTime is the CPU time the process has used (user and system).
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// rss returns the process's resident set size and its peak, from
// /proc/self/status (Linux).
func rss() (cur, peak int64) {
	b, err := os.ReadFile("/proc/self/status")
	if err != nil {
		return 0, 0
	}
	for _, line := range strings.Split(string(b), "\n") {
		f := strings.Fields(line)
		if len(f) < 2 {
			continue
		}
		kb, _ := strconv.ParseInt(f[1], 10, 64)
		switch f[0] {
		case "VmRSS:":
			cur = kb << 10
		case "VmHWM:":
			peak = kb << 10
		}
	}
	return cur, peak
}

// BenchmarkFrontierMillion puts 1,000,000 URLs in the archive's frontier,
// then crawls 5,000 of them (each page linking twenty more, known and
// new) with the rest still queued, and reports the process's peak heap and
// resident memory per known URL.
//
//	go test ./crawler -run '^$' -bench FrontierMillion -benchtime 1x
func BenchmarkFrontierMillion(b *testing.B) {
	const known, crawled = 1_000_000, 5000
	for b.Loop() {
		srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
			i, _ := strconv.Atoi(strings.TrimPrefix(r.URL.Path, "/u/"))
			w.Header().Set("Content-Type", "text/html")
			var sb strings.Builder
			for j := range 20 {
				fmt.Fprintf(&sb, `<a href="/u/%d">%d</a>`, (i*7919+j*104729)%(2*known), j)
			}
			w.Write([]byte(sb.String()))
		}))
		f := openArchive(b, filepath.Join(b.TempDir(), "million.db"))
		ctx := context.Background()
		if _, err := f.Begin(ctx, "million", time.Now(), time.Now()); err != nil {
			b.Fatal(err)
		}
		host := strings.TrimPrefix(srv.URL, "http://")
		batch := make([]crawler.Item, 0, 10000)
		for i := 0; i < known; i++ {
			batch = append(batch, crawler.Item{URL: fmt.Sprintf("%s/u/%d", srv.URL, i), Host: host, Depth: 1})
			if len(batch) == cap(batch) {
				if err := f.Add(ctx, "million", batch); err != nil {
					b.Fatal(err)
				}
				batch = batch[:0]
			}
		}
		runtime.GC()
		_, afterAdd := rss()

		var peakHeap atomic.Uint64
		stop := make(chan struct{})
		var wg sync.WaitGroup
		wg.Add(1)
		go func() {
			defer wg.Done()
			var ms runtime.MemStats
			for {
				runtime.ReadMemStats(&ms)
				if ms.HeapInuse > peakHeap.Load() {
					peakHeap.Store(ms.HeapInuse)
				}
				select {
				case <-stop:
					return
				case <-time.After(20 * time.Millisecond):
				}
			}
		}()
		cfg := crawler.DefaultConfig()
		cfg.Job, cfg.Seeds = "million", []string{srv.URL + "/u/0"}
		cfg.Delay, cfg.Parallel, cfg.Workers = 0, 4, 4
		cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
		cfg.MaxPages = crawled
		c, err := crawler.New(cfg, f, crawler.HandlerFunc(func(context.Context, *crawler.Response) (crawler.Verdict, error) {
			return crawler.Verdict{}, nil
		}))
		if err != nil {
			b.Fatal(err)
		}
		st, err := c.Run(ctx)
		close(stop)
		wg.Wait()
		srv.Close()
		if err != nil {
			b.Fatal(err)
		}
		_, peak := rss()
		if st.Known < known || st.Fetched != crawled {
			b.Fatalf("stats %+v", st)
		}
		b.ReportMetric(float64(peak)/float64(st.Known), "peak-RSS-bytes/URL")
		b.ReportMetric(float64(peakHeap.Load())/float64(st.Known), "peak-heap-bytes/URL")
		b.ReportMetric(float64(peak)/(1<<20), "peak-RSS-MiB")
		b.ReportMetric(float64(afterAdd)/(1<<20), "RSS-after-adding-MiB")
		b.ReportMetric(float64(st.Known), "known-URLs")
		if peak >= 1<<30 || peak > int64(st.Known)*1024 {
			b.Errorf("peak RSS %d bytes for %d URLs: over 1 KB per URL or 1 GiB", peak, st.Known)
		}
	}
}
