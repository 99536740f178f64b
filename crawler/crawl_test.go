package crawler_test

import (
	"testing"

	"github.com/annals/annals/crawler"
)

func TestRun_Basic(t *testing.T) {
	s := newSite(t, pages(map[string]string{
		"/":  links("/a", "/b", "#top", "mailto:x@y", "javascript:void(0)"),
		"/a": links("/", "/c", "/b"),
		"/b": links("/a"),
		"/c": "<p>leaf</p>",
	}))
	rec := &recorder{}
	st := crawl(t, testConfig(s.URL+"/"), crawler.NewMemoryFrontier(), rec)
	for _, p := range []string{"/", "/a", "/b", "/c", "/robots.txt", "/sitemap.xml"} {
		if n := s.count(p); n != 1 {
			t.Errorf("%s requested %d times, want 1", p, n)
		}
	}
	if got := len(s.requests()); got != 6 {
		t.Errorf("%d requests, want 6: %v", got, s.requests())
	}
	if len(rec.all()) != 6 {
		t.Errorf("handler saw %d responses, want 6", len(rec.all()))
	}
	if !st.Finished || st.Fetches != 6 || st.Fetched != 5 || st.Queued != 0 || st.Errors != 1 {
		t.Errorf("stats = %+v", st)
	}
	robots := rec.of(s.URL + "/robots.txt")
	if len(robots) != 1 || robots[0].Kind != crawler.KindRobots || robots[0].Status != 404 {
		t.Errorf("robots responses = %+v", robots)
	}
	ua := s.requests()[0].Header.Get("User-Agent")
	if ua != "annals/test (+https://example.invalid/annals)" {
		t.Errorf("User-Agent = %q", ua)
	}
}
