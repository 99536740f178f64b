package portal_test

import (
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"golang.org/x/net/html"

	"github.com/annals/annals/portal"
)

// The seed's facts as issue 2 states them: the ground truth must say the same.
func TestArticles_Seed(t *testing.T) {
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	modern, ok := p.Article("/news/local/2021-09/28/content_1001.html")
	if !ok {
		t.Fatal("seed article (modern) missing")
	}
	legacy, ok := p.Article("/epaper/html/2021-09/28/node_2_1001.htm")
	if !ok {
		t.Fatal("seed article (legacy) missing")
	}
	for _, a := range []portal.Article{modern, legacy} {
		t.Run(a.Template, func(t *testing.T) {
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("title", a.Title, "中国共产党通辽市第六次代表大会隆重开幕")
			check("kicker", a.Kicker, "聚焦绿色转型 聚力高质量发展 为加快建设现代化区域中心城市而奋斗")
			check("subtitle", a.Subtitle, "孟宪东代表中国共产党通辽市第五届委员会向大会报告工作 郭玉峰主持会议")
			check("published", a.Published, "2021-09-28T09:47:03+08:00")
			want := []portal.Byline{{Name: "赵彦臻", Role: "reporter"}, {Name: "张启民", Role: "photographer"}, {Name: "宋悦", Role: "photographer"}}
			if !slices.Equal(a.Bylines, want) {
				t.Errorf("bylines = %v, want %v", a.Bylines, want)
			}
			if !strings.HasPrefix(a.Body[0], "本报讯(记者 赵彦臻)") || !strings.HasSuffix(a.Body[len(a.Body)-1], "…作为来宾参加大会开幕会。"[len("…"):]) {
				t.Errorf("body runs from %.20q to %.20q", a.Body[0], a.Body[len(a.Body)-1])
			}
			if len(a.Images) != 2 || a.Images[0].Credit != "本报记者 张启民 宋悦 摄" || a.Images[1].Caption != "中国共产党通辽市第六次代表大会会场。" {
				t.Errorf("images = %+v", a.Images)
			}
		})
	}
	if legacy.Encoding != "gbk" || !legacy.MetaLate || legacy.CharsetHeader != "" {
		t.Errorf("legacy seed page: encoding %s, meta late %v, header charset %q; want gbk, late, none", legacy.Encoding, legacy.MetaLate, legacy.CharsetHeader)
	}
	if !slices.Equal(modern.Body, legacy.Body) {
		t.Error("the two renderings of the seed have different bodies")
	}
}

// The portal covers what it is for: encodings, templates, credit forms.
func TestArticles_Coverage(t *testing.T) {
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	arts := p.Articles()
	if n := len(arts); n < 25 || n > 35 {
		t.Errorf("%d articles, want 25 to 35", n)
	}
	seen := map[string]bool{}
	for _, a := range arts {
		seen["encoding "+a.Encoding] = true
		seen["template "+a.Template] = true
		seen["language "+a.Language] = true
		if a.CharsetHeader == "" && a.CharsetMeta == "" {
			seen["no charset"] = true
		}
		for _, b := range a.Bylines {
			seen["role "+b.Role] = true
		}
		if a.Kicker != "" {
			seen["kicker"] = true
		}
		if a.Source != "" {
			seen["source"] = true
		}
		if !strings.Contains(a.Published, "T") {
			seen["date only"] = true
		}
	}
	for _, want := range []string{
		"encoding utf-8", "encoding gbk", "encoding gb18030", "encoding big5",
		"template modern", "template legacy", "template english", "language zh", "language en",
		"no charset", "role author", "role reporter", "role correspondent", "role photographer",
		"role editor", "role translator", "kicker", "source", "date only",
	} {
		if !seen[want] {
			t.Errorf("no article has %s", want)
		}
	}
}

// Every article page says what its ground truth says, read back from the
// served bytes by an independent reading.
func TestArticles_MatchPages(t *testing.T) {
	for _, edition := range []int{1, 2} {
		t.Run(fmt.Sprint("edition", edition), func(t *testing.T) {
			s := newTestSite(t, portal.Options{})
			if err := s.p.SetEdition(edition); err != nil {
				t.Fatal(err)
			}
			for _, a := range s.p.Articles() {
				t.Run(a.Path, func(t *testing.T) {
					resp, body := s.get(a.Path)
					if resp.StatusCode != 200 {
						t.Fatalf("status %d", resp.StatusCode)
					}
					wantCT := "text/html"
					if a.CharsetHeader != "" {
						wantCT += "; charset=" + a.CharsetHeader
					}
					if ct := resp.Header.Get("Content-Type"); ct != wantCT {
						t.Errorf("Content-Type %q, want %q", ct, wantCT)
					}
					checkPage(t, a, decode(t, body, a.Encoding))
				})
			}
		})
	}
}

