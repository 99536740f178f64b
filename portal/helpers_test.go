package portal_test

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/http/httptest"
	"net/url"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"go.uber.org/goleak"
	"golang.org/x/net/html"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"

	"github.com/annals/annals/portal"
)

func TestMain(m *testing.M) {
	goleak.VerifyTestMain(m)
}

// testSite is a portal served by httptest with a client that never follows
// redirects and refuses to dial anything but loopback.
type testSite struct {
	t      *testing.T
	p      *portal.Portal
	srv    *httptest.Server
	client *http.Client
}

func newTestSite(t *testing.T, opts portal.Options) *testSite {
	t.Helper()
	p, err := portal.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	tr := &http.Transport{
		DialContext: func(ctx context.Context, network, addr string) (net.Conn, error) {
			host, _, err := net.SplitHostPort(addr)
			if ip := net.ParseIP(host); err != nil || ip == nil || !ip.IsLoopback() {
				t.Errorf("dial %s: the tests must never leave loopback", addr)
				return nil, fmt.Errorf("dial %s refused: not loopback", addr)
			}
			var d net.Dialer
			return d.DialContext(ctx, network, addr)
		},
		DisableCompression: true, // see the bytes exactly as served
	}
	client := &http.Client{
		Transport:     tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse },
	}
	t.Cleanup(func() {
		tr.CloseIdleConnections()
		srv.Close()
	})
	return &testSite{t: t, p: p, srv: srv, client: client}
}

// get fetches path (or an absolute URL) with optional header pairs.
func (s *testSite) get(target string, header ...string) (*http.Response, []byte) {
	s.t.Helper()
	return s.do(http.MethodGet, target, header...)
}

func (s *testSite) do(method, target string, header ...string) (*http.Response, []byte) {
	s.t.Helper()
	if strings.HasPrefix(target, "/") {
		target = s.srv.URL + target
	}
	req, err := http.NewRequest(method, target, nil)
	if err != nil {
		s.t.Fatal(err)
	}
	for i := 0; i+1 < len(header); i += 2 {
		req.Header.Set(header[i], header[i+1])
	}
	resp, err := s.client.Do(req)
	if err != nil {
		s.t.Fatalf("%s %s: %v", method, target, err)
	}
	defer resp.Body.Close()
	body, err := io.ReadAll(resp.Body)
	if err != nil {
		s.t.Fatalf("%s %s: read body: %v", method, target, err)
	}
	return resp, body
}

// encodingOf maps the ground truth's encoding names to x/text.
func encodingOf(t *testing.T, name string) encoding.Encoding {
	t.Helper()
	switch name {
	case "utf-8":
		return nil
	case "gbk":
		return simplifiedchinese.GBK
	case "gb18030":
		return simplifiedchinese.GB18030
	case "big5":
		return traditionalchinese.Big5
	}
	t.Fatalf("unknown encoding %q", name)
	return nil
}

// decode turns page bytes into text with the named encoding, failing on
// anything that does not decode cleanly.
func decode(t *testing.T, b []byte, name string) string {
	t.Helper()
	enc := encodingOf(t, name)
	if enc == nil {
		if !utf8.Valid(b) {
			t.Fatalf("page is not valid UTF-8")
		}
		return string(b)
	}
	out, err := enc.NewDecoder().Bytes(b)
	if err != nil {
		t.Fatalf("decode as %s: %v", name, err)
	}
	if bytes.ContainsRune(out, utf8.RuneError) {
		t.Fatalf("decode as %s: replacement characters: the page is not %s", name, name)
	}
	return string(out)
}

func parseHTML(t *testing.T, s string) *html.Node {
	t.Helper()
	doc, err := html.Parse(strings.NewReader(s))
	if err != nil {
		t.Fatal(err)
	}
	return doc
}

// walk calls f on every node under n, depth first.
func walk(n *html.Node, f func(*html.Node)) {
	f(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, f)
	}
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return n.Type == html.ElementNode && strings.Contains(" "+attr(n, "class")+" ", " "+class+" ")
}

var spaces = regexp.MustCompile(`[ \t\r\n]+`)

// textOf is the text under n, outside scripts and styles, with runs of
// ASCII whitespace made one space. No-break and ideographic spaces stay.
func textOf(n *html.Node) string {
	var b strings.Builder
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode && (n.Data == "script" || n.Data == "style" || n.Data == "title") {
			return
		}
		if n.Type == html.TextNode {
			b.WriteString(n.Data)
		}
		if n.Type == html.ElementNode && (n.Data == "br" || n.Data == "p" || n.Data == "td" || n.Data == "li") {
			b.WriteString("\n")
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(n)
	return spaces.ReplaceAllString(b.String(), " ")
}

// find returns the first node under n for which f holds.
func find(n *html.Node, f func(*html.Node) bool) *html.Node {
	var out *html.Node
	walk(n, func(c *html.Node) {
		if out == nil && f(c) {
			out = c
		}
	})
	return out
}

// links lists the URLs a response links to, resolved against base: HTML
// a/link href and img src, sitemap <loc>, feed links, robots.txt Sitemap
// lines.
func links(t *testing.T, base *url.URL, contentType string, body []byte) []string {
	t.Helper()
	var raw []string
	switch {
	case strings.HasPrefix(contentType, "text/html"):
		walk(parseHTML(t, string(body)), func(n *html.Node) {
			if n.Type != html.ElementNode {
				return
			}
			switch n.Data {
			case "a", "link":
				if h := attr(n, "href"); h != "" && !strings.HasPrefix(h, "#") {
					raw = append(raw, h)
				}
			case "img":
				raw = append(raw, attr(n, "src"))
			}
		})
	case strings.HasPrefix(contentType, "text/plain"):
		for _, line := range strings.Split(string(body), "\n") {
			if v, ok := strings.CutPrefix(line, "Sitemap: "); ok {
				raw = append(raw, strings.TrimSpace(v))
			}
		}
	case strings.Contains(contentType, "xml"):
		for _, m := range regexp.MustCompile(`<(?:loc|link)>([^<]+)</(?:loc|link)>|<link href="([^"]+)"`).FindAllStringSubmatch(string(body), -1) {
			raw = append(raw, html.UnescapeString(m[1]+m[2]))
		}
	}
	var out []string
	for _, r := range raw {
		u, err := base.Parse(r)
		if err != nil {
			t.Errorf("%s links %q: %v", base, r, err)
			continue
		}
		out = append(out, u.String())
	}
	return out
}
