package portal

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"time"
)

// Paths of the site's fixed pages. The fault pages and traps exist only
// with Options.Faults.
const (
	PathHome           = "/"
	PathRobots         = "/robots.txt"
	PathSitemap        = "/sitemap.xml"             // sitemap index
	PathSitemapPages   = "/sitemap-pages.xml"       // plain sitemap of the list pages
	PathSitemapGzip    = "/sitemap-articles.xml.gz" // gzipped sitemap of the articles
	PathRSS            = "/rss.xml"
	PathAtom           = "/en/atom.xml"
	PathDisallowed     = "/admin/login.html" // linked from every page; robots.txt forbids /admin/
	PathRedirectChain  = "/index.php?m=content&c=index&a=show&catid=6&id=1003"
	PathRedirectMiddle = "/html/2021/0929/1003.html"
	PathTemporary      = "/epaper/today" // 302 to the e-paper's page of the day
	PathLoop           = "/user/login.jsp"
	PathLoopOther      = "/sso/login?service=%2Fuser%2Flogin.jsp"

	PathBusy     = "/interact/busy.html"  // 429 with Retry-After in seconds, then as a date, then 200
	PathFlaky    = "/interact/flaky.html" // 503 Options.FlakyFailures times, then 200
	PathSlow     = "/interact/slow.html"  // answers after Options.SlowDelay
	PathHuge     = "/interact/huge.html"  // Options.HugeSize bytes of HTML
	PathCalendar = "/calendar"            // ?month=YYYY-MM links the next month, forever
	PathEndless  = "/interact/list.html"  // ?page=N links page N+1, forever
	PathSession  = "/bbs/index.jsp"       // links itself with a fresh ;jsessionid= and ?sid= each time
)

// Dates that never change: the PDF's and the robots.txt's modification time.
var staticModTime = time.Date(2021, 9, 18, 10, 30, 0, 0, cst)

// cst is China Standard Time, the portal's zone.
var cst = time.FixedZone("CST", 8*3600)

// liveArticle is an article as one edition serves it.
type liveArticle struct {
	f     *articleFile
	path  string // after any move
	title string
	body  []string
	views int
}

func (a *liveArticle) groundTruth() Article {
	lang := "zh"
	if a.f.Template == "english" {
		lang = "en"
	}
	out := Article{
		Path:          a.path,
		Section:       a.f.Section,
		Template:      a.f.Template,
		Language:      lang,
		Encoding:      a.f.Encoding,
		CharsetHeader: a.f.CharsetHeader,
		CharsetMeta:   a.f.CharsetMeta,
		MetaLate:      a.f.MetaLate,
		Title:         a.title,
		Kicker:        a.f.Kicker,
		Subtitle:      a.f.Subtitle,
		Published:     groundTruthTime(a.f.DateStyle, a.f.Published),
		Bylines:       slices.Clone(a.f.Bylines),
		Source:        a.f.Source,
		Body:          slices.Clone(a.body),
	}
	for _, img := range a.f.Images {
		out.Images = append(out.Images, Image{Src: img.Src, Caption: img.Caption, Credit: img.Credit})
	}
	return out
}

// route is how one URL of an edition answers.
type route struct {
	Page
	modTime time.Time
	// render makes the body (of a 200 or an error page) for one request.
	render func(rc *reqCtx) ([]byte, error)
	// serve, when set, answers by itself (fault pages and traps).
	serve func(w http.ResponseWriter, r *http.Request, rc *reqCtx)
	// anyQuery makes a route keyed by path and query answer its path with
	// any query too.
	anyQuery bool
	// relative sends the redirect's Location as a path, not a URL.
	relative bool
}

// site is one edition of the portal: immutable once built.
type site struct {
	edition   int
	generated time.Time
	articles  []*liveArticle // newest first
	byPath    map[string]*liveArticle
	routes    map[string]*route // by path, or by path and query
	anyQuery  map[string]*route // routes with anyQuery, by path alone
	sorted    map[string]*route // routes with a query, by path and sorted query
	pages     []Page
}

