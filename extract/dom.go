package extract

import (
	"bytes"
	"slices"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/net/html"
	"golang.org/x/net/html/atom"
)

// parseHTML parses decoded text. Pages nested deeper than the parser allows
// (512 open elements) are flattened first: their deepest container tags are
// dropped, their text kept.
func parseHTML(text string) (*html.Node, error) {
	root, err := html.Parse(strings.NewReader(text))
	if err == nil {
		return root, nil
	}
	return html.Parse(strings.NewReader(flatten(text, 200)))
}

// flatten rewrites a page so that no more than maxDepth container elements
// are open at once: start and end tags beyond that depth are dropped.
func flatten(text string, maxDepth int) string {
	z := html.NewTokenizer(strings.NewReader(text))
	var out bytes.Buffer
	out.Grow(len(text))
	depth := 0
	for {
		tt := z.Next()
		switch tt {
		case html.ErrorToken:
			return out.String()
		case html.StartTagToken:
			name, _ := z.TagName()
			if voidElement(atom.Lookup(name)) {
				out.Write(z.Raw())
				continue
			}
			depth++
			if depth > maxDepth {
				continue
			}
		case html.EndTagToken:
			name, _ := z.TagName()
			if voidElement(atom.Lookup(name)) {
				continue
			}
			depth--
			if depth >= maxDepth {
				continue
			}
			if depth < 0 {
				depth = 0
			}
		}
		out.Write(z.Raw())
	}
}

func voidElement(a atom.Atom) bool {
	switch a {
	case atom.Area, atom.Base, atom.Br, atom.Col, atom.Embed, atom.Hr, atom.Img, atom.Input,
		atom.Link, atom.Meta, atom.Param, atom.Source, atom.Track, atom.Wbr:
		return true
	}
	return false
}

// blockTags start a new line of text.
var blockTags = map[atom.Atom]bool{
	atom.Address: true, atom.Article: true, atom.Aside: true, atom.Blockquote: true,
	atom.Body: true, atom.Caption: true, atom.Center: true, atom.Dd: true, atom.Details: true,
	atom.Dialog: true, atom.Dir: true, atom.Div: true, atom.Dl: true, atom.Dt: true,
	atom.Fieldset: true, atom.Figcaption: true, atom.Figure: true, atom.Footer: true,
	atom.Form: true, atom.H1: true, atom.H2: true, atom.H3: true, atom.H4: true, atom.H5: true,
	atom.H6: true, atom.Header: true, atom.Hgroup: true, atom.Html: true, atom.Legend: true,
	atom.Li: true, atom.Main: true, atom.Menu: true, atom.Nav: true, atom.Ol: true, atom.P: true,
	atom.Pre: true, atom.Section: true, atom.Summary: true, atom.Table: true, atom.Tbody: true,
	atom.Td: true, atom.Tfoot: true, atom.Th: true, atom.Thead: true, atom.Tr: true, atom.Ul: true,
}

// dropTags hold no article text.
var dropTags = map[atom.Atom]bool{
	atom.Script: true, atom.Style: true, atom.Noscript: true, atom.Template: true,
	atom.Iframe: true, atom.Frame: true, atom.Frameset: true, atom.Object: true, atom.Embed: true,
	atom.Applet: true, atom.Svg: true, atom.Math: true, atom.Canvas: true, atom.Audio: true,
	atom.Video: true, atom.Select: true, atom.Button: true, atom.Input: true, atom.Textarea: true,
	atom.Option: true, atom.Datalist: true, atom.Link: true, atom.Meta: true, atom.Map: true,
	atom.Title: true, atom.Base: true, atom.Label: true,
}

