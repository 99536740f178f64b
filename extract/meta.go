package extract

import (
	"encoding/json"
	"maps"
	"regexp"
	"slices"
	"sort"
	"strings"
	"time"
	"unicode/utf8"
)

// ldInfo is what a page's JSON-LD says about its article.
type ldInfo struct {
	headline, published, modified string
	authors                       []string
	publisher, description        string
	keywords                      []string
}

var articleTypes = map[string]int{
	"newsarticle": 3, "article": 3, "blogposting": 3, "reportagenews": 3, "analysisnewsarticle": 3,
	"opinionnewsarticle": 3, "backgroundnewsarticle": 3, "reviewnewsarticle": 3, "techarticle": 2,
	"scholarlyarticle": 2, "liveblogposting": 2, "report": 2, "posting": 2, "socialmediaposting": 2,
	"webpage": 1, "itempage": 1, "videoobject": 1, "medicalwebpage": 1, "aboutpage": 1,
}

// parseJSONLD reads the JSON-LD blocks of a page and keeps the fields of
// its most article-like object.
func parseJSONLD(scripts []string) ldInfo {
	var best map[string]any
	bestRank := 0
	byID := map[string]map[string]any{} // objects by @id, to resolve {"@id": …} references
	var visit func(v any, depth int)
	visit = func(v any, depth int) {
		if depth > 6 {
			return
		}
		switch t := v.(type) {
		case []any:
			for _, e := range t {
				visit(e, depth+1)
			}
		case map[string]any:
			if id, ok := t["@id"].(string); ok && t["name"] != nil {
				byID[id] = t
			}
			rank := 0
			for _, ty := range typesOf(t["@type"]) {
				rank = max(rank, articleTypes[strings.ToLower(ty)])
			}
			if rank > 0 && (t["datePublished"] != nil || t["headline"] != nil || t["author"] != nil) {
				rank++
			} else if rank == 0 && t["datePublished"] != nil {
				rank = 1
			}
			if rank > bestRank {
				best, bestRank = t, rank
			}
			if g, ok := t["@graph"]; ok {
				visit(g, depth+1)
			}
			if m, ok := t["mainEntity"]; ok {
				visit(m, depth+1)
			}
		}
	}
	for _, s := range scripts {
		s = strings.TrimSpace(s)
		s = strings.TrimPrefix(strings.TrimSuffix(s, "]]>"), "<![CDATA[")
		var v any
		if err := json.Unmarshal([]byte(s), &v); err != nil {
			continue
		}
		visit(v, 0)
	}
	var info ldInfo
	if best == nil {
		return info
	}
	info.headline = cleanSpace(str(best["headline"]))
	if info.headline == "" && bestRank >= 3 {
		info.headline = cleanSpace(str(best["name"]))
	}
	info.published = firstNonEmpty(str(best["datePublished"]), str(best["dateCreated"]), str(best["uploadDate"]))
	info.modified = str(best["dateModified"])
	info.description = str(best["description"])
	for _, au := range asList(best["author"]) {
		switch t := au.(type) {
		case string:
			info.authors = append(info.authors, t)
		case map[string]any:
			if n := str(t["name"]); n != "" {
				info.authors = append(info.authors, n)
			} else if id, ok := t["@id"].(string); ok && byID[id] != nil {
				if n := str(byID[id]["name"]); n != "" {
					info.authors = append(info.authors, n)
				}
			}
		}
	}
	if pub, ok := best["publisher"].(map[string]any); ok {
		info.publisher = str(pub["name"])
	}
	switch k := best["keywords"].(type) {
	case string:
		info.keywords = []string{k}
	case []any:
		for _, e := range k {
			if s := str(e); s != "" {
				info.keywords = append(info.keywords, s)
			}
		}
	}
	return info
}

func typesOf(v any) []string {
	switch t := v.(type) {
	case string:
		return []string{t}
	case []any:
		var out []string
		for _, e := range t {
			if s, ok := e.(string); ok {
				out = append(out, s)
			}
		}
		return out
	}
	return nil
}

