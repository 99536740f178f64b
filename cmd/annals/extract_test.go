package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annals/annals/extract"
)

// extractMain returns a Main whose streams are buffers.
func extractMain(stdin string) (*Main, *bytes.Buffer, *bytes.Buffer) {
	var out, errb bytes.Buffer
	return &Main{
		Stdin: strings.NewReader(stdin), Stdout: &out, Stderr: &errb,
		Getenv: func(string) string { return "" },
		Logger: slog.New(slog.NewTextHandler(io.Discard, nil)),
	}, &out, &errb
}

func decodeLines(t *testing.T, out string) []extract.Article {
	t.Helper()
	var arts []extract.Article
	for _, line := range strings.Split(strings.TrimSuffix(out, "\n"), "\n") {
		if line == "" {
			continue
		}
		var a extract.Article
		if err := json.Unmarshal([]byte(line), &a); err != nil {
			t.Fatalf("line is not one JSON object: %v: %q", err, line)
		}
		arts = append(arts, a)
	}
	return arts
}

func seedPage(name string) string { return filepath.Join("..", "..", "testdata", "pages", name) }

func TestExtractCommand(t *testing.T) {
	ctx := context.Background()
	t.Run("FilesAndStdin", func(t *testing.T) {
		stdin, err := os.ReadFile(seedPage("seed-modern-utf8.html"))
		if err != nil {
			t.Fatal(err)
		}
		empty := filepath.Join(t.TempDir(), "empty.html")
		if err := os.WriteFile(empty, []byte("<html><body><nav>首页</nav></body></html>"), 0o644); err != nil {
			t.Fatal(err)
		}
		m, out, _ := extractMain(string(stdin))
		err = m.Run(ctx, []string{"extract", "--url", "https://www.example.cn/news/1.html", seedPage("seed-table-gbk.html"), "-", empty})
		if err != nil {
			t.Fatal(err)
		}
		arts := decodeLines(t, out.String())
		if len(arts) != 3 {
			t.Fatalf("got %d lines, want 3 (one per page, in order)", len(arts))
		}
		for i, a := range arts[:2] {
			if a.Title != "中国共产党通辽市第六次代表大会隆重开幕" || a.Published != "2021-09-28T09:47:03+08:00" {
				t.Errorf("page %d: title %q published %q", i, a.Title, a.Published)
			}
		}
		if arts[0].Charset != "gbk" || arts[1].Charset != "utf-8" {
			t.Errorf("charsets %q, %q", arts[0].Charset, arts[1].Charset)
		}
		if arts[2].Body != "" || arts[2].Bylines == nil {
			t.Errorf("page with no article: body %q, bylines %v", arts[2].Body, arts[2].Bylines)
		}
		if !strings.Contains(out.String(), `"bylines":[]`) {
			t.Error("empty bylines are not printed as []")
		}
	})
	t.Run("ContentType", func(t *testing.T) {
		m, out, _ := extractMain("")
		if err := m.Run(ctx, []string{"extract", "--content-type", "text/html; charset=gbk", seedPage("seed-table-nocharset.html")}); err != nil {
			t.Fatal(err)
		}
		a := decodeLines(t, out.String())[0]
		if a.Charset != "gbk" || a.CharsetSource != extract.CharsetFromHeader {
			t.Errorf("charset %q from %q", a.Charset, a.CharsetSource)
		}
	})
	t.Run("MissingFile", func(t *testing.T) {
		m, out, _ := extractMain("")
		err := m.Run(ctx, []string{"extract", seedPage("seed-table-gbk.html"), filepath.Join(t.TempDir(), "nope.html")})
		if err == nil || !strings.Contains(err.Error(), "nope.html") {
			t.Fatalf("err = %v, want one naming the missing file", err)
		}
		if m.exitCode(err) == 0 {
			t.Error("exit code 0 for a missing file")
		}
		if n := len(decodeLines(t, out.String())); n != 1 {
			t.Errorf("%d lines printed before the missing file, want 1", n)
		}
	})
	t.Run("Binary", func(t *testing.T) {
		bin := filepath.Join(t.TempDir(), "x.png")
		os.WriteFile(bin, []byte("\x89PNG\r\n\x1a\n\x00\x00\x00\x0dIHDR\x00\x00"), 0o644)
		m, out, errb := extractMain("")
		err := m.Run(ctx, []string{"extract", bin, seedPage("seed-table-gbk.html")})
		if err == nil || m.exitCode(err) != exitFailure {
			t.Errorf("err = %v, want a failure", err)
		}
		if n := len(decodeLines(t, out.String())); n != 2 {
			t.Errorf("%d lines, want 2: the binary page keeps its (empty) line", n)
		}
		if !strings.Contains(errb.String(), "binary") {
			t.Errorf("stderr %q does not say why", errb.String())
		}
	})
	t.Run("Usage", func(t *testing.T) {
		m, _, _ := extractMain("")
		err := m.Run(ctx, []string{"extract"})
		if !errors.Is(err, errUsage) || m.exitCode(err) != exitUsage {
			t.Errorf("no files: err = %v", err)
		}
		bad := filepath.Join(t.TempDir(), "rules.toml")
		os.WriteFile(bad, []byte("[[site]]\nhost = \"a.com\"\ntitle = \"h1[\"\n"), 0o644)
		m, _, _ = extractMain("")
		err = m.Run(ctx, []string{"extract", "--rules", bad, seedPage("seed-table-gbk.html")})
		if !errors.Is(err, errUsage) || !strings.Contains(err.Error(), "rules.toml:3") {
			t.Errorf("bad rules: err = %v", err)
		}
		m, _, _ = extractMain("")
		if err := m.Run(ctx, []string{"extract", "-", "-"}); !errors.Is(err, errUsage) {
			t.Errorf("stdin twice: err = %v", err)
		}
	})
	t.Run("Rules", func(t *testing.T) {
		rules := filepath.Join(t.TempDir(), "rules.yaml")
		os.WriteFile(rules, []byte("site:\n  - host: www.example.cn\n    title: td.time\n"), 0o644)
		m, out, _ := extractMain("")
		if err := m.Run(ctx, []string{"extract", "--rules", rules, "--url", "http://www.example.cn/a.html", seedPage("seed-table-gbk.html")}); err != nil {
			t.Fatal(err)
		}
		if a := decodeLines(t, out.String())[0]; a.Title != "2021/9/28 9:47:03" {
			t.Errorf("the rule's title selector was not used: %q", a.Title)
		}
	})
}