// Class and id hints, in the spirit of readability and trafilatura. They
// are matched on every element, so they are plain substring and token
// tests, not regular expressions.
var (
	hintUnlikely = hints{
		subs: []string{"-ad-", "adsbygoogle", "ai2html", "banner", "breadcrumb", "combx", "comment", "community",
			"cover-wrap", "disqus", "extra", "footer", "gdpr", "header", "legends", "menu", "related", "remark",
			"replies", "rss", "shoutbox", "sidebar", "skyscraper", "social", "sponsor", "supplemental", "ad-break",
			"agegate", "pagination", "pager", "popup", "yom-remote", "share", "sharing", "newsletter", "subscribe",
			"recommend", "xgxw", "xgwz", "xiangguan", "fenxiang", "pinglun", "bdshare", "jiathis", "copyright",
			"navbar", "topbar", "crumb", "cookie", "consent", "login", "signup", "toolbar", "printbar", "modal",
			"outbrain", "taboola", "promo", "hotnews", "hot-news", "mostread", "most-read", "mostpopular",
			"most-popular", "trending", "widget", "-nav", "_nav"},
		tokens:   []string{"ad", "ads"},
		prefixes: []string{"ad-", "nav"},
	}
	hintMaybe = hints{subs: []string{"and", "article", "body", "column", "content", "main", "shadow", "text", "zoom",
		"detail", "story", "entry", "artic", "wenzhang", "zhengwen", "trs_editor"}}
	hintPositive = hints{subs: []string{"article", "body", "content", "entry", "hentry", "main", "page", "post", "text",
		"blog", "story", "zoom", "detail", "trs_editor", "neirong", "zhengwen", "wenzhang", "cont"}}
	hintNegative = hints{
		subs: []string{"-ad-", "hidden", "banner", "combx", "comment", "com-", "contact", "foot", "gdpr", "masthead",
			"media", "meta", "outbrain", "promo", "related", "scroll", "share", "shoutbox", "sidebar", "skyscraper",
			"sponsor", "shopping", "tags", "tool", "widget", "caption", "byline", "author", "dateline", "time", "date",
			"source", "editor", "print", "close", "list"},
		tokens: []string{"hid"},
	}
	hintTitle  = hints{subs: []string{"title", "headline", "biaoti", "heading", "_bt"}, tokens: []string{"bt"}}
	hintKicker = hints{subs: []string{"kicker", "overline", "yinti", "pretitle", "supertitle", "roofline", "dachzeile", "topline"}}
	hintSub    = hints{subs: []string{"subtitle", "subhead", "sub-title", "sub_title", "futi", "fubiaoti", "standfirst"},
		tokens: []string{"dek", "deck"}}
	hintAuthor = hints{subs: []string{"byline", "author", "writer", "autor", "verfasser", "reporter", "journalist",
		"creator", "contributor", "zuozhe", "jizhe"}, tokens: []string{"by"}}
	hintDate = hints{subs: []string{"date", "time", "publish", "posted", "dateline", "datum", "fecha", "shijian",
		"riqi", "info"}, tokens: []string{"meta"}}
)

// hintFlags are what an element's class and id say, found once per
// distinct class string.
type hintFlags uint16

const (
	hfUnlikely hintFlags = 1 << iota
	hfPositive
	hfNegative
	hfTitle
	hfKicker
	hfSub
	hfAuthor
	hfDate
	hfCaption
	hfUpdated   // hAtom "updated": the time the element states is a modification
	hfPublished // hAtom "published", WordPress "entry-date"
)

// hAtom is the prop of the time an element's class states: "hatom-updated",
// "hatom" (published) or "".
func (f hintFlags) hAtom() string {
	switch {
	case f&hfUpdated != 0:
		return "hatom-updated"
	case f&hfPublished != 0:
		return "hatom"
	}
	return ""
}

func classify(ci string) hintFlags {
	var f hintFlags
	if hintUnlikely.match(ci) && !hintMaybe.match(ci) {
		f |= hfUnlikely
	}
	for _, h := range []struct {
		h *hints
		f hintFlags
	}{{&hintPositive, hfPositive}, {&hintNegative, hfNegative}, {&hintTitle, hfTitle}, {&hintKicker, hfKicker},
		{&hintSub, hfSub}, {&hintAuthor, hfAuthor}, {&hintDate, hfDate}} {
		if h.h.match(ci) {
			f |= h.f
		}
	}
	if strings.Contains(ci, "caption") {
		f |= hfCaption
	}
	if slices.Contains(strings.Fields(ci), "updated") {
		f |= hfUpdated
	} else if strings.Contains(ci, "published") || strings.Contains(ci, "entry-date") {
		f |= hfPublished
	}
	return f
}

// hints match a lower-cased class and id string: any substring, any whole
// token, any token prefix.
type hints struct {
	subs, tokens, prefixes []string
}

func (h *hints) match(lower string) bool {
	for _, s := range h.subs {
		if strings.Contains(lower, s) {
			return true
		}
	}
	if len(h.tokens)+len(h.prefixes) == 0 {
		return false
	}
	for _, tok := range strings.Fields(lower) {
		for _, t := range h.tokens {
			if tok == t {
				return true
			}
		}
		for _, pre := range h.prefixes {
			if strings.HasPrefix(tok, pre) {
				return true
			}
		}
	}
	return false
}

