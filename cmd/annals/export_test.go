package main

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"flag"
	"net/http"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

var update = flag.Bool("update", false, "rewrite golden files")

// exportArchive builds a small archive: a Chinese article with two
// versions (its body has quotes, commas and paragraphs), and an English
// article that is gone.
func exportArchive(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "annals.db")
	db := archive.NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	run, err := db.StartRun(ctx, archive.RunInfo{Job: "tongliao", Seeds: []string{"http://tl.example.cn/"}})
	if err != nil {
		t.Fatal(err)
	}
	at := time.Date(2021, 9, 28, 1, 47, 3, 0, time.UTC)
	capture := func(url, body string, status int, when time.Time) *archive.Capture {
		return &archive.Capture{RunID: run, URL: url, Status: status, Body: []byte(body), StartedAt: when,
			Header: http.Header{"Content-Type": {"text/html; charset=gbk"}}}
	}
	a := &extract.Article{
		Title: "通辽市第五次党代会开幕", Kicker: "凝心聚力", Subtitle: "奋力书写新篇章",
		Published: "2021-09-28T09:47:03+08:00", Source: "通辽日报", Language: "zh",
		Bylines: []extract.Byline{{Name: "赵彦臻", Role: extract.RoleReporter}, {Name: "张启民", Role: extract.RolePhotographer}},
		Body:    "本报讯（记者 赵彦臻）大会开幕，代表说：\"团结奋斗\"。\n\n会议听取报告, 审议通过。",
	}
	for _, step := range []struct {
		c *archive.Capture
		a *extract.Article
	}{
		{capture("http://tl.example.cn/2021/1.html", "<p>v1</p>", 200, at), a},
		{capture("http://tl.example.cn/2021/1.html", "<p>v2</p>", 200, at.Add(24*time.Hour)), func() *extract.Article {
			b := *a
			b.Title = "通辽市第五次党代会隆重开幕"
			return &b
		}()},
		{capture("http://news.example.com/a.html", "<p>en</p>", 200, at), &extract.Article{
			Title: "Council elections", Language: "en", Bylines: []extract.Byline{{Name: "Jane Doe", Role: extract.RoleAuthor}},
			Body: "Voters elected a council.", Published: "2022-03-01"}},
		{capture("http://news.example.com/a.html", "", 404, at.Add(48*time.Hour)), nil},
	} {
		if _, err := db.Record(ctx, step.c, step.a); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := db.FinishRun(ctx, run, archive.RunCompleted, ""); err != nil {
		t.Fatal(err)
	}
	return path
}

// runMain is pipeRun without a deadline.
func runMain(t *testing.T, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	return pipeRun(t, context.Background(), args...)
}

func golden(t *testing.T, name string, got []byte) {
	t.Helper()
	path := filepath.Join("testdata", "export", name)
	if *update {
		if err := os.WriteFile(path, got, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	want, err := os.ReadFile(path)
	if err != nil {
		t.Fatalf("%v (run with -update to create it)", err)
	}
	if !bytes.Equal(got, want) {
		t.Errorf("%s differs from golden file:\n got %s\nwant %s", name, got, want)
	}
}

func TestExportCommand_Golden(t *testing.T) {
	db := exportArchive(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"latest.csv", []string{"--format", "csv"}},
		{"all-bom.csv", []string{"--format", "csv", "--versions", "all", "--bom"}},
		{"latest.json", []string{"--format", "json"}},
		{"all.jsonl", []string{"--format", "jsonl", "--versions", "all"}},
		{"site.jsonl", []string{"--format", "jsonl", "--site", "www.tl.example.cn"}},
		{"query.jsonl", []string{"--format", "jsonl", "--query", "elect*"}},
		{"since.jsonl", []string{"--format", "jsonl", "--versions", "all", "--since", "2021-09-29"}},
		{"until.jsonl", []string{"--format", "jsonl", "--versions", "all", "--until", "2021-09-28"}},
		{"published.jsonl", []string{"--format", "jsonl", "--versions", "all", "--published-since", "2022-01-01"}},
		{"empty.json", []string{"--format", "json", "--site", "none.example"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, errOut, code := runMain(t, append([]string{"export", "--db", db}, tc.args...)...)
			if code != 0 {
				t.Fatalf("exit %d: %s", code, errOut)
			}
			golden(t, tc.golden, []byte(out))
		})
	}
}

func TestExportCommand_Formats(t *testing.T) {
	db := exportArchive(t)
	t.Run("CSV", func(t *testing.T) {
		out, _, _ := runMain(t, "export", "--db", db, "--format", "csv", "--versions", "all", "--bom")
		if !strings.HasPrefix(out, "\ufeffurl,version,") || !strings.Contains(out, "\r\n") {
			t.Fatalf("no BOM or CRLF: %q", out[:40])
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		if len(recs) != 4 || len(recs[0]) != len(archive.ExportFields) {
			t.Fatalf("%d records of %d fields", len(recs), len(recs[0]))
		}
		byField := func(row int, f string) string {
			for i, name := range recs[0] {
				if name == f {
					return recs[row][i]
				}
			}
			t.Fatalf("no field %s", f)
			return ""
		}
		if got := byField(1, "bylines"); got != "赵彦臻 (reporter); 张启民 (photographer)" {
			t.Errorf("bylines %q", got)
		}
		if got := byField(1, "body"); !strings.Contains(got, "\"团结奋斗\"") || !strings.Contains(got, "\n\n") {
			t.Errorf("body %q", got)
		}
		if byField(2, "changed") != "title" || byField(3, "state") != "gone" || byField(1, "run_id") != "1" {
			t.Errorf("row 2 changed %q, row 3 state %q", byField(2, "changed"), byField(3, "state"))
		}
	})
	t.Run("JSON", func(t *testing.T) {
		out, _, _ := runMain(t, "export", "--db", db, "--format", "json", "--versions", "all")
		var recs []map[string]any
		if err := json.Unmarshal([]byte(out), &recs); err != nil {
			t.Fatal(err)
		}
		if len(recs) != 3 {
			t.Fatalf("%d records", len(recs))
		}
		for _, f := range archive.ExportFields {
			if _, ok := recs[0][f]; !ok {
				t.Errorf("field %s missing", f)
			}
		}
	})
	t.Run("Out", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "out.jsonl")
		_, errOut, code := runMain(t, "export", "--db", db, "--format", "jsonl", "--out", path)
		b, err := os.ReadFile(path)
		if code != 0 || err != nil || bytes.Count(b, []byte("\n")) != 2 || !strings.Contains(errOut, "exported 2 records") {
			t.Fatalf("exit %d %s %v %q", code, errOut, err, b)
		}
		// A failed export leaves an existing file alone.
		_, _, code = runMain(t, "export", "--db", db, "--format", "jsonl", "--out", path, "--query", `"unclosed`)
		if b2, _ := os.ReadFile(path); code != 2 || !bytes.Equal(b, b2) {
			t.Fatalf("failed export touched the file: exit %d", code)
		}
	})
}

