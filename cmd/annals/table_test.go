package main

import (
	"bytes"
	"os"
	"strings"
	"testing"
)

func TestNewTerminal(t *testing.T) {
	env := func(kv ...string) func(string) string {
		return func(k string) string {
			for i := 0; i+1 < len(kv); i += 2 {
				if kv[i] == k {
					return kv[i+1]
				}
			}
			return ""
		}
	}
	for _, tc := range []struct {
		name   string
		isTerm bool
		width  int
		getenv func(string) string
		want   terminal
	}{
		{"pipe", false, 0, env(), terminal{width: 100}},
		{"pipe ignores the terminal's width", false, 60, env(), terminal{width: 100}},
		{"terminal", true, 132, env(), terminal{width: 132, color: true}},
		{"terminal with NO_COLOR", true, 132, env("NO_COLOR", "1"), terminal{width: 132}},
		{"NO_COLOR set to anything", true, 80, env("NO_COLOR", "0"), terminal{width: 80}},
		{"unknown width", true, 0, env(), terminal{width: 100, color: true}},
	} {
		if got := newTerminal(tc.isTerm, tc.width, tc.getenv); got != tc.want {
			t.Errorf("%s: %+v, want %+v", tc.name, got, tc.want)
		}
	}
	if got := detectTerminal(&bytes.Buffer{}, nil); got != (terminal{width: 100}) {
		t.Errorf("buffer: %+v", got)
	}
	f, err := os.CreateTemp(t.TempDir(), "out")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := detectTerminal(f, nil); got.color {
		t.Errorf("a file is not a terminal: %+v", got)
	}
}

// Columns line up whatever mix of narrow, wide and ambiguous characters
// the cells hold, and every line fits the width.
func TestTable_AlignsWideCharacters(t *testing.T) {
	rows := [][]string{
		{"1", "通辽市第五次党代会隆重开幕", "tl.example.cn", "live"},
		{"22", "Council elections in Tongliao and the wider region", "news.example.com", "moved"},
		{"333", "混合 mixed 文字 text «quoted» — ①②③", "gov.example.cn", "gone"},
		{"4", "ｆｕｌｌｗｉｄｔｈ　ｓｐａｃｅ and 한국어 and にほんご", "jp.example.jp", "live"},
		{"5", "", "e.example", "live"},
	}
	for _, width := range []int{30, 45, 60, 80, 100, 160} {
		tb := &table{cols: []column{
			{title: "N", right: true},
			{title: "TITLE", min: 6, flex: true},
			{title: "SITE", min: 6, max: 20, optional: true},
			{title: "|STATE"},
		}}
		for _, r := range rows {
			tb.add(r[0], r[1], r[2], "|"+r[3])
		}
		var out bytes.Buffer
		if err := tb.render(&out, terminal{width: width}); err != nil {
			t.Fatal(err)
		}
		lines := strings.Split(strings.TrimRight(out.String(), "\n"), "\n")
		if len(lines) != len(rows)+1 {
			t.Fatalf("width %d: %d lines", width, len(lines))
		}
		col := -1
		for _, l := range lines {
			if w := cellWidth.StringWidth(l); w > width {
				t.Errorf("width %d: line of %d columns: %q", width, w, l)
			}
			i := strings.Index(l, "|")
			if i < 0 {
				t.Fatalf("width %d: the last column is gone: %q", width, l)
			}
			at := cellWidth.StringWidth(l[:i])
			if col >= 0 && at != col {
				t.Errorf("width %d: last column at %d, want %d:\n%s", width, at, col, out.String())
				break
			}
			col = at
		}
	}
}

func TestTable_Golden(t *testing.T) {
	tb := &table{cols: []column{
		{title: "#", right: true},
		{title: "TITLE", min: 8, flex: true},
		{title: "SITE", max: 16, optional: true},
	}, noteCol: 1}
	tb.add("1", "通辽市第五次党代会隆重开幕，会议听取并审议了市委工作报告", "tl.example.cn")
	tb.note(span{text: "…中国共产党通辽市第五次"}, span{text: "代表大会", style: ansiBold}, span{text: "隆重开幕。 The congress opened on Monday in Tongliao, with delegates from every banner and county."})
	tb.add("2", "Council elections", "news.example.com")
	var plain, color bytes.Buffer
	tb.render(&plain, terminal{width: 48})
	tb.render(&color, terminal{width: 48, color: true})
	researchGolden(t, "table-48.txt", plain.String())
	researchGolden(t, "table-48-color.txt", color.String())
	if stripANSI(color.String()) != plain.String() {
		t.Errorf("colour changes the layout:\n%s\n%s", stripANSI(color.String()), plain.String())
	}
}

func TestWrapSpans(t *testing.T) {
	term := terminal{width: 80}
	for _, tc := range []struct {
		text  string
		width int
		want  []string
	}{
		{"通辽市第五次党代会隆重开幕", 10, []string{"通辽市第五", "次党代会隆", "重开幕"}},
		{"The congress opened on Monday", 12, []string{"The congress", "opened on", "Monday"}},
		{"中文English混排", 8, []string{"中文", "English", "混排"}},
		{"supercalifragilistic", 8, []string{"supercal", "ifragili", "stic"}},
		{"第一段\n第二段", 20, []string{"第一段", "第二段"}},
		{"", 10, []string{""}},
	} {
		got := term.wrapSpans([]span{{text: tc.text}}, tc.width, 0)
		if strings.Join(got, "|") != strings.Join(tc.want, "|") {
			t.Errorf("wrap %q at %d: %q, want %q", tc.text, tc.width, got, tc.want)
		}
	}
	got := term.wrapSpans([]span{{text: "通辽市第五次党代会隆重开幕"}}, 10, 2)
	if len(got) != 2 || got[1] != "次党代会…" {
		t.Errorf("cut to two lines: %q", got)
	}
	// Styles survive wrapping and are closed on every line.
	color := terminal{width: 80, color: true}
	for _, l := range color.wrapSpans([]span{{text: "通辽市"}, {text: "第五次党代会", style: ansiBold}, {text: "隆重开幕"}}, 6, 0) {
		if strings.Count(l, "\x1b[0m") != strings.Count(l, "\x1b[1m") {
			t.Errorf("unbalanced styles in %q", l)
		}
	}
}

func TestOneLineStripsControls(t *testing.T) {
	for in, want := range map[string]string{
		"a\x1b[31mred\x1b[0m":     "a[31mred[0m",
		"bell\x07 tab\tnew\nline": "bell tab new line",
		"  spaces   inside  ":     "spaces inside",
		"c1\u0085\u009bx":         "c1x",
	} {
		if got := oneLine(in); got != want {
			t.Errorf("oneLine(%q) = %q, want %q", in, got, want)
		}
	}
}