func checkPage(t *testing.T, a portal.Article, page string) {
	t.Helper()
	doc := parseHTML(t, page)
	text := textOf(doc)

	title := find(doc, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "title" })
	if title == nil || !strings.HasPrefix(title.FirstChild.Data, a.Title) {
		t.Errorf("<title> does not start with %q", a.Title)
	}
	for _, s := range []string{a.Title, a.Kicker, a.Subtitle} {
		if !strings.Contains(text, s) {
			t.Errorf("page text lacks %q", s)
		}
	}
	// The body's paragraphs, in order.
	rest := text
	for i, para := range a.Body {
		j := strings.Index(rest, para)
		if j < 0 {
			t.Fatalf("paragraph %d not found in order: %.40q", i, para)
		}
		rest = rest[j+len(para):]
	}
	for _, b := range a.Bylines {
		if !strings.Contains(page, b.Name) {
			t.Errorf("byline %s (%s) is nowhere on the page", b.Name, b.Role)
		}
	}
	if a.Source != "" {
		found := false
		for _, label := range []string{"来源：", "來源：", "Source: "} {
			found = found || strings.Contains(text, label+a.Source)
		}
		if !found {
			t.Errorf("source %q not credited", a.Source)
		}
	}
	for _, img := range a.Images {
		n := find(doc, func(n *html.Node) bool {
			return n.Type == html.ElementNode && n.Data == "img" && attr(n, "src") == img.Src
		})
		if n == nil {
			t.Errorf("no <img src=%q>", img.Src)
			continue
		}
		// The caption is in the element after the image's: a figcaption,
		// or the next table row.
		caption := n.Parent
		for caption != nil && !strings.Contains(textOf(caption), img.Caption) {
			caption = caption.Parent
		}
		if caption == nil || !strings.Contains(textOf(caption), img.Credit) {
			t.Errorf("image %s: caption %q with credit %q not found near it", img.Src, img.Caption, img.Credit)
		}
	}
	if got := publishedOnPage(t, doc, a); got != a.Published {
		t.Errorf("page shows published %q, ground truth says %q", got, a.Published)
	}
}

// publishedOnPage reads the publish time back: English pages from
// article:published_time or JSON-LD, Chinese pages from the visible date
// line in any of the forms the portal uses, taken as China time.
func publishedOnPage(t *testing.T, doc *html.Node, a portal.Article) string {
	t.Helper()
	if a.Language == "en" {
		if m := find(doc, func(n *html.Node) bool { return attr(n, "property") == "article:published_time" }); m != nil {
			return attr(m, "content")
		}
		if s := find(doc, func(n *html.Node) bool { return attr(n, "type") == "application/ld+json" }); s != nil {
			var ld struct {
				DatePublished string `json:"datePublished"`
			}
			if err := json.Unmarshal([]byte(s.FirstChild.Data), &ld); err != nil {
				t.Fatalf("JSON-LD: %v", err)
			}
			return ld.DatePublished
		}
		t.Fatal("English page states no publish time")
	}
	line := find(doc, func(n *html.Node) bool { return hasClass(n, "time") || hasClass(n, "sj") })
	if line == nil {
		t.Fatal("no date line")
	}
	s := textOf(line)
	for _, f := range dateForms {
		if m := f.re.FindStringSubmatch(s); m != nil {
			return f.norm(m)
		}
	}
	t.Fatalf("date line %q has no known date form", s)
	return ""
}

var dateForms = []struct {
	re   *regexp.Regexp
	norm func([]string) string
}{
	{regexp.MustCompile(`(\d{4})/(\d{1,2})/(\d{1,2}) (\d{1,2}):(\d{2}):(\d{2})`), func(m []string) string { // 2021/9/28 9:47:03
		return fmt.Sprintf("%s-%02s-%02sT%02s:%s:%s+08:00", m[1], m[2], m[3], m[4], m[5], m[6])
	}},
	{regexp.MustCompile(`(\d{4})年(\d{1,2})月(\d{1,2})日 (\d{2}):(\d{2})`), func(m []string) string { // 2021年9月28日 09:47
		return fmt.Sprintf("%s-%02s-%02sT%s:%s:00+08:00", m[1], m[2], m[3], m[4], m[5])
	}},
	{regexp.MustCompile(`发布时间：(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2}:\d{2})`), func(m []string) string {
		return m[1] + "T" + m[2] + "+08:00"
	}},
	{regexp.MustCompile(`发布时间：(\d{4}-\d{2}-\d{2})`), func(m []string) string { return m[1] }},
	{regexp.MustCompile(`(\d{4}-\d{2}-\d{2}) (\d{2}:\d{2})`), func(m []string) string { return m[1] + "T" + m[2] + ":00+08:00" }},
	{regexp.MustCompile(`\[(\d{4}-\d{2}-\d{2})\]`), func(m []string) string { return m[1] }},
}
