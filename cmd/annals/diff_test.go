package main

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/annals/annals/archive"
)

func TestDiffCommand_Golden(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		golden string
		term   termDetector
		args   []string
	}{
		{"diff-latest.txt", nil, []string{congressURL}},
		{"diff-1-2.txt", nil, []string{"--from", "1", "--to", "2", "1"}},
		{"diff-1-3-full.txt", nil, []string{"1", "--from", "1", "--context", "-1"}},
		{"diff-1-2-color.txt", fakeTerm(60, true), []string{"--from", "1", "--to", "2", "1"}},
		{"diff-english.txt", nil, []string{councilURL}},
		{"diff-same.txt", nil, []string{"--from", "2", "--to", "2", "1"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runCmd(t, &DiffCommand{Term: tc.term}, append([]string{"--db", ra.path}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			researchGolden(t, tc.golden, out)
			if tc.term == nil && strings.Contains(out, "\x1b") {
				t.Errorf("plain output carries colour codes")
			}
			if tc.term != nil {
				for _, l := range strings.Split(strings.TrimRight(out, "\n"), "\n") {
					if w := cellWidth.StringWidth(stripANSI(l)); w > 60 {
						t.Errorf("line of %d columns in a 60-column terminal: %q", w, stripANSI(l))
					}
				}
			}
		})
	}
}

func TestDiffCommand_JSON(t *testing.T) {
	ra := buildResearchArchive(t)
	out, err := runCmd(t, &DiffCommand{}, "--db", ra.path, "--format", "json", "--from", "1", "--to", "2", congressURL)
	if err != nil {
		t.Fatal(err)
	}
	var d archive.Diff
	if err := json.Unmarshal([]byte(out), &d); err != nil {
		t.Fatal(err)
	}
	if d.From != 1 || d.To != 2 || !d.Fields[0].Changed || d.Fields[0].Field != "title" || len(d.Paragraphs) != 4 {
		t.Errorf("json: %+v", d)
	}
}

func TestDiffCommand_Errors(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--to", "7", "1"}, exitFailure, "has 3 version(s)"},
		{[]string{"--from", "-1", "1"}, exitUsage, "count from 1"},
		{[]string{"x.example/none"}, exitFailure, "no article at x.example/none"},
	} {
		_, errOut, code := runMain(t, append([]string{"diff", "--db", ra.path}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