func asList(v any) []any {
	switch t := v.(type) {
	case nil:
		return nil
	case []any:
		return t
	}
	return []any{v}
}

func str(v any) string {
	switch t := v.(type) {
	case string:
		return strings.TrimSpace(t)
	case []any:
		if len(t) > 0 {
			return str(t[0])
		}
	case map[string]any:
		if s := str(t["@value"]); s != "" {
			return s
		}
		return str(t["name"])
	}
	return ""
}

var (
	publishedMetaKeys = []string{
		"article:published_time", "og:published_time", "article:published", "published_time",
		"datepublished", "pubdate", "publishdate", "publish-date", "publish_date", "publication_date",
		"publishdatetime", "firstpublishedtime", "article.published", "article_date_original",
		"original-publish-date", "sailthru.date", "parsely-pub-date", "dc.date.issued", "dcterms.issued",
		"dc.date.created", "dcterms.created", "citation_publication_date",
		"citation_date", "cxenseparse:recs:publishtime", "og:pubdate", "pdate", "ptime", "displaydate",
		"weibo:article:create_at", "created", "release_date", "publishtime", "publish_time", "publishedtime",
	}
	// weakMetaKeys name a date without saying which: often the day the page
	// was generated or changed. They count after the date the page shows.
	weakMetaKeys     = []string{"dc.date", "dcterms.date", "date"}
	modifiedMetaKeys = []string{
		"article:modified_time", "og:updated_time", "article:modified", "datemodified", "modified_time",
		"lastmod", "last-modified", "dc.date.modified", "dcterms.modified", "updated_time", "weibo:article:update_at",
		"dateupdate", "dateupdated", "lastmodifiedtime", "lastmodified", "modified",
	}
	reDateLabel     = regexp.MustCompile(`(?i)发布时间|发表时间|发稿时间|发布日期|发表日期|发表于|发布于|刊发时间|时间[:：]|日期[:：]|published|posted|veröffentlicht|stand:|publié|publicado|pubblicato|datum`)
	reModifiedLabel = regexp.MustCompile(`(?i)更新时间|修改时间|最后更新|updated|modified|aktualisiert|mis à jour|actualizado|letzte änderung`)
	reLastEdited    = regexp.MustCompile(`(?i)last (?:edited|modified|updated|changed) on|page was last|zuletzt (?:am|geändert|bearbeitet|aktualisiert)|letzte änderung|最后(?:修改|更新|编辑)(?:时间|于)|更新(?:时间|日期)[:：]`)
)

