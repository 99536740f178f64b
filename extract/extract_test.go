package extract

import (
	"bytes"
	"encoding/json"
	"flag"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
)

var update = flag.Bool("update", false, "rewrite the golden files under testdata/golden")

const seedURL = "https://www.example.cn/news/2021/0928/6th-congress.html"

// seedBody is the article text every seed fixture must give.
func seedBody(t *testing.T) (first, last string) {
	t.Helper()
	return "本报讯(记者 赵彦臻) 9月27日上午,中国共产党通辽市第六次代表大会在市行政中心大礼堂隆重开幕。",
		"同时,会议还邀请部分党外人士作为来宾参加大会开幕会。"
}

func readPage(t *testing.T, name string) []byte {
	t.Helper()
	raw, err := os.ReadFile(filepath.Join("..", "testdata", "pages", name))
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestExtract_Seed checks every field of the seed article in each of its
// templates, encodings and declarations.
func TestExtract_Seed(t *testing.T) {
	for _, tc := range []struct {
		file, contentType      string
		charset, charsetSource string
		zoneAssumed, hasEditor bool
		source                 string
	}{
		{"seed-table-gbk.html", "", "gbk", CharsetFromMeta, true, false, ""},
		{"seed-table-gbk.html", "text/html; charset=utf-8", "gbk", CharsetFromMeta, true, false, ""},
		{"seed-table-gbk.html", "text/html; charset=iso-8859-1", "gbk", CharsetFromMeta, true, false, ""},
		{"seed-table-nocharset.html", "text/html", "gbk", CharsetFromSniffed, true, false, ""},
		{"seed-table-nocharset.html", "text/html; charset=utf-8", "gbk", CharsetFromSniffed, true, false, ""},
		{"seed-table-nocharset.html", "text/html; charset=gb2312", "gbk", CharsetFromHeader, true, false, ""},
		{"seed-modern-utf8.html", "text/html; charset=utf-8", "utf-8", CharsetFromHeader, false, true, "通辽日报"},
		{"seed-modern-utf8.html", "", "utf-8", CharsetFromMeta, false, true, "通辽日报"},
	} {
		t.Run(tc.file+"/"+tc.contentType, func(t *testing.T) {
			a, err := Extract(readPage(t, tc.file), seedURL, tc.contentType)
			if err != nil {
				t.Fatal(err)
			}
			check := func(field, got, want string) {
				t.Helper()
				if got != want {
					t.Errorf("%s = %q, want %q", field, got, want)
				}
			}
			check("charset", a.Charset, tc.charset)
			check("charset_source", a.CharsetSource, tc.charsetSource)
			check("title", a.Title, "中国共产党通辽市第六次代表大会隆重开幕")
			check("kicker", a.Kicker, "聚焦绿色转型 聚力高质量发展 为加快建设现代化区域中心城市而奋斗")
			check("subtitle", a.Subtitle, "孟宪东代表中国共产党通辽市第五届委员会向大会报告工作 郭玉峰主持会议")
			check("published", a.Published, "2021-09-28T09:47:03+08:00")
			check("language", a.Language, "zh")
			check("source", a.Source, tc.source)
			if a.PublishedZoneAssumed != tc.zoneAssumed {
				t.Errorf("published_zone_assumed = %v, want %v", a.PublishedZoneAssumed, tc.zoneAssumed)
			}
			want := []Byline{{"赵彦臻", RoleReporter}, {"张启民", RolePhotographer}, {"宋悦", RolePhotographer}}
			if tc.hasEditor {
				want = append(want, Byline{"王小明", RoleEditor})
			}
			if !slices.Equal(a.Bylines, want) {
				t.Errorf("bylines = %v, want %v", a.Bylines, want)
			}
			first, last := seedBody(t)
			if !strings.HasPrefix(a.Body, first) || !strings.HasSuffix(a.Body, last) {
				t.Errorf("body runs from %q to %q", head(a.Body, 60), tail(a.Body, 60))
			}
			if n := strings.Count(a.Body, "\n\n") + 1; n != 22 {
				t.Errorf("body has %d paragraphs, want 22", n)
			}
			for _, bad := range []string{"摄", "登录", "打印", "上一篇", "版权所有", "大会会场。", "第3次工作会议", "责任编辑"} {
				if strings.Contains(a.Body, bad) {
					t.Errorf("body holds %q", bad)
				}
			}
			for _, para := range strings.Split(a.Body, "\n\n") {
				if para == a.Kicker || para == a.Subtitle || para == a.Title {
					t.Errorf("body holds the line %q", para)
				}
			}
			if len(a.Images) != 2 {
				t.Fatalf("images = %v, want 2", a.Images)
			}
			check("images[0].caption", a.Images[0].Caption, "孟宪东代表中国共产党通辽市第五届委员会向大会报告工作。")
			check("images[0].credit", a.Images[0].Credit, "本报记者 张启民 宋悦 摄")
			check("images[1].caption", a.Images[1].Caption, "中国共产党通辽市第六次代表大会会场。")
			check("images[1].credit", a.Images[1].Credit, "本报记者 张启民 宋悦 摄")
			for _, im := range a.Images {
				if !strings.HasPrefix(im.Src, "https://www.example.cn/") {
					t.Errorf("image src %q is not absolute", im.Src)
				}
			}
			if !a.IsArticle() {
				t.Error("IsArticle() = false")
			}
		})
	}
}

func head(s string, n int) string { return prefixRunes(s, n) }

func tail(s string, n int) string {
	r := []rune(s)
	return string(r[max(0, len(r)-n):])
}

// TestExtract_Golden compares the whole Article of every fixture page with
// its golden JSON (go test ./extract -run Golden -update rewrites them).
func TestExtract_Golden(t *testing.T) {
	var files []string
	for _, dir := range []string{filepath.Join("..", "testdata", "pages"), filepath.Join("testdata", "pages")} {
		m, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		files = append(files, m...)
	}
	if len(files) < 5 {
		t.Fatalf("found %d fixture pages, want at least 5", len(files))
	}
	for _, f := range files {
		name := strings.TrimSuffix(filepath.Base(f), ".html")
		t.Run(name, func(t *testing.T) {
			raw, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			a, err := Extract(raw, fixtureURL(name), "")
			if err != nil {
				t.Fatal(err)
			}
			got, err := json.MarshalIndent(a, "", "  ")
			if err != nil {
				t.Fatal(err)
			}
			got = append(got, '\n')
			golden := filepath.Join("testdata", "golden", name+".json")
			if *update {
				if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
					t.Fatal(err)
				}
				if err := os.WriteFile(golden, got, 0o644); err != nil {
					t.Fatal(err)
				}
				return
			}
			want, err := os.ReadFile(golden)
			if err != nil {
				t.Fatalf("%v (run go test ./extract -run Golden -update to create it)", err)
			}
			if !bytes.Equal(got, want) {
				t.Errorf("article differs from %s:\n got: %s\nwant: %s", golden, got, want)
			}
		})
	}
}

