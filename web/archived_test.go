package web

import (
	"bytes"
	"encoding/base64"
	"fmt"
	"net/http"
	"strings"
	"testing"

	"golang.org/x/net/html"
)

// walk calls fn for every element of an HTML document.
func walk(t *testing.T, doc string, fn func(n *html.Node)) {
	t.Helper()
	root, err := html.Parse(strings.NewReader(doc))
	if err != nil {
		t.Fatal(err)
	}
	var rec func(*html.Node)
	rec = func(n *html.Node) {
		if n.Type == html.ElementNode {
			fn(n)
		}
		for c := n.FirstChild; c != nil; c = c.NextSibling {
			rec(c)
		}
	}
	rec(root)
}

func TestServer_ArchivedPageIsInert(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, fmt.Sprintf("/captures/%d/archived", ts.xssCap))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("archived page: %d %s", r.status, r.header.Get("Content-Type"))
	}
	var inlined [][]byte
	var placeholders []string
	walk(t, r.body, func(n *html.Node) {
		switch n.Data {
		case "script", "iframe", "object", "embed", "form", "input", "button", "link", "base", "svg", "video", "audio", "source", "frame", "frameset", "applet", "textarea", "select":
			t.Errorf("archived page keeps <%s>", n.Data)
		case "meta":
			if attr(n, "charset") == "" {
				t.Errorf("archived page keeps <meta %v>", n.Attr)
			}
		case "style":
			if n.Parent == nil || n.Parent.Data != "head" || strings.Contains(n.FirstChild.Data, "evil") {
				t.Errorf("archived page keeps an archived <style>")
			}
		case "span":
			if attr(n, "class") == "archived-missing" {
				placeholders = append(placeholders, n.FirstChild.Data)
			}
		}
		for _, a := range n.Attr {
			k := strings.ToLower(a.Key)
			switch {
			case strings.HasPrefix(k, "on"):
				t.Errorf("<%s> keeps the handler %s=%q", n.Data, a.Key, a.Val)
			case k == "style", k == "href", k == "action", k == "formaction", k == "srcset", k == "poster", k == "background", k == "data", k == "cite":
				t.Errorf("<%s> keeps %s=%q", n.Data, a.Key, a.Val)
			case k == "src":
				rest, ok := strings.CutPrefix(a.Val, "data:image/png;base64,")
				if !ok || n.Data != "img" {
					t.Errorf("<%s> keeps src=%q", n.Data, truncate(a.Val, 60))
					continue
				}
				b, err := base64.StdEncoding.DecodeString(rest)
				if err != nil {
					t.Error(err)
				}
				inlined = append(inlined, b)
			}
		}
	})
	// The archived logo is inlined from the archive; the tracker, which
	// the archive lacks, is a placeholder; the h1's "x" image too.
	if len(inlined) != 1 || !bytes.Equal(inlined[0], ts.logoPNG) {
		t.Errorf("inlined %d images, want the archived logo", len(inlined))
	}
	if got := strings.Join(placeholders, "|"); got != "[image not archived]|[image not archived: tracker]" {
		t.Errorf("placeholders: %s", got)
	}
	for _, want := range []string{"The lead paragraph.", `title="link to http://evil.invalid/next"`, "正文第二段，含有人大代表。", "The lead paragraph. a javascript link"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("archived page lacks %s", want)
		}
	}
	if strings.Contains(r.body, "javascript:") {
		t.Errorf("archived page keeps a javascript: URL")
	}
}

func TestServer_ArchivedPageDecodesCharset(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, fmt.Sprintf("/captures/%d/archived", ts.gbkCap))
	for _, want := range []string{"<h1>通辽市第五次党代会开幕</h1>", "人大代表和政协委员", "[image not archived: 大会现场]"} {
		if !strings.Contains(r.body, want) {
			t.Errorf("GBK page lacks %s:\n%s", want, r.body)
		}
	}
	// An image capture is shown as the image; a bodiless one says so.
	r = ts.get(t, fmt.Sprintf("/captures/%d/archived", ts.logoCap))
	if !strings.Contains(r.body, `<img alt="archived image" src="data:image/png;base64,`+base64.StdEncoding.EncodeToString(ts.logoPNG)+`">`) {
		t.Errorf("image capture:\n%s", r.body)
	}
	r = ts.get(t, fmt.Sprintf("/captures/%d/archived", ts.movedCap))
	if !strings.Contains(r.body, "no body (HTTP 301)") {
		t.Errorf("bodiless capture:\n%s", r.body)
	}
}

func TestServer_RawCapture(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, fmt.Sprintf("/captures/%d/raw", ts.gbkCap))
	if r.status != http.StatusOK || r.body != string(ts.gbkRaw) {
		t.Fatalf("raw bytes differ: %d, %d bytes, want %d", r.status, len(r.body), len(ts.gbkRaw))
	}
	if r.header.Get("Content-Type") != "application/octet-stream" || !strings.HasPrefix(r.header.Get("Content-Disposition"), "attachment;") ||
		!strings.Contains(r.header.Get("Content-Security-Policy"), "sandbox") || r.header.Get("Repr-Digest") == "" {
		t.Errorf("raw headers: %v", r.header)
	}
	if r := ts.get(t, fmt.Sprintf("/captures/%d/raw", ts.movedCap)); r.status != http.StatusNotFound {
		t.Errorf("raw of a bodiless capture: %d", r.status)
	}
}
