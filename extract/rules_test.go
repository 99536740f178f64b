package extract

import (
	"strings"
	"testing"
)

const rulesTOML = `# rules for portals we know
[[site]]
hosts = ["www.example.gov.cn", "*.example.org"]
title = "td.bt"
published = "span.pubtime"
byline = "div.zz"
body = "#zoom"
remove = [".share"]
zone = "Asia/Shanghai"
`

const rulesYAML = `site:
  - host: www.example.gov.cn
    title: td.bt
    published: span.pubtime
    byline: div.zz
    body: "#zoom"
    remove: [.share]
    zone: Asia/Shanghai
`

// rulesPage is laid out so that the generic method would go wrong: the
// sidebar has more text than the article and a more prominent headline.
const rulesPage = `<html><head><title>网站首页</title></head><body>
<h1>某某市人民政府门户网站</h1>
<div class="side"><p>这是侧栏里很长的一段介绍文字，它比正文还要长，介绍了本网站的栏目设置、办事指南、联系方式以及各种便民服务信息，内容很多很多很多很多。</p>
<p>这是侧栏里又一段很长的介绍文字，它也比正文还要长，介绍了本网站的栏目设置、办事指南、联系方式以及各种便民服务信息，内容很多很多。</p></div>
<table><tr><td class="bt">秋季农业生产现场会召开</td></tr>
<tr><td><span class="pubtime">2021-09-28 09:47</span><span>2023-01-01</span></td></tr>
<tr><td><div class="zz">记者 张三</div><div id="zoom"><p>全市秋季农业生产现场推进会在东城区召开，会议部署了秋收秋种工作。</p><div class="share">分享到：微信 微博</div></div></td></tr></table>
</body></html>`

func TestRules(t *testing.T) {
	for _, f := range []struct{ name, data string }{{"rules.toml", rulesTOML}, {"rules.yaml", rulesYAML}} {
		t.Run(f.name, func(t *testing.T) {
			r, err := ParseRules([]byte(f.data), f.name)
			if err != nil {
				t.Fatal(err)
			}
			a, err := New(Options{Rules: r}).Extract([]byte(rulesPage), "http://www.example.gov.cn/art/1.html", "")
			if err != nil {
				t.Fatal(err)
			}
			if a.Title != "秋季农业生产现场会召开" {
				t.Errorf("title = %q", a.Title)
			}
			if a.Published != "2021-09-28T09:47:00+08:00" || !a.PublishedZoneAssumed {
				t.Errorf("published = %q (assumed %v)", a.Published, a.PublishedZoneAssumed)
			}
			if len(a.Bylines) != 1 || a.Bylines[0] != (Byline{"张三", RoleReporter}) {
				t.Errorf("bylines = %v", a.Bylines)
			}
			if a.Body != "全市秋季农业生产现场推进会在东城区召开，会议部署了秋收秋种工作。" {
				t.Errorf("body = %q", a.Body)
			}
			// Another host: generic extraction.
			g, _ := New(Options{Rules: r}).Extract([]byte(rulesPage), "http://other.example.com/1.html", "")
			if g.Title == a.Title && g.Body == a.Body {
				t.Error("rules applied to a host they do not name")
			}
		})
	}
	r, _ := ParseRules([]byte(rulesTOML), "r.toml")
	for host, want := range map[string]bool{"www.example.gov.cn": true, "WWW.EXAMPLE.GOV.CN.": true, "example.org": true, "news.example.org": true, "example.gov.cn": false, "badexample.org": false} {
		if got := r.match(host) != nil; got != want {
			t.Errorf("match(%q) = %v, want %v", host, got, want)
		}
	}
}

// A rules file with no entries yet (only comments) is empty rules, not an
// error.
func TestParseRules_Empty(t *testing.T) {
	for _, name := range []string{"rules.yaml", "rules.toml"} {
		r, err := ParseRules([]byte("# no sites yet\n"), name)
		if err != nil || r == nil || len(r.Sites) != 0 {
			t.Errorf("%s: rules %v, error %v; want empty rules", name, r, err)
		}
	}
}

func TestParseRules_Errors(t *testing.T) {
	for _, tc := range []struct{ name, data, want string }{
		{"r.toml", "[[site]]\nhost = \"a.com\"\ntitle = \"h1[\"\n", "r.toml:3: bad CSS selector"},
		{"r.toml", "[[site]]\nhost = \"a.com\"\ntitel = \"h1\"\n", `r.toml:3: unknown key "site.titel"`},
		{"r.toml", "[[site]]\nhost = \"a.com\"\nzone = \"Mars/Base\"\n", `r.toml:3: unknown time zone "Mars/Base"`},
		{"r.toml", "[[site]]\ntitle = \"h1\"\n", "r.toml:1: site 1 has no host"},
		{"r.toml", "[[site]]\nhost = \"https://a.com/x\"\n", `r.toml:2: "https://a.com/x" is not a host name`},
		{"r.toml", "[[site]\nhost = 1\n", "r.toml:2: expected end of table array name"},
		{"r.yaml", "site:\n  - host: a.com\n    body: \"div >\"\n", "r.yaml:3: bad CSS selector"},
		{"r.yaml", "site:\n  - host: a.com\n    bdy: x\n", `r.yaml: line 3: unknown key "bdy"`},
		{"r.yaml", "site: [\n", "r.yaml: line 1"},
		{"r.json", "{}", "unknown rules format"},
	} {
		_, err := ParseRules([]byte(tc.data), tc.name)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("ParseRules(%q) error = %v, want it to contain %q", tc.data, err, tc.want)
		}
	}
}

func FuzzParseRules(f *testing.F) {
	f.Add([]byte(rulesTOML), true)
	f.Add([]byte(rulesYAML), false)
	f.Add([]byte("site:\n - host: [a, b]\n"), false)
	f.Fuzz(func(t *testing.T, data []byte, isTOML bool) {
		name := "r.yaml"
		if isTOML {
			name = "r.toml"
		}
		r, err := ParseRules(data, name)
		if err != nil {
			return
		}
		for _, s := range r.Sites {
			if len(s.Hosts) == 0 {
				t.Error("a site without hosts was accepted")
			}
		}
		New(Options{Rules: r}).Extract([]byte(rulesPage), "http://www.example.gov.cn/a.html", "")
	})
}
