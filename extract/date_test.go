package extract

import (
	"testing"
	"time"
)

func TestFindStamp(t *testing.T) {
	shanghai := chinaZone
	for _, tc := range []struct {
		in, want string
		zone     *time.Location
		assumed  bool
	}{
		{"2021年9月28日 09:47", "2021-09-28T09:47:00+08:00", shanghai, true},
		{"2021年09月28日09:47:03", "2021-09-28T09:47:03+08:00", shanghai, true},
		{"发布时间：2021-09-28", "2021-09-28", shanghai, false},
		{"2021/9/28 9:47:03", "2021-09-28T09:47:03+08:00", shanghai, true},
		{"[2021-09-28]", "2021-09-28", shanghai, false},
		{"2021.09.28 16:31 来源：河南日报", "2021-09-28T16:31:00+08:00", shanghai, true},
		{"2021-09-28T09:47:03+08:00", "2021-09-28T09:47:03+08:00", nil, false},
		{"2021-09-28T01:47:03Z", "2021-09-28T01:47:03Z", nil, false},
		{"2021-09-28 09:47:03 +0200", "2021-09-28T09:47:03+02:00", nil, false},
		{"September 28, 2021 9:47 AM EDT", "2021-09-28T09:47:00-04:00", nil, false},
		{"Sep 28, 2021 at 9:47 pm", "2021-09-28T21:47:00Z", nil, true},
		{"28 September 2021", "2021-09-28", nil, false},
		{"Veröffentlicht am 28. September 2021, 10:39 Uhr", "2021-09-28T10:39:00+02:00", time.FixedZone("", 7200), true},
		{"28.09.2021", "2021-09-28", nil, false},
		{"28. März 2021", "2021-03-28", nil, false},
		{"le 28 septembre 2021", "2021-09-28", nil, false},
		{"2021年9月28日（北京时间）", "2021-09-28", nil, false},
		{"2021-09-28 09:47（北京时间）", "2021-09-28T09:47:00+08:00", nil, false},
		{"uploaded 23.09.21", "2021-09-23", nil, false},
	} {
		st, ok := findStamp(tc.in, true)
		if !ok {
			t.Errorf("findStamp(%q) found nothing", tc.in)
			continue
		}
		got, assumed := st.format(tc.zone)
		if got != tc.want || assumed != tc.assumed {
			t.Errorf("findStamp(%q) = %s (assumed %v), want %s (assumed %v)", tc.in, got, assumed, tc.want, tc.assumed)
		}
	}
	for _, in := range []string{"", "电话：0475-8888888", "2021-13-45", "2021-02-30", "1850-01-01", "25:99", "第2021号文件", "版本 1.2.3"} {
		if st, ok := findStamp(in, false); ok {
			t.Errorf("findStamp(%q) = %+v, want nothing", in, st)
		}
	}
}

func TestParseStamp(t *testing.T) {
	for in, want := range map[string]string{
		"2021-09-28T09:47:03.000+08:00":   "2021-09-28T09:47:03+08:00",
		"Tue, 28 Sep 2021 09:47:03 GMT":   "2021-09-28T09:47:03Z",
		"Tue, 28 Sep 2021 09:47:03 +0800": "2021-09-28T09:47:03+08:00",
		"1632793623":                      "2021-09-28T01:47:03Z",
		"2021-09-28":                      "2021-09-28",
	} {
		st, ok := parseStamp(in)
		if !ok {
			t.Errorf("parseStamp(%q) failed", in)
			continue
		}
		if got, _ := st.format(nil); got != want {
			t.Errorf("parseStamp(%q) = %s, want %s", in, got, want)
		}
	}
}

func TestURLStamp(t *testing.T) {
	for in, want := range map[string]string{
		"http://www.gov.cn/xinwen/2021-09/28/content_1.htm":   "2021-09-28",
		"http://www.example.gov.cn/art/t20210928_123.html":    "2021-09-28",
		"https://news.example.com/2021/09/28/some-story.html": "2021-09-28",
		"https://news.example.com/20210928/a.html":            "2021-09-28",
		"https://www.example.de/home/2017/7/12/unter-uns":     "2017-07-12",
		"https://example.de/media-news/meldungen/29-10-2021":  "2021-10-29",
	} {
		st, ok := urlStamp(in)
		if !ok {
			t.Errorf("urlStamp(%q) failed", in)
			continue
		}
		if got, _ := st.format(nil); got != want {
			t.Errorf("urlStamp(%q) = %s, want %s", in, got, want)
		}
	}
	if _, ok := urlStamp("https://example.com/article/123456789"); ok {
		t.Error("urlStamp found a date in an id")
	}
}

func FuzzFindStamp(f *testing.F) {
	for _, s := range []string{"2021年9月28日 09:47", "2021/9/28 9:47:03", "September 28, 2021 9:47 AM EDT", "28.09.21", "1632793623", "2021-09-28T09:47:03+08:00"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		if st, ok := findStamp(s, true); ok {
			if !st.valid() {
				t.Errorf("findStamp(%q) = invalid %+v", s, st)
			}
			if out, _ := st.format(nil); out == "" {
				t.Errorf("empty format for %q", s)
			}
		}
		if st, ok := parseStamp(s); ok && !st.valid() {
			t.Errorf("parseStamp(%q) = invalid %+v", s, st)
		}
	})
}