// findDates sets Published and Modified: structured data first (rules,
// JSON-LD, meta tags, <time> and itemprop), then the lines around the
// headline, then elements marked as dates, then the URL. Dates in sidebars
// and lists of other articles are never read.
func (x *extraction) findDates() {
	p, a := x.p, x.a
	usFirst := strings.HasPrefix(strings.ToLower(p.lang), "en-us") || strings.HasPrefix(p.lang, "en") && strings.Contains(strings.ToLower(x.a.URL), ".com")
	var pub stamp
	ok := false
	set := func(st stamp, good bool) {
		if !ok && good {
			pub, ok = st, true
		}
	}
	if x.site != nil && x.site.published != nil {
		if n := x.site.find(p.root, x.site.published); n != nil {
			v := attr(n, "datetime")
			if v == "" {
				v = attr(n, "content")
			}
			if v == "" {
				v = nodeText(n, 300)
			}
			set(parseStamp(v))
		}
	}
	ldFirst := func() { set(parseStamp(x.ld.published)) }
	metaFirst := func() {
		for _, k := range publishedMetaKeys {
			if ok {
				break
			}
			set(parseStamp(p.meta(k)))
		}
	}
	itemFirst := func() {
		for _, t := range p.times {
			if strings.EqualFold(t.prop, "datePublished") || strings.EqualFold(t.prop, "dateCreated") {
				set(parseStamp(t.value))
			}
		}
	}
	// Meta tags first: JSON-LD more often carries a first-publication or a
	// UTC time where the page shows its readers another date.
	metaFirst()
	ldFirst()
	itemFirst()
	lo, hi := x.headerZone()
	hzLo := lo
	if x.headline >= 0 {
		hzLo = x.headline - 1
	}
	for _, t := range p.times {
		// Only in the article: lists of other posts carry the same class.
		if t.prop == "hatom" && t.block >= hzLo && (x.container < 0 || t.block <= x.end+5) {
			set(parseStamp(t.value))
		}
	}
	for _, t := range p.times {
		if t.block >= lo && t.block <= hi+1 && !strings.EqualFold(t.prop, "dateModified") {
			set(parseStamp(t.value))
		}
	}
	for _, t := range p.times {
		if x.end > 0 && t.block >= x.first && t.block <= x.end && !strings.EqualFold(t.prop, "dateModified") {
			set(parseStamp(t.value))
		}
	}
	// Lines around the headline: labelled ones first.
	var textSt stamp
	textOK := false
	// From the headline down, then the few lines above it; lines of links
	// (lists of other articles with their dates) are never read.
	order := make([]int, 0, hi-lo+1)
	start := max(lo, min(x.headline, hi))
	for i := start; i <= hi && i < len(p.blocks); i++ {
		order = append(order, i)
	}
	for i := start - 1; i >= lo; i-- {
		order = append(order, i)
	}
	for pass := 0; pass < 2 && !textOK; pass++ {
		for _, i := range order {
			b := &p.blocks[i]
			if b.kind == kindImage || b.w > 1200 {
				continue
			}
			if b.linkDensity() > 0.5 {
				// A line of links is a list of other articles, but for a
				// short one that opens with its date and links on
				// ("24. April 2020 | Pressemitteilungen").
				if st, good := findStamp(b.text, usFirst); b.w >= 60 || !good || st.pos > 2 {
					continue
				}
			}
			t := b.text
			if b.prose() && b.w > 60 {
				// Running text: only a date that opens it ("27.1.2022 - Bei …").
				t = prefixRunes(t, 24)
			}
			if reModifiedLabel.MatchString(t) && !reDateLabel.MatchString(t) {
				continue
			}
			if pass == 0 && !reDateLabel.MatchString(t) {
				continue
			}
			if st, good := findStamp(t, usFirst); good {
				if pass == 0 {
					if loc := reDateLabel.FindStringIndex(t); loc != nil {
						if st2, good2 := findStamp(t[loc[0]:], usFirst); good2 {
							st = st2
						}
					}
				}
				textSt, textOK = st, true
				break
			}
		}
	}
	if ok && textOK {
		d := dayDiff(pub, textSt)
		switch {
		case d == 0 && !pub.hasTime && textSt.hasTime:
			pub = textSt // same day, with its time of day
		case (d == 1 || d == -1) && pub.hasZone && pub.offset == 0 && !textSt.hasZone:
			// A UTC timestamp against the date the page shows its readers:
			// the page's own date is the one in its local time.
			pub = textSt
		case d > 0 && x.shownAsModified(textSt):
			// The page shows its readers the date it was last changed as
			// its date ("Stand: …"): that is the date it stands by.
			pub = textSt
		}
	}
	if !textOK && x.headline >= 0 {
		// A date alone on its line a little higher above the headline, over
		// the print and share buttons ("14. Februar 2012 / Drucken / © APA").
		for i := lo - 1; i >= 0 && i >= x.headline-8; i-- {
			b := &p.blocks[i]
			if b.kind != kindText || b.linkW > 0 || b.w > 30 {
				continue
			}
			if st, good := findStamp(b.text, usFirst); good && st.pos < 12 {
				textSt, textOK = st, true
				break
			}
		}
	}
	set(textSt, textOK)
	for _, k := range weakMetaKeys {
		set(parseStamp(p.meta(k)))
	}
	// A forum thread or blog: the first post's stamp.
	if !ok && x.post >= 0 {
		set(findStamp(p.blocks[x.post].text, usFirst))
	}
	// A labelled line just after the article ("发布日期：2019-09-23 14:34").
	if !ok && len(x.bodyIdx) > 0 {
		last := x.bodyIdx[len(x.bodyIdx)-1]
		for i := last + 1; i < len(p.blocks) && i <= last+15; i++ {
			if t := p.blocks[i].text; p.blocks[i].w < 200 && reDateLabel.MatchString(t) && !reModifiedLabel.MatchString(t) {
				if st, good := findStamp(t, usFirst); good {
					set(st, true)
					break
				}
			}
		}
	}
	// Elements whose class says date, in the article area; then bylines,
	// which often carry the date ("Author: X am 29.12.2010").
	for _, kind := range []string{"date", "author"} {
		if ok {
			break
		}
		for _, h := range p.hinted {
			if h.kind != kind || h.block < lo-2 || x.end > 0 && h.block > x.end+2 {
				continue
			}
			// Sidebars just after the article list other posts by date.
			if h.block < len(p.blocks) && p.blocks[h.block].unlikely && (kind == "author" || h.block >= x.end) {
				continue
			}
			t := nodeText(h.node, 300)
			if reModifiedLabel.MatchString(t) && !reDateLabel.MatchString(t) {
				continue
			}
			if st, good := findStamp(t, usFirst); good {
				set(st, true)
				break
			}
		}
	}
	// Modified.
	var mod stamp
	modOK := false
	if st, good := parseStamp(x.ld.modified); good {
		mod, modOK = st, true
	}
	for _, k := range modifiedMetaKeys {
		if modOK {
			break
		}
		mod, modOK = parseStamp(p.meta(k))
	}
	for _, t := range p.times {
		if !modOK && (strings.EqualFold(t.prop, "dateModified") || t.prop == "hatom-updated") {
			mod, modOK = parseStamp(t.value)
		}
	}
	if !modOK {
		for i := lo; i <= hi && i < len(p.blocks); i++ {
			t := p.blocks[i].text
			if loc := reModifiedLabel.FindStringIndex(t); loc != nil && p.blocks[i].w < 400 {
				if st, good := findStamp(t[loc[0]:], usFirst); good {
					mod, modOK = st, true
					break
				}
			}
		}
	}
	if !modOK && len(x.bodyIdx) > 0 {
		// A wiki's or a portal's footer: "This page was last edited on …".
		for i := x.bodyIdx[len(x.bodyIdx)-1] + 1; i < len(p.blocks); i++ {
			t := p.blocks[i].text
			if loc := reLastEdited.FindStringIndex(t); loc != nil && p.blocks[i].w < 300 {
				if st, good := findStamp(t[loc[0]:], usFirst); good {
					mod, modOK = st, true
					break
				}
			}
		}
	}
	if !ok {
		set(urlStamp(a.URL))
	}
	if !ok {
		// "Headline | Section | Site | 23.05.2011"
		for _, t := range []string{p.title, p.meta("og:title")} {
			if st, good := findStamp(t, usFirst); good {
				set(st, true)
				break
			}
		}
	}
	// A page that states only when it was last changed.
	set(mod, modOK)
	// The first and last short lines of the body.
	if !ok && len(x.bodyIdx) > 0 {
		var cands []int
		// A date alone opening the article's container ("Apr 7, 2009").
		for i := x.first; i < x.bodyIdx[0] && i < x.first+3; i++ {
			if b := &p.blocks[i]; b.kind == kindText && b.w < 40 && b.linkW == 0 {
				cands = append(cands, i)
				break
			}
		}
		cands = append(cands, x.bodyIdx[:min(4, len(x.bodyIdx))]...)
		if len(x.bodyIdx) > 4 {
			cands = append(cands, x.bodyIdx[len(x.bodyIdx)-1])
		}
		for i := x.bodyIdx[len(x.bodyIdx)-1] + 1; i < min(len(p.blocks), x.bodyIdx[len(x.bodyIdx)-1]+4); i++ {
			cands = append(cands, i)
		}
		for _, i := range cands {
			if st, good := findStamp(prefixRunes(p.blocks[i].text, 80), usFirst); good {
				set(st, true)
				break
			}
		}
	}
	if us, good := urlStamp(a.URL); ok && good && dayDiff(us, pub) > 30 {
		// The URL dates the page months before its stated date: the page
		// was made then, and stamped again when moved or reworked.
		pub = us
	}
	zone := x.zone()
	if ok {
		a.Published, a.PublishedZoneAssumed = pub.format(zone)
		a.PublishedRaw = pub.raw
	}
	if modOK {
		a.Modified, a.ModifiedZoneAssumed = mod.format(zone)
		a.ModifiedRaw = mod.raw
	}
}

