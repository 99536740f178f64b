package crawler

import (
	"bytes"
	"mime"
	"net/url"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/charset"
	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
)

// maxLinksPerDoc bounds the links taken from one document.
const maxLinksPerDoc = 50000

// rawLink is a link as written in a document, not yet resolved.
type rawLink struct {
	href string
	kind Kind // what the link promises: page, feed or sitemap
	// modified is when the sitemap or feed that holds the link says its
	// document last changed; zero when it does not say.
	modified time.Time
}

// htmlDoc is what the crawler takes from an HTML page: its links, its
// <base href>, and the charset it declares anywhere in it (for decoding
// links that are not UTF-8).
type htmlDoc struct {
	base    string
	charset string
	links   []rawLink
}

// parseHTML scans an HTML document for links: a[href], area[href],
// link[rel=alternate] feeds, frame, iframe and img src, and meta refresh. Each
// distinct href is kept once, in document order. The body is tokenised,
// not parsed into a tree, and never decoded as a whole.
func parseHTML(body []byte) htmlDoc {
	var d htmlDoc
	seen := make(map[string]struct{}, 64)
	add := func(href string, kind Kind) {
		href = strings.TrimSpace(href)
		if href == "" || len(d.links) >= maxLinksPerDoc {
			return
		}
		if _, ok := seen[href]; ok {
			return
		}
		seen[href] = struct{}{}
		d.links = append(d.links, rawLink{href: href, kind: kind})
	}
	z := html.NewTokenizer(bytes.NewReader(body))
	for {
		tt := z.Next()
		if tt == html.ErrorToken {
			return d
		}
		if tt != html.StartTagToken && tt != html.SelfClosingTagToken {
			continue
		}
		name, hasAttr := z.TagName()
		if !hasAttr {
			continue
		}
		var want string // the attribute holding the link
		switch string(name) {
		case "a", "area":
			want = "href"
		case "frame", "iframe", "img":
			want = "src"
		case "link", "base", "meta":
		default:
			continue
		}
		var href, rel, typ, httpEquiv, content, cs string
		for hasAttr {
			var k, v []byte
			k, v, hasAttr = z.TagAttr()
			switch string(k) {
			case "href", "src":
				if want == "" || string(k) == want {
					href = string(v)
				}
			case "rel":
				rel = strings.ToLower(string(v))
			case "type":
				typ = strings.ToLower(string(v))
			case "http-equiv":
				httpEquiv = strings.ToLower(string(v))
			case "content":
				content = string(v)
			case "charset":
				cs = string(v)
			}
		}
		switch string(name) {
		case "a", "area", "frame", "iframe":
			add(href, KindPage)
		case "img":
			add(href, KindOther)
		case "base":
			if d.base == "" {
				d.base = strings.TrimSpace(href)
			}
		case "link":
			if hasToken(rel, "alternate") && (strings.Contains(typ, "rss") || strings.Contains(typ, "atom")) {
				add(href, KindFeed)
			} else if hasToken(rel, "sitemap") {
				add(href, KindSitemap)
			}
		case "meta":
			switch {
			case cs != "" && d.charset == "":
				d.charset = strings.TrimSpace(cs)
			case httpEquiv == "content-type" && d.charset == "":
				if _, params, err := mime.ParseMediaType(content); err == nil {
					d.charset = params["charset"]
				}
			case httpEquiv == "refresh":
				add(refreshURL(content), KindPage)
			}
		}
	}
}

func hasToken(list, tok string) bool {
	for _, f := range strings.Fields(list) {
		if f == tok {
			return true
		}
	}
	return false
}

// refreshURL takes the URL out of a meta refresh's content: "5; url=/x".
func refreshURL(content string) string {
	_, after, ok := strings.Cut(content, ";")
	if !ok {
		_, after, ok = strings.Cut(content, ",")
		if !ok {
			return ""
		}
	}
	after = strings.TrimSpace(after)
	if len(after) >= 4 && strings.EqualFold(after[:3], "url") {
		rest := strings.TrimSpace(after[3:])
		if strings.HasPrefix(rest, "=") {
			after = strings.TrimSpace(rest[1:])
		}
	}
	return strings.Trim(after, `'"`)
}

// skipScheme tells hrefs that are never fetched.
func skipScheme(href string) bool {
	if href[0] == '#' {
		return true
	}
	i := strings.IndexByte(href, ':')
	if i <= 0 || i > 10 {
		return false
	}
	switch strings.ToLower(href[:i]) {
	case "http", "https":
		return false
	case "javascript", "mailto", "tel", "data", "about", "vbscript", "file", "ftp", "sms", "news", "irc":
		return true
	}
	return false
}

// docEncoding returns the encoding a document's non-ASCII links are in:
// the charset of its Content-Type, else the one it declares, else
// GB18030 (a superset of GBK and GB2312, the usual legacy encoding of the
// sites annals is for).
func docEncoding(contentType, declared string) encoding.Encoding {
	if _, params, err := mime.ParseMediaType(contentType); err == nil {
		if e, _ := charset.Lookup(params["charset"]); e != nil {
			return e
		}
	}
	if e, _ := charset.Lookup(declared); e != nil {
		return e
	}
	return simplifiedchinese.GB18030
}

// resolver turns raw links into canonical absolute URLs.
type resolver struct {
	base *url.URL
	enc  func() encoding.Encoding // looked up only when a link needs it
}

// resolve returns the canonical URL and host of href, or ok false for
// links that are not http(s) or do not parse.
func (r *resolver) resolve(href string) (u, host string, ok bool) {
	// As browsers do: surrounding spaces go, and tabs and line breaks
	// anywhere.
	href = strings.TrimSpace(href)
	if strings.ContainsAny(href, "\t\r\n") {
		href = strings.NewReplacer("\t", "", "\r", "", "\n", "").Replace(href)
	}
	if href == "" || skipScheme(href) {
		return "", "", false
	}
	if !isASCII(href) && !utf8.ValidString(href) && r.enc != nil {
		if s, err := r.enc().NewDecoder().String(href); err == nil {
			href = s
		}
	}
	ref, err := url.Parse(href)
	if err != nil {
		return "", "", false
	}
	abs := r.base.ResolveReference(ref)
	s, host, err := canonical(abs)
	if err != nil {
		return "", "", false
	}
	return s, host, true
}