// buildSite applies editions 2…n to the content and lays out the URLs.
func (p *Portal) buildSite(n int) (*site, error) {
	c := p.content
	s := &site{
		edition:   n,
		generated: c.site.Editions[n-1].Generated,
		byPath:    map[string]*liveArticle{},
		routes:    map[string]*route{},
		anyQuery:  map[string]*route{},
		sorted:    map[string]*route{},
	}
	byFile := map[string]*liveArticle{}
	for _, f := range c.articles {
		if f.Edition > n {
			continue
		}
		a := &liveArticle{f: f, path: f.Path, title: f.Title, body: paragraphs(f.Body), views: views(f.Path, n)}
		byFile[f.Path] = a
	}
	removed := map[string]int{}
	moved := map[string]string{}
	for _, e := range c.site.Editions[1:n] {
		for _, ed := range e.Edits {
			byFile[ed.Path].body[ed.Paragraph-1] = ed.After
		}
		for _, rt := range e.Retitles {
			byFile[rt.Path].title = rt.Title
		}
		for _, rm := range e.Removes {
			delete(byFile, rm.Path)
			removed[rm.Path] = rm.Status
		}
		for _, mv := range e.Moves {
			byFile[mv.Path].path = mv.To
			moved[mv.Path] = mv.To
		}
	}
	for _, a := range byFile {
		s.articles = append(s.articles, a)
		s.byPath[a.path] = a
	}
	slices.SortFunc(s.articles, func(a, b *liveArticle) int {
		if c := b.f.Published.Compare(a.f.Published); c != 0 {
			return c
		}
		return cmp.Compare(a.path, b.path)
	})

	if err := p.addRoutes(s, removed, moved); err != nil {
		return nil, err
	}
	for _, rt := range s.routes {
		s.pages = append(s.pages, rt.Page)
	}
	for _, l := range friendLinks {
		s.pages = append(s.pages, Page{Path: l.Href, Kind: KindExternal, Note: "footer link out of scope"})
	}
	slices.SortFunc(s.pages, func(a, b Page) int { return cmp.Compare(a.Path, b.Path) })
	return s, nil
}

// views is an article's view counter in an edition: it changes between
// editions, as counters do, without any content change.
func views(path string, edition int) int {
	v := int(hashString(path))
	return 300 + v%4700 + (edition-1)*(60+v%900)
}

func (s *site) add(rt *route) error {
	if s.routes[rt.Path] != nil {
		return fmt.Errorf("two routes for %s", rt.Path)
	}
	if rt.Status == 0 {
		rt.Status = http.StatusOK
	}
	if rt.modTime.IsZero() {
		rt.modTime = s.generated
	}
	s.routes[rt.Path] = rt
	if key := sortedKey(rt.Path); key != rt.Path {
		s.sorted[key] = rt
	}
	if rt.anyQuery {
		bare, _, _ := strings.Cut(rt.Path, "?")
		s.anyQuery[bare] = rt
	}
	return nil
}

