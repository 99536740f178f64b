package portal

import (
	"bytes"
	"cmp"
	"embed"
	"encoding/json"
	"fmt"
	"hash/fnv"
	"html/template"
	"net"
	"slices"
	"strings"
	"time"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

//go:embed templates/*.html
var templateFS embed.FS

// pageTemplates holds every layout; parsed once, they are safe for
// concurrent use.
var pageTemplates = template.Must(template.ParseFS(templateFS, "templates/*.html"))

// reqCtx is what rendering one response needs: the edition and the origin
// the client used, for the absolute URLs of canonical links, sitemaps and feeds.
type reqCtx struct {
	p    *Portal
	s    *site
	base string // scheme://host[:port], as the request named it
	host string // host[:port]
}

// link is one entry of a list, a sidebar or a menu.
type link struct {
	Title   string
	Href    string
	Date    string
	Summary string
	Views   int
	Current bool
}

type view struct {
	Lang        string
	Charset     string // <meta> charset label; "" for none
	MetaLate    bool
	HeadTitle   string
	Description string
	Canonical   string
	L           labels
	Nav         []link
	Crumbs      []link
	Heading     string
	Article     *articleView
	Items       []link
	Pager       *pager
	Home        *homeView
	Message     []string
	Links       []link
	Side        sidebar
	Foot        footer
	Ad          bool
}

type articleView struct {
	Title, Kicker, Subtitle string
	DateText, Source        string
	Credit                  string
	Views                   int
	Images                  []imageFile
	Paras                   []string
	BrParas                 bool
	Editor, Translator      string
	Attachment              *link
	Epaper                  *link
	Related                 []link
	Share                   []link
	MetaAuthor              string
	OGTime                  string
	JSONLD                  template.JS
}

type homeView struct {
	Lead                                        *link
	Local, Gov, En, Epaper, Picks, Past, Faults []link
	Files                                       []link
}

type pager struct {
	Total, Page, Pages      int
	First, Prev, Next, Last string
}

type sidebar struct {
	Latest, Hot []link
	Topics      []string
}

type footer struct {
	Generated string
	Visits    int
	Friends   []link
}

// labels are the legacy layout's words, in simplified or traditional script.
type labels struct {
	TopBar, Keywords, Home, Local, Gov, Epaper     string
	Source, Hits, Font, Big, Middle, Small, Editor string
	Print, Close, Latest, Hot, Topics, Admin       string
	Friends, Copyright, Generated, Visits, Ad      string
}

var simplifiedLabels = labels{
	TopBar: "登录 |注册 | 设为首页 | 加入收藏 欢迎来到西辽河新闻网!", Keywords: "通辽,西辽河,新闻",
	Home: "首页", Local: "本地新闻", Gov: "政务公开", Epaper: "数字报",
	Source: "来源：", Hits: "点击数：", Font: "字体：", Big: "大", Middle: "中", Small: "小", Editor: "责任编辑：",
	Print: "打印本页", Close: "关闭窗口", Latest: "最新发布", Hot: "热点排行", Topics: "专题推荐", Admin: "网站管理",
	Friends: "友情链接：", Copyright: "主办：西辽河新闻网 版权所有 Copyright © 2003-2021 All Rights Reserved 蒙ICP备05000000号",
	Generated: "页面生成时间：", Visits: "访问量：", Ad: "【广告】科尔沁草原冬季旅游季 预订享八折",
}

var traditionalLabels = labels{
	TopBar: "登錄 |註冊 | 設為首頁 | 加入收藏 歡迎來到西遼河新聞網!", Keywords: "通遼,西遼河,新聞",
	Home: "首頁", Local: "本地新聞", Gov: "政務公開", Epaper: "數字報",
	Source: "來源：", Hits: "點擊數：", Font: "字體：", Big: "大", Middle: "中", Small: "小", Editor: "責任編輯：",
	Print: "打印本頁", Close: "關閉窗口", Latest: "最新發佈", Hot: "熱點排行", Topics: "專題推薦", Admin: "網站管理",
	Friends: "友情鏈接：", Copyright: "主辦：西遼河新聞網 版權所有 Copyright © 2003-2021 All Rights Reserved 蒙ICP備05000000號",
	Generated: "頁面生成時間：", Visits: "訪問量：", Ad: "【廣告】科爾沁草原冬季旅遊季 預訂享八折",
}

// friendLinks are the footer's links out of scope: hosts under .invalid,
// which never resolve.
var friendLinks = []link{
	{Title: "通辽市人民政府", Href: "http://www.tongliao.gov.invalid/"},
	{Title: "内蒙古新闻网", Href: "http://www.nmgnews.invalid/"},
}

// baseView fills what every page shows: navigation, sidebar and footer.
// Everything here may change between editions without any content change.
func (rc *reqCtx) baseView(current, pagePath string, english bool) *view {
	v := &view{Lang: "zh-CN", Charset: "utf-8", L: simplifiedLabels, Ad: rc.s.edition >= 2}
	for _, n := range []link{{Title: "首页", Href: "/"}, {Title: "本地新闻", Href: "/news/local/"}, {Title: "政务公开", Href: "/gov/"}, {Title: "数字报", Href: PathTemporary}, {Title: "English", Href: "/en/"}} {
		n.Current = n.Href == current
		v.Nav = append(v.Nav, n)
	}
	var pool []*liveArticle
	for _, a := range rc.s.articles {
		if !english || a.f.Section == "en" {
			pool = append(pool, a)
		}
	}
	for _, a := range pool[:min(6, len(pool))] {
		v.Side.Latest = append(v.Side.Latest, link{Title: a.title, Href: a.path, Date: sideDate(a, english)})
	}
	hot := append([]*liveArticle(nil), pool...)
	sortByViews(hot)
	for _, a := range hot[:min(5, len(hot))] {
		v.Side.Hot = append(v.Side.Hot, link{Title: a.title, Href: a.path, Views: a.views})
	}
	if rc.s.edition >= 2 {
		v.Side.Topics = []string{"学习贯彻市第六次党代会精神", "秋收秋种进行时", "冬季供暖服务在行动"}
		if english {
			v.Side.Topics = []string{"Autumn harvest", "Winter heating"}
		}
	}
	v.Foot = footer{
		Generated: rc.s.generated.In(cst).Format("2006-01-02 15:04:05"),
		Visits:    3650000 + 48211*rc.s.edition + int(hashString(pagePath)%997),
		Friends:   friendLinks,
	}
	return v
}

func sideDate(a *liveArticle, english bool) string {
	if english {
		return a.f.Published.Format("Jan 2, 2006")
	}
	return a.f.Published.In(cst).Format("2006-01-02")
}

// sortByViews orders articles most viewed first.
func sortByViews(as []*liveArticle) {
	slices.SortFunc(as, func(a, b *liveArticle) int {
		if c := cmp.Compare(b.views, a.views); c != 0 {
			return c
		}
		return cmp.Compare(a.path, b.path)
	})
}

func renderHome(rc *reqCtx) ([]byte, error) {
	s := rc.s
	v := rc.baseView("/", "/", false)
	v.HeadTitle = "西辽河新闻网 - 通辽本地新闻 政务公开"
	v.Description = "西辽河新闻网：通辽本地新闻、政务公开、数字报与英文新闻。"
	v.Canonical = rc.base + "/"
	h := &homeView{}
	if lead := s.firstOf("local"); lead != nil {
		h.Lead = &link{Title: lead.title, Href: lead.path, Summary: summary(lead.body, 90)}
	}
	h.Local = listLinks(s.inSection("local"), 6)
	h.Gov = listLinks(s.inSection("gov"), 6)
	h.En = listLinks(s.inSection("en"), 4)
	for _, a := range s.articles {
		if a.f.Template == "legacy" {
			h.Epaper = append(h.Epaper, link{Title: a.title, Href: a.path, Date: sideDate(a, false)})
		}
	}
	h.Picks = rc.trackingLinks()
	if a := s.byPath["/news/local/2021-09/29/content_1003.html"]; a != nil {
		h.Past = append(h.Past, link{Title: a.title + "（旧版链接）", Href: PathRedirectChain})
	}
	h.Past = append(h.Past, link{Title: "今日数字报", Href: PathTemporary})
	for _, m := range s.months() {
		h.Past = append(h.Past, link{Title: m[:4] + "年" + strings.TrimPrefix(m[5:], "0") + "月 新闻归档", Href: archivePath(m)})
	}
	for _, a := range s.articles {
		if a.f.Attachment != nil {
			h.Files = append(h.Files, link{Title: a.f.Attachment.Title, Href: a.f.Attachment.Href})
		}
	}
	if rc.p.opts.Faults {
		h.Faults = faultLinks
	}
	v.Home = h
	return execute("modern-home", v, "utf-8")
}

// trackingLinks link articles again in the ways real portals do: tracking
// parameters, a fragment, an upper-case scheme and host, an explicit port.
func (rc *reqCtx) trackingLinks() []link {
	var out []link
	pick := func(path, href string) {
		if a := rc.s.byPath[path]; a != nil {
			out = append(out, link{Title: a.title, Href: href})
		}
	}
	pick("/news/local/2021-09/28/content_1001.html", "/news/local/2021-09/28/content_1001.html?utm_source=wechat&utm_medium=social&utm_campaign=ddh")
	pick("/news/local/2021-09/29/content_1003.html", "/news/local/2021-09/29/content_1003.html?spm=c2021.home.picks.2")
	pick("/news/local/2021-09/30/content_1005.html", "/news/local/2021-09/30/content_1005.html#comments")
	pick("/gov/notice/2021-09/30/content_2005.html", "HTTP://"+strings.ToUpper(rc.host)+"/gov/notice/2021-09/30/content_2005.html")
	hostname, port, err := net.SplitHostPort(rc.host)
	if err != nil {
		hostname, port = rc.host, "80"
	}
	pick("/en/2021/09/28/tongliao-party-congress-opens.html", "http://"+net.JoinHostPort(hostname, port)+"/en/2021/09/28/tongliao-party-congress-opens.html?from=timeline&spm=en.home.1")
	return out
}

func listLinks(as []*liveArticle, n int) []link {
	var out []link
	for _, a := range as[:min(n, len(as))] {
		out = append(out, link{Title: a.title, Href: a.path, Date: sideDate(a, a.f.Section == "en")})
	}
	return out
}

func renderSection(rc *reqCtx, sec *sectionFile, page, pages int) ([]byte, error) {
	path := listPath(sec.Path, page)
	items := rc.s.inSection(sec.ID)
	from, to := page*sec.PageSize, min(len(items), (page+1)*sec.PageSize)
	english := sec.ID == "en"
	v := rc.baseView(sec.Path, path, english)
	v.Canonical = rc.base + path
	v.Heading = sec.Name
	v.Items = listLinks(items[from:to], sec.PageSize)
	if english {
		v.Lang = "en"
		v.HeadTitle = "English news | Xiliao River News"
		v.Heading = "Latest news"
		return execute("english-list", v, "utf-8")
	}
	v.HeadTitle = fmt.Sprintf("%s - 西辽河新闻网", sec.Name)
	if page > 0 {
		v.HeadTitle = fmt.Sprintf("%s（第%d页） - 西辽河新闻网", sec.Name, page+1)
	}
	v.Crumbs = []link{{Title: "首页", Href: "/"}, {Title: sec.Name}}
	pg := &pager{Total: len(items), Page: page + 1, Pages: pages, First: listPath(sec.Path, 0), Last: listPath(sec.Path, pages-1)}
	if page > 0 {
		pg.Prev = listPath(sec.Path, page-1)
	}
	if page+1 < pages {
		pg.Next = listPath(sec.Path, page+1)
	}
	v.Pager = pg
	return execute("modern-list", v, "utf-8")
}

func renderArchive(rc *reqCtx, month string) ([]byte, error) {
	v := rc.baseView("", archivePath(month), false)
	v.Canonical = rc.base + archivePath(month)
	v.Heading = month[:4] + "年" + strings.TrimPrefix(month[5:], "0") + "月 新闻归档"
	v.HeadTitle = v.Heading + " - 西辽河新闻网"
	v.Crumbs = []link{{Title: "首页", Href: "/"}, {Title: "新闻归档"}}
	for _, a := range rc.s.articles {
		if a.f.Published.In(cst).Format("2006-01") == month {
			v.Items = append(v.Items, link{Title: a.title, Href: a.path, Date: sideDate(a, false)})
		}
	}
	return execute("modern-list", v, "utf-8")
}

// renderMessage renders a plain page: errors, the admin login, fault pages.
func renderMessage(rc *reqCtx, heading string, message []string, links []link) ([]byte, error) {
	v := rc.baseView("", heading, false)
	v.HeadTitle = heading + " - 西辽河新闻网"
	v.Heading = heading
	v.Message = message
	v.Links = links
	return execute("modern-page", v, "utf-8")
}

func renderArticle(rc *reqCtx, a *liveArticle) ([]byte, error) {
	f := a.f
	english := f.Template == "english"
	sec := rc.p.content.section(f.Section)
	v := rc.baseView(sec.Path, a.path, english)
	av := &articleView{
		Title: a.title, Kicker: f.Kicker, Subtitle: f.Subtitle,
		DateText: dateText(f.DateStyle, f.Published),
		Source:   f.Source, Credit: f.Credit, Views: a.views,
		Images: f.Images, Paras: a.body, BrParas: f.ParaStyle == "br",
		MetaAuthor: f.MetaAuthor,
	}
	for _, b := range f.Bylines {
		switch b.Role {
		case "editor":
			av.Editor = b.Name
		case "translator":
			av.Translator = b.Name
		}
	}
	if f.Attachment != nil {
		av.Attachment = &link{Title: f.Attachment.Title, Href: f.Attachment.Href}
	}
	for _, c := range rc.s.articles {
		if c.f.CopyOf == f.Path {
			av.Epaper = &link{Title: "《" + f.Source + "》数字报", Href: c.path}
		}
	}
	av.Related = rc.related(a)
	v.Article = av
	v.Canonical = rc.base + a.path
	v.Description = summary(a.body, 80)
	self := a.path + "?utm_source=copy&utm_medium=share"

	switch f.Template {
	case "english":
		v.Lang = "en"
		v.HeadTitle = a.title + " | Xiliao River News"
		v.Crumbs = nil
		av.Share = []link{{Title: "Facebook", Href: "http://www.facebook.invalid/sharer.php"}, {Title: "X", Href: "http://x.invalid/intent/post"}, {Title: "Email link", Href: self}}
		if f.OGTime {
			av.OGTime = f.Published.Format("2006-01-02T15:04:05Z07:00")
		}
		if f.JSONLD {
			js, err := jsonLD(rc, a)
			if err != nil {
				return nil, err
			}
			av.JSONLD = js
		}
		return execute("english-article", v, "utf-8")
	case "legacy":
		v.Lang = f.Lang
		v.Charset = f.CharsetMeta
		v.MetaLate = f.MetaLate
		v.Canonical, v.Description = "", ""
		v.HeadTitle = a.title + "_西辽河新闻网"
		if f.Encoding == "big5" {
			v.L = traditionalLabels
			v.HeadTitle = a.title + "_西遼河新聞網"
		}
		return execute("legacy-article", v, f.Encoding)
	}
	v.HeadTitle = a.title + " - 西辽河新闻网"
	v.Crumbs = []link{{Title: "首页", Href: "/"}, {Title: sec.Name, Href: sec.Path}, {Title: "正文"}}
	av.Share = []link{{Title: "微博", Href: "http://service.weibo.invalid/share/share.php"}, {Title: "QQ空间", Href: "http://sns.qzone.invalid/cgi-bin/qzshare"}, {Title: "复制链接", Href: self}}
	return execute("modern-article", v, "utf-8")
}

// related lists up to four articles of the same section nearest in time,
// then the article's own related links (some of them dead).
func (rc *reqCtx) related(a *liveArticle) []link {
	var near []*liveArticle
	for _, o := range rc.s.inSection(a.f.Section) {
		if o != a && o.f.CopyOf == "" && a.f.CopyOf != o.f.Path {
			near = append(near, o)
		}
	}
	dist := func(o *liveArticle) time.Duration {
		return max(o.f.Published.Sub(a.f.Published), a.f.Published.Sub(o.f.Published))
	}
	slices.SortStableFunc(near, func(x, y *liveArticle) int { return cmp.Compare(dist(x), dist(y)) })
	var out []link
	for _, o := range near[:min(4, len(near))] {
		out = append(out, link{Title: o.title, Href: o.path, Date: sideDate(o, a.f.Section == "en")})
	}
	for _, r := range a.f.Related {
		out = append(out, link{Title: r.Title, Href: r.Href, Date: r.Date})
	}
	return out
}

func jsonLD(rc *reqCtx, a *liveArticle) (template.JS, error) {
	type thing struct {
		Type string `json:"@type"`
		Name string `json:"name"`
	}
	doc := struct {
		Context       string  `json:"@context"`
		Type          string  `json:"@type"`
		Headline      string  `json:"headline"`
		DatePublished string  `json:"datePublished"`
		Author        []thing `json:"author"`
		Publisher     thing   `json:"publisher"`
		MainEntity    string  `json:"mainEntityOfPage"`
	}{
		Context: "https://schema.org", Type: "NewsArticle", Headline: a.title,
		DatePublished: a.f.Published.Format("2006-01-02T15:04:05Z07:00"),
		Publisher:     thing{Type: "Organization", Name: "Xiliao River News"},
		MainEntity:    rc.base + a.path,
	}
	for _, b := range a.f.Bylines {
		if b.Role == "author" {
			doc.Author = append(doc.Author, thing{Type: "Person", Name: b.Name})
		}
	}
	js, err := json.Marshal(doc)
	if err != nil {
		return "", fmt.Errorf("json-ld of %s: %w", a.path, err)
	}
	return template.JS(js), nil
}

// summary is the start of the body, cut at n characters.
func summary(body []string, n int) string {
	if len(body) == 0 {
		return ""
	}
	s := body[0]
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	return string([]rune(s)[:n]) + "…"
}

// execute renders a template and encodes the page in its charset. Text the
// charset cannot carry (in the chrome only: load checks article text) is
// written as numeric character references, as legacy systems do.
func execute(name string, v *view, charset string) ([]byte, error) {
	var buf bytes.Buffer
	if err := pageTemplates.ExecuteTemplate(&buf, name, v); err != nil {
		return nil, fmt.Errorf("render %s: %w", name, err)
	}
	enc := encoderFor(charset)
	if enc == nil {
		return buf.Bytes(), nil
	}
	out, err := encoding.HTMLEscapeUnsupported(enc.NewEncoder()).Bytes(buf.Bytes())
	if err != nil {
		return nil, fmt.Errorf("encode %s as %s: %w", name, charset, err)
	}
	return bytes.ReplaceAll(out, []byte("&#160;"), []byte("&nbsp;")), nil
}

// encoderFor returns the encoding of a charset name the content uses; nil
// for UTF-8.
func encoderFor(charset string) encoding.Encoding {
	switch strings.ToLower(charset) {
	case "gbk", "gb2312":
		return simplifiedchinese.GBK
	case "gb18030":
		return simplifiedchinese.GB18030
	case "big5":
		return traditionalchinese.Big5
	}
	return nil
}

// hashString is FNV-1a: deterministic numbers for counters.
func hashString(s string) uint32 {
	h := fnv.New32a()
	h.Write([]byte(s))
	return h.Sum32()
}
