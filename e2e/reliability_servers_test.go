package e2e

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"path/filepath"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/annals/annals/archive"
)

// Settings of the crawls against the fault server: a short timeout and
// one retry keep the slow faults quick; the body limit is the default.
const (
	faultTimeout = 3 * time.Second
	faultMaxBody = 10 << 20
	// faultRSS bounds the crawl process's peak resident memory against any
	// one fault (times slack() under the race detector).
	faultRSS = 200 << 20
)

// faultCase is one hostile server behaviour: the seed crawled, the
// robots.txt served, and what the archive must show afterwards.
type faultCase struct {
	name, seed, robots string
	check              func(t *testing.T, r *faultResult)
}

// faultResult is what one crawl against the fault server left: every
// capture by URL, the articles by URL, and the crawl's output.
type faultResult struct {
	srv      *faultServer
	caps     map[string][]archive.CaptureInfo
	articles map[string]archive.ExportRecord
	stderr   string
}

// only returns the single capture of path, failing when there is not
// exactly one.
func (r *faultResult) only(t *testing.T, path string) archive.CaptureInfo {
	t.Helper()
	cs := r.caps[r.srv.URL+path]
	if len(cs) != 1 {
		t.Fatalf("%s: %d captures, want 1: %+v", path, len(cs), cs)
	}
	return cs[0]
}

// failed checks that each capture of path is a recorded failure whose
// error mentions one of want, and returns them.
func (r *faultResult) failed(t *testing.T, path string, want ...string) []archive.CaptureInfo {
	t.Helper()
	cs := r.caps[r.srv.URL+path]
	if len(cs) == 0 {
		t.Fatalf("%s: not captured", path)
	}
	for _, c := range cs {
		if c.Err == "" {
			t.Errorf("%s: capture %d recorded without an error: status %d, %d bytes", path, c.ID, c.Status, c.Size)
			continue
		}
		if !containsAny(strings.ToLower(c.Err), want) {
			t.Errorf("%s: error %q does not say %s", path, c.Err, strings.Join(want, " or "))
		}
	}
	return cs
}

func containsAny(s string, subs []string) bool {
	for _, sub := range subs {
		if strings.Contains(s, sub) {
			return true
		}
	}
	return false
}

// whole checks that path was captured once, whole: status 200, no error,
// not truncated.
func (r *faultResult) whole(t *testing.T, path string) archive.CaptureInfo {
	t.Helper()
	c := r.only(t, path)
	if c.Status != 200 || c.Err != "" || c.Truncated {
		t.Errorf("%s: status %d, error %q, truncated %v; want a whole 200", path, c.Status, c.Err, c.Truncated)
	}
	return c
}

