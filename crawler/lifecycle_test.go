package crawler_test

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"os"
	"os/exec"
	"os/signal"
	"path/filepath"
	"strings"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
)

var _ crawler.Frontier = (*archive.Frontier)(nil)

func openArchive(t testing.TB, path string) *archive.Frontier {
	t.Helper()
	db := archive.NewDB(path)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return archive.NewFrontier(db)
}

// slowSite links / to /p0 … /p(n-1); pages answer after delay.
func slowSite(n int, delay time.Duration) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		if r.URL.Path == "/" {
			var hrefs []string
			for i := range n {
				hrefs = append(hrefs, fmt.Sprintf("/p%d", i))
			}
			w.Write([]byte(links(hrefs...)))
			return
		}
		select {
		case <-time.After(delay):
		case <-r.Context().Done():
			return
		}
		w.Write([]byte("<p>page</p>"))
	})
}

// TestHelperCrawlChild is the crawl a child process runs for the resume
// and SIGTERM tests; it does nothing in a normal test run.
func TestHelperCrawlChild(t *testing.T) {
	dbPath, seed := os.Getenv("ANNALS_CHILD_DB"), os.Getenv("ANNALS_CHILD_SEED")
	if dbPath == "" {
		t.Skip("only run as a child process")
	}
	ctx, stop := signal.NotifyContext(context.Background(), syscall.SIGTERM)
	defer stop()
	cfg := testConfig(seed)
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.Grace = time.Second
	cfg.Workers = childWorkers
	c, err := crawler.New(cfg, openArchive(t, dbPath), &recorder{})
	if err != nil {
		t.Fatal(err)
	}
	st, err := c.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	json.NewEncoder(os.Stdout).Encode(st)
}

// childWorkers bounds the URLs a child has under way (being fetched or
// recorded): what a kill may make the next run fetch again.
const childWorkers = 4

func startChild(t *testing.T, dbPath, seed string) (*exec.Cmd, *strings.Builder) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^TestHelperCrawlChild$", "-test.count=1")
	cmd.Env = append(os.Environ(), "ANNALS_CHILD_DB="+dbPath, "ANNALS_CHILD_SEED="+seed)
	out := &strings.Builder{}
	cmd.Stdout, cmd.Stderr = out, out
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	return cmd, out
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(30 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting for %s", what)
		}
		time.Sleep(5 * time.Millisecond)
	}
}

// Kill -9 in the middle of a crawl: the next run of the job resumes it,
// refetches at most what was in flight, and loses nothing.
func TestRun_ResumeAfterKill(t *testing.T) {
	const n = 150
	s := newSite(t, slowSite(n, 15*time.Millisecond))
	dbPath := filepath.Join(t.TempDir(), "archive.db")
	cmd, out := startChild(t, dbPath, s.URL+"/")
	waitFor(t, "the child to fetch 40 pages", func() bool { return len(s.requests()) >= 40 })
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err == nil {
		t.Fatalf("the child finished before it was killed:\n%s", out)
	}
	first := s.requests()
	if len(first) >= n+1 {
		t.Fatal("the child fetched everything before it was killed")
	}

	f := openArchive(t, dbPath)
	_, queuedAfterKill, err := f.Count(context.Background(), "test")
	if err != nil {
		t.Fatal(err)
	}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	st := crawl(t, cfg, f, &recorder{})
	second := s.requests()[len(first):]

	fetched := map[string]int{}
	for _, h := range first {
		fetched[h.Path]++
	}
	refetched := 0
	for _, h := range second {
		if fetched[h.Path] > 0 {
			refetched++
		}
		fetched[h.Path]++
	}
	if len(fetched) != n+1 {
		t.Errorf("%d distinct URLs fetched over both runs, want %d: something was lost", len(fetched), n+1)
	}
	if refetched > childWorkers {
		t.Errorf("%d URLs fetched again after the kill, want at most the %d that may be under way", refetched, childWorkers)
	}
	if len(second) != queuedAfterKill {
		t.Errorf("the second run fetched %d URLs, but %d were queued after the kill", len(second), queuedAfterKill)
	}
	if !st.Resumed || !st.Finished || st.Queued != 0 {
		t.Errorf("second run: %+v", st)
	}
}

