package portal

import (
	"bytes"
	"compress/gzip"
	"encoding/xml"
	"fmt"
	"strconv"
	"strings"
	"time"
)

// renderRobots writes robots.txt: /admin/ is off limits (and linked from
// every page), the sitemap index is announced, and Crawl-delay is stated
// when Options.CrawlDelay asks for it.
func (p *Portal) renderRobots(rc *reqCtx) ([]byte, error) {
	var b strings.Builder
	b.WriteString("# robots.txt for 西辽河新闻网\n")
	b.WriteString("User-agent: *\n")
	b.WriteString("Disallow: /admin/\n")
	b.WriteString("Disallow: /search/\n")
	if d := p.opts.CrawlDelay; d > 0 {
		b.WriteString("Crawl-delay: " + strconv.FormatFloat(d.Seconds(), 'f', -1, 64) + "\n")
	}
	b.WriteString("\nSitemap: " + rc.base + PathSitemap + "\n")
	return []byte(b.String()), nil
}

const sitemapNS = "http://www.sitemaps.org/schemas/sitemap/0.9"

type sitemapEntry struct {
	Loc     string `xml:"loc"`
	LastMod string `xml:"lastmod,omitempty"`
}

func marshalXML(v any) ([]byte, error) {
	var buf bytes.Buffer
	buf.WriteString(xml.Header)
	enc := xml.NewEncoder(&buf)
	enc.Indent("", "  ")
	if err := enc.Encode(v); err != nil {
		return nil, fmt.Errorf("marshal xml: %w", err)
	}
	buf.WriteByte('\n')
	return buf.Bytes(), nil
}

// renderSitemapIndex points to a plain and a gzipped sitemap.
func renderSitemapIndex(rc *reqCtx) ([]byte, error) {
	mod := rc.s.generated.Format(time.RFC3339)
	return marshalXML(struct {
		XMLName  xml.Name       `xml:"sitemapindex"`
		NS       string         `xml:"xmlns,attr"`
		Sitemaps []sitemapEntry `xml:"sitemap"`
	}{NS: sitemapNS, Sitemaps: []sitemapEntry{
		{Loc: rc.base + PathSitemapPages, LastMod: mod},
		{Loc: rc.base + PathSitemapGzip, LastMod: mod},
	}})
}

type urlset struct {
	XMLName xml.Name       `xml:"urlset"`
	NS      string         `xml:"xmlns,attr"`
	URLs    []sitemapEntry `xml:"url"`
}

// renderSitemapPages lists the home page and the list pages.
func renderSitemapPages(rc *reqCtx) ([]byte, error) {
	set := urlset{NS: sitemapNS}
	mod := rc.s.generated.Format(time.RFC3339)
	for _, pg := range rc.s.pages {
		if pg.Kind == KindHome || pg.Kind == KindList {
			set.URLs = append(set.URLs, sitemapEntry{Loc: rc.base + pg.Path, LastMod: mod})
		}
	}
	return marshalXML(set)
}

// renderSitemapArticles lists every article, gzipped (deterministically:
// the gzip header carries no time or name).
func renderSitemapArticles(rc *reqCtx) ([]byte, error) {
	set := urlset{NS: sitemapNS}
	for _, a := range rc.s.articles {
		set.URLs = append(set.URLs, sitemapEntry{Loc: rc.base + a.path, LastMod: a.f.Published.Format(time.RFC3339)})
	}
	plain, err := marshalXML(set)
	if err != nil {
		return nil, err
	}
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	if _, err := zw.Write(plain); err != nil {
		return nil, fmt.Errorf("gzip sitemap: %w", err)
	}
	if err := zw.Close(); err != nil {
		return nil, fmt.Errorf("gzip sitemap: %w", err)
	}
	return buf.Bytes(), nil
}

// renderRSS is an RSS 2.0 feed of the newest 15 articles of every section.
func renderRSS(rc *reqCtx) ([]byte, error) {
	type item struct {
		Title       string `xml:"title"`
		Link        string `xml:"link"`
		GUID        string `xml:"guid"`
		PubDate     string `xml:"pubDate"`
		Description string `xml:"description"`
	}
	type channel struct {
		Title         string `xml:"title"`
		Link          string `xml:"link"`
		Description   string `xml:"description"`
		Language      string `xml:"language"`
		LastBuildDate string `xml:"lastBuildDate"`
		Items         []item `xml:"item"`
	}
	ch := channel{
		Title: "西辽河新闻网 最新发布", Link: rc.base + "/", Description: "通辽本地新闻与政务公开",
		Language: "zh-cn", LastBuildDate: rc.s.generated.Format(time.RFC1123Z),
	}
	for _, a := range rc.s.articles[:min(15, len(rc.s.articles))] {
		ch.Items = append(ch.Items, item{
			Title: a.title, Link: rc.base + a.path, GUID: rc.base + a.path,
			PubDate: a.f.Published.Format(time.RFC1123Z), Description: summary(a.body, 120),
		})
	}
	return marshalXML(struct {
		XMLName xml.Name `xml:"rss"`
		Version string   `xml:"version,attr"`
		Channel channel  `xml:"channel"`
	}{Version: "2.0", Channel: ch})
}

// renderAtom is an Atom feed of the English section.
func renderAtom(rc *reqCtx) ([]byte, error) {
	type atomLink struct {
		Href string `xml:"href,attr"`
		Rel  string `xml:"rel,attr,omitempty"`
	}
	type author struct {
		Name string `xml:"name"`
	}
	type entry struct {
		Title     string   `xml:"title"`
		Link      atomLink `xml:"link"`
		ID        string   `xml:"id"`
		Published string   `xml:"published"`
		Updated   string   `xml:"updated"`
		Authors   []author `xml:"author"`
		Summary   string   `xml:"summary"`
	}
	en := rc.s.inSection("en")
	updated := time.Time{}
	var entries []entry
	for _, a := range en {
		e := entry{
			Title: a.title, Link: atomLink{Href: rc.base + a.path}, ID: rc.base + a.path,
			Published: a.f.Published.Format(time.RFC3339), Updated: a.f.Published.Format(time.RFC3339),
			Summary: summary(a.body, 200),
		}
		for _, b := range a.f.Bylines {
			if b.Role == "author" {
				e.Authors = append(e.Authors, author{Name: b.Name})
			}
		}
		if a.f.Published.After(updated) {
			updated = a.f.Published
		}
		entries = append(entries, e)
	}
	return marshalXML(struct {
		XMLName xml.Name   `xml:"feed"`
		NS      string     `xml:"xmlns,attr"`
		Title   string     `xml:"title"`
		ID      string     `xml:"id"`
		Updated string     `xml:"updated"`
		Links   []atomLink `xml:"link"`
		Entries []entry    `xml:"entry"`
	}{
		NS: "http://www.w3.org/2005/Atom", Title: "Xiliao River News in English",
		ID: rc.base + "/en/", Updated: updated.Format(time.RFC3339),
		Links:   []atomLink{{Href: rc.base + "/en/"}, {Href: rc.base + PathAtom, Rel: "self"}},
		Entries: entries,
	})
}