// addRoutes lays out every URL of the edition.
func (p *Portal) addRoutes(s *site, removed map[string]int, moved map[string]string) error {
	const html = "text/html; charset=utf-8"
	add := s.add
	var errs []error
	must := func(err error) {
		if err != nil {
			errs = append(errs, err)
		}
	}

	must(add(&route{Page: Page{Path: PathHome, Kind: KindHome, ContentType: html}, render: renderHome}))
	for _, sec := range p.content.site.Sections {
		if sec.Path == "" {
			continue
		}
		items := s.inSection(sec.ID)
		pages := max(1, (len(items)+sec.PageSize-1)/sec.PageSize)
		for i := range pages {
			sec, i, pages := sec, i, pages
			must(add(&route{
				Page:   Page{Path: listPath(sec.Path, i), Kind: KindList, ContentType: html, Note: fmt.Sprintf("%s, page %d of %d", sec.Name, i+1, pages)},
				render: func(rc *reqCtx) ([]byte, error) { return renderSection(rc, &sec, i, pages) },
			}))
		}
	}
	for _, m := range s.months() {
		m := m
		must(add(&route{
			Page:   Page{Path: archivePath(m), Kind: KindList, ContentType: html, Note: "archive of " + m},
			render: func(rc *reqCtx) ([]byte, error) { return renderArchive(rc, m) },
		}))
	}

	images := map[string]time.Time{}
	attachments := map[string]bool{}
	dead := map[string]int{}
	for _, a := range s.articles {
		a := a
		must(add(&route{
			Page:   Page{Path: a.path, Kind: KindArticle, ContentType: articleContentType(a.f)},
			render: func(rc *reqCtx) ([]byte, error) { return renderArticle(rc, a) },
		}))
		for _, img := range a.f.Images {
			if t, ok := images[img.Src]; !ok || a.f.Published.Before(t) {
				images[img.Src] = a.f.Published
			}
		}
		if a.f.Attachment != nil {
			attachments[a.f.Attachment.Href] = true
		}
		for _, r := range a.f.Related {
			if r.Status != 0 {
				dead[r.Href] = r.Status
			}
		}
	}
	for src, t := range images {
		body := p.assets.jpeg(src)
		must(add(&route{
			Page:    Page{Path: src, Kind: KindBinary, ContentType: "image/jpeg", Note: "photo"},
			modTime: t,
			render:  func(*reqCtx) ([]byte, error) { return body, nil },
		}))
	}
	for href := range attachments {
		body := p.assets.pdf
		must(add(&route{
			Page:    Page{Path: href, Kind: KindBinary, ContentType: "application/pdf", Note: "attachment"},
			modTime: staticModTime,
			render:  func(*reqCtx) ([]byte, error) { return body, nil },
		}))
	}
	for path, status := range dead {
		must(add(deadRoute(path, status, "dead link in a related list")))
	}
	for path, status := range removed {
		rt := deadRoute(path, status, "article removed")
		rt.Unlinked = true
		must(add(rt))
	}
	for from, to := range moved {
		must(add(&route{Page: Page{Path: from, Kind: KindRedirect, Status: http.StatusMovedPermanently, Location: to, Unlinked: true, Note: "article moved"}}))
	}

	// Crawl plumbing.
	must(add(&route{Page: Page{Path: PathRobots, Kind: KindRobots, ContentType: "text/plain; charset=utf-8"}, modTime: staticModTime, render: p.renderRobots}))
	must(add(&route{Page: Page{Path: PathSitemap, Kind: KindSitemap, ContentType: "application/xml; charset=utf-8", Note: "sitemap index"}, render: renderSitemapIndex}))
	must(add(&route{Page: Page{Path: PathSitemapPages, Kind: KindSitemap, ContentType: "application/xml; charset=utf-8", Note: "plain sitemap of the list pages"}, render: renderSitemapPages}))
	must(add(&route{Page: Page{Path: PathSitemapGzip, Kind: KindSitemap, ContentType: "application/x-gzip", Note: "gzipped sitemap of the articles"}, render: renderSitemapArticles}))
	must(add(&route{Page: Page{Path: PathRSS, Kind: KindFeed, ContentType: "application/rss+xml; charset=utf-8", Note: "RSS 2.0, every section"}, render: renderRSS}))
	var atomMod time.Time
	for _, a := range s.inSection("en") {
		if a.f.Published.After(atomMod) {
			atomMod = a.f.Published
		}
	}
	must(add(&route{Page: Page{Path: PathAtom, Kind: KindFeed, ContentType: "application/atom+xml; charset=utf-8", Note: "Atom, English section"}, modTime: atomMod, render: renderAtom}))
	must(add(&route{
		Page: Page{Path: PathDisallowed, Kind: KindDisallowed, ContentType: html, Note: "robots.txt: Disallow: /admin/"},
		render: func(rc *reqCtx) ([]byte, error) {
			return renderMessage(rc, "后台管理登录", []string{"本页面仅供网站管理人员使用。"}, nil)
		},
	}))
	if epaper := s.firstOf("epaper"); epaper != nil {
		must(add(&route{Page: Page{Path: PathTemporary, Kind: KindRedirect, Status: http.StatusFound, Location: epaper.path, Note: "today's e-paper"}}))
	}
	if a := s.byPath["/news/local/2021-09/29/content_1003.html"]; a != nil {
		must(add(&route{Page: Page{Path: PathRedirectChain, Kind: KindRedirect, Status: http.StatusMovedPermanently, Location: PathRedirectMiddle, Note: "old CMS link, first of two 301s"}}))
		must(add(&route{Page: Page{Path: PathRedirectMiddle, Kind: KindRedirect, Status: http.StatusMovedPermanently, Location: a.path, Note: "second of two 301s"}}))
	}
	must(add(&route{Page: Page{Path: PathLoop, Kind: KindRedirect, Status: http.StatusFound, Location: PathLoopOther, Note: "redirect loop"}}))
	must(add(&route{Page: Page{Path: PathLoopOther, Kind: KindRedirect, Status: http.StatusFound, Location: PathLoop, Note: "redirect loop (Location sent as a path)"}, anyQuery: true, relative: true}))

	if p.opts.Faults {
		for _, rt := range p.faultRoutes() {
			must(add(rt))
		}
	}
	if len(errs) > 0 {
		return errs[0]
	}
	return nil
}