func fixtureURL(name string) string {
	if strings.HasPrefix(name, "seed-") {
		return seedURL
	}
	return "https://news.example.com/2021/09/28/" + name + ".html"
}

// A short line the caption logic gave to the first picture is no subtitle,
// as it is none for any other picture.
func TestExtract_FirstCaptionIsNoSubtitle(t *testing.T) {
	para := "<p>" + strings.Repeat("Earlier this month, NASA announced the newest milestone in the development of its rocket. ", 4) + "</p>"
	page := `<html><head><title>Seeking a bigger role for a big rocket</title></head><body><div align="center"><table><tr><td>
<table><tr><td><img src="/a.jpg" width="600" height="400"><div>The core stage at Michoud. (credit: NASA)</div></td></tr></table>
<h1 class="headline">Seeking a bigger role for a big rocket</h1>
<h3 class="byline">by Jeff Foust</h3>` + para + para + para + `</td></tr></table></div></body></html>`
	a, err := Extract([]byte(page), "https://www.example.com/article/1", "")
	if err != nil {
		t.Fatal(err)
	}
	if a.Title != "Seeking a bigger role for a big rocket" {
		t.Errorf("title = %q", a.Title)
	}
	if a.Subtitle != "" {
		t.Errorf("subtitle = %q, want none (the line is a picture's caption)", a.Subtitle)
	}
}