// headerZone is the range of lines where an article states its time and
// credits: a few lines around the headline, up to the first body line.
func (x *extraction) headerZone() (lo, hi int) {
	start := x.headline
	if start < 0 {
		start = x.first - 3
	}
	lo = max(0, start-3)
	hi = start + 8
	if len(x.bodyIdx) > 0 && x.bodyIdx[0] > start {
		hi = max(min(hi, x.bodyIdx[0]+2), start+3)
		if x.bodyIdx[0]-start < 15 {
			hi = max(hi, x.bodyIdx[0])
		}
	}
	if x.repeat > 0 && x.repeat < hi+8 {
		hi = max(hi, x.repeat+3)
	}
	return lo, min(hi, len(x.p.blocks)-1)
}

// findBylines credits people: Chinese credit lines around the headline, in
// the lead and at the end of the body and in captions; else structured
// data (JSON-LD, meta author, itemprop/rel/class author), else "By" lines.
func (x *extraction) findBylines() {
	p, a := x.p, x.a
	var out []Byline
	seen := map[string]bool{}
	add := func(name string, role Role) {
		name = strings.TrimSpace(name)
		if name == "" {
			return
		}
		k := string(role) + "\x00" + strings.ToLower(name)
		if seen[k] {
			return
		}
		seen[k] = true
		out = append(out, Byline{Name: name, Role: role})
	}
	if x.site != nil && x.site.byline != nil {
		if n := x.site.find(p.root, x.site.byline); n != nil {
			t := nodeText(n, 500)
			if cs, src := chineseCredits(t); len(cs) > 0 || src != "" {
				for _, c := range cs {
					add(c.name, c.role)
				}
				if src != "" {
					a.Source = src
				}
			} else {
				for _, nm := range latinNames(t) {
					add(nm, RoleAuthor)
				}
			}
		}
	}
	lines := x.creditLines()
	if x.chinese || len(out) == 0 {
		for _, l := range lines {
			cs, src := chineseCredits(l)
			for _, c := range cs {
				add(c.name, c.role)
			}
			if src != "" && a.Source == "" {
				a.Source = src
			}
		}
	}
	for _, l := range lines {
		if lc, ok := englishCredit(l); ok {
			for _, c := range lc.credits {
				add(c.name, c.role)
			}
			if lc.source != "" && a.Source == "" {
				a.Source = lc.source
			}
		}
	}
	hasAuthor := false
	for _, b := range out {
		if b.Role != RolePhotographer && b.Role != RoleEditor && b.Role != RoleTranslator {
			hasAuthor = true
		}
	}
	if !hasAuthor {
		for _, nm := range x.structuredAuthors() {
			add(nm, RoleAuthor)
			hasAuthor = true
		}
	}
	if !hasAuthor {
		if n := x.poster(); n != "" {
			add(n, RoleAuthor)
			hasAuthor = true
		}
	}
	if !hasAuthor && x.chinese {
		if n := x.loneName(); n != "" {
			add(n, RoleAuthor)
			hasAuthor = true
		}
	}
	if !hasAuthor {
		if n := x.owner(); n != "" {
			add(n, RoleAuthor)
		}
	}
	// Writers first, then photographers, translators and editors.
	sort.SliceStable(out, func(i, j int) bool { return roleRank[out[i].Role] < roleRank[out[j].Role] })
	a.Bylines = out
	if a.Bylines == nil {
		a.Bylines = []Byline{}
	}
}

