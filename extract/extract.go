package extract

import (
	"fmt"
	"net/url"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// Options adjust an Extractor. The zero value extracts generically.
type Options struct {
	// Rules holds per-site selectors tried before the generic method.
	Rules *Rules
	// DefaultZone is the zone of pages that state a time without one. Nil:
	// Asia/Shanghai (UTC+8) for Chinese pages, UTC (marked assumed) else.
	DefaultZone *time.Location
}

// Extractor turns pages into Articles. It is safe for concurrent use.
type Extractor struct {
	opts Options
}

// New returns an Extractor with the given options.
func New(opts Options) *Extractor {
	return &Extractor{opts: opts}
}

// Extract is the generic extraction, without per-site rules.
func Extract(raw []byte, pageURL, contentType string) (*Article, error) {
	return New(Options{}).Extract(raw, pageURL, contentType)
}

// chinaZone is China Standard Time; China has kept UTC+8 without daylight
// saving since 1991, so a fixed zone needs no time zone database.
var chinaZone = time.FixedZone("CST", 8*3600)

// Extract reads one page: raw bytes in any encoding, the URL it was
// fetched from (may be empty) and its HTTP Content-Type (may be empty). It
// always returns an Article, empty when the page holds none; the error
// says why a page could not be read at all (binary input, unparsable
// markup).
func (e *Extractor) Extract(raw []byte, pageURL, contentType string) (*Article, error) {
	a := &Article{URL: pageURL, Bylines: []Byline{}}
	text, cs, src, err := Decode(raw, contentType)
	if err != nil {
		return a, fmt.Errorf("decode page: %w", err)
	}
	a.Charset, a.CharsetSource = cs, src
	root, err := parseHTML(text)
	if err != nil {
		return a, fmt.Errorf("parse page: %w", err)
	}
	x := &extraction{a: a, opts: e.opts}
	x.base, _ = url.Parse(pageURL)
	if e.opts.Rules != nil && x.base != nil {
		x.site = e.opts.Rules.match(x.base.Hostname())
	}
	if x.site != nil {
		x.site.removeFrom(root)
	}
	x.p = buildPage(root)
	x.run()
	return a, nil
}

// extraction is the state of one Extract call.
type extraction struct {
	a    *Article
	p    *page
	opts Options
	base *url.URL
	site *Site
	ld   ldInfo

	container  int // element index of the article's container, -1 if none
	useUnl     bool
	first, end int // block range of the container
	bodyIdx    []int
	headline   int // block index of the headline, -1 if not in page
	repeat     int // block index of the headline's repeat inside the article
	kickerIdx  int
	subIdx     int
	captionOf  map[int]int // caption block → image number
	post       int         // block index of a thread's first post stamp, -1 if none
	chinese    bool
	ruledBody  bool // the body came from a site rule's selector
}

func (x *extraction) run() {
	p := x.p
	x.headline, x.repeat, x.kickerIdx, x.subIdx, x.post = -1, -1, -1, -1, -1
	if p.base != "" && x.base != nil {
		if b, err := x.base.Parse(p.base); err == nil {
			x.base = b
		}
	} else if p.base != "" && x.base == nil {
		x.base, _ = url.Parse(p.base)
	}
	x.ld = parseJSONLD(p.jsonld)
	x.metadata()
	x.chooseContainer()
	x.chinese = x.isChinese()
	x.findTitle()
	x.collectBody()
	x.findKickerSubtitle()
	x.findDates()
	x.findBylines()
	x.language()
	if !x.ruledBody && (!x.a.IsArticle() || x.teaser()) {
		x.a.Body = ""
	}
}

// teaser reports whether the text found is another page's teaser, as home
// and section pages show their lead story: a headline that links to a
// different page, over a paragraph or two.
func (x *extraction) teaser() bool {
	if len(x.bodyIdx) == 0 || len(x.bodyIdx) > 2 {
		return false
	}
	p := x.p
	// The headline, or when none is in the page, the line heading the text.
	h := x.headline
	if h < 0 {
		for i := x.bodyIdx[0] - 1; i >= 0 && i >= x.bodyIdx[0]-3; i-- {
			if b := &p.blocks[i]; b.kind != kindImage {
				h = i
				break
			}
		}
	}
	if h < 0 {
		return false
	}
	hb := &p.blocks[h]
	if hb.linkDensity() < 0.5 || hb.owner < 0 || hb.w >= 200 {
		return false
	}
	w := 0
	for _, i := range x.bodyIdx {
		w += p.blocks[i].w
	}
	if w >= 600 {
		return false
	}
	href := linkIn(p.elems[hb.owner].n)
	if href == "" || x.base == nil {
		return false
	}
	target, err := x.base.Parse(href)
	if err != nil || target.Scheme != "http" && target.Scheme != "https" || reFileLink.MatchString(target.Path) {
		return false
	}
	key := pageKey(target)
	if key == pageKey(x.base) {
		return false
	}
	if c, err := x.base.Parse(x.a.CanonicalURL); x.a.CanonicalURL != "" && err == nil && key == pageKey(c) {
		return false
	}
	return true
}

// reFileLink is a link to a file, not a page.
var reFileLink = regexp.MustCompile(`(?i)\.(?:mp3|mp4|m4a|ogg|wav|pdf|docx?|xlsx?|pptx?|zip|rar|jpe?g|png|gif|webp)$`)

// pageKey names the page a URL shows, whatever its scheme, query and
// fragment: host without "www." and path without a trailing slash.
func pageKey(u *url.URL) string {
	h := strings.TrimPrefix(strings.ToLower(u.Hostname()), "www.")
	return h + strings.TrimSuffix(u.EscapedPath(), "/")
}

// linkIn returns the href of the first link with text inside n.
func linkIn(n *html.Node) string {
	for c := n.FirstChild; c != nil && c != n; {
		if c.Type == html.ElementNode && c.DataAtom == atom.A {
			if h := strings.TrimSpace(attr(c, "href")); h != "" && !strings.HasPrefix(h, "#") && nodeText(c, 50) != "" {
				return h
			}
		}
		if c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != n && c.NextSibling == nil {
			c = c.Parent
		}
		if c == n {
			break
		}
		c = c.NextSibling
	}
	return ""
}

// IsArticle reports whether the page holds an article: false for list,
// index and home pages, error pages and empty pages.
func (a *Article) IsArticle() bool {
	if a == nil || a.Body == "" {
		return false
	}
	w := 0
	for _, r := range a.Body {
		w += weight(r)
	}
	if w < 80 {
		return false
	}
	t := strings.ToLower(a.Title)
	if w < 600 && (strings.Contains(t, "404") || strings.Contains(t, "not found") || strings.Contains(t, "页面不存在") ||
		strings.Contains(t, "找不到") || strings.Contains(t, "无法找到") || strings.Contains(t, "error")) {
		return false
	}
	return true
}

func (x *extraction) metadata() {
	p, a := x.p, x.a
	if c := p.canonical; c != "" {
		a.CanonicalURL = x.abs(c)
	} else if og := p.meta("og:url"); og != "" {
		a.CanonicalURL = x.abs(og)
	}
	a.SiteName = firstNonEmpty(p.meta("og:site_name"), x.ld.publisher, p.meta("application-name"), p.meta("sitename"), p.meta("site_name"), p.meta("site"))
	a.Description = cleanSpace(firstNonEmpty(p.meta("description"), p.meta("og:description"), p.meta("twitter:description"), x.ld.description))
	var tags []string
	seen := map[string]bool{}
	add := func(v string) {
		for _, t := range splitKeywords(v) {
			if k := strings.ToLower(t); !seen[k] && len(tags) < 50 {
				seen[k] = true
				tags = append(tags, t)
			}
		}
	}
	for _, m := range p.metas {
		switch m.key {
		case "keywords", "news_keywords", "article:tag", "keyword":
			add(m.value)
		}
	}
	if len(tags) == 0 {
		for _, k := range x.ld.keywords {
			add(k)
		}
	}
	a.Tags = tags
}

func splitKeywords(v string) []string {
	parts := strings.FieldsFunc(v, func(r rune) bool {
		return r == ',' || r == '，' || r == ';' || r == '；' || r == '、' || r == '|' || r == '｜'
	})
	if len(parts) == 1 && strings.ContainsAny(v, " 　") && hasCJKText(v) {
		parts = strings.Fields(strings.ReplaceAll(v, "　", " "))
	}
	var out []string
	for _, t := range parts {
		if t = strings.TrimSpace(t); t != "" && utf8.RuneCountInString(t) <= 60 {
			out = append(out, t)
		}
	}
	return out
}

func hasCJKText(s string) bool {
	for _, r := range s {
		if isCJK(r) {
			return true
		}
	}
	return false
}

func firstNonEmpty(v ...string) string {
	for _, s := range v {
		if s = strings.TrimSpace(s); s != "" {
			return s
		}
	}
	return ""
}

func cleanSpace(s string) string {
	return strings.Join(strings.Fields(s), " ")
}

// abs resolves a reference against the page's URL.
func (x *extraction) abs(ref string) string {
	ref = strings.TrimSpace(ref)
	if ref == "" || x.base == nil {
		return ref
	}
	u, err := x.base.Parse(ref)
	if err != nil {
		return ref
	}
	return u.String()
}

// isChinese reports whether the page is written in Chinese, judged by its
// declared language or, failing that, its text.
func (x *extraction) isChinese() bool {
	l := strings.ToLower(x.p.lang)
	if strings.HasPrefix(l, "zh") {
		return true
	}
	if l != "" && !strings.HasPrefix(l, "en") {
		return false // ja, ko, de …
	}
	han, kana, other := 0, 0, 0
	count := func(s string) {
		for _, r := range s {
			switch {
			case r >= 0x3040 && r <= 0x30FF:
				kana++
			case isCJK(r) && !(r >= 0xAC00 && r <= 0xD7A3):
				han++
			case r < 0x80 && (r|0x20 >= 'a' && r|0x20 <= 'z'):
				other++
			case r >= 0xAC00 && r <= 0xD7A3:
				other += 2
			}
		}
	}
	for i := x.first; i < x.end && i < len(x.p.blocks); i++ {
		count(x.p.blocks[i].text)
	}
	if han+kana+other < 20 {
		count(x.p.title)
	}
	return han > 10 && kana*20 < han && han*2 > other
}

// zone is the zone assumed for times stated without one.
func (x *extraction) zone() *time.Location {
	if x.site != nil && x.site.loc != nil {
		return x.site.loc
	}
	if x.opts.DefaultZone != nil {
		return x.opts.DefaultZone
	}
	if x.chinese {
		return chinaZone
	}
	return nil
}

// nodeIndex returns the element index of n or of its nearest block
// ancestor, or -1.
func (x *extraction) nodeIndex(n *html.Node) int {
	for ; n != nil; n = n.Parent {
		for i := range x.p.elems {
			if x.p.elems[i].n == n {
				return i
			}
		}
	}
	return -1
}
