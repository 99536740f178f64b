package extract

import (
	"bytes"
	"math/rand"
	"strings"
	"testing"
	"time"
)

// promptly is a generous bound, so that the test is not flaky on a busy
// machine; the benchmarks measure speed.
const promptly = 20 * time.Second

func timed(t *testing.T, name string, raw []byte) (*Article, error) {
	t.Helper()
	start := time.Now()
	a, err := Extract(raw, "http://example.com/a.html", "")
	if d := time.Since(start); d > promptly*raceSlowdown {
		t.Errorf("%s took %v", name, d)
	}
	if a == nil {
		t.Fatalf("%s: nil article", name)
	}
	return a, err
}

func TestExtract_Hostile(t *testing.T) {
	t.Run("HugePage", func(t *testing.T) {
		para := "<p>" + strings.Repeat("全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来的工作。", 10) + "</p>\n"
		var b bytes.Buffer
		b.WriteString("<html><head><title>大页面</title></head><body><h1>大页面</h1><div>")
		for b.Len() < 20<<20 {
			b.WriteString(para)
			b.WriteString(`<div class="nav"><a href="/x">链接</a> <a href="/y">链接</a></div>`)
		}
		b.WriteString("</div></body></html>")
		a, err := timed(t, "20 MB page", b.Bytes())
		if err != nil {
			t.Fatal(err)
		}
		if !a.IsArticle() {
			t.Error("a 20 MB page of text holds no article")
		}
	})
	t.Run("DeepNesting", func(t *testing.T) {
		raw := strings.Repeat("<div>", 10000) + "<p>" + strings.Repeat("深处的文字，仍然应当被读到。", 8) + "</p>" + strings.Repeat("</div>", 10000)
		a, err := timed(t, "10,000-deep nesting", []byte(raw))
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(a.Body, "深处的文字") {
			t.Errorf("deep text lost: body %q", a.Body)
		}
	})
	t.Run("DeepInline", func(t *testing.T) {
		raw := "<p>" + strings.Repeat("<b><i>", 6000) + "x" + strings.Repeat("</i></b>", 6000) + "</p>"
		timed(t, "deep inline nesting", []byte(raw))
	})
	t.Run("NoBody", func(t *testing.T) {
		a, err := timed(t, "no body", []byte("<title>t</title>"))
		if err != nil {
			t.Fatal(err)
		}
		if a.IsArticle() || a.Body != "" {
			t.Errorf("article from a page without body: %+v", a)
		}
	})
	t.Run("Binary", func(t *testing.T) {
		r := rand.New(rand.NewSource(1))
		raw := make([]byte, 1<<20)
		r.Read(raw)
		a, err := timed(t, "binary garbage", raw)
		if err == nil && a.IsArticle() {
			t.Error("binary garbage gave an article")
		}
		png := append([]byte("\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR"), raw[:4096]...)
		if _, err := timed(t, "PNG", png); err == nil {
			t.Error("a PNG gave no error")
		}
	})
	t.Run("Empty", func(t *testing.T) {
		a, err := timed(t, "empty", nil)
		if err != nil {
			t.Fatal(err)
		}
		if a.Bylines == nil {
			t.Error("bylines is nil; JSON would print null")
		}
	})
	t.Run("ManyAttributes", func(t *testing.T) {
		raw := "<div " + strings.Repeat(`class="a" `, 100000) + ">x</div>"
		timed(t, "many attributes", []byte(raw))
	})
	t.Run("UnclosedTags", func(t *testing.T) {
		raw := strings.Repeat("<table><tr><td><font><p>文字，", 3000)
		timed(t, "unclosed tags", []byte(raw))
	})
}

// TestExtract_Linear checks that time grows about linearly with size.
func TestExtract_Linear(t *testing.T) {
	if testing.Short() {
		t.Skip("timing")
	}
	page := func(n int) []byte {
		var b bytes.Buffer
		b.WriteString("<html><body>")
		for i := 0; i < n; i++ {
			b.WriteString(`<div class="item"><a href="/a">标题</a><p>正文内容，这是一个段落。正文内容，这是一个段落。</p><span>2021-09-28</span></div>`)
		}
		b.WriteString("</body></html>")
		return b.Bytes()
	}
	measure := func(n int) time.Duration {
		raw := page(n)
		best := time.Duration(1 << 62)
		for i := 0; i < 3; i++ {
			start := time.Now()
			Extract(raw, "", "")
			best = min(best, time.Since(start))
		}
		return best
	}
	small, large := measure(2000), measure(16000)
	if large > small*40 {
		t.Errorf("8× the input took %v vs %v: not linear", large, small)
	}
}