var roleRank = map[Role]int{RoleAuthor: 0, RoleReporter: 0, RoleCorrespondent: 1, RolePhotographer: 2, RoleTranslator: 3, RoleEditor: 4}

// creditLines are the lines where an article credits people: around the
// headline, the lead's opening, the body's last lines and the lines just
// after it, captions and image credits.
func (x *extraction) creditLines() []string {
	p, a := x.p, x.a
	var lines []string
	lo, hi := x.headerZone()
	for i := lo; i <= hi && i < len(p.blocks); i++ {
		if b := &p.blocks[i]; b.kind != kindImage && b.w < 300 && !(len(x.bodyIdx) > 0 && i == x.bodyIdx[0]) {
			lines = append(lines, b.text)
		}
	}
	// The article's own lines above its text, when the headline found is
	// far from it.
	if len(x.bodyIdx) > 0 {
		for i := max(x.first, hi+1); i < x.bodyIdx[0]; i++ {
			if b := &p.blocks[i]; b.kind != kindImage && b.w < 120 && b.linkDensity() < 0.5 {
				lines = append(lines, b.text)
			}
		}
	}
	// The lead's opening: 本报讯(记者 X)、新华社北京9月28日电（记者 X）.
	for k, i := range x.bodyIdx {
		if k >= 2 {
			break
		}
		t := p.blocks[i].text
		if m := reLeadCredit.FindStringSubmatch(t); m != nil {
			lines = append(lines, m[1])
		} else if utf8.RuneCountInString(t) < 60 {
			lines = append(lines, t)
		}
	}
	// The body's last lines and the lines just after it.
	if n := len(x.bodyIdx); n > 0 {
		last := x.bodyIdx[n-1]
		for k := max(0, n-2); k < n; k++ {
			t := p.blocks[x.bodyIdx[k]].text
			if m := reTailCredit.FindStringSubmatch(t); m != nil {
				lines = append(lines, m[1])
			} else if utf8.RuneCountInString(t) < 60 {
				lines = append(lines, t)
			}
		}
		for i := last + 1; i < len(p.blocks) && i <= last+12; i++ {
			if b := &p.blocks[i]; b.kind != kindImage && b.w < 200 && b.linkDensity() < 0.5 {
				lines = append(lines, b.text)
			}
		}
	}
	// Captions in page order: a map's order would shuffle the credits.
	for _, i := range slices.Sorted(maps.Keys(x.captionOf)) {
		lines = append(lines, p.blocks[i].text)
	}
	for _, im := range a.Images {
		if im.Credit != "" {
			lines = append(lines, im.Credit)
		}
	}
	return lines
}

