package web

import (
	"bytes"
	"context"
	"fmt"
	"image"
	"image/color"
	"image/png"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// The test archive: pages built here for these tests.
//
//   - congress: a Chinese article captured as GBK, edited twice (title and
//     a paragraph, then a paragraph added), checked unchanged in between,
//     then gone (404) and restored;
//   - council: an English article, edited once, then moved (301);
//   - xss: a page whose title, body and raw HTML carry script and onerror
//     payloads, with an archived image (inlined) and an unarchived one;
//   - filler: 24 short Chinese notices, for paging.
type fixture struct {
	path     string
	congress int64
	council  int64
	xss      int64
	filler   []int64
	gbkRaw   []byte // the raw GBK bytes of congress version 1
	gbkCap   int64  // their capture
	xssCap   int64  // the capture of the xss page
	logoCap  int64  // the capture of the archived image
	movedCap int64  // the 301 of council
	logoPNG  []byte
}

var t0 = time.Date(2021, 9, 28, 1, 47, 3, 0, time.UTC)

// xssPayload is what hostile text looks like in the tests.
const xssPayload = `<script>window.__pwned=1;fetch("/pwned-script")</script><img src=x onerror="window.__pwned=1;fetch('/pwned-img')">`

// xssRaw is the hostile page as its server sent it.
const xssRaw = `<!doctype html><html><head><meta charset="utf-8">
<title>` + xssPayload + `</title>
<base href="http://evil.invalid/">
<meta http-equiv="refresh" content="0;url=http://evil.invalid/refresh">
<link rel="stylesheet" href="http://evil.invalid/style.css">
<style>body{background:url(http://evil.invalid/bg.png)}</style>
<script src="http://evil.invalid/app.js"></script>
<script>window.__pwned=1;new Image().src="http://evil.invalid/beacon"</script>
</head><body onload="window.__pwned=1">
<h1>Hostile page <img src=x onerror="window.__pwned=1;fetch('/pwned-h1')"></h1>
<p id="lead">The lead paragraph. <a href="javascript:window.__pwned=1">a javascript link</a>
 and <a href="http://evil.invalid/next">an outside link</a>.</p>
<p><img src="/logo.png" alt="the site logo"> <img src="http://evil.invalid/tracker.gif" alt="tracker" srcset="http://evil.invalid/t2.gif 2x"></p>
<svg onload="window.__pwned=1"><image href="http://evil.invalid/svg.png"></image></svg>
<iframe src="http://evil.invalid/frame"></iframe>
<object data="http://evil.invalid/obj.swf"></object>
<form action="http://evil.invalid/post"><input name=a><button formaction="http://evil.invalid/b">go</button></form>
<div style="background-image:url(http://evil.invalid/div.png)">styled</div>
<video poster="http://evil.invalid/poster.jpg" src="http://evil.invalid/v.mp4"></video>
<p>` + "正文第二段，含有人大代表。" + `</p>
</body></html>`

// pngBytes is a small valid PNG.
func pngBytes(t testing.TB) []byte {
	t.Helper()
	img := image.NewRGBA(image.Rect(0, 0, 8, 8))
	for i := range 8 {
		img.Set(i, i, color.RGBA{200, 30, 30, 255})
	}
	var b bytes.Buffer
	if err := png.Encode(&b, img); err != nil {
		t.Fatal(err)
	}
	return b.Bytes()
}

func gbk(t testing.TB, s string) []byte {
	t.Helper()
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(s))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func capture(url string, status int, ct string, body []byte, at time.Time) *archive.Capture {
	h := http.Header{"Date": {at.Format(http.TimeFormat)}, "Server": {"nginx"}}
	if ct != "" {
		h.Set("Content-Type", ct)
	}
	return &archive.Capture{URL: url, Method: "GET", Proto: "HTTP/1.1", Status: status, Header: h, Body: body,
		StartedAt: at, Duration: 30 * time.Millisecond, RemoteAddr: "127.0.0.1:80"}
}

// buildFixture writes the test archive and returns it with its ids. The
// archive is closed: tests open it read-only, as annals serve does.
func buildFixture(t testing.TB) *fixture {
	t.Helper()
	ctx := context.Background()
	f := &fixture{path: filepath.Join(t.TempDir(), "annals.db")}
	db := archive.NewDB(f.path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, archive.RunInfo{Job: "test", Seeds: []string{"http://tl.example.cn/"}})
	if err != nil {
		t.Fatal(err)
	}
	rec := func(c *archive.Capture, a *extract.Article) archive.Outcome {
		t.Helper()
		c.RunID = run
		out, err := db.Record(ctx, c, a)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}

	// congress, in GBK.
	cURL := "http://tl.example.cn/2021/09/28/congress.html"
	v1 := &extract.Article{
		Title: "通辽市第五次党代会开幕", Kicker: "凝心聚力", Subtitle: "奋力书写新篇章",
		Published: "2021-09-28T09:47:03+08:00", Source: "通辽日报", Language: "zh",
		Bylines: []extract.Byline{{Name: "赵彦臻", Role: extract.RoleReporter}, {Name: "张启民", Role: extract.RolePhotographer}, {Name: "宋悦", Role: extract.RolePhotographer}},
		Body: "本报讯（记者 赵彦臻）9月27日，中国共产党通辽市第五次代表大会隆重开幕。\n\n" +
			"大会听取并审议了市委工作报告。\n\n人大代表和政协委员作为来宾参加大会开幕会。",
	}
	page := func(a *extract.Article) []byte {
		return gbk(t, `<html><head><title>`+a.Title+`_通辽新闻网</title></head><body><table><tr><td>`+
			`<div class="nav"><a href="/">首页</a></div><h1>`+a.Title+`</h1><p>`+a.Body+`</p>`+
			`<img src="/img/photo.jpg" alt="大会现场"></td></tr></table>`+
			`<meta http-equiv="Content-Type" content="text/html; charset=gb2312"></body></html>`)
	}
	gc := func(a *extract.Article, at time.Time) *archive.Capture {
		c := capture(cURL, 200, "text/html", page(a), at)
		c.Charset, c.CharsetSource = "gbk", extract.CharsetFromMeta
		return c
	}
	c1 := gc(v1, t0)
	f.gbkRaw = c1.Body
	out := rec(c1, v1)
	f.congress, f.gbkCap = out.ArticleID, out.CaptureID
	rec(gc(v1, t0.Add(6*time.Hour)), v1) // unchanged
	rec(gc(v1, t0.Add(12*time.Hour)), v1)
	v2 := *v1
	v2.Title = "通辽市第五次党代会隆重开幕"
	v2.Body = "本报讯（记者 赵彦臻）9月27日上午，中国共产党通辽市第五次代表大会在通辽隆重开幕。\n\n" +
		"大会听取并审议了市委工作报告。\n\n人大代表和政协委员作为来宾参加大会开幕会。"
	rec(gc(&v2, t0.Add(24*time.Hour)), &v2)
	v3 := v2
	v3.Body += "\n\n大会期间，代表们将分组讨论报告。"
	rec(gc(&v3, t0.Add(48*time.Hour)), &v3)
	rec(capture(cURL, 404, "text/html", []byte("<h1>404</h1>"), t0.Add(72*time.Hour)), nil)
	rec(gc(&v3, t0.Add(96*time.Hour)), &v3) // restored

	// council, in English, then moved.
	eURL := "http://news.example.com/2022/council.html"
	e1 := &extract.Article{Title: "Council elections in Tongliao", Language: "en", Published: "2022-03-01",
		Bylines: []extract.Byline{{Name: "Jane Doe", Role: extract.RoleAuthor}},
		Body:    "Voters elected a new council on Monday.\n\nTurnout was high across the city."}
	out = rec(capture(eURL, 200, "text/html; charset=utf-8", []byte("<h1>"+e1.Title+"</h1><p>"+e1.Body+"</p>"), t0), e1)
	f.council = out.ArticleID
	e2 := *e1
	e2.Body = "Voters elected a new council on Monday.\n\nTurnout was the highest in a decade."
	rec(capture(eURL, 200, "text/html; charset=utf-8", []byte("<h1>"+e2.Title+"</h1><p>"+e2.Body+"</p>"), t0.Add(24*time.Hour)), &e2)
	mc := capture(eURL, 301, "", nil, t0.Add(48*time.Hour))
	mc.RedirectTo = "http://news.example.com/2022/03/council-elections.html"
	mc.Header.Set("Location", mc.RedirectTo)
	f.movedCap = rec(mc, nil).CaptureID

	// xss, with its archived logo.
	f.logoPNG = pngBytes(t)
	f.logoCap = rec(capture("http://xss.example.org/logo.png", 200, "image/png", f.logoPNG, t0), nil).CaptureID
	xURL := "http://xss.example.org/news/1.html"
	x := &extract.Article{Title: xssPayload + "标题", Language: "zh",
		Bylines: []extract.Byline{{Name: `<img src=x onerror="window.__pwned=1">`, Role: extract.RoleAuthor}},
		Body:    "正文第一段 " + xssPayload + "\n\n正文第二段，含有人大代表。", Published: "2023-01-02"}
	xc := capture(xURL, 200, "text/html; charset=utf-8", []byte(xssRaw), t0.Add(time.Hour))
	xc.Charset, xc.CharsetSource = "utf-8", extract.CharsetFromHeader
	out = rec(xc, x)
	f.xss, f.xssCap = out.ArticleID, out.CaptureID
	x2 := *x
	x2.Body += "\n\n<script>window.__pwned=1</script>新增一段"
	rec(capture(xURL, 200, "text/html; charset=utf-8", []byte(xssRaw+"<!-- v2 -->"), t0.Add(2*time.Hour)), &x2)

	// filler notices.
	for i := range 24 {
		a := &extract.Article{Title: fmt.Sprintf("通知公告第%d号", i+1), Language: "zh",
			Published: t0.AddDate(0, 0, -i).Format("2006-01-02"), Body: fmt.Sprintf("关于第%d次会议的通知。请各单位做好准备。", i+1)}
		out := rec(capture(fmt.Sprintf("http://gov.example.cn/notice/%d.html", i+1), 200, "text/html; charset=utf-8",
			[]byte("<p>"+a.Body+"</p>"), t0.Add(time.Duration(i)*time.Minute)), a)
		f.filler = append(f.filler, out.ArticleID)
	}
	if _, err := db.FinishRun(ctx, run, archive.RunCompleted, ""); err != nil {
		t.Fatal(err)
	}
	return f
}

// openReadOnly opens the fixture as annals serve does.
func openReadOnly(t testing.TB, path string) *archive.DB {
	t.Helper()
	db := archive.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
