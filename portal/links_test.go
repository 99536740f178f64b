package portal_test

import (
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/url"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/portal"
)

// canonicalKey is a URL of the site as Pages names it: path and query,
// without fragment and tracking parameters, whatever the case of the
// scheme and host or an explicit port.
func canonicalKey(u *url.URL) string {
	q := u.Query()
	for k := range q {
		if strings.HasPrefix(k, "utm_") || k == "spm" || k == "from" {
			q.Del(k)
		}
	}
	key := u.EscapedPath()
	if len(q) > 0 {
		if len(q) == len(u.Query()) {
			key += "?" + u.RawQuery // untouched: keep the order as linked
		} else {
			key += "?" + q.Encode()
		}
	}
	return key
}

// crawlAll follows every link from the home page, robots.txt and the
// sitemap index, fetching each URL of the site once without following
// redirects by itself, and checks each answer against Pages. It returns
// the canonical keys reached and the out-of-scope URLs linked.
func crawlAll(t *testing.T, s *testSite) (reached map[string]bool, external map[string]bool) {
	t.Helper()
	pages := map[string]portal.Page{}
	for _, pg := range s.p.Pages() {
		pages[pg.Path] = pg
	}
	base, _ := url.Parse(s.srv.URL)
	reached, external = map[string]bool{}, map[string]bool{}
	variants := map[string]bool{}
	etags := map[string]string{}
	queue := []string{s.srv.URL + "/", s.srv.URL + portal.PathRobots, s.srv.URL + portal.PathSitemap}
	for len(queue) > 0 {
		raw := queue[0]
		queue = queue[1:]
		u, err := url.Parse(raw)
		if err != nil {
			t.Errorf("bad link %q: %v", raw, err)
			continue
		}
		if !sameOrigin(u, base) {
			if !strings.HasSuffix(strings.ToLower(u.Hostname()), ".invalid") {
				t.Errorf("link %s leaves the site for a host that may exist", raw)
			}
			external[raw] = true
			continue
		}
		key := canonicalKey(u)
		if variant := raw != s.srv.URL+key; variant && !variants[raw] && reached[key] {
			// A duplicate link (tracking parameters, fragment, case,
			// port): the same page, byte for byte.
			variants[raw] = true
			u.Fragment = ""
			resp, _ := s.get(u.String())
			if resp.StatusCode != 200 || resp.Header.Get("ETag") != etags[key] {
				t.Errorf("duplicate link %s: status %d, ETag %s; %s has ETag %s", raw, resp.StatusCode, resp.Header.Get("ETag"), key, etags[key])
			}
			continue
		}
		if reached[key] {
			continue
		}
		reached[key] = true
		if variant := raw != s.srv.URL+key; variant {
			queue = append(queue, raw) // check the variant once the page is known
		}
		pg, ok := pages[key]
		if !ok {
			t.Errorf("linked URL %s (%s) is not in Pages", key, raw)
			continue
		}
		resp, body := s.get(s.srv.URL + key)
		etags[key] = resp.Header.Get("ETag")
		if resp.StatusCode != pg.Status {
			t.Errorf("%s answered %d, Pages says %d (%s)", key, resp.StatusCode, pg.Status, pg.Kind)
		}
		if loc := resp.Header.Get("Location"); loc != "" || pg.Location != "" {
			target, err := u.Parse(loc)
			if err != nil || canonicalKey(target) != pg.Location {
				t.Errorf("%s redirects to %q, Pages says %q", key, loc, pg.Location)
				continue
			}
			queue = append(queue, target.String())
			continue
		}
		if pg.Kind == portal.KindTrap || pg.Kind == portal.KindFault || resp.StatusCode != 200 {
			continue // traps are followed in their own tests
		}
		if ct := resp.Header.Get("Content-Type"); ct != pg.ContentType {
			t.Errorf("%s: Content-Type %q, Pages says %q", key, ct, pg.ContentType)
		}
		ct := resp.Header.Get("Content-Type")
		if ct == "application/x-gzip" {
			zr, err := gzip.NewReader(bytes.NewReader(body))
			if err != nil {
				t.Errorf("%s: %v", key, err)
				continue
			}
			body, err = io.ReadAll(zr)
			if err != nil {
				t.Errorf("%s: %v", key, err)
			}
			ct = "application/xml"
		}
		queue = append(queue, links(t, u, ct, body)...)
	}
	return reached, external
}