var (
	reLeadCredit = regexp.MustCompile(`^.{0,40}?([（(][^）)]{2,60}[）)])`)
	reTailCredit = regexp.MustCompile(`([（(][^）)]{2,60}[）)])\s*$`)
)

// structuredAuthors returns the article's authors from JSON-LD, meta tags,
// itemprop/rel/class author elements or "By" lines, the first source that
// names someone.
func (x *extraction) structuredAuthors() []string {
	p := x.p
	site := normKey(x.a.SiteName)
	host := ""
	if x.base != nil {
		host = strings.ToLower(x.base.Hostname())
	}
	// The site's own name is no author.
	notSite := func(n string) bool {
		k := normKey(n)
		return k != "" && k != site && !(len(k) > 3 && strings.Contains(strings.ReplaceAll(host, ".", ""), k)) &&
			!(site != "" && len(k) > 3 && strings.Contains(site, k))
	}
	valid := func(list []string) []string {
		var out []string
		for _, s := range list {
			s = cleanSpace(s)
			if !notSite(s) {
				continue
			}
			if hasCJKText(s) {
				if cs, _ := chineseCredits(s); len(cs) > 0 {
					for _, c := range cs {
						out = append(out, c.name)
					}
					continue
				}
				s = strings.Trim(s, " 　")
				if n := utf8.RuneCountInString(s); validChineseName(s, n) {
					out = append(out, s)
				}
				continue
			}
			for _, n := range latinNames(s) {
				if notSite(n) {
					out = append(out, n)
				}
			}
		}
		return out
	}
	if names := valid(x.ld.authors); len(names) > 0 {
		return names
	}
	for _, k := range []string{"author", "article:author", "dc.creator", "parsely-author", "sailthru.author", "byl", "citation_author", "twitter:creator:name", "dcterms.creator"} {
		v := p.meta(k)
		if v == "" || strings.Contains(v, "://") {
			continue
		}
		if names := valid([]string{v}); len(names) > 0 {
			return names
		}
	}
	// Yoast's "Written by" label and value.
	for _, n := range []string{"1", "2"} {
		if l := strings.ToLower(p.meta("twitter:label" + n)); reAuthorLabel.MatchString(l) {
			if names := valid([]string{p.meta("twitter:data" + n)}); len(names) > 0 {
				return names
			}
		}
	}
	lo, hi := x.headerZone()
	inArea := func(blk int) bool {
		return blk >= lo-3 && (x.end == 0 || blk <= x.end+3)
	}
	for _, kind := range []string{"itemprop-author", "rel", "author"} {
		var names []string
		if kind == "rel" {
			for _, r := range p.relAuthor {
				if r.block >= lo-3 && r.block <= hi+3 {
					names = append(names, valid([]string{nodeText(r.node, 200)})...)
				}
			}
		} else {
			for _, h := range p.hinted {
				if h.kind != kind || !inArea(h.block) {
					continue
				}
				t := nodeText(h.node, 300)
				if n := h.node; kind == "itemprop-author" && attr(n, "content") != "" {
					t = attr(n, "content")
				}
				names = append(names, valid([]string{t})...)
				if len(names) > 0 && kind == "author" {
					break
				}
			}
		}
		if len(names) > 0 {
			return dedupe(names)
		}
	}
	for i := lo; i <= hi && i < len(p.blocks); i++ {
		t := p.blocks[i].text
		if reByPrefix.MatchString(t) && utf8.RuneCountInString(t) < 150 {
			if names := valid([]string{t}); len(names) > 0 {
				return names
			}
		}
	}
	// A labelled credit closing the article: "Text: X", "Autor: X", "Auteur : X".
	if n := len(x.bodyIdx); n > 0 {
		last := x.bodyIdx[n-1]
		for i := max(x.bodyIdx[max(0, n-3)], last-3); i < len(p.blocks) && i <= last+8; i++ {
			t := p.blocks[i].text
			if reLabelledAuthor.MatchString(t) && utf8.RuneCountInString(t) < 150 {
				if names := valid([]string{t}); len(names) > 0 {
					return names
				}
			}
		}
	}
	return nil
}