type elem struct {
	n        *html.Node
	parent   int32
	end      int32 // index after this element's last descendant
	hint     int8  // +1 positive class/id, -1 negative
	unlikely bool  // this element's class/id/role/tag marks boilerplate
}

type blockKind uint8

const (
	kindText blockKind = iota
	kindHeading
	kindImage
)

// block is one line of the page as a reader sees it: the text between two
// block boundaries, or one image.
type block struct {
	owner    int32 // index into page.elems of the nearest block element
	kind     blockKind
	level    int // heading level
	text     string
	w, linkW int // weighted length of all text, of linked text
	punct    int // sentence punctuation
	center   bool
	caption  bool // inside figcaption or a caption-like element
	unlikely bool // inside an unlikely element
	pre      bool
	footer   bool // a copyright, licence or imprint line
	titleish bool // inside an element whose class/id says title or headline
	kicker   bool // … says kicker or overline
	sub      bool // … says subtitle or dek
	img      imgRef
}

type imgRef struct {
	src, alt string
	small    bool
}

// page is a parsed page: its elements, its lines, and what its head says.
type page struct {
	root   *html.Node
	elems  []elem
	blocks []block

	title     string
	lang      string
	base      string
	canonical string
	metas     []metaTag
	jsonld    []string
	times     []timeRef // <time> and itemprop date elements
	hinted    []hintRef // elements whose class/id speak of author or date
	relAuthor []nodeRef
	profiles  []nodeRef // links that may lead to a user's or author's page
}

type nodeRef struct {
	node  *html.Node
	block int // index of the first line at or after the node
}

type metaTag struct{ key, value string } // key: lower-cased name, property, itemprop or http-equiv

type timeRef struct {
	value string
	block int // index of the first block at or after the element
	prop  string
	node  *html.Node
}

type hintRef struct {
	kind  string // "author", "date"
	node  *html.Node
	block int
}

// weight is the weighted length of one rune: CJK characters carry about as
// much as two Latin letters.
func weight(r rune) int {
	switch {
	case r < 0x80:
		if r >= 'a' && r <= 'z' || r >= 'A' && r <= 'Z' || r >= '0' && r <= '9' {
			return 1
		}
		return 0
	case isCJK(r):
		return 2
	case unicode.IsLetter(r) || unicode.IsDigit(r):
		return 1
	}
	return 0
}

func isCJK(r rune) bool {
	return r >= 0x2E80 && (r >= 0x4E00 && r <= 0x9FFF || r >= 0x3400 && r <= 0x4DBF ||
		r >= 0x3040 && r <= 0x30FF || r >= 0xAC00 && r <= 0xD7A3 || r >= 0xF900 && r <= 0xFAFF ||
		r >= 0x20000 && r <= 0x2FFFF)
}

