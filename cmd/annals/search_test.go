package main

import (
	"encoding/json"
	"errors"
	"strings"
	"testing"

	"github.com/annals/annals/web"
)

func TestSearchCommand_Golden(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"search-renda.txt", []string{"人大"}},
		{"search-page.txt", []string{"--site", "gov.example.cn", "--limit", "5", "--offset", "5"}},
		{"search-moved.txt", []string{"council", "--state", "moved"}},
		{"search-asof.txt", []string{"--as-of", "2021-09-28", "在通辽 OR 隆重"}},
		{"search-hostile.txt", []string{"hostile"}},
		{"search-none.txt", []string{"无此内容"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runCmd(t, &SearchCommand{}, append([]string{"--db", ra.path}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			researchGolden(t, tc.golden, out)
			if strings.ContainsAny(out, "\x1b\x07") {
				t.Errorf("output carries control characters")
			}
		})
	}
}

func TestSearchCommand_ChineseOfAnyLength(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, query := range []string{"辽", "通辽", "党代会", "第五次代表大会", `"代表大会在通辽"`, "title:开幕", "通辽 NOT 政协委员"} {
		out, err := runCmd(t, &SearchCommand{}, "--db", ra.path, "--format", "jsonl", query)
		if err != nil {
			t.Fatalf("%s: %v", query, err)
		}
		want := 1
		if query == "通辽 NOT 政协委员" {
			want = 0
		}
		if n := strings.Count(out, `"id":`); n != want || (want == 1 && !strings.Contains(out, congressURL)) {
			t.Errorf("%s: %d hits, want %d: %s", query, n, want, out)
		}
	}
}

func TestSearchCommand_JSON(t *testing.T) {
	ra := buildResearchArchive(t)
	out, err := runCmd(t, &SearchCommand{}, "--db", ra.path, "--format", "json", "--site", "gov.example.cn", "--limit", "3", "--since", "2021-09-20")
	if err != nil {
		t.Fatal(err)
	}
	var res web.SearchResponse
	if err := json.Unmarshal([]byte(out), &res); err != nil {
		t.Fatal(err)
	}
	if res.Total != 9 || len(res.Hits) != 3 || res.Hits[0].Published != "2021-09-28" || res.Query.Site != "gov.example.cn" || res.Query.Limit != 3 {
		t.Errorf("json: %+v", res)
	}
	// Flags may follow the query.
	out, err = runCmd(t, &SearchCommand{}, "--db", ra.path, "人大", "--format", "jsonl")
	if err != nil {
		t.Fatal(err)
	}
	var h web.Hit
	if err := json.Unmarshal([]byte(strings.TrimSpace(out)), &h); err != nil || h.ID != ra.congress || !strings.Contains(h.SnippetHTML, "<mark>人大</mark>") {
		t.Errorf("jsonl: %v %+v", err, h)
	}
}

func TestSearchCommand_TerminalWidth(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, width := range []int{40, 60, 80, 120} {
		for _, color := range []bool{false, true} {
			out, err := runCmd(t, &SearchCommand{Term: fakeTerm(width, color)}, "--db", ra.path, "会")
			if err != nil {
				t.Fatal(err)
			}
			if color != strings.Contains(out, "\x1b[") {
				t.Errorf("width %d colour %v: colour codes present = %v", width, color, !color)
			}
			for _, line := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
				if w := cellWidth.StringWidth(stripANSI(line)); w > width {
					t.Errorf("width %d: line of %d columns: %q", width, w, stripANSI(line))
				}
			}
		}
	}
}

func TestSearchCommand_Errors(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--db", ra.path, `"unclosed`}, exitUsage, "unclosed quote at character 1 (hint: put phrases in"},
		{[]string{"--db", ra.path, "人大 AND (通辽"}, exitUsage, "is not closed"},
		{[]string{"--db", ra.path, "OR"}, exitUsage, "needs a word before and after it"},
		{[]string{"--db", ra.path, "--state", "deleted", "x"}, exitUsage, "--state"},
		{[]string{"--db", ra.path, "--limit", "0", "x"}, exitUsage, "--limit"},
		{[]string{"--db", ra.path, "--since", "28/09/2021", "x"}, exitUsage, "--since"},
		{[]string{"--db", ra.path, "--since", "2022-01-01", "--until", "2021-01-01"}, exitUsage, "not after"},
		{[]string{"--db", ra.path, "--format", "xml", "x"}, exitUsage, "--format"},
		{[]string{"--db", ra.path, "--site", "a b", "x"}, exitUsage, "--site"},
		{[]string{"--db", ra.path + ".missing", "x"}, exitFailure, "no archive at"},
	} {
		out, errOut, code := runMain(t, append([]string{"search"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) || out != "" {
			t.Errorf("%v: exit %d, stderr %q, want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
		if lines := strings.Count(strings.TrimSpace(errOut), "\n"); lines > 0 && tc.code == exitUsage && !strings.Contains(errOut, "Usage:") {
			t.Errorf("%v: error on %d lines: %q", tc.args, lines+1, errOut)
		}
		if strings.Contains(errOut, "fts5") || strings.Contains(errOut, "SQL") {
			t.Errorf("%v: SQL leaks into the message: %q", tc.args, errOut)
		}
	}
	if _, _, code := runMain(t, "search", "--help"); code != exitOK {
		t.Errorf("--help: exit %d", code)
	}
	var e *exitError
	_, err := runCmd(t, &SearchCommand{}, "--db", ra.path, `"x`)
	if !errors.As(err, &e) || e.ExitCode() != exitUsage {
		t.Errorf("bad query error %v is not a usage exit", err)
	}
}

// stripANSI removes colour codes.
func stripANSI(s string) string {
	var b strings.Builder
	for i := 0; i < len(s); i++ {
		if s[i] == 0x1b && i+1 < len(s) && s[i+1] == '[' {
			j := i + 2
			for j < len(s) && (s[j] < 0x40 || s[j] > 0x7e) {
				j++
			}
			i = j
			continue
		}
		b.WriteByte(s[i])
	}
	return b.String()
}
