package main

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestHistoryCommand_Golden(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"history-congress.txt", []string{congressURL}},
		{"history-congress-all.txt", []string{"--all", "1"}},
		{"history-moved.txt", []string{councilURL}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runCmd(t, &HistoryCommand{}, append([]string{"--db", ra.path}, tc.args...)...)
			if err != nil {
				t.Fatal(err)
			}
			researchGolden(t, tc.golden, out)
		})
	}
}

func TestHistoryCommand_JSON(t *testing.T) {
	ra := buildResearchArchive(t)
	out, err := runCmd(t, &HistoryCommand{}, "--db", ra.path, "--format", "json", congressURL)
	if err != nil {
		t.Fatal(err)
	}
	var h historyJSON
	if err := json.Unmarshal([]byte(out), &h); err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range h.Events {
		kinds = append(kinds, e.Kind)
	}
	if h.Article.ID != ra.congress || len(h.Versions) != 3 || h.Versions[0].Content != nil ||
		strings.Join(kinds, " ") != "first_seen unchanged unchanged changed changed gone restored" || h.Events[5].Status != 404 {
		t.Errorf("json: %+v", h)
	}
	out, err = runCmd(t, &HistoryCommand{}, "--db", ra.path, "--format", "jsonl", councilURL)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(out), "\n")
	if len(lines) != 3 || !strings.Contains(lines[2], `"kind":"moved"`) || !strings.Contains(lines[2], movedURL) {
		t.Errorf("jsonl: %q", out)
	}
}

func TestHistoryCommand_Errors(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"999"}, exitFailure, "no article 999"},
		{[]string{}, exitUsage, "needs an article"},
		{[]string{"--format", "csv", "1"}, exitUsage, "--format"},
	} {
		_, errOut, code := runMain(t, append([]string{"history", "--db", ra.path}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