var (
	reAuthorLabel    = regexp.MustCompile(`(?i)written by|verfasst von|geschrieben von|^autor|^author|écrit par|escrito por|scritto da`)
	reLabelledAuthor = regexp.MustCompile(`(?i)^\s*(?:text|texte|autor(?:in)?|author|auteur|von|by)\s*:`)
)

func dedupe(list []string) []string {
	seen := map[string]bool{}
	var out []string
	for _, s := range list {
		if k := strings.ToLower(s); !seen[k] {
			seen[k] = true
			out = append(out, s)
		}
	}
	return out
}

// language sets the page's language: declared, else judged from its text.
func (x *extraction) language() {
	a := x.a
	l := firstNonEmpty(x.p.lang, x.p.meta("content-language"), x.p.meta("language"), x.p.meta("dc.language"), strings.ReplaceAll(x.p.meta("og:locale"), "_", "-"))
	if l != "" {
		if i := strings.IndexAny(l, ",;"); i >= 0 {
			l = l[:i]
		}
		l = strings.TrimSpace(l)
		if i := strings.IndexAny(l, "-_"); i >= 0 {
			l = l[:i]
		}
		l = strings.ToLower(l)
		if len(l) >= 2 && len(l) <= 3 {
			a.Language = l
			return
		}
	}
	a.Language = guessLanguage(a.Title + "\n" + a.Body)
}

var stopwords = map[string][]string{
	"en": {"the", "and", "of", "to", "in", "is", "that", "for", "with", "was"},
	"de": {"der", "die", "und", "das", "ist", "nicht", "mit", "den", "auf", "ein"},
	"fr": {"le", "la", "les", "et", "des", "est", "une", "dans", "pour", "que"},
	"es": {"el", "la", "los", "y", "que", "del", "las", "por", "una", "con"},
	"it": {"il", "di", "che", "la", "e", "per", "non", "una", "del", "sono"},
	"nl": {"de", "het", "een", "van", "en", "is", "niet", "op", "dat", "voor"},
	"pt": {"o", "de", "que", "não", "uma", "os", "do", "da", "em", "para"},
}