// TestReliability_HostileServers crawls, with the real binary, one fault
// of the fault server at a time, and checks that each ends in a recorded
// error or a sane capture, within the timeout, in bounded memory, and that
// the archive holds one capture for every request the server answered.
func TestReliability_HostileServers(t *testing.T) {
	t.Parallel()
	timeouts := []string{"timeout", "deadline"}
	cases := []faultCase{
		{name: "control", seed: "/ok", check: func(t *testing.T, r *faultResult) {
			r.whole(t, "/ok")
			if r.articles[r.srv.URL+"/ok"].Title != "A quiet page" {
				t.Errorf("the control page is not archived as an article: %+v", r.articles)
			}
		}},
		{name: "reset mid-body", seed: "/reset", check: func(t *testing.T, r *faultResult) {
			for _, c := range r.failed(t, "/reset", "reset", "eof", "connection") {
				if c.Size > 2000 {
					t.Errorf("kept %d bytes of a body reset after 2000", c.Size)
				}
			}
		}},
		{name: "never-ending body", seed: "/endless", check: func(t *testing.T, r *faultResult) {
			c := r.only(t, "/endless")
			if !c.Truncated || c.Size != faultMaxBody || c.Err != "" || c.Status != 200 {
				t.Errorf("endless body: truncated %v, %d bytes, error %q, status %d; want cut at %d bytes", c.Truncated, c.Size, c.Err, c.Status, faultMaxBody)
			}
		}},
		{name: "slow-drip body", seed: "/drip", check: func(t *testing.T, r *faultResult) {
			for _, c := range r.failed(t, "/drip", timeouts...) {
				if c.Status != 200 || c.Size < 1 || c.Size > 10 {
					t.Errorf("drip: status %d, %d bytes kept; want the status and the few bytes that came", c.Status, c.Size)
				}
			}
		}},
		{name: "slow-drip headers", seed: "/drip-headers", check: func(t *testing.T, r *faultResult) {
			r.failed(t, "/drip-headers", timeouts...)
		}},
		{name: "silent server", seed: "/silent", check: func(t *testing.T, r *faultResult) {
			r.failed(t, "/silent", timeouts...)
		}},
		{name: "gzip bomb", seed: "/gzip-bomb", check: func(t *testing.T, r *faultResult) {
			c := r.only(t, "/gzip-bomb")
			if !c.Truncated || c.Size != faultMaxBody || c.Status != 200 {
				t.Errorf("gzip bomb: truncated %v, %d bytes, error %q; want the inflated body cut at %d bytes", c.Truncated, c.Size, c.Err, faultMaxBody)
			}
		}},
		{name: "gzipped sitemap bomb", seed: "/", robots: "User-agent: *\nSitemap: {base}/sitemap-bomb.xml.gz\n", check: func(t *testing.T, r *faultResult) {
			c := r.only(t, "/sitemap-bomb.xml.gz")
			if c.Status != 200 || c.Err != "" || c.Size != int64(r.srv.sitemapBombSize()) {
				t.Errorf("sitemap bomb: status %d, error %q, %d bytes; want the %d bytes received", c.Status, c.Err, c.Size, r.srv.sitemapBombSize())
			}
			r.whole(t, "/ok")
		}},
		{name: "Content-Length longer than the body", seed: "/length-long", check: func(t *testing.T, r *faultResult) {
			for _, c := range r.failed(t, "/length-long", "eof") {
				if c.Size != 1000 {
					t.Errorf("length-long: kept %d bytes, want the 1000 that came", c.Size)
				}
			}
		}},
		{name: "Content-Length shorter than the body", seed: "/length-short", check: func(t *testing.T, r *faultResult) {
			if c := r.whole(t, "/length-short"); c.Size != 300 {
				t.Errorf("length-short: kept %d bytes, want the 300 announced", c.Size)
			}
			// The bytes beyond the announced length must not be read as
			// the answer to the next request on the connection.
			r.whole(t, "/ok")
		}},
		{name: "invalid chunk size", seed: "/bad-chunk", check: func(t *testing.T, r *faultResult) {
			r.failed(t, "/bad-chunk", "chunk")
		}},
		{name: "chunk cut short", seed: "/short-chunk", check: func(t *testing.T, r *faultResult) {
			r.failed(t, "/short-chunk", "eof")
		}},
		{name: "redirect loop", seed: "/loop/a", check: func(t *testing.T, r *faultResult) {
			a, b := r.only(t, "/loop/a"), r.only(t, "/loop/b")
			if a.Status != 302 || b.Status != 302 || !strings.HasSuffix(a.RedirectTo, "/loop/b") || !strings.HasSuffix(b.RedirectTo, "/loop/a") {
				t.Errorf("loop: %+v %+v", a, b)
			}
		}},
		{name: "redirect chain of 50", seed: "/chain?n=0", check: func(t *testing.T, r *faultResult) {
			hops := 0
			for u, cs := range r.caps {
				if strings.Contains(u, "/chain?n=") {
					hops += len(cs)
					if cs[0].Status != 301 {
						t.Errorf("%s: status %d", u, cs[0].Status)
					}
				}
			}
			// Each hop is its own capture, up to the redirect limit (5).
			if hops != 6 {
				t.Errorf("%d hops of the chain captured, want the seed and 5 redirects", hops)
			}
			if !strings.Contains(r.stderr, "redirect limit reached") {
				t.Errorf("the crawl did not log the redirect limit:\n%s", r.stderr)
			}
		}},
		{name: "200 with an error page", seed: "/error-200", check: func(t *testing.T, r *faultResult) {
			r.whole(t, "/error-200")
			if a, ok := r.articles[r.srv.URL+"/error-200"]; ok {
				t.Logf("the error page was archived as an article titled %q", a.Title)
			}
		}},
		{name: "1 MiB of headers", seed: "/many-headers", check: func(t *testing.T, r *faultResult) {
			c := r.whole(t, "/many-headers")
			if len(c.Header) < 1024 || len(c.Header.Get("X-Pad-1023")) != 1000 {
				t.Errorf("many headers: %d headers stored", len(c.Header))
			}
		}},
		{name: "a 1 MiB header line", seed: "/long-header", check: func(t *testing.T, r *faultResult) {
			c := r.whole(t, "/long-header")
			if len(c.Header.Get("Set-Cookie")) < 1<<20 {
				t.Errorf("long header: Set-Cookie of %d bytes stored", len(c.Header.Get("Set-Cookie")))
			}
		}},
		{name: "header UTF-8, meta and bytes GBK", seed: "/charset-clash", check: func(t *testing.T, r *faultResult) {
			c := r.whole(t, "/charset-clash")
			if sum := sha256.Sum256(gbkPage()); c.PayloadSHA256 != hex.EncodeToString(sum[:]) {
				t.Errorf("the payload is not the bytes served (re-encoded?)")
			}
			if c.Charset != "gbk" {
				t.Errorf("charset %q from %s, want gbk", c.Charset, c.CharsetSource)
			}
			if a := r.articles[r.srv.URL+"/charset-clash"]; a.Title != gbkTitle {
				t.Errorf("title %q, want %q", a.Title, gbkTitle)
			}
		}},
		{name: "header GBK, meta and bytes UTF-8", seed: "/charset-clash-utf8", check: func(t *testing.T, r *faultResult) {
			c := r.whole(t, "/charset-clash-utf8")
			if c.Charset != "utf-8" {
				t.Errorf("charset %q from %s, want utf-8", c.Charset, c.CharsetSource)
			}
			if a := r.articles[r.srv.URL+"/charset-clash-utf8"]; a.Title != gbkTitle {
				t.Errorf("title %q, want %q", a.Title, gbkTitle)
			}
		}},
		{name: "invalid UTF-8", seed: "/bad-utf8", check: func(t *testing.T, r *faultResult) {
			r.whole(t, "/bad-utf8")
			a, ok := r.articles[r.srv.URL+"/bad-utf8"]
			if !ok {
				t.Fatal("the page with invalid bytes is not archived as an article")
			}
			if !utf8.ValidString(a.Title) || !utf8.ValidString(a.Body) || !strings.Contains(a.Title, "Broken") || !strings.Contains(a.Body, "garbage") {
				t.Errorf("title %q, body %q: want valid UTF-8 with the text around the bad bytes", a.Title, a.Body)
			}
		}},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			crawlFault(t, tc)
		})
	}
}