// SIGTERM (through the context) stops a crawl within a few seconds, even
// with slow requests in flight.
func TestRun_SIGTERM(t *testing.T) {
	s := newSite(t, slowSite(50, time.Hour))
	cmd, out := startChild(t, filepath.Join(t.TempDir(), "archive.db"), s.URL+"/")
	waitFor(t, "requests in flight", func() bool { return len(s.requests()) >= 3 })
	start := time.Now()
	if err := cmd.Process.Signal(syscall.SIGTERM); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Wait(); err != nil {
		t.Fatalf("child: %v\n%s", err, out)
	}
	if el := time.Since(start); el > 4*time.Second {
		t.Errorf("the crawl took %v to stop after SIGTERM", el)
	}
	var st crawler.Stats
	line := out.String()[strings.Index(out.String(), "{"):]
	if err := json.NewDecoder(strings.NewReader(line)).Decode(&st); err != nil {
		t.Fatalf("child output: %v\n%s", err, out)
	}
	if !st.Interrupted || st.Finished || st.Queued < 48 {
		t.Errorf("stats after SIGTERM: %+v", st)
	}
}

func TestRun_Cancel(t *testing.T) {
	var slowDone atomic.Bool
	s := newSite(t, http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Type", "text/html")
		switch r.URL.Path {
		case "/":
			w.Write([]byte(links("/slow", "/after")))
		case "/slow":
			if !slowDone.Load() {
				<-r.Context().Done()
				return
			}
			w.Write([]byte("slow"))
		default:
			w.Write([]byte("x"))
		}
	}))
	f := crawler.NewMemoryFrontier()
	rec := &recorder{}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.Parallel = 1
	cfg.Grace = 300 * time.Millisecond
	c, err := crawler.New(cfg, f, rec)
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	go func() {
		waitFor(t, "/slow", func() bool { return s.count("/slow") == 1 })
		time.Sleep(50 * time.Millisecond)
		cancel()
	}()
	start := time.Now()
	st, err := c.Run(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if el := time.Since(start); el > 3*time.Second {
		t.Errorf("Run took %v to return after cancel", el)
	}
	if !st.Interrupted || st.Finished || st.Queued != 2 {
		t.Errorf("stats = %+v, want interrupted with /slow and /after still queued", st)
	}
	if r := rec.of(s.URL + "/slow"); len(r) != 1 || r[0].Err == nil {
		t.Errorf("the abandoned attempt must reach the handler with its error: %+v", r)
	}
	if s.count("/after") != 0 {
		t.Error("a URL was started after the cancel")
	}
	slowDone.Store(true)
	st = crawl(t, cfg, f, rec)
	if !st.Resumed || !st.Finished || s.count("/slow") != 2 || s.count("/after") != 1 || s.count("/") != 1 {
		t.Errorf("resumed run: %+v, requests %v", st, s.requests())
	}
}

func TestRun_HandlerErrorIsFatal(t *testing.T) {
	s := newSite(t, pages(map[string]string{"/": links("/a", "/b"), "/a": "x", "/b": "x"}))
	disk := errors.New("disk full")
	rec := &recorder{fail: func(r *crawler.Response) error {
		if strings.HasSuffix(r.URL, "/a") {
			return disk
		}
		return nil
	}}
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.Parallel = 1
	f := crawler.NewMemoryFrontier()
	c, _ := crawler.New(cfg, f, rec)
	_, err := c.Run(context.Background())
	if !errors.Is(err, disk) {
		t.Fatalf("Run = %v, want the handler's error", err)
	}
	// /a stays queued; /b may have been fetched meanwhile.
	host := strings.TrimPrefix(s.URL, "http://")
	left, _ := f.Next(context.Background(), "test", host, 0, 10)
	if len(left) == 0 || left[0].URL != s.URL+"/a" {
		t.Errorf("queued after the failure: %v, want /a first", left)
	}
}