// guessLanguage judges a text's language by its script, and Latin text by
// its commonest words.
func guessLanguage(t string) string {
	if len(t) > 20000 {
		t = t[:20000]
	}
	var han, kana, hangul, cyr, arabic, latin int
	for _, r := range t {
		switch {
		case r >= 0x3040 && r <= 0x30FF:
			kana++
		case r >= 0xAC00 && r <= 0xD7A3:
			hangul++
		case isCJK(r):
			han++
		case r >= 0x400 && r <= 0x4FF:
			cyr++
		case r >= 0x600 && r <= 0x6FF:
			arabic++
		case r < 0x250 && (r|0x20 >= 'a' && r|0x20 <= 'z' || r >= 0xC0):
			latin++
		}
	}
	switch {
	case kana > 10 && kana*10 > han:
		return "ja"
	case hangul > 10 && hangul > han:
		return "ko"
	case han > 10 && han*2 > latin:
		return "zh"
	case cyr > latin && cyr > 10:
		return "ru"
	case arabic > latin && arabic > 10:
		return "ar"
	case latin < 20:
		return ""
	}
	counts := map[string]int{}
	for _, w := range strings.Fields(strings.ToLower(t)) {
		w = strings.Trim(w, ".,;:!?\"'()")
		for lang, list := range stopwords {
			for _, s := range list {
				if w == s {
					counts[lang]++
				}
			}
		}
	}
	best, n := "", 2
	for _, lang := range []string{"en", "de", "fr", "es", "it", "nl", "pt"} {
		if counts[lang] > n {
			best, n = lang, counts[lang]
		}
	}
	return best
}

// dayDiff is b's day minus a's day.
func dayDiff(a, b stamp) int {
	ta := time.Date(a.year, time.Month(a.month), a.day, 0, 0, 0, 0, time.UTC)
	tb := time.Date(b.year, time.Month(b.month), b.day, 0, 0, 0, 0, time.UTC)
	return int(tb.Sub(ta).Hours() / 24)
}

// prefixRunes returns the first n runes of s.
func prefixRunes(s string, n int) string {
	for i := range s {
		if n == 0 {
			return s[:i]
		}
		n--
	}
	return s
}

// shownAsModified reports whether st is the day the page's structured data
// say it was modified.
func (x *extraction) shownAsModified(st stamp) bool {
	p := x.p
	for _, v := range append([]string{x.ld.modified}, metaValues(p, modifiedMetaKeys)...) {
		if m, ok := parseStamp(v); ok && dayDiff(m, st) == 0 {
			return true
		}
	}
	return false
}

func metaValues(p *page, keys []string) []string {
	var out []string
	for _, k := range keys {
		if v := p.meta(k); v != "" {
			out = append(out, v)
		}
	}
	return out
}

// loneName returns the author of a Chinese page that names them alone on
// a line by the headline, as essays and old portals do ("路是人走出来的 /
// 胡平 / …"): two or three characters, a common surname first.
func (x *extraction) loneName() string {
	p := x.p
	if x.headline < 0 {
		return ""
	}
	for i := max(0, x.headline-2); i <= x.headline+2 && i < len(p.blocks); i++ {
		b := &p.blocks[i]
		if i == x.headline || b.kind != kindText || b.linkW > 0 || i == x.kickerIdx || i == x.subIdx {
			continue
		}
		if len(x.bodyIdx) > 0 && i >= x.bodyIdx[0] {
			break
		}
		t := strings.ReplaceAll(b.text, " ", "")
		if n := utf8.RuneCountInString(t); n >= 2 && n <= 3 && hasSurname(t) && validChineseName(t, n) &&
			!strings.Contains(x.a.Title, t) && !strings.Contains(p.title, t) {
			return t
		}
	}
	return ""
}