// crawlFault runs one crawl of the fault server and checks what it left.
func crawlFault(t *testing.T, tc faultCase) {
	srv := newFaultServer(t, tc.robots)
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	began := time.Now()
	p := start(t, dir, crawlArgs(db, srv.URL+tc.seed, "--delay", "0", "--timeout", faultTimeout.String(), "--retries", "1")...)
	mem := watchRSS(p)
	// One retry after a backoff of about a second: two timeouts and the
	// backoff, and what robots.txt and the sitemap probe take.
	bound := time.Duration(slack()) * (2*faultTimeout + 10*time.Second)
	code := p.wait(t, bound+time.Minute)
	took := time.Since(began)
	if code != 0 {
		t.Fatalf("crawl: exit %d\n%s\n%s", code, p.stdout.String(), p.stderr.String())
	}
	if took > bound {
		t.Errorf("the crawl took %s, want at most %s", took, bound)
	}
	rss := mem.Peak()
	if limit := int64(slack()) * faultRSS; rss > limit {
		t.Errorf("peak RSS %s, want at most %s", mib(rss), mib(limit))
	}
	srv.Close()

	a := openArchive(t, db)
	ctx := context.Background()
	r := &faultResult{srv: srv, caps: map[string][]archive.CaptureInfo{}, articles: map[string]archive.ExportRecord{}, stderr: p.stderr.String()}
	err := a.EachCapture(ctx, archive.CaptureFilter{}, func(c archive.CaptureInfo, _ []byte) error {
		r.caps[c.URL] = append(r.caps[c.URL], c)
		if c.Duration > faultTimeout+time.Second*time.Duration(slack()) {
			t.Errorf("%s: the attempt took %s, beyond the %s timeout", c.URL, c.Duration, faultTimeout)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	err = a.Export(ctx, archive.ExportQuery{}, func(e archive.ExportRecord) error {
		r.articles[e.URL] = e
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	// Every request the server answered is a capture, and no capture was
	// invented.
	srv.mu.Lock()
	hits := map[string]int{}
	for target, n := range srv.hits {
		hits[srv.URL+target] = n
	}
	srv.mu.Unlock()
	for u, n := range hits {
		if got := len(r.caps[u]); got != n {
			t.Errorf("%s: the server answered %d requests, the archive holds %d captures", u, n, got)
		}
	}
	for u := range r.caps {
		if hits[u] == 0 {
			t.Errorf("%s: captured, but the server never answered it", u)
		}
	}
	tc.check(t, r)
	t.Logf("%s: %s, peak RSS %s; %s", tc.name, took.Round(10*time.Millisecond), mib(rss), summary(r.caps[srv.URL+tc.seed]))
}

// summary describes the captures of the seed for the test's log.
func summary(cs []archive.CaptureInfo) string {
	var parts []string
	for _, c := range cs {
		s := fmt.Sprintf("status %d, %d bytes", c.Status, c.Size)
		if c.Truncated {
			s += ", truncated"
		}
		if c.Err != "" {
			e := c.Err
			if len(e) > 100 {
				e = e[:100] + "…"
			}
			s += ", error " + e
		}
		parts = append(parts, s+" in "+c.Duration.Round(time.Millisecond).String())
	}
	return strings.Join(parts, "; ")
}
