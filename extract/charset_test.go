package extract

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
)

const zhSample = "全市秋季农业生产现场推进会在东城区召开，会议总结了今年以来全市农业生产情况，部署了下一阶段的工作。"

func TestDecode(t *testing.T) {
	gbk := func(s string) string {
		b, err := simplifiedchinese.GBK.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return b
	}
	late := "<html><head><style>" + strings.Repeat("p{margin:0}\n", 200) + "</style><meta charset=gb2312></head><body>" + zhSample + "</body></html>"
	for _, tc := range []struct {
		name, raw, ct, charset, source string
	}{
		{"ascii, nothing declared", "<p>hello</p>", "", "utf-8", CharsetFromDefault},
		{"utf-8 sniffed", "<p>" + zhSample + "</p>", "", "utf-8", CharsetFromSniffed},
		{"utf-8 BOM", "\xef\xbb\xbf<p>" + zhSample + "</p>", "text/html; charset=gbk", "utf-8", CharsetFromBOM},
		{"header gbk", gbk("<p>" + zhSample + "</p>"), "text/html; charset=GBK", "gbk", CharsetFromHeader},
		{"header gb2312 decodes as GBK", gbk("<p>" + zhSample + "</p>"), "text/html;charset=gb2312", "gbk", CharsetFromHeader},
		{"meta after the first KiB", gbk(late), "", "gbk", CharsetFromMeta},
		{"meta http-equiv", gbk(`<meta http-equiv="Content-Type" content="text/html; charset=gb2312"><p>` + zhSample), "", "gbk", CharsetFromMeta},
		{"gbk undeclared", gbk("<p>" + zhSample + "</p>"), "", "gbk", CharsetFromSniffed},
		{"header says utf-8, bytes are gbk", gbk("<p>" + zhSample + "</p>"), "text/html; charset=utf-8", "gbk", CharsetFromSniffed},
		{"header says latin1, bytes are gbk", gbk("<p>" + zhSample + "</p>"), "text/html; charset=iso-8859-1", "gbk", CharsetFromSniffed},
		{"meta says gbk, bytes are utf-8", `<meta charset="gbk"><p>` + zhSample + "</p>", "", "utf-8", CharsetFromSniffed},
		{"unknown label", "<p>" + zhSample + "</p>", "text/html; charset=x-nonsense", "utf-8", CharsetFromSniffed},
		{"malformed header", gbk("<p>" + zhSample + "</p>"), "text/html; charset=gbk;;", "gbk", CharsetFromHeader},
		{"xml declaration", gbk(`<?xml version="1.0" encoding="gb2312"?><p>` + zhSample), "", "gbk", CharsetFromMeta},
	} {
		t.Run(tc.name, func(t *testing.T) {
			text, cs, src, err := Decode([]byte(tc.raw), tc.ct)
			if err != nil {
				t.Fatal(err)
			}
			if cs != tc.charset || src != tc.source {
				t.Errorf("Decode = %s (%s), want %s (%s)", cs, src, tc.charset, tc.source)
			}
			if strings.ContainsRune(text, '\uFFFD') {
				t.Errorf("mojibake: %q", head(text, 80))
			}
		})
	}
}

func TestDecode_Sniff(t *testing.T) {
	samples := []struct {
		want string
		raw  func() ([]byte, error)
	}{
		{"gbk", func() ([]byte, error) { return simplifiedchinese.GBK.NewEncoder().Bytes([]byte(zhSample)) }},
		{"big5", func() ([]byte, error) {
			return traditionalchinese.Big5.NewEncoder().Bytes([]byte("全市秋季農業生產現場推進會在東城區召開，會議總結了今年以來全市農業生產情況，部署了下一階段的工作。"))
		}},
		{"shift_jis", func() ([]byte, error) {
			return japanese.ShiftJIS.NewEncoder().Bytes([]byte("市議会は火曜日、使われなくなった川岸を公園に変える計画を承認した。長年の議論に決着がついた形だ。"))
		}},
		{"euc-kr", func() ([]byte, error) {
			return korean.EUCKR.NewEncoder().Bytes([]byte("시의회는 화요일에 버려진 강변을 공원으로 바꾸는 계획을 승인했다. 오랜 논쟁이 마무리되었다."))
		}},
		{"windows-1252", func() ([]byte, error) {
			return charmap.Windows1252.NewEncoder().Bytes([]byte("Le conseil municipal a approuvé le projet après une décennie de débats passionnés à l'hôtel de ville."))
		}},
	}
	for _, s := range samples {
		raw, err := s.raw()
		if err != nil {
			t.Fatal(err)
		}
		text, cs, src, err := Decode(raw, "")
		if err != nil {
			t.Fatal(err)
		}
		if cs != s.want || src != CharsetFromSniffed {
			t.Errorf("sniffed %s (%s), want %s; text %q", cs, src, s.want, head(text, 40))
		}
	}
}

func TestDecode_Binary(t *testing.T) {
	if _, _, _, err := Decode([]byte("\x00\x01\x02GIF89a\x00\x00"), ""); err == nil {
		t.Error("binary input decoded without error")
	}
	if _, _, _, err := Decode(append([]byte("<html><p>x</p>"), make([]byte, 1000)...), ""); err == nil {
		t.Error("a page running into a kilobyte of NULs decoded without error")
	}
	// A page with a stray NUL is still a page.
	page := "<html><head><title>t</title></head><body>" + strings.Repeat("<p>Text\x00 of a page.</p>", 50)
	text, _, _, err := Decode([]byte(page), "text/html")
	if err != nil || !strings.Contains(text, "Text\x00 of a page.") {
		t.Errorf("a page with stray NULs: %v", err)
	}
}

func FuzzDecode(f *testing.F) {
	f.Add([]byte("<meta charset=gbk><p>\xc4\xe3\xba\xc3</p>"), "text/html; charset=utf-8")
	f.Add([]byte("\xef\xbb\xbf<p>x</p>"), "")
	f.Add([]byte("\xff\xfe<\x00p\x00>\x00"), "text/html; charset=")
	f.Add([]byte("<?xml encoding='big5'?>\xa4\xa4"), "text/html; charset=\"gbk")
	f.Fuzz(func(t *testing.T, raw []byte, ct string) {
		text, cs, src, err := Decode(raw, ct)
		if err != nil {
			return
		}
		if !utf8.ValidString(text) {
			t.Errorf("Decode gave invalid UTF-8 (%s, %s)", cs, src)
		}
		if cs == "" || src == "" {
			t.Errorf("Decode gave no charset (%q) or source (%q)", cs, src)
		}
	})
}