// sameOrigin compares scheme and host as a browser does: case-blind, with
// the default port made explicit.
func sameOrigin(u, base *url.URL) bool {
	port := func(u *url.URL) string {
		if p := u.Port(); p != "" {
			return p
		}
		return "80"
	}
	return strings.EqualFold(u.Scheme, base.Scheme) && strings.EqualFold(u.Hostname(), base.Hostname()) && port(u) == port(base)
}

// Every link of the site resolves as Pages says, every URL in Pages is
// linked, and nothing links outside the site but hosts under .invalid.
func TestLinks_ResolveAsDesigned(t *testing.T) {
	for _, tc := range []struct {
		name    string
		edition int
		opts    portal.Options
	}{
		{"edition1", 1, portal.Options{}},
		{"edition2", 2, portal.Options{}},
		{"faults", 1, portal.Options{Faults: true, SlowDelay: time.Millisecond, HugeSize: 64 << 10}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			s := newTestSite(t, tc.opts)
			if err := s.p.SetEdition(tc.edition); err != nil {
				t.Fatal(err)
			}
			reached, external := crawlAll(t, s)
			for _, pg := range s.p.Pages() {
				switch {
				case pg.Kind == portal.KindExternal && !external[pg.Path]:
					t.Errorf("external %s is not linked", pg.Path)
				case pg.Unlinked && reached[pg.Path]:
					t.Errorf("%s (%s) is linked, but Pages says nothing links it", pg.Path, pg.Kind)
				case pg.Kind != portal.KindExternal && !pg.Unlinked && !reached[pg.Path] && pg.Path != "/bbs/forum.jsp?fid=2":
					t.Errorf("%s (%s) is not linked from anywhere", pg.Path, pg.Kind)
				}
			}
			var inScope int
			for _, pg := range s.p.Pages() {
				if pg.Kind != portal.KindExternal {
					inScope++
				}
			}
			t.Logf("%d URLs in scope, %d linked out of scope", inScope, len(external))
			if !tc.opts.Faults && inScope > 60 {
				t.Errorf("%d URLs: the demo's portal should stay small", inScope)
			}
		})
	}
}

// The kinds of plumbing the crawler's tests rely on are all there.
func TestLinks_PlumbingPresent(t *testing.T) {
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	count := map[string]int{}
	for _, pg := range p.Pages() {
		count[string(pg.Kind)]++
		count[fmt.Sprint(pg.Status)]++
		count[pg.ContentType]++
	}
	for _, want := range []string{"301", "302", "404", "410", "application/pdf", "image/jpeg", "application/x-gzip",
		"application/rss+xml; charset=utf-8", "application/atom+xml; charset=utf-8", "disallowed", "external", "robots"} {
		if count[want] == 0 {
			t.Errorf("no page with %s", want)
		}
	}
	if count["fault"]+count["trap"] != 0 {
		t.Error("fault pages without Options.Faults")
	}
	if count["301"] < 2 {
		t.Error("no 301 chain")
	}
}

// All the host forms the portal puts in links point to loopback when the
// portal is on loopback: the tests' client refuses anything else.
func TestLinks_AbsoluteLinksStayOnLoopback(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	base, _ := url.Parse(s.srv.URL)
	_, body := s.get("/")
	for _, l := range links(t, base, "text/html", body) {
		u, _ := url.Parse(l)
		if strings.HasSuffix(u.Hostname(), ".invalid") {
			continue
		}
		if ip := net.ParseIP(u.Hostname()); ip == nil || !ip.IsLoopback() {
			t.Errorf("link %s is neither on loopback nor under .invalid", l)
		}
	}
}