func isSentencePunct(r rune) bool {
	switch r {
	case '.', ',', ';', '!', '?', '，', '。', '；', '！', '？', '、', '“', '”', '»', '«', '„':
		return true
	}
	return false
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasAttr(n *html.Node, key string) bool {
	for _, a := range n.Attr {
		if a.Key == key {
			return true
		}
	}
	return false
}

// hidden reports whether an element is not shown to readers.
func hidden(n *html.Node) bool {
	if hasAttr(n, "hidden") || attr(n, "aria-hidden") == "true" {
		return true
	}
	if st := attr(n, "style"); st != "" {
		st = strings.ToLower(strings.ReplaceAll(st, " ", ""))
		if strings.Contains(st, "display:none") || strings.Contains(st, "visibility:hidden") {
			return true
		}
	}
	return false
}

type textBuilder struct {
	sb       strings.Builder
	w, linkW int
	punct    int
	space    bool // a space is pending
}

// buildPage walks the tree once, without recursion, and records its
// elements, lines and metadata.
func buildPage(root *html.Node) *page {
	p := &page{root: root}
	p.elems = make([]elem, 0, 256)
	p.blocks = make([]block, 0, 256)

	type frame struct {
		n        *html.Node
		elem     int32 // element index opened by this node, or -1
		anchor   bool
		center   bool
		caption  bool
		unlikely bool
		pre      bool
		heading  int
		roles    uint8 // 1 title, 2 kicker, 4 subtitle
	}
	var tb textBuilder
	cur := int32(-1) // current block element
	anchorDepth := 0
	centerDepth := 0
	captionDepth := 0
	unlikelyDepth := 0
	preDepth := 0
	headingLevel := 0
	titleDepth, kickerDepth, subDepth := 0, 0, 0

	flush := func() {
		if tb.sb.Len() > 0 {
			t := strings.TrimSpace(tb.sb.String())
			if t != "" {
				k := kindText
				if headingLevel > 0 {
					k = kindHeading
				}
				p.blocks = append(p.blocks, block{
					owner: cur, kind: k, level: headingLevel, text: t, w: tb.w, linkW: tb.linkW,
					punct: tb.punct, center: centerDepth > 0, caption: captionDepth > 0,
					unlikely: unlikelyDepth > 0, pre: preDepth > 0,
					titleish: titleDepth > 0, kicker: kickerDepth > 0, sub: subDepth > 0,
					footer: tb.w < 300 && mayBeFooter(t) && reFooter.MatchString(t),
				})
			}
		}
		tb.sb.Reset()
		tb.w, tb.linkW, tb.punct = 0, 0, 0
		tb.space = false
	}
	addText := func(s string) {
		link := anchorDepth > 0
		pre := preDepth > 0
		for _, r := range s {
			if r == '\n' && pre {
				tb.sb.WriteByte('\n')
				tb.space = false
				continue
			}
			if unicode.IsSpace(r) || r == 0xA0 || r == 0x3000 || r == 0x200B || r == 0xFEFF {
				if tb.sb.Len() > 0 {
					tb.space = true
				}
				continue
			}
			if r == 0 || r < 0x20 {
				continue
			}
			if tb.space {
				tb.sb.WriteByte(' ')
				tb.space = false
			}
			tb.sb.WriteRune(r)
			wt := weight(r)
			tb.w += wt
			if link {
				tb.linkW += wt
			}
			if isSentencePunct(r) {
				tb.punct++
			}
		}
	}

	stack := make([]frame, 0, 64)
	cache := map[string]hintFlags{}
	// Iterative pre/post-order traversal using the tree's own links.
	enter := func(n *html.Node) (descend bool) {
		switch n.Type {
		case html.TextNode:
			addText(n.Data)
			return false
		case html.ElementNode:
		case html.DocumentNode:
			return true
		default:
			return false
		}
		a := n.DataAtom
		switch a {
		case atom.Title:
			if p.title == "" {
				p.title = nodeText(n, 2000)
			}
			return false
		case atom.Meta:
			p.addMeta(n)
			return false
		case atom.Link:
			rel := strings.ToLower(attr(n, "rel"))
			if rel == "canonical" && p.canonical == "" {
				p.canonical = strings.TrimSpace(attr(n, "href"))
			}
			return false
		case atom.Base:
			if p.base == "" {
				p.base = strings.TrimSpace(attr(n, "href"))
			}
			return false
		case atom.Script:
			if n.FirstChild != nil && len(p.jsonld) < 20 {
				typ := strings.ToLower(attr(n, "type"))
				if strings.Contains(typ, "ld+json") {
					p.jsonld = append(p.jsonld, n.FirstChild.Data)
				} else if d := strings.TrimSpace(n.FirstChild.Data); typ == "" && len(d) > 0 && (d[0] == '{' || d[0] == '[') && strings.Contains(d[:min(len(d), 200)], "@context") {
					p.jsonld = append(p.jsonld, d)
				}
			}
			return false
		case atom.Html:
			if l := attr(n, "lang"); l != "" {
				p.lang = l
			} else if l := attr(n, "xml:lang"); l != "" {
				p.lang = l
			}
		case atom.Br, atom.Hr:
			flush()
			return false
		case atom.Img:
			src := imgSrc(n)
			if src != "" && cur >= 0 {
				flush()
				w, h := atoiLoose(attr(n, "width")), atoiLoose(attr(n, "height"))
				p.blocks = append(p.blocks, block{owner: cur, kind: kindImage, img: imgRef{
					src: src, alt: strings.TrimSpace(attr(n, "alt")),
					small: w > 0 && w < 60 || h > 0 && h < 40,
				}, caption: captionDepth > 0, center: centerDepth > 0, unlikely: unlikelyDepth > 0})
			}
			return false
		case atom.Time:
			if v := attr(n, "datetime"); v != "" {
				p.times = append(p.times, timeRef{value: v, block: len(p.blocks), prop: attr(n, "itemprop"), node: n})
			} else if ip := attr(n, "itemprop"); ip != "" {
				p.times = append(p.times, timeRef{value: nodeText(n, 200), block: len(p.blocks), prop: ip, node: n})
			}
		}
		if dropTags[a] || hidden(n) {
			return false
		}
		if ip := attr(n, "itemprop"); ip != "" {
			lip := strings.ToLower(ip)
			if strings.HasPrefix(lip, "date") && a != atom.Time {
				v := attr(n, "content")
				if v == "" {
					v = attr(n, "datetime")
				}
				if v == "" {
					v = nodeText(n, 200)
				}
				p.times = append(p.times, timeRef{value: v, block: len(p.blocks), prop: ip, node: n})
			}
			if lip == "author" || lip == "creator" {
				p.hinted = append(p.hinted, hintRef{kind: "itemprop-author", node: n, block: len(p.blocks)})
			}
		}
		if a == atom.A && len(p.profiles) < 500 && mayBeProfile(attr(n, "href")) {
			p.profiles = append(p.profiles, nodeRef{n, len(p.blocks)})
		}
		if strings.EqualFold(attr(n, "rel"), "author") {
			p.relAuthor = append(p.relAuthor, nodeRef{n, len(p.blocks)})
		}
		cls := attr(n, "class")
		id := attr(n, "id")
		ci := cls
		if id != "" {
			ci = cls + " " + id
		}
		ci = strings.ToLower(ci)
		fr := frame{n: n, elem: -1}
		var hf hintFlags
		if ci != "" {
			var ok bool
			if hf, ok = cache[ci]; !ok {
				hf = classify(ci)
				if len(cache) < 4096 {
					cache[ci] = hf
				}
			}
		}
		// hAtom and WordPress stamps: <abbr class="updated"
		// title="2013-04-04T18:52:11+00:00">, <abbr class="published"
		// title="2009-08-06T14:12:32+0200">, class="entry-date".
		if prop := hf.hAtom(); prop != "" && a != atom.Body {
			v := firstNonEmpty(attr(n, "datetime"), attr(n, "title"), attr(n, "content"))
			if v == "" {
				v = nodeText(n, 200)
			}
			p.times = append(p.times, timeRef{value: v, block: len(p.blocks), prop: prop, node: n})
		}
		if ci != "" && a != atom.Body && a != atom.Html {
			if hf&hfAuthor != 0 {
				p.hinted = append(p.hinted, hintRef{kind: "author", node: n, block: len(p.blocks)})
			}
			if hf&hfDate != 0 {
				p.hinted = append(p.hinted, hintRef{kind: "date", node: n, block: len(p.blocks)})
			}
		}
		unl := false
		if a != atom.Body && a != atom.Html && a != atom.A {
			switch a {
			case atom.Nav, atom.Aside, atom.Footer:
				unl = true
			}
			switch attr(n, "role") {
			case "navigation", "complementary", "banner", "contentinfo", "menu", "menubar", "dialog", "search":
				unl = true
			}
			if !unl && hf&hfUnlikely != 0 {
				unl = true
			}
		}
		if unl {
			fr.unlikely = true
			unlikelyDepth++
		}
		if blockTags[a] {
			flush()
			var hint int8
			if hf&hfPositive != 0 {
				hint++
			}
			if hf&hfNegative != 0 {
				hint--
			}
			p.elems = append(p.elems, elem{n: n, parent: cur, hint: hint, unlikely: unl})
			fr.elem = int32(len(p.elems) - 1)
			cur = fr.elem
		}
		if a == atom.A {
			fr.anchor = true
			anchorDepth++
		}
		if a == atom.Center || strings.EqualFold(attr(n, "align"), "center") ||
			strings.Contains(strings.ToLower(attr(n, "style")), "text-align:center") ||
			strings.Contains(strings.ToLower(attr(n, "style")), "text-align: center") {
			fr.center = true
			centerDepth++
		}
		if a == atom.Figcaption || a == atom.Caption || hf&hfCaption != 0 {
			fr.caption = true
			captionDepth++
		}
		if a == atom.Pre {
			fr.pre = true
			preDepth++
		}
		switch {
		case hf&hfKicker != 0:
			fr.roles |= 2
			kickerDepth++
		case hf&hfSub != 0:
			fr.roles |= 4
			subDepth++
		case hf&hfTitle != 0:
			fr.roles |= 1
			titleDepth++
		}
		switch a {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			fr.heading = headingLevel
			headingLevel = int(a.String()[1] - '0')
		}
		stack = append(stack, fr)
		return true
	}
	leave := func() {
		fr := stack[len(stack)-1]
		stack = stack[:len(stack)-1]
		if fr.elem >= 0 || blockTags[fr.n.DataAtom] {
			flush()
		}
		switch fr.n.DataAtom {
		case atom.H1, atom.H2, atom.H3, atom.H4, atom.H5, atom.H6:
			flush()
			headingLevel = fr.heading
		}
		if fr.anchor {
			anchorDepth--
		}
		if fr.center {
			centerDepth--
		}
		if fr.caption {
			captionDepth--
		}
		if fr.unlikely {
			unlikelyDepth--
		}
		if fr.pre {
			preDepth--
		}
		if fr.roles&1 != 0 {
			titleDepth--
		}
		if fr.roles&2 != 0 {
			kickerDepth--
		}
		if fr.roles&4 != 0 {
			subDepth--
		}
		if fr.elem >= 0 {
			p.elems[fr.elem].end = int32(len(p.elems))
			cur = p.elems[fr.elem].parent
		}
	}

	// Walk: descend into children when enter says so; on the way back up,
	// call leave for nodes that pushed a frame.
	n := root
	for n != nil {
		before := len(stack)
		descend := enter(n)
		if descend && n.FirstChild != nil {
			n = n.FirstChild
			continue
		}
		if len(stack) > before {
			leave()
		}
		for n != nil {
			if n == root {
				n = nil
				break
			}
			if n.NextSibling != nil {
				n = n.NextSibling
				break
			}
			n = n.Parent
			if n != nil && len(stack) > 0 && stack[len(stack)-1].n == n {
				leave()
			}
		}
	}
	flush()
	return p
}

func (p *page) addMeta(n *html.Node) {
	content := attr(n, "content")
	if content == "" {
		content = attr(n, "value")
	}
	content = strings.TrimSpace(content)
	if content == "" {
		return
	}
	for _, k := range []string{"name", "property", "itemprop", "http-equiv"} {
		if v := attr(n, k); v != "" {
			p.metas = append(p.metas, metaTag{key: strings.ToLower(strings.TrimSpace(v)), value: content})
		}
	}
}

// meta returns the first value of any of the keys, in the keys' order.
func (p *page) meta(keys ...string) string {
	for _, k := range keys {
		for _, m := range p.metas {
			if m.key == k {
				return m.value
			}
		}
	}
	return ""
}

func imgSrc(n *html.Node) string {
	src := strings.TrimSpace(attr(n, "src"))
	if src == "" || strings.HasPrefix(src, "data:") || strings.Contains(src, "blank.gif") || strings.Contains(src, "spacer") {
		for _, k := range []string{"data-src", "data-original", "data-lazy-src", "data-url", "data-actualsrc"} {
			if v := strings.TrimSpace(attr(n, k)); v != "" {
				return v
			}
		}
		if strings.HasPrefix(src, "data:") {
			return ""
		}
	}
	return src
}

func atoiLoose(s string) int {
	n := 0
	for _, c := range strings.TrimSpace(s) {
		if c < '0' || c > '9' {
			break
		}
		n = n*10 + int(c-'0')
		if n > 1e6 {
			break
		}
	}
	return n
}

// nodeText returns the visible text of n, white space collapsed, at most
// limit bytes. It walks without recursion.
func nodeText(n *html.Node, limit int) string {
	var sb strings.Builder
	space := false
	c := n.FirstChild
	if c == nil {
		return ""
	}
	for c != nil && c != n {
		descend := false
		switch c.Type {
		case html.TextNode:
			for _, r := range c.Data {
				if unicode.IsSpace(r) || r == 0xA0 || r == 0x3000 {
					space = sb.Len() > 0
					continue
				}
				if space {
					sb.WriteByte(' ')
					space = false
				}
				sb.WriteRune(r)
			}
		case html.ElementNode:
			switch {
			case dropTags[c.DataAtom] && c.DataAtom != atom.Title:
			case c.DataAtom == atom.Br || blockTags[c.DataAtom]:
				space = sb.Len() > 0
				descend = true
			default:
				descend = true
			}
		}
		if sb.Len() >= limit {
			break
		}
		if descend && c.FirstChild != nil {
			c = c.FirstChild
			continue
		}
		for c != nil && c != n {
			if c.NextSibling != nil {
				c = c.NextSibling
				break
			}
			c = c.Parent
		}
	}
	s := sb.String()
	if len(s) > limit {
		s = s[:limit]
		for !utf8.ValidString(s) && len(s) > 0 {
			s = s[:len(s)-1]
		}
	}
	return s
}