// TestExportCommand_CSVSafe exports an article whose archived text would
// run as formulas in a spreadsheet: with --csv-safe those cells begin with
// an apostrophe, without it they are the archived text.
func TestExportCommand_CSVSafe(t *testing.T) {
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "annals.db")
	db := archive.NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	a := &extract.Article{Title: "=HYPERLINK(\"http://evil.example/\",\"通辽\")", Subtitle: "@SUM(A1)", Body: "-1 是负数", Language: "zh"}
	c := &archive.Capture{URL: "http://tl.example.cn/x.html", Status: 200, Body: []byte("<p>x</p>"), StartedAt: time.Date(2024, 1, 2, 3, 4, 5, 0, time.UTC)}
	if _, err := db.Record(ctx, c, a); err != nil {
		t.Fatal(err)
	}
	db.Close()
	cells := func(args ...string) map[string]string {
		t.Helper()
		out, errOut, code := runMain(t, append([]string{"export", "--db", path, "--format", "csv"}, args...)...)
		if code != 0 {
			t.Fatalf("exit %d: %s", code, errOut)
		}
		recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff"))).ReadAll()
		if err != nil || len(recs) != 2 {
			t.Fatalf("%d records: %v", len(recs), err)
		}
		m := map[string]string{}
		for i, f := range recs[0] {
			m[f] = recs[1][i]
		}
		return m
	}
	plain, safe := cells("--bom"), cells("--bom", "--csv-safe")
	for _, f := range []string{"title", "subtitle", "body"} {
		if strings.HasPrefix(plain[f], "'") || safe[f] != "'"+plain[f] {
			t.Errorf("%s: plain %q, --csv-safe %q", f, plain[f], safe[f])
		}
	}
	if safe["url"] != plain["url"] || safe["kicker"] != "" {
		t.Errorf("--csv-safe changed other cells: %q %q", safe["url"], safe["kicker"])
	}
}

func TestExportCommand_Errors(t *testing.T) {
	db := exportArchive(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"--db", db}, 2, "needs --format"},
		{[]string{"--db", db, "--format", "xml"}, 2, "unknown --format"},
		{[]string{"--db", db, "--format", "csv", "--versions", "some"}, 2, "unknown --versions"},
		{[]string{"--db", db, "--format", "json", "--bom"}, 2, "--bom applies"},
		{[]string{"--db", db, "--format", "jsonl", "--csv-safe"}, 2, "--csv-safe applies"},
		{[]string{"--db", db, "--format", "csv", "--published-since", "2022-01-02", "--published-until", "2022-01-01"}, 2, "is not after"},
		{[]string{"--db", db, "--format", "csv", "--published-until", "soon"}, 2, "not a date"},
		{[]string{"--db", db, "--format", "warc", "--published-since", "2022-01-01"}, 2, "select articles"},
		{[]string{"--db", db, "--format", "csv", "--since", "yesterday"}, 2, "not a date"},
		{[]string{"--db", db, "--format", "csv", "--since", "2022-01-02", "--until", "2022-01-01"}, 2, "is not after"},
		{[]string{"--db", db, "--format", "csv", "--query", "a AND"}, 2, "bad search query"},
		{[]string{"--db", filepath.Join(t.TempDir(), "none.db"), "--format", "csv"}, 1, "no archive at"},
	} {
		_, errOut, code := runMain(t, append([]string{"export"}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
	if _, err := os.Stat(filepath.Join(t.TempDir(), "none.db")); !errors.Is(err, os.ErrNotExist) {
		t.Error("export created an archive")
	}
}
