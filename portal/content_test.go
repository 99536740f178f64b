package portal

import (
	"bytes"
	"io"
	"strings"
	"testing"
	"time"
)

// validArticle returns a copy of an article file that passes check.
func validArticle(t *testing.T) (*content, *articleFile) {
	t.Helper()
	c, err := loadContent()
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range c.articles {
		if a.Path == "/system/2021/09/23/000123456.shtml" { // GBK, legacy
			cp := *a
			return c, &cp
		}
	}
	t.Fatal("fixture article missing")
	return nil, nil
}

func TestContent_CheckRefusesBrokenArticles(t *testing.T) {
	for _, tc := range []struct {
		name   string
		break_ func(a *articleFile)
		want   string
	}{
		{"unknown template", func(a *articleFile) { a.Template = "fancy" }, "unknown template"},
		{"unknown encoding", func(a *articleFile) { a.Encoding = "koi8-r" }, "unknown encoding"},
		{"unknown section", func(a *articleFile) { a.Section = "sports" }, "unknown section"},
		{"no body", func(a *articleFile) { a.Body = " \n" }, "required"},
		{"text GBK cannot carry", func(a *articleFile) { a.Title += "ᠵᠠᠷᠤᠳ" }, "gbk cannot carry"},
		{"credited name not on the page", func(a *articleFile) { a.Bylines = append(a.Bylines, Byline{Name: "无名氏", Role: "reporter"}) }, "not shown"},
		{"unknown role", func(a *articleFile) { a.Bylines[0].Role = "intern" }, "unknown role"},
		{"date style shows less than published", func(a *articleFile) { a.Published = a.Published.Add(90 * time.Minute) }, "no time of day"},
		{"seconds hidden", func(a *articleFile) {
			a.DateStyle = "dash"
			a.Published = a.Published.Add(time.Second)
		}, "no seconds"},
		{"unknown date style", func(a *articleFile) { a.DateStyle = "lunar" }, "unknown date_style"},
		{"modern template in GBK", func(a *articleFile) { a.Template = "modern" }, "UTF-8 only"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c, a := validArticle(t)
			if err := c.check(a); err != nil {
				t.Fatalf("fixture does not pass: %v", err)
			}
			tc.break_(a)
			err := c.check(a)
			if err == nil || !strings.Contains(err.Error(), tc.want) {
				t.Errorf("check = %v, want an error with %q", err, tc.want)
			}
		})
	}
}

func TestContent_NoBreakSpaceAllowedInGBK(t *testing.T) {
	c, a := validArticle(t)
	a.Body = "本报讯(记者 赵彦臻)\u00a09月27日上午"
	a.Bylines = nil
	if err := c.check(a); err != nil {
		t.Errorf("a no-break space in a GBK article: %v", err)
	}
}

func TestContent_EditionsMustApply(t *testing.T) {
	c, err := loadContent()
	if err != nil {
		t.Fatal(err)
	}
	byPath := map[string]*articleFile{}
	for _, a := range c.articles {
		byPath[a.Path] = a
	}
	e := &c.site.Editions[1]
	e.Edits[0].Before = "a paragraph the article never had"
	if err := c.checkEditions(byPath); err == nil {
		t.Error("an edit whose 'before' does not match was accepted")
	}
}

func TestDateText(t *testing.T) {
	at := time.Date(2021, 9, 28, 9, 47, 3, 0, cst)
	day := time.Date(2021, 9, 28, 0, 0, 0, 0, cst)
	for _, tc := range []struct {
		style string
		t     time.Time
		text  string
		truth string
	}{
		{"slash", at, "2021/9/28 9:47:03", "2021-09-28T09:47:03+08:00"},
		{"cn", at.Add(-3 * time.Second), "2021年9月28日 09:47", "2021-09-28T09:47:00+08:00"},
		{"dash", at.Add(-3 * time.Second), "2021-09-28 09:47", "2021-09-28T09:47:00+08:00"},
		{"labeltime", at, "发布时间：2021-09-28 09:47:03", "2021-09-28T09:47:03+08:00"},
		{"label", day, "发布时间：2021-09-28", "2021-09-28"},
		{"bracket", day, "[2021-09-28]", "2021-09-28"},
		{"english", at.UTC(), "September 28, 2021", "2021-09-28T01:47:03Z"},
	} {
		if got := dateText(tc.style, tc.t); got != tc.text {
			t.Errorf("dateText(%s) = %q, want %q", tc.style, got, tc.text)
		}
		if got := groundTruthTime(tc.style, tc.t); got != tc.truth {
			t.Errorf("groundTruthTime(%s) = %q, want %q", tc.style, got, tc.truth)
		}
	}
}

// The huge page's reader gives the same bytes however it is read.
func TestHugeReader(t *testing.T) {
	for _, size := range []int64{0, 10, 300, 4099, 1 << 16} {
		h := newHugeReader(size)
		all, err := io.ReadAll(h)
		if err != nil {
			t.Fatal(err)
		}
		if want := max(size, int64(len(h.head)+len(h.tail))); int64(len(all)) != want {
			t.Errorf("size %d: read %d bytes, want %d", size, len(all), want)
		}
		if !bytes.HasPrefix(all, []byte(h.head)) || !bytes.HasSuffix(all, []byte(h.tail)) {
			t.Errorf("size %d: head or tail missing", size)
		}
		if size < 4000 {
			continue
		}
		off := int64(len(h.head) + 7)
		if _, err := h.Seek(off, io.SeekStart); err != nil {
			t.Fatal(err)
		}
		part := make([]byte, 1000)
		if _, err := io.ReadFull(h, part); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(part, all[off:off+1000]) {
			t.Errorf("size %d: reading after a seek gives other bytes", size)
		}
		if end, _ := h.Seek(0, io.SeekEnd); end != size {
			t.Errorf("seek to end: %d, want %d", end, size)
		}
	}
}

func TestPDFRejectsNonASCII(t *testing.T) {
	if _, err := makePDF([]string{"供热"}); err == nil {
		t.Error("makePDF accepted text its font cannot show")
	}
}
