package main

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// The archive of the search, show, history and diff tests, built from
// pages written here:
//   - congress (tl.example.cn): Chinese, captured as GBK, three versions
//     (a title and paragraph edit, then a paragraph added), two unchanged
//     re-checks, gone (404), restored;
//   - council (news.example.com): English, two versions, then moved;
//   - notices (gov.example.cn): 12 one-version notices, published a day
//     apart, for limits and offsets;
//   - hostile (xss.example.org): a title with terminal escapes and markup.
type researchArchive struct {
	path     string
	congress int64
	council  int64
	hostile  int64
	gbkV1    []byte // raw GBK bytes of congress version 1
	gbkV2    []byte
}

const (
	congressURL = "http://tl.example.cn/2021/09/28/congress.html"
	councilURL  = "http://news.example.com/2022/council.html"
	movedURL    = "http://news.example.com/2022/03/council-elections.html"
)

var r0 = time.Date(2021, 9, 28, 1, 47, 3, 0, time.UTC)

func buildResearchArchive(t testing.TB) *researchArchive {
	t.Helper()
	ctx := context.Background()
	ra := &researchArchive{path: filepath.Join(t.TempDir(), "annals.db")}
	db := archive.NewDB(ra.path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	rec := func(url string, status int, ct string, body []byte, at time.Time, a *extract.Article) archive.Outcome {
		t.Helper()
		c := &archive.Capture{URL: url, Method: "GET", Status: status, Body: body, StartedAt: at,
			Header: http.Header{"Content-Type": {ct}}, Duration: 20 * time.Millisecond}
		if status == 301 {
			c.RedirectTo = movedURL
		}
		if ct == "text/html; charset=gbk" {
			c.Charset, c.CharsetSource = "gbk", extract.CharsetFromHeader
		}
		out, err := db.Record(ctx, c, a)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	gbkPage := func(a *extract.Article) []byte {
		b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte("<html><head><meta charset=gbk><title>" + a.Title +
			"</title></head><body><h1>" + a.Title + "</h1><p>" + a.Body + "</p></body></html>"))
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	v1 := &extract.Article{
		Title: "通辽市第五次党代会开幕", Kicker: "凝心聚力", Subtitle: "奋力书写新篇章", Source: "通辽日报", Language: "zh",
		Published: "2021-09-28T09:47:03+08:00",
		Bylines:   []extract.Byline{{Name: "赵彦臻", Role: extract.RoleReporter}, {Name: "张启民", Role: extract.RolePhotographer}},
		Body: "本报讯（记者 赵彦臻）9月27日，中国共产党通辽市第五次代表大会隆重开幕。\n\n大会听取并审议了市委工作报告。\n\n" +
			"人大代表和政协委员作为来宾参加大会开幕会。",
	}
	ra.gbkV1 = gbkPage(v1)
	ra.congress = rec(congressURL, 200, "text/html; charset=gbk", ra.gbkV1, r0, v1).ArticleID
	rec(congressURL, 200, "text/html; charset=gbk", ra.gbkV1, r0.Add(6*time.Hour), v1)
	rec(congressURL, 200, "text/html; charset=gbk", ra.gbkV1, r0.Add(12*time.Hour), v1)
	v2 := *v1
	v2.Title = "通辽市第五次党代会隆重开幕"
	v2.Body = "本报讯（记者 赵彦臻）9月27日上午，中国共产党通辽市第五次代表大会在通辽隆重开幕。\n\n大会听取并审议了市委工作报告。\n\n" +
		"人大代表和政协委员作为来宾参加大会开幕会。"
	ra.gbkV2 = gbkPage(&v2)
	rec(congressURL, 200, "text/html; charset=gbk", ra.gbkV2, r0.Add(24*time.Hour), &v2)
	v3 := v2
	v3.Body += "\n\n大会期间，代表们将分组讨论报告。"
	rec(congressURL, 200, "text/html; charset=gbk", gbkPage(&v3), r0.Add(48*time.Hour), &v3)
	rec(congressURL, 404, "text/html", []byte("<h1>404</h1>"), r0.Add(72*time.Hour), nil)
	rec(congressURL, 200, "text/html; charset=gbk", gbkPage(&v3), r0.Add(96*time.Hour), &v3)

	e1 := &extract.Article{Title: "Council elections in Tongliao", Language: "en", Published: "2022-03-01",
		Bylines: []extract.Byline{{Name: "Jane Doe", Role: extract.RoleAuthor}},
		Body:    "Voters elected a new council on Monday.\n\nTurnout was high across the city."}
	ra.council = rec(councilURL, 200, "text/html; charset=utf-8", []byte("<p>e1</p>"), r0, e1).ArticleID
	e2 := *e1
	e2.Body = "Voters elected a new council on Monday.\n\nTurnout was the highest in a decade."
	rec(councilURL, 200, "text/html; charset=utf-8", []byte("<p>e2</p>"), r0.Add(24*time.Hour), &e2)
	rec(councilURL, 301, "", nil, r0.Add(48*time.Hour), nil)

	for i := range 12 {
		day := r0.AddDate(0, 0, -i)
		a := &extract.Article{Title: fmt.Sprintf("关于召开第%d次工作会议的通知", 12-i), Language: "zh",
			Published: day.Format("2006-01-02"), Body: "请各单位做好会议准备。会议地点：市政府第" + day.Format("2") + "会议室。"}
		rec("http://gov.example.cn/notice/"+day.Format("20060102")+".html", 200, "text/html; charset=utf-8", []byte("<p>n</p>"), r0.Add(time.Duration(i)*time.Minute), a)
	}
	h := &extract.Article{Title: "Hostile \x1b[31mred\x1b[0m <script>alert(1)</script> 标题\x07", Language: "en",
		Body: "First line \x1b]0;pwned\x07 of the body.\n\nSecond paragraph.", Published: "2023-01-02"}
	ra.hostile = rec("http://xss.example.org/1.html", 200, "text/html; charset=utf-8", []byte("<p>h</p>"), r0, h).ArticleID
	return ra
}

// runCmd runs a command with its own writers and a terminal of the given
// width (0: not a terminal).
func runCmd(t *testing.T, cmd command, args ...string) (string, error) {
	t.Helper()
	var out bytes.Buffer
	switch c := cmd.(type) {
	case *SearchCommand:
		c.Stdout, c.Stderr = &out, io.Discard
	case *ShowCommand:
		c.Stdout, c.Stderr = &out, io.Discard
	case *HistoryCommand:
		c.Stdout, c.Stderr = &out, io.Discard
	case *DiffCommand:
		c.Stdout, c.Stderr = &out, io.Discard
	}
	err := cmd.Run(context.Background(), args)
	return out.String(), err
}

// fakeTerm pretends the output is a terminal of width columns.
func fakeTerm(width int, color bool) termDetector {
	return func(io.Writer, func(string) string) terminal { return terminal{width: width, color: color} }
}

func researchGolden(t *testing.T, name string, got string) {
	t.Helper()
	path := filepath.Join("testdata", "research", name)
	if *update {
		if err := os.MkdirAll(filepath.Dir(path), 0o755); err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(path, []byte(got), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if got != string(want) {
		t.Errorf("%s differs from its golden file:\n--- got\n%s\n--- want\n%s", name, got, want)
	}
}