func deadRoute(path string, status int, note string) *route {
	kind, title, msg := KindMissing, "页面不存在", "您访问的页面不存在或已被删除。"
	if status == http.StatusGone {
		kind, title, msg = KindGone, "信息已撤销", "该信息已过公示期，已撤销。"
	}
	return &route{
		Page:   Page{Path: path, Kind: kind, Status: status, ContentType: "text/html; charset=utf-8", Note: note},
		render: func(rc *reqCtx) ([]byte, error) { return renderMessage(rc, title, []string{msg}, nil) },
	}
}

func articleContentType(f *articleFile) string {
	if f.CharsetHeader == "" {
		return "text/html"
	}
	return "text/html; charset=" + f.CharsetHeader
}

// listPath is the path of page i (from 0) of a section: index_N.html after the first.
func listPath(section string, i int) string {
	if i == 0 {
		return section
	}
	return fmt.Sprintf("%sindex_%d.html", section, i)
}

func archivePath(month string) string { return "/archive/" + month + ".html" }

// inSection lists a section's articles, newest first.
func (s *site) inSection(id string) []*liveArticle {
	var out []*liveArticle
	for _, a := range s.articles {
		if a.f.Section == id {
			out = append(out, a)
		}
	}
	return out
}

func (s *site) firstOf(section string) *liveArticle {
	if as := s.inSection(section); len(as) > 0 {
		return as[0]
	}
	return nil
}

// months lists the months (YYYY-MM, China time) that have articles, newest first.
func (s *site) months() []string {
	var out []string
	for _, a := range s.articles {
		m := a.f.Published.In(cst).Format("2006-01")
		if !slices.Contains(out, m) {
			out = append(out, m)
		}
	}
	slices.Sort(out)
	slices.Reverse(out)
	return out
}

// lookup finds the route for a request: by path and query, then by path.
// Session ids in the path (;jsessionid=…) are ignored, as servlet
// containers do.
func (s *site) lookup(path, rawQuery string) *route {
	if i := strings.Index(path, ";jsessionid="); i >= 0 {
		path = path[:i]
	}
	if rawQuery != "" {
		if rt := s.routes[path+"?"+rawQuery]; rt != nil {
			return rt
		}
		// Crawlers sort query parameters before they ask; a link's
		// parameters in another order name the same page.
		if rt := s.sorted[sortedKey(path+"?"+rawQuery)]; rt != nil {
			return rt
		}
	}
	if rt := s.routes[path]; rt != nil {
		return rt
	}
	return s.anyQuery[path]
}

// sortedKey is target ("path?query") with its query parameters sorted, the
// way crawlers canonicalise URLs; a target without a query is unchanged.
func sortedKey(target string) string {
	path, query, ok := strings.Cut(target, "?")
	if !ok {
		return target
	}
	params := strings.Split(query, "&")
	slices.Sort(params)
	return path + "?" + strings.Join(params, "&")
}
