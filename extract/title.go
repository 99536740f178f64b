package extract

import (
	"regexp"
	"slices"
	"strings"
	"unicode/utf8"
)

// titleSeparators split a <title> into headline and site name:
// "标题_栏目_站点", "Headline - Site", "Site | Headline".
var reTitleSep = regexp.MustCompile(`\s+[-|–—·•:»]\s+|\s*[|｜_—]{1,2}\s*|\s+-{2,}\s+|\s*--\s*|－|\s+::\s+`)

// titleParts splits a document title on site-name separators.
func titleParts(t string) []string {
	var out []string
	for _, p := range reTitleSep.Split(t, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stripSiteName returns the headline part of a <title> or og:title.
func stripSiteName(t, site string) string {
	t = cleanSpace(t)
	parts := titleParts(t)
	if len(parts) <= 1 {
		return t
	}
	sk := normKey(site)
	// Drop parts that are the site's name.
	var keep []string
	for _, p := range parts {
		if pk := normKey(p); sk != "" && (pk == sk || strings.Contains(sk, pk) && len(pk) > 3) {
			continue
		}
		keep = append(keep, p)
	}
	if len(keep) == 0 {
		return t
	}
	// The headline is the first long part, or the longest.
	longest := keep[0]
	for _, p := range keep {
		if utf8.RuneCountInString(p) > utf8.RuneCountInString(longest) {
			longest = p
		}
	}
	if first := keep[0]; utf8.RuneCountInString(first)*2 >= utf8.RuneCountInString(longest) {
		return first
	}
	return longest
}

// findTitle picks the headline: the line of the page that best matches
// the <title>, og:title or JSON-LD headline, preferring headings; else the
// cleaned <title>.
func (x *extraction) findTitle() {
	p, a := x.p, x.a
	if x.site != nil && x.site.title != nil {
		if n := x.site.find(p.root, x.site.title); n != nil {
			if t := nodeText(n, 1000); t != "" {
				a.Title = t
				x.headline = x.findLine(t)
				return
			}
		}
	}
	meta := firstNonEmpty(x.ld.headline, p.meta("og:title"), p.meta("twitter:title"), p.meta("title"), p.meta("dc.title"))
	doc := cleanSpace(p.title)
	mk, dk := normKey(meta), normKey(doc)
	var partKeys []string
	for _, part := range titleParts(doc) {
		partKeys = append(partKeys, normKey(part))
	}
	for _, part := range titleParts(meta) {
		partKeys = append(partKeys, normKey(part))
	}
	best, bestScore := -1, 0.0
	limit := len(p.blocks)
	if x.end > 0 {
		limit = min(limit, x.end+5)
	}
	for i := 0; i < limit; i++ {
		b := &p.blocks[i]
		if b.kind == kindImage || b.w < 4 || b.w > 400 || b.linkDensity() > 0.5 && b.kind != kindHeading {
			continue
		}
		k := normKey(b.text)
		if k == "" {
			continue
		}
		var m float64
		switch {
		case mk != "" && k == mk:
			m = 10
		case dk != "" && k == dk:
			m = 10
		case slices.Contains(partKeys, k):
			m = 9
			if x.container >= 0 && (i < x.first-8 || i >= x.end) {
				m = 5 // a part of <title> far from the article: the site's name
			}
		case dk != "" && len(k)*10 >= len(dk)*4 && (strings.HasPrefix(dk, k) || strings.HasSuffix(dk, k)):
			m = 8
		case mk != "" && len(k)*10 >= len(mk)*4 && (strings.HasPrefix(mk, k) || strings.HasSuffix(mk, k)):
			m = 8
		case dk != "" && len(dk) >= 8 && strings.Contains(k, dk) && len(dk)*10 >= len(k)*6:
			m = 6
		case b.kind == kindHeading && b.level == 1:
			m = 2.5
		case b.titleish && !b.prose():
			m = 1
		default:
			continue
		}
		if b.kind == kindHeading {
			m += 4 - float64(min(b.level, 4))*0.5
		}
		if b.titleish {
			m += 1
		}
		if b.unlikely {
			m -= 3
		}
		// Lines inside or just before the article beat lines in the page's
		// top bar or sidebars.
		if x.container >= 0 && i >= x.first-8 && i < x.end {
			m += 1
		}
		if m > bestScore {
			best, bestScore = i, m
		}
	}
	switch {
	case best >= 0 && bestScore >= 6:
		a.Title = p.blocks[best].text
		x.headline = best
		if t := x.joinTitleLines(best, mk, dk); t != "" {
			a.Title = t
		}
	case meta != "":
		a.Title = stripSiteName(meta, a.SiteName)
		x.headline = x.findLine(a.Title)
	case x.lineAboveText() >= 0:
		// <title> names only the site: the short line heading the
		// article's text is its headline.
		x.headline = x.lineAboveText()
		a.Title = p.blocks[x.headline].text
		if t := x.joinTitleLines(x.headline, mk, dk); t != "" {
			a.Title = t
		}
	case doc != "":
		a.Title = stripSiteName(doc, a.SiteName)
		x.headline = x.findLine(a.Title)
	case best >= 0:
		a.Title = p.blocks[best].text
		x.headline = best
	}
}

// joinTitleLines returns the headline when it is broken over several
// lines (a government gazette prints "全国人民代表大会常务委员会<br>关于批准…<br>
// 调整…的决议") and the line at i is one of them: the run of neighbouring
// lines of the same element around i whose joined text is the longest piece of the
// <title> or meta title they make. It returns "" when line i alone is the
// best.
func (x *extraction) joinTitleLines(i int, mk, dk string) string {
	p := x.p
	within := func(k string) bool {
		return k != "" && (dk != "" && strings.Contains(dk, k) || mk != "" && strings.Contains(mk, k))
	}
	usable := func(j int) bool {
		if j < 0 || j >= len(p.blocks) {
			return false
		}
		b := &p.blocks[j]
		return b.owner == p.blocks[i].owner && b.kind != kindImage && !b.kicker && !b.sub &&
			b.w >= 2 && b.w <= 200 && b.linkDensity() <= 0.5
	}
	// Only Chinese (Japanese, Korean) lines are joined: there a line break
	// inside a headline is layout; in other scripts a line of its own
	// above the headline is a kicker ("Einheit der Woche").
	cjkJoin := func(a, b int) bool {
		last, _ := utf8.DecodeLastRuneInString(p.blocks[a].text)
		first, _ := utf8.DecodeRuneInString(p.blocks[b].text)
		return isCJK(last) && isCJK(first)
	}
	key := normKey(p.blocks[i].text)
	if !within(key) {
		return ""
	}
	from, to := i, i
	for n := 0; n < 4; n++ {
		grown := false
		if usable(from-1) && cjkJoin(from-1, from) {
			if k := normKey(p.blocks[from-1].text) + normKey(joinedText(p, from, to)); within(k) {
				from--
				grown = true
			}
		}
		if usable(to+1) && cjkJoin(to, to+1) {
			if k := normKey(joinedText(p, from, to)) + normKey(p.blocks[to+1].text); within(k) {
				to++
				grown = true
			}
		}
		if !grown {
			break
		}
	}
	if from == i && to == i {
		return ""
	}
	return joinedText(p, from, to)
}

// joinedText joins the text of lines from..to: without a space between
// Chinese, Japanese or Korean characters, with one otherwise.
func joinedText(p *page, from, to int) string {
	var sb strings.Builder
	for j := from; j <= to; j++ {
		t := p.blocks[j].text
		if sb.Len() > 0 {
			last, _ := utf8.DecodeLastRuneInString(sb.String())
			first, _ := utf8.DecodeRuneInString(t)
			if !isCJK(last) || !isCJK(first) {
				sb.WriteByte(' ')
			}
		}
		sb.WriteString(t)
	}
	return sb.String()
}

// findLine returns the first line whose text is t, or -1.
func (x *extraction) findLine(t string) int {
	k := normKey(t)
	if k == "" {
		return -1
	}
	for i := range x.p.blocks {
		if normKey(x.p.blocks[i].text) == k {
			return i
		}
	}
	return -1
}

// findKickerSubtitle finds the kicker (引题) and subtitle (副题): short lines
// just above and below the headline's repeat inside the article (newspaper
// layouts print kicker, title, subtitle) or the headline itself, when
// marked by class or by being headings.
func (x *extraction) findKickerSubtitle() {
	p, a := x.p, x.a
	anchor := x.repeat
	if anchor < 0 {
		anchor = x.headline
	}
	if anchor < 0 {
		return
	}
	hb := &p.blocks[anchor]
	short := func(i int) bool {
		if i < 0 || i >= len(p.blocks) {
			return false
		}
		b := &p.blocks[i]
		if b.kind == kindImage || b.w < 4 || b.w > 200 || b.linkDensity() > 0.3 || x.isCaption(i) {
			return false
		}
		if _, ok := findStamp(b.text, false); ok {
			return false
		}
		if reDateLine.MatchString(b.text) || reBoilerZh.MatchString(b.text) {
			return false
		}
		if c, _ := chineseCredits(b.text); len(c) > 0 {
			return false
		}
		return !strings.HasSuffix(b.text, "。")
	}
	inRepeat := x.repeat >= 0
	prev, next := anchor-1, anchor+1
	if short(prev) {
		pb := &p.blocks[prev]
		if pb.kicker || inRepeat && !pb.prose() || pb.kind == kindHeading && hb.kind == kindHeading && pb.level > hb.level {
			a.Kicker = pb.text
			x.kickerIdx = prev
		}
	}
	if short(next) {
		nb := &p.blocks[next]
		if nb.sub || inRepeat && !nb.prose() || nb.kind == kindHeading && hb.kind == kindHeading && nb.level > hb.level {
			a.Subtitle = nb.text
			x.subIdx = next
		}
	}
	// Marked by class anywhere near the headline.
	for i := max(0, anchor-3); i < min(len(p.blocks), anchor+4); i++ {
		b := &p.blocks[i]
		if a.Kicker == "" && b.kicker && i < anchor && short(i) {
			a.Kicker, x.kickerIdx = b.text, i
		}
		if a.Subtitle == "" && b.sub && i > anchor && short(i) {
			a.Subtitle, x.subIdx = b.text, i
		}
	}
	// Neither belongs in the body.
	if a.Kicker != "" || a.Subtitle != "" {
		x.trimBody()
	}
}

func (x *extraction) isCaption(i int) bool {
	_, ok := x.captionOf[i]
	return ok
}

// lineAboveText returns the heading-like line closest above the article's
// first line of running text, or -1.
func (x *extraction) lineAboveText() int {
	p := x.p
	if x.container < 0 {
		return -1
	}
	firstProse := -1
	for i := x.first; i < x.end; i++ {
		// A heading is no running text, even when it is long and ends in
		// "！": it may be the headline sought.
		if b := &p.blocks[i]; b.kind != kindImage && b.kind != kindHeading && b.prose() && b.linkDensity() < 0.5 {
			firstProse = i
			break
		}
	}
	for i := firstProse - 1; i >= 0 && i >= firstProse-4; i-- {
		b := &p.blocks[i]
		if b.kind == kindImage || b.w < 6 || b.w > 200 || (b.prose() && b.kind != kindHeading) || b.linkDensity() > 0.5 {
			continue
		}
		if _, ok := findStamp(b.text, false); ok {
			continue
		}
		if c, _ := chineseCredits(b.text); len(c) > 0 || reByPrefix.MatchString(b.text) {
			continue
		}
		return i
	}
	return -1
}
