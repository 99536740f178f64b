package extract

import (
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"unicode/utf8"
)

func FuzzExtract(f *testing.F) {
	// Fixture pages, cut short: the fuzzer slows to a crawl on large seeds.
	for _, dir := range []string{filepath.Join("..", "testdata", "pages"), filepath.Join("testdata", "pages")} {
		files, _ := filepath.Glob(filepath.Join(dir, "*.html"))
		for _, file := range files {
			if raw, err := os.ReadFile(file); err == nil {
				f.Add(raw[:min(len(raw), 1200)], "")
			}
		}
	}
	f.Add([]byte(`<html><body><div><p>本报讯（记者 张三）<img src="x.jpg">本报记者 李四 摄</p></div>`), "text/html; charset=gbk")
	f.Add([]byte("<table><tr><td><font><p>文字，"), "text/html; charset=utf-8")
	f.Add([]byte(`<script type="application/ld+json">{"@graph":[{"@type":"NewsArticle","author":{"name":[1]}}]}</script>`), "")
	f.Fuzz(func(t *testing.T, raw []byte, ct string) {
		a, err := Extract(raw, "http://example.com/a/b.html", ct)
		if a == nil {
			t.Fatal("nil article")
		}
		if err != nil {
			return
		}
		for _, s := range []string{a.Title, a.Body, a.Kicker, a.Subtitle, a.Published} {
			if !utf8.ValidString(s) {
				t.Fatalf("invalid UTF-8 in %q", s)
			}
		}
		if a.Body != "" && !a.IsArticle() {
			t.Error("a body on a page that is no article")
		}
		if strings.Contains(a.Body, "\n\n\n") {
			t.Error("paragraphs separated by more than one blank line")
		}
		if _, err := json.Marshal(a); err != nil {
			t.Fatal(err)
		}
	})
}
