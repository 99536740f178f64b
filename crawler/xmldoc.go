package crawler

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"mime"
	"net/http"
	"strings"
	"time"

	"golang.org/x/net/html/charset"
)

// maxXMLBytes bounds a decompressed sitemap (the sitemaps protocol allows
// 50 MB uncompressed).
const maxXMLBytes = 64 << 20

// xmlReader returns a reader of the document in body: the body itself, or,
// when it is gzip (by its magic number), the body decompressed as it is
// read, failing after maxXMLBytes. Streaming keeps a gzip bomb from
// costing more than the parser's buffers.
func xmlReader(body []byte) (io.Reader, error) {
	if len(body) < 2 || body[0] != 0x1f || body[1] != 0x8b {
		return bytes.NewReader(body), nil
	}
	zr, err := gzip.NewReader(bytes.NewReader(body))
	if err != nil {
		return nil, fmt.Errorf("gunzip: %w", err)
	}
	return &cappedReader{r: zr, left: maxXMLBytes}, nil
}

// cappedReader reads at most left bytes of r, then fails.
type cappedReader struct {
	r    io.Reader
	left int64
}

func (c *cappedReader) Read(p []byte) (int, error) {
	if c.left <= 0 {
		return 0, fmt.Errorf("gunzip: more than %d bytes", maxXMLBytes)
	}
	if int64(len(p)) > c.left {
		p = p[:c.left]
	}
	n, err := c.r.Read(p)
	c.left -= int64(n)
	return n, err
}

// xmlRoot returns the local name (lower case) of the root element of an
// XML document, skipping a BOM, the declaration, comments and a doctype;
// "" when the bytes do not start like XML.
func xmlRoot(b []byte) string {
	b = bytes.TrimPrefix(b, []byte("\xef\xbb\xbf"))
	for {
		b = bytes.TrimLeft(b, " \t\r\n")
		if len(b) < 2 || b[0] != '<' {
			return ""
		}
		switch {
		case b[1] == '?':
			i := bytes.Index(b, []byte("?>"))
			if i < 0 {
				return ""
			}
			b = b[i+2:]
		case bytes.HasPrefix(b, []byte("<!--")):
			i := bytes.Index(b, []byte("-->"))
			if i < 0 {
				return ""
			}
			b = b[i+3:]
		case b[1] == '!':
			i := bytes.IndexByte(b, '>')
			if i < 0 {
				return ""
			}
			b = b[i+1:]
		default:
			end := 1
			for end < len(b) && end < 200 && !strings.ContainsRune(" \t\r\n/>", rune(b[end])) {
				end++
			}
			name := strings.ToLower(string(b[1:end]))
			if i := strings.IndexByte(name, ':'); i >= 0 {
				name = name[i+1:]
			}
			return name
		}
	}
}

// kindOfRoot tells a sitemap or a feed by its root element.
func kindOfRoot(root string) (Kind, bool) {
	switch root {
	case "urlset", "sitemapindex":
		return KindSitemap, true
	case "rss", "feed", "rdf", "channel":
		return KindFeed, true
	}
	return KindOther, false
}

// classify tells what a successful response is: a page (HTML), a sitemap
// (maybe gzipped), a feed (RSS or Atom), or other. hint is what the link
// promised; robots.txt stays robots.
func classify(hint Kind, header http.Header, body []byte) Kind {
	if hint == KindRobots {
		return KindRobots
	}
	ct := header.Get("Content-Type")
	mt, _, err := mime.ParseMediaType(ct)
	if ct == "" || err != nil {
		mt, _, _ = mime.ParseMediaType(http.DetectContentType(body))
	}
	switch {
	case mt == "text/html" || mt == "application/xhtml+xml":
		// Some servers send sitemaps and feeds as text/html.
		if k, ok := kindOfRoot(xmlRoot(head(body))); ok {
			return k
		}
		return KindPage
	case strings.Contains(mt, "xml") || mt == "text/plain" || mt == "application/octet-stream" ||
		strings.Contains(mt, "gzip"):
		b := head(body)
		if len(b) >= 2 && b[0] == 0x1f && b[1] == 0x8b {
			if hint != KindSitemap {
				return KindOther
			}
			r, err := xmlReader(body)
			if err != nil {
				return KindOther
			}
			b, _ = io.ReadAll(io.LimitReader(r, 1024))
		}
		if k, ok := kindOfRoot(xmlRoot(b)); ok {
			return k
		}
	}
	return KindOther
}

func head(b []byte) []byte {
	if len(b) > 1024 {
		return b[:1024]
	}
	return b
}

// maxLinksPerSitemap is the sitemaps protocol's limit.
const maxLinksPerSitemap = 50000