func TestRun_RevisitPolicies(t *testing.T) {
	s := newSite(t, pages(map[string]string{
		"/":     links("/art1", "/art2", "/feed.xml"),
		"/art1": "a", "/art2": "a",
	}))
	rec := &recorder{verdict: func(r *crawler.Response) crawler.Verdict {
		return crawler.Verdict{Article: strings.Contains(r.URL, "/art")}
	}}
	f := crawler.NewMemoryFrontier()
	cfg := testConfig(s.URL + "/")
	cfg.NoSitemapProbe = true
	crawl(t, cfg, f, rec)
	if s.count("/art1") != 1 {
		t.Fatalf("first run: %v", s.requests())
	}
	cfg.Revisit = crawler.RevisitAging
	st := crawl(t, cfg, f, rec)
	// The list is due on every pass; fresh articles daily; a 404 too.
	if s.count("/") != 2 || s.count("/feed.xml") != 1 || s.count("/art1") != 1 || s.count("/art2") != 1 {
		t.Errorf("aging run: requests %v; want the list again, not the fresh articles nor the 404", s.requests())
	}
	if !st.Finished {
		t.Errorf("aging run: %+v", st)
	}
	cfg.Revisit = crawler.RevisitAll
	crawl(t, cfg, f, rec)
	if s.count("/art1") != 2 || s.count("/art2") != 2 || s.count("/") != 3 {
		t.Errorf("revisit-all run: requests %v", s.requests())
	}
}

func TestNextDue(t *testing.T) {
	t0 := time.Date(2024, 3, 1, 0, 0, 0, 0, time.UTC)
	day, week := 24*time.Hour, 7*24*time.Hour
	tests := []struct {
		kind    crawler.Kind
		article bool
		status  int
		age     time.Duration
		want    time.Duration // after the fetch; -1: every pass
	}{
		{crawler.KindPage, false, 200, 30 * day, -1},
		{crawler.KindFeed, false, 200, 30 * day, -1},
		{crawler.KindSitemap, false, 404, 0, -1},
		{crawler.KindPage, true, 200, 0, day},
		{crawler.KindPage, true, 304, 6 * day, day},
		{crawler.KindPage, true, 200, 8 * day, week},
		{crawler.KindPage, true, 503, 8 * day, -1},
		{crawler.KindPage, false, 0, 8 * day, -1},
		{crawler.KindPage, false, 404, 8 * day, week},
		{crawler.KindOther, false, 200, 0, day},
	}
	for _, tt := range tests {
		fetched := t0.Add(tt.age)
		got := crawler.NextDue(tt.kind, tt.article, tt.status, t0, fetched)
		want := time.Time{}
		if tt.want >= 0 {
			want = fetched.Add(tt.want)
		}
		if !got.Equal(want) {
			t.Errorf("NextDue(%v, article %v, %d, age %v) = %v, want %v", tt.kind, tt.article, tt.status, tt.age, got, want)
		}
	}
}

func TestRun_MaxPagesAndDepth(t *testing.T) {
	s := newSite(t, pages(map[string]string{
		"/":   links("/d1", "/x1", "/x2", "/x3", "/x4"),
		"/d1": links("/d2"), "/d2": links("/d3"), "/d3": "x",
		"/x1": "x", "/x2": "x", "/x3": "x", "/x4": "x",
	}))
	cfg := testConfig(s.URL + "/")
	cfg.IgnoreRobots, cfg.NoSitemapProbe = true, true
	cfg.Depth = 2
	cfg.Parallel = 1
	cfg.MaxPages = 3
	f := crawler.NewMemoryFrontier()
	st := crawl(t, cfg, f, &recorder{})
	if st.Fetched != 3 || !st.Limited || st.Finished || len(s.requests()) != 3 {
		t.Errorf("first run: %+v; requests %v", st, s.requests())
	}
	st = crawl(t, cfg, f, &recorder{})
	if !st.Resumed || st.Fetched != 3 {
		t.Errorf("second run: %+v", st)
	}
	cfg.MaxPages = 0
	st = crawl(t, cfg, f, &recorder{})
	if !st.Finished || s.count("/d3") != 0 || s.count("/d2") != 1 || len(s.requests()) != 7 {
		t.Errorf("third run: %+v; requests %v (depth 2 stops before /d3)", st, s.requests())
	}
}
