package extract

import (
	"fmt"
	"slices"
	"strings"
	"testing"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

// zhPage builds a small Chinese article page: a nav bar, a sidebar list
// of other articles with their own (later) dates, the headline, header
// lines, the body paragraphs and a footer.
func zhPage(title string, header []string, paras []string) string {
	var b strings.Builder
	b.WriteString("<html><head><title>" + title + "_某某市人民政府门户网站</title></head><body>\n")
	b.WriteString(`<div class="nav"><a href="/">首页</a> <a href="/xw/">新闻中心</a> <a href="/gk/">政务公开</a> <a href="/bs/">办事服务</a></div>` + "\n")
	b.WriteString(`<div class="side"><h3>最新动态</h3><ul>`)
	for i := 1; i <= 6; i++ {
		fmt.Fprintf(&b, `<li><a href="/xw/%d.html">全市安全生产工作会议第%d次召开</a> [2023-10-%02d]</li>`, i, i, i+10)
	}
	b.WriteString("</ul></div>\n<div class=\"main\">\n<h1>" + title + "</h1>\n")
	for _, h := range header {
		b.WriteString("<div class=\"info\">" + h + "</div>\n")
	}
	b.WriteString("<div class=\"content\">\n")
	for _, p := range paras {
		b.WriteString("<p>" + p + "</p>\n")
	}
	b.WriteString("</div>\n</div>\n<div class=\"footer\">版权所有：某某市人民政府 备案号：京ICP备00000000号</div></body></html>")
	return b.String()
}

var zhParas = []string{
	"9月27日上午，全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来全市农业生产情况，部署了下一阶段的秋收秋种工作。",
	"会议指出，今年以来，全市上下认真落实各项强农惠农政策，粮食生产稳中有进，农民收入持续增长，农村面貌明显改善。",
	"会议要求，各地各部门要抢抓农时，做好机械调度、技术指导和安全生产等工作，确保颗粒归仓，为明年丰收打下坚实基础。",
}

func withLead(lead string) []string {
	out := append([]string{}, zhParas...)
	out[0] = lead + out[0]
	return out
}

// enPage builds a small English article page.
func enPage(head, header string, paras []string) string {
	var b strings.Builder
	b.WriteString("<!doctype html><html lang=\"en\"><head><title>Council approves new river park plan | The Daily Example</title>" + head + "</head><body>\n")
	b.WriteString(`<nav><a href="/">Home</a> <a href="/news">News</a> <a href="/sport">Sport</a></nav>` + "\n")
	b.WriteString("<article><h1>Council approves new river park plan</h1>\n" + header + "\n<div class=\"story-body\">\n")
	for _, p := range paras {
		b.WriteString("<p>" + p + "</p>\n")
	}
	b.WriteString("</div></article>\n")
	b.WriteString(`<aside class="sidebar"><h3>Most read</h3><ul><li><a href="/a">Storm closes harbour</a> <time datetime="2023-10-12T08:00:00Z">Oct 12</time></li><li><a href="/b">School wins award</a> <span class="date">October 13, 2023</span></li></ul></aside>`)
	b.WriteString("<footer>Copyright © 2021 The Daily Example. All rights reserved.</footer></body></html>")
	return b.String()
}

var enParas = []string{
	"The city council voted on Tuesday to approve a plan that turns three miles of disused riverbank into a public park, ending a debate that lasted more than a decade.",
	"Supporters said the park would give residents of the eastern districts their first large green space, while critics questioned the cost of cleaning the old industrial land.",
	"Work is expected to begin next spring, and the first section could open to the public within two years, according to the city's planning office.",
}

const big5Body = `<div class="nav"><a href="/">首頁</a> <a href="/news/">新聞中心</a></div><h1>全市秋季農業生產現場推進會召開</h1><p>發布時間：2021-09-28</p><div class="content">` +
	`<p>九月二十七日上午，全市秋季農業生產現場推進會在東城區召開，會議總結了今年以來全市農業生產情況，部署了下一階段的秋收秋種工作。</p>` +
	`<p>會議指出，今年以來，全市上下認真落實各項強農惠農政策，糧食生產穩中有進，農民收入持續增長，農村面貌明顯改善。</p></div>`

func TestExtract_Cases(t *testing.T) {
	type want struct {
		title, published, source, charset, charsetSource, language string
		zoneAssumed                                                bool
		bylines                                                    []Byline
		bodyHas, bodyNot                                           []string
		noArticle                                                  bool
	}
	for _, tc := range []struct {
		name, html, contentType string
		url                     string // default: a page of a Chinese government portal, dated in its path
		enc                     encoding.Encoding
		want                    want
	}{
		{name: "bracketed reporters in the lead",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"发布时间：2021-09-28 09:47"}, withLead("本报讯（记者 张三 李四）")),
			want: want{published: "2021-09-28T09:47:00+08:00", zoneAssumed: true, bylines: []Byline{{"张三", RoleReporter}, {"李四", RoleReporter}},
				bodyHas: []string{"本报讯（记者 张三 李四）9月27日上午"}, bodyNot: []string{"安全生产工作会议第", "备案号"}}},
		{name: "headline broken over lines by <br>, named whole only in <title>",
			html: `<html><head><title>全市人民代表大会常务委员会关于批准2021年市级预算调整方案的决议__2021年第9号公报_某某市人民政府</title></head><body>` +
				`<div class="nav"><a href="/">首页</a> <a href="/gb/">政府公报</a></div><div class="content">` +
				`<p align="center"><strong>全市人民代表大会常务委员会<br>关于批准2021年市级预算<br>调整方案的决议</strong><br>（2021年9月28日市人大常委会第三十次会议通过）</p>` +
				"<p>" + strings.Join(zhParas, "</p><p>") + "</p></div></body></html>",
			want: want{title: "全市人民代表大会常务委员会关于批准2021年市级预算调整方案的决议", bodyNot: []string{"政府公报"}}},
		{name: "h5 headline ending in ！ below a breadcrumb heading",
			html: `<html><head><title>新闻动态--某某学会官网</title></head><body><div class="crumb"><h3>首页 - 新闻动态</h3></div><div class="news">` +
				`<h5>2019年全市人文地理学术年会在东城区成功举行！</h5><div class="ly">发布时间：2019-05-18 来源：某某学会</div>` +
				"<p>" + strings.Join(zhParas, "</p><p>") + "</p></div></body></html>",
			want: want{title: "2019年全市人文地理学术年会在东城区成功举行！", published: "2019-05-18", source: "某某学会"}},
		{name: "reporters and correspondent, separated by 、 and full-width spaces",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"2021年9月28日 09:47"}, withLead("新华社北京9月28日电（记者　张三、李四　通讯员　吴九）")),
			want: want{published: "2021-09-28T09:47:00+08:00", zoneAssumed: true,
				bylines: []Byline{{"张三", RoleReporter}, {"李四", RoleReporter}, {"吴九", RoleCorrespondent}}}},
		{name: "reporter line under the headline, source and editor",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"本报记者 王五", "来源：新华社　发布时间：2021/9/28 9:47:03", "责任编辑：郑十"}, zhParas),
			want: want{published: "2021-09-28T09:47:03+08:00", source: "新华社",
				bylines: []Byline{{"王五", RoleReporter}, {"郑十", RoleEditor}}, bodyNot: []string{"责任编辑", "王五"}}},
		{name: "text and picture credits",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"文/孙七 图/周八", "[2021-09-28]"}, zhParas),
			want: want{published: "2021-09-28", bylines: []Byline{{"孙七", RoleAuthor}, {"周八", RolePhotographer}}}},
		{name: "photographer in a caption is never a reporter",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"发布时间：2021-09-28"},
				append([]string{`<img src="/pic/1.jpg">`, "新华社记者 赵六 摄"}, withLead("本报讯（记者 张三）")...)),
			want: want{published: "2021-09-28", bylines: []Byline{{"张三", RoleReporter}, {"赵六", RolePhotographer}}, bodyNot: []string{"赵六"}}},
		{name: "date only, labelled, and sidebar dates ignored",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"发布日期：2021-09-28 来源：某某日报"}, zhParas),
			want: want{published: "2021-09-28", source: "某某日报", language: "zh"}},
		{name: "English byline and JSON-LD date",
			html: enPage(`<script type="application/ld+json">{"@context":"https://schema.org","@type":"NewsArticle","headline":"Council approves new river park plan","datePublished":"2021-09-28T09:47:03-04:00"}</script>`,
				`<p class="byline">By Jane Doe and John Roe</p>`, enParas),
			want: want{title: "Council approves new river park plan", published: "2021-09-28T09:47:03-04:00", language: "en",
				bylines: []Byline{{"Jane Doe", RoleAuthor}, {"John Roe", RoleAuthor}}, bodyNot: []string{"Storm closes", "Copyright", "By Jane"}}},
		{name: "meta author and article:published_time",
			html: enPage(`<meta name="author" content="Jane Doe"><meta property="article:published_time" content="2021-09-28T13:47:03Z">`, ``, enParas),
			want: want{published: "2021-09-28T13:47:03Z", bylines: []Byline{{"Jane Doe", RoleAuthor}}}},
		{name: "JSON-LD author list",
			html: enPage(`<script type="application/ld+json">{"@context":"https://schema.org","@graph":[{"@type":"WebSite","name":"The Daily Example"},{"@type":"NewsArticle","author":[{"@type":"Person","name":"Jane Doe"},{"@type":"Person","name":"John Roe"}],"datePublished":"2021-09-28"}]}</script>`, ``, enParas),
			want: want{published: "2021-09-28", bylines: []Byline{{"Jane Doe", RoleAuthor}, {"John Roe", RoleAuthor}}}},
		{name: "hAtom published date, not the sidebar's",
			html: strings.Replace(enPage(``, `<p class="postmeta"><abbr class="published" title="2009-08-06T14:12:32+02:00">6 August 2009</abbr></p>`, enParas),
				"<nav>", `<div class="recent"><span class="published">12 October 2023</span></div><nav>`, 1),
			want: want{published: "2009-08-06T14:12:32+02:00"}},
		{name: "English visible date with zone, sidebar time ignored",
			html: enPage(``, `<p class="meta">Published September 28, 2021 9:47 AM EDT</p>`, enParas),
			want: want{published: "2021-09-28T09:47:00-04:00"}},
		{name: "the date the page shows beats a generic meta date",
			html: enPage(`<meta name="date" content="2021-09-30">`, `<p class="meta"><time>28.09.2021, 12:01 Uhr</time></p>`, enParas),
			want: want{published: "2021-09-28T12:01:00Z"}},
		{name: "a byline carrying the date",
			html: enPage(``, ``, append(append([]string{}, enParas...), `<span class="author">Author: Jane Doe am 28.09.2021, 13:36 Uhr</span>`)),
			want: want{published: "2021-09-28T13:36:00Z"}},
		{name: "a date alone above the headline, over the print button",
			html: strings.Replace(enPage(``, ``, enParas), "<h1>", `<div class="box"><span>28 September 2021</span></div><p><a href="#">Print</a></p><p>© Agency</p><h1>`, 1),
			want: want{published: "2021-09-28"}},
		{name: "a wiki page dated by its last edit", url: "https://wiki.example.org/Stammtisch",
			html: strings.Replace(enPage(``, ``, enParas), "<footer>", `<footer><p>This page was last edited on 28 September 2021, at 13:22.</p>`, 1),
			want: want{published: "2021-09-28T13:22:00Z"}},
		{name: "hAtom 'updated' dates a post that states nothing else",
			html: enPage(``, `<span class="updated" title="2013-04-04T18:52:11+00:00"></span>`, enParas),
			want: want{published: "2013-04-04T18:52:11Z"}},
		{name: "forum thread: the first post, its poster and stamp; replies are not the article",
			html: `<html><head><title>《清洁》：东方式内敛与摇滚现实绘</title></head><body><div class="nav"><a href="/">首页</a> &gt; <a href="/ent/">娱乐</a></div><table>` +
				`<tr><td><b>《清洁》：东方式内敛与摇滚现实绘</b></td></tr><tr><td><a href="user.php?id=1">眉间尺</a></td><td>` + strings.Join(zhParas, "<br><br>") +
				`<p>〓 娱乐 留言板 发布时间 2005/05/17 22:11:42 by <a href="user.php?id=1">眉间尺</a> 〓</td></tr>` +
				`<tr><td><a href="user.php?id=2">愤怒的马</a></td><td>如果不是这位导演，如果这种题材的电影交给别人来拍，又会变成怎么样呢？我看未必会更好，大家怎么看这个问题呢？<p>〓 娱乐 留言板 发布时间 2005/05/18 13:45:40 by <a href="user.php?id=2">愤怒的马</a> 〓</td></tr>` +
				`<tr><td><a href="user.php?id=3">渴睡的湖</a></td><td>我觉得楼主的文很中肯的，我喜欢这个电影，张的表演满切合的，只是视觉上她的脸还是精致了些。<p>〓 娱乐 留言板 发布时间 2005/07/22 20:37:55 by <a href="user.php?id=3">渴睡的湖</a> 〓</td></tr></table></body></html>`,
			want: want{published: "2005-05-17T22:11:42+08:00", bylines: []Byline{{"眉间尺", RoleAuthor}},
				bodyHas: []string{"颗粒归仓"}, bodyNot: []string{"如果不是", "中肯", "发布时间"}}},
		{name: "a post signed under its text",
			html: zhPage("全市秋季农业生产现场推进会召开", nil, append(append([]string{}, zhParas...), "本贴由大卫于2005年8月12日16:12:21在〖心灵体操〗发表.", "郑重声明", "1. 任何言论纯属作者个人观点，与本论坛无关；")),
			want: want{published: "2005-08-12T16:12:21+08:00", bylines: []Byline{{"大卫", RoleAuthor}}, bodyNot: []string{"本贴由", "郑重声明"}}},
		{name: "an essay's author named alone under its title",
			html: zhPage("路是人走出来的", []string{"胡平"}, zhParas),
			want: want{bylines: []Byline{{"胡平", RoleAuthor}}}},
		{name: "a blog's owner: their profile and archives run through the sidebar", url: "http://blog.example.com/?p=1700",
			html: strings.Replace(zhPage("播客热潮迅速蔓延", nil, zhParas), `<div class="side">`,
				`<div class="side"><a href="http://blog.example.com/?author=102" title="[太小心]的博客">太小心</a><ul><li><a href="http://blog.example.com/?pc=1&amp;author=102">未归类</a></li><li><a href="http://blog.example.com/?m=200604&amp;author=102">April 2006</a></li><li><a href="http://blog.example.com/?author=1470">century</a></li></ul>`, 1),
			want: want{bylines: []Byline{{"太小心", RoleAuthor}}}},
		{name: "a list of teasers each credited is no page's owner", url: "https://news.example.com/a/1",
			html: strings.Replace(enPage(``, ``, enParas), "</article>", "</article>"+strings.Repeat(`<p><a href="/more">Another story</a> by <a href="/author/desk/">Desk</a></p>`, 6), 1),
			want: want{bylines: []Byline{}}},
		{name: "Big5 with meta", enc: traditionalchinese.Big5,
			html: `<html><head><meta http-equiv="Content-Type" content="text/html; charset=big5"><title>全市秋季農業生產現場推進會召開</title></head><body>` + big5Body + `</body></html>`,
			want: want{charset: "big5", charsetSource: CharsetFromMeta, title: "全市秋季農業生產現場推進會召開", published: "2021-09-28", bodyHas: []string{"農民收入持續增長"}}},
		{name: "Big5 undeclared", enc: traditionalchinese.Big5,
			html: `<html><head><title>全市秋季農業生產現場推進會召開</title></head><body>` + big5Body + `</body></html>`,
			want: want{charset: "big5", charsetSource: CharsetFromSniffed, bodyHas: []string{"農村面貌明顯改善"}}},
		{name: "Shift_JIS in the header", enc: japanese.ShiftJIS, contentType: "text/html; charset=Shift_JIS",
			html: `<html lang="ja"><head><title>市議会、新しい河川公園計画を承認</title></head><body><h1>市議会、新しい河川公園計画を承認</h1><p>2021年9月28日</p><div><p>市議会は火曜日、使われなくなった川岸を公園に変える計画を承認した。長年の議論に決着がついた形だ。</p><p>工事は来年の春に始まる予定で、最初の区画は二年以内に一般に公開される見込みだという。</p></div></body></html>`,
			want: want{charset: "shift_jis", charsetSource: CharsetFromHeader, language: "ja", title: "市議会、新しい河川公園計画を承認", published: "2021-09-28", bodyHas: []string{"長年の議論に決着がついた形だ。"}}},
		{name: "Shift_JIS undeclared", enc: japanese.ShiftJIS,
			html: `<html><head><title>市議会、新しい河川公園計画を承認</title></head><body><h1>市議会、新しい河川公園計画を承認</h1><div><p>市議会は火曜日、使われなくなった川岸を公園に変える計画を承認した。長年の議論に決着がついた形だ。</p><p>工事は来年の春に始まる予定で、最初の区画は二年以内に一般に公開される見込みだという。</p></div></body></html>`,
			want: want{charset: "shift_jis", charsetSource: CharsetFromSniffed, language: "ja"}},
		{name: "windows-1252 declared as latin1", enc: charmap.Windows1252, contentType: "text/html; charset=ISO-8859-1",
			html: enPage(``, `<p>Par Zoë Dupré</p>`, append([]string{"Le conseil municipal a approuvé mardi le projet de parc au bord de la rivière, après une décennie de débats passionnés."}, enParas...)),
			want: want{charset: "windows-1252", charsetSource: CharsetFromHeader, bodyHas: []string{"approuvé mardi", "décennie"}, bylines: []Byline{{"Zoë Dupré", RoleAuthor}}}},
		{name: "windows-1252 undeclared", enc: charmap.Windows1252,
			html: enPage(``, ``, append([]string{"Le conseil municipal a approuvé mardi le projet de parc au bord de la rivière, après une décennie de débats passionnés."}, enParas...)),
			want: want{charset: "windows-1252", charsetSource: CharsetFromSniffed, bodyHas: []string{"décennie de débats"}}},
		{name: "UTF-8 with BOM, declared GBK",
			html: "\xef\xbb\xbf" + strings.Replace(zhPage("全市秋季农业生产现场推进会召开", nil, zhParas), "<head>", `<head><meta charset="gbk">`, 1),
			want: want{charset: "utf-8", charsetSource: CharsetFromBOM, bodyHas: []string{"颗粒归仓"}}},
		{name: "declared UTF-8 but GBK bytes", enc: simplifiedchinese.GBK, contentType: "text/html; charset=utf-8",
			html: zhPage("全市秋季农业生产现场推进会召开", nil, zhParas),
			want: want{charset: "gbk", charsetSource: CharsetFromSniffed, title: "全市秋季农业生产现场推进会召开", bodyHas: []string{"颗粒归仓"}}},
		{name: "declared GBK but UTF-8 bytes", contentType: "text/html; charset=gbk",
			html: zhPage("全市秋季农业生产现场推进会召开", nil, zhParas),
			want: want{charset: "utf-8", charsetSource: CharsetFromSniffed, bodyHas: []string{"颗粒归仓"}}},
		{name: "GB18030 characters beyond GBK", enc: simplifiedchinese.GB18030,
			html: strings.Replace(zhPage("全市秋季农业生产现场推进会召开", nil, withLead("𠀀𠀁，")), "<head>", `<head><meta charset="gb2312">`, 1),
			want: want{charset: "gb18030", charsetSource: CharsetFromMeta, bodyHas: []string{"𠀀𠀁"}}},
		{name: "list page has no article",
			html: `<html><head><title>新闻中心_某某市人民政府</title></head><body><div class="nav"><a href="/">首页</a></div><ul>` +
				strings.Repeat(`<li><a href="/xw/1.html">全市秋季农业生产现场推进会召开</a> 2021-09-28</li>`, 30) + `</ul></body></html>`,
			want: want{noArticle: true}},
		{name: "home page: the lead story's teaser is no article",
			html: `<html><head><title>某某新闻网 - 本地新闻 政务公开</title></head><body><div class="nav"><a href="/">首页</a> <a href="/xw/">新闻</a></div>` +
				`<div class="lead"><h2><a href="/xw/2021/0928/2.html">全市秋季农业生产现场推进会召开</a></h2><p>9月27日上午，全市秋季农业生产现场推进会在东城区召开，会议部署了下一阶段的秋收秋种工作。</p></div><ul>` +
				strings.Repeat(`<li><a href="/xw/1.html">全市安全生产工作会议召开</a> 2021-09-28</li>`, 12) + `</ul></body></html>`,
			want: want{noArticle: true}},
		{name: "a notice's closing formula, office and date are body",
			html: zhPage("关于做好国庆节期间安全生产工作的通知", []string{"发布时间：2021-09-27"},
				append(append([]string{}, zhParas...), "特此通知。", "某某市应急管理局", "2021年9月27日")),
			want: want{published: "2021-09-27", bodyHas: []string{"颗粒归仓，为明年丰收打下坚实基础。\n\n特此通知。\n\n某某市应急管理局\n\n2021年9月27日"}}},
		{name: "a request to readers after the article is not body",
			html: zhPage("全市秋季农业生产现场推进会召开", []string{"发布时间：2021-09-28"}, append(append([]string{}, zhParas...), "欢迎关注本站公众号！", "（完）")),
			want: want{bodyNot: []string{"关注", "完"}}},
		{name: "error page has no article",
			html: `<html><head><title>404 Not Found</title></head><body><h1>Not Found</h1><p>The requested URL was not found on this server.</p></body></html>`,
			want: want{noArticle: true}},
		{name: "empty page", html: ``, want: want{noArticle: true}},
		{name: "no body element",
			html: `<title>只有标题</title><p>全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来全市农业生产情况，部署了下一阶段的秋收秋种工作，要求确保颗粒归仓。</p>`,
			want: want{bodyHas: []string{"颗粒归仓"}}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			raw := []byte(tc.html)
			if tc.enc != nil {
				var err error
				raw, err = tc.enc.NewEncoder().Bytes(raw)
				if err != nil {
					t.Fatal(err)
				}
			}
			u := tc.url
			if u == "" {
				u = "http://www.example.gov.cn/xw/2021/0928/1.html"
			}
			a, err := Extract(raw, u, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			w := tc.want
			check := func(field, got, want string) {
				t.Helper()
				if want != "" && got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("title", a.Title, w.title)
			check("published", a.Published, w.published)
			check("source", a.Source, w.source)
			check("charset", a.Charset, w.charset)
			check("charset_source", a.CharsetSource, w.charsetSource)
			check("language", a.Language, w.language)
			if w.published != "" && a.PublishedZoneAssumed != w.zoneAssumed && w.zoneAssumed {
				t.Errorf("published_zone_assumed = %v, want %v", a.PublishedZoneAssumed, w.zoneAssumed)
			}
			if w.bylines != nil && !slices.Equal(a.Bylines, w.bylines) {
				t.Errorf("bylines = %v, want %v", a.Bylines, w.bylines)
			}
			for _, s := range w.bodyHas {
				if !strings.Contains(a.Body, s) {
					t.Errorf("body lacks %q; body: %q", s, head(a.Body, 200))
				}
			}
			for _, s := range w.bodyNot {
				if strings.Contains(a.Body, s) {
					t.Errorf("body holds %q", s)
				}
			}
			if a.IsArticle() == w.noArticle {
				t.Errorf("IsArticle() = %v, body %q", a.IsArticle(), head(a.Body, 100))
			}
			if w.noArticle && a.Body != "" {
				t.Errorf("a page with no article has body %q", head(a.Body, 100))
			}
			if strings.ContainsRune(a.Body+a.Title, '\uFFFD') {
				t.Errorf("mojibake: %q", head(a.Title+" "+a.Body, 100))
			}
		})
	}
}