var errNotSitemapOrFeed = errors.New("not a sitemap or feed")

// isEntry tells the elements of a sitemap or feed that stand for one
// document: a sitemap's <url>, a sitemap index's <sitemap>, an RSS <item>
// and an Atom <entry>.
func isEntry(name string) bool {
	return name == "url" || name == "sitemap" || name == "item" || name == "entry"
}

// isModified tells whether an element of an entry gives the time its
// document last changed: a sitemap's <lastmod>, Atom's <updated> and
// <published>, RSS's <pubDate>, RSS 1.0's <dc:date>.
func isModified(name string) bool {
	switch name {
	case "lastmod", "updated", "published", "pubdate", "date", "modified":
		return true
	}
	return false
}

// parseXMLLinks returns the links of a sitemap (<url><loc>), a sitemap
// index (<sitemap><loc>, as sitemaps), an RSS feed (<item><link>, also RSS
// 1.0) or an Atom feed (<entry><link href> with rel alternate or none),
// each with the time its entry says the document last changed (see
// parseModified; the latest when it gives several; zero when none or
// malformed). Links are returned when their entry ends: a document cut
// short keeps its whole entries. body may be gzipped. The document's own
// encoding declaration is obeyed.
func parseXMLLinks(body []byte) ([]rawLink, error) {
	r, err := xmlReader(body)
	if err != nil {
		return nil, err
	}
	br := bufio.NewReaderSize(r, 4096)
	b, err := br.Peek(1024)
	if len(b) == 0 && err != nil && !errors.Is(err, io.EOF) {
		return nil, err
	}
	if _, ok := kindOfRoot(xmlRoot(b)); !ok {
		return nil, errNotSitemapOrFeed
	}
	d := xml.NewDecoder(br)
	d.Strict = false
	d.Entity = xml.HTMLEntity
	d.CharsetReader = charset.NewReaderLabel
	var (
		links []rawLink
		stack []string
		text  strings.Builder
		// What is being read: a link's text, a time's text, or neither.
		inLoc, inTime bool
		// The entry being read: its links and its latest time.
		entry    []rawLink
		entryAt  int // its depth in stack; 0 outside an entry
		modified time.Time
	)
	parent := func() string {
		if len(stack) < 2 {
			return ""
		}
		return stack[len(stack)-2]
	}
	addLink := func(href string, kind Kind) {
		if href = strings.TrimSpace(href); href != "" && entryAt > 0 && len(links)+len(entry) < maxLinksPerSitemap {
			entry = append(entry, rawLink{href: href, kind: kind})
		}
	}
	for len(links) < maxLinksPerSitemap {
		tok, err := d.Token()
		if err != nil {
			if errors.Is(err, io.EOF) {
				break
			}
			return links, fmt.Errorf("parse sitemap or feed: %w", err)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			name := strings.ToLower(t.Name.Local)
			stack = append(stack, name)
			switch {
			case entryAt == 0 && isEntry(name):
				entryAt, entry, modified = len(stack), entry[:0], time.Time{}
				if name == "item" && t.Name.Space != "" {
					// RSS 1.0: <item rdf:about="…">.
					for _, a := range t.Attr {
						if strings.ToLower(a.Name.Local) == "about" {
							addLink(a.Value, KindPage)
						}
					}
				}
			case entryAt == 0 || len(stack) != entryAt+1:
				// Only the entry's own children count.
			case name == "loc" && (parent() == "url" || parent() == "sitemap"),
				name == "link" && parent() == "item":
				inLoc = true
				text.Reset()
			case isModified(name):
				inTime = true
				text.Reset()
			case name == "link" && parent() == "entry":
				var href, rel string
				for _, a := range t.Attr {
					switch strings.ToLower(a.Name.Local) {
					case "href":
						href = a.Value
					case "rel":
						rel = a.Value
					}
				}
				if rel == "" || rel == "alternate" {
					addLink(href, KindPage)
				}
			}
		case xml.CharData:
			if inLoc || inTime {
				text.Write(t)
			}
		case xml.EndElement:
			switch {
			case inLoc:
				k := KindPage
				if parent() == "sitemap" {
					k = KindSitemap
				}
				addLink(text.String(), k)
				inLoc = false
			case inTime:
				if m, ok := parseModified(text.String()); ok && m.After(modified) {
					modified = m
				}
				inTime = false
			case entryAt > 0 && len(stack) == entryAt:
				for _, l := range entry {
					l.modified = modified
					links = append(links, l)
				}
				entryAt = 0
			}
			if len(stack) > 0 {
				stack = stack[:len(stack)-1]
			}
		}
	}
	return links, nil
}
