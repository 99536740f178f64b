package portal_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/net/html"

	"github.com/annals/annals/portal"
)

// fakeClock is a settable Options.Now.
type fakeClock struct {
	mu  sync.Mutex
	now time.Time
}

func (c *fakeClock) Now() time.Time {
	c.mu.Lock()
	defer c.mu.Unlock()
	return c.now
}

func (c *fakeClock) Set(t time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.now = t
}

func TestFaults_Busy(t *testing.T) {
	clock := &fakeClock{now: time.Date(2021, 10, 8, 2, 0, 0, 300e6, time.UTC)}
	s := newTestSite(t, portal.Options{Faults: true, RetryAfter: 2 * time.Second, Now: clock.Now})
	step := func(wantStatus int) string {
		t.Helper()
		resp, _ := s.get(portal.PathBusy)
		if resp.StatusCode != wantStatus {
			t.Fatalf("status %d, want %d", resp.StatusCode, wantStatus)
		}
		return resp.Header.Get("Retry-After")
	}

	start := clock.Now()
	if ra := step(429); ra != "2" {
		t.Fatalf("first 429: Retry-After %q, want seconds \"2\"", ra)
	}
	clock.Set(start.Add(1900 * time.Millisecond)) // too early
	if ra := step(429); ra != "2" {
		t.Fatalf("early retry: Retry-After %q, want the same \"2\"", ra)
	}
	clock.Set(start.Add(2 * time.Second))
	ra := step(429)
	until, err := http.ParseTime(ra)
	if err != nil {
		t.Fatalf("second 429: Retry-After %q is not an HTTP date: %v", ra, err)
	}
	if wait := until.Sub(clock.Now()); wait < 2*time.Second || wait > 3*time.Second {
		t.Fatalf("second 429 asks to wait %s, want 2s rounded up to a whole second", wait)
	}
	clock.Set(until.Add(-time.Millisecond))
	if again := step(429); again != ra {
		t.Fatalf("early retry: Retry-After %q, want the same %q", again, ra)
	}
	clock.Set(until)
	step(200)
	step(200)

	s.p.Reset()
	step(429)
}

func TestFaults_Flaky(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true, FlakyFailures: 3})
	var got []int
	for range 5 {
		resp, _ := s.get(portal.PathFlaky)
		got = append(got, resp.StatusCode)
	}
	if fmt.Sprint(got) != "[503 503 503 200 200]" {
		t.Errorf("statuses %v, want three 503s then 200s", got)
	}
}

func TestFaults_Slow(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true, SlowDelay: 300 * time.Millisecond})
	start := time.Now()
	resp, _ := s.get(portal.PathSlow)
	if d := time.Since(start); resp.StatusCode != 200 || d < 300*time.Millisecond {
		t.Errorf("status %d after %s, want 200 after at least 300ms", resp.StatusCode, d)
	}

	// A client that gives up gets no answer, and the server lets go.
	ctx, cancel := context.WithTimeout(context.Background(), 50*time.Millisecond)
	defer cancel()
	req, _ := http.NewRequestWithContext(ctx, http.MethodGet, s.srv.URL+portal.PathSlow, nil)
	if _, err := s.client.Do(req); !errors.Is(err, context.DeadlineExceeded) {
		t.Errorf("client with a 50ms deadline: %v, want a timeout", err)
	}
}

func TestFaults_Huge(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true})
	resp, err := s.client.Get(s.srv.URL + portal.PathHuge)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	head := make([]byte, 64)
	if _, err := io.ReadFull(resp.Body, head); err != nil {
		t.Fatal(err)
	}
	tail := &tailWriter{n: 64}
	rest, err := io.Copy(tail, resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	n := int64(len(head)) + rest
	const size = 11 << 20
	if n != size || resp.ContentLength != size {
		t.Errorf("%d bytes (Content-Length %d), want %d: more than a 10 MiB cap", n, resp.ContentLength, size)
	}
	if !bytes.HasPrefix(head, []byte("<!DOCTYPE html>")) || !bytes.HasSuffix(tail.b, []byte("</body></html>\n")) {
		t.Errorf("not a whole HTML page: starts %q, ends %q", head, tail.b)
	}

	r, body := s.get(portal.PathHuge, "Range", "bytes=100-199")
	if r.StatusCode != 206 || len(body) != 100 {
		t.Errorf("range request: status %d, %d bytes", r.StatusCode, len(body))
	}
	if r, _ := s.get(portal.PathHuge, "If-None-Match", resp.Header.Get("ETag")); r.StatusCode != 304 {
		t.Errorf("conditional request: status %d, want 304", r.StatusCode)
	}
}

// tailWriter keeps the last n bytes written.
type tailWriter struct {
	b []byte
	n int
}

func (t *tailWriter) Write(p []byte) (int, error) {
	t.b = append(t.b, p...)
	if len(t.b) > t.n {
		t.b = append([]byte(nil), t.b[len(t.b)-t.n:]...)
	}
	return len(p), nil
}

// follow fetches target and returns the link whose text is label.
func follow(t *testing.T, s *testSite, target, label string) string {
	t.Helper()
	resp, body := s.get(target)
	if resp.StatusCode != 200 {
		t.Fatalf("%s: status %d", target, resp.StatusCode)
	}
	base, _ := url.Parse(s.srv.URL + target)
	var href string
	walk(parseHTML(t, string(body)), func(n *html.Node) {
		if n.Data == "a" && n.FirstChild != nil && n.FirstChild.Data == label {
			href = attr(n, "href")
		}
	})
	if href == "" {
		t.Fatalf("%s has no link %q", target, label)
	}
	u, err := base.Parse(href)
	if err != nil {
		t.Fatal(err)
	}
	return u.RequestURI()
}

func TestFaults_CalendarNeverEnds(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true})
	seen := map[string]bool{}
	target := portal.PathCalendar + "?month=2021-09"
	for range 40 {
		if seen[target] {
			t.Fatalf("calendar came back to %s", target)
		}
		seen[target] = true
		target = follow(t, s, target, "下个月")
	}
	if target != portal.PathCalendar+"?month=2025-01" {
		t.Errorf("40 months after 2021-09 is %s", target)
	}
	if resp, _ := s.get(portal.PathCalendar + "?month=soon"); resp.StatusCode != 404 {
		t.Errorf("bad month: status %d, want 404", resp.StatusCode)
	}
}

func TestFaults_EndlessPagination(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true})
	target := portal.PathEndless + "?page=1"
	for i := 2; i <= 30; i++ {
		target = follow(t, s, target, "下一页")
		if want := portal.PathEndless + "?page=" + strconv.Itoa(i); target != want {
			t.Fatalf("next page is %s, want %s", target, want)
		}
	}
}

func TestFaults_SessionIDs(t *testing.T) {
	s := newTestSite(t, portal.Options{Faults: true})
	seen := map[string]bool{}
	target := portal.PathSession
	for range 10 {
		next := follow(t, s, target, "论坛首页")
		if !strings.Contains(next, ";jsessionid=") || seen[next] {
			t.Fatalf("%s links %s: want a fresh ;jsessionid=", target, next)
		}
		seen[next] = true
		forum := follow(t, s, next, "民生话题")
		if !strings.Contains(forum, "sid=") || seen[forum] {
			t.Fatalf("%s links %s: want a fresh sid=", next, forum)
		}
		seen[forum] = true
		target = forum
	}
	resp, _ := s.get(portal.PathSession)
	if c := resp.Header.Get("Set-Cookie"); !strings.HasPrefix(c, "JSESSIONID=") {
		t.Errorf("Set-Cookie %q", c)
	}
}

// Without Options.Faults the fault pages do not exist and nothing links them.
func TestFaults_OffByDefault(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	_, home := s.get("/")
	for _, path := range []string{portal.PathBusy, portal.PathFlaky, portal.PathSlow, portal.PathHuge, portal.PathCalendar, portal.PathEndless, portal.PathSession} {
		if resp, _ := s.get(path); resp.StatusCode != 404 {
			t.Errorf("%s: status %d, want 404", path, resp.StatusCode)
		}
		if bytes.Contains(home, []byte(`"`+path)) {
			t.Errorf("home page links %s", path)
		}
	}
}
