package main

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/annals/annals/web"
)

func TestShowCommand_Golden(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		golden string
		args   []string
	}{
		{"show-latest.txt", []string{"1"}},
		{"show-v1.txt", []string{congressURL, "--version", "1"}},
		{"show-asof.txt", []string{"--as-of", "2021-09-29", "tl.example.cn/2021/09/28/congress.html"}},
		{"show-moved.txt", []string{councilURL}},
		{"show-hostile.txt", []string{"http://xss.example.org/1.html"}},
	} {
		t.Run(tc.golden, func(t *testing.T) {
			out, err := runCmd(t, &ShowCommand{}, append([]string{"--db", ra.path}, tc.args...)...)
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

// The raw bytes are the GBK bytes the server sent, not re-encoded.
func TestShowCommand_Raw(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		want []byte
	}{
		{[]string{"--raw", "--version", "1", "1"}, ra.gbkV1},
		{[]string{congressURL, "--raw", "--version", "2"}, ra.gbkV2},
		{[]string{"--raw", "--as-of", "2021-09-28", congressURL}, ra.gbkV1},
	} {
		var out bytes.Buffer
		m := &Main{Stdout: &out, Stderr: &bytes.Buffer{}, Getenv: func(string) string { return "" }}
		if err := m.Run(t.Context(), append([]string{"show", "--db", ra.path}, tc.args...)); err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(out.Bytes(), tc.want) {
			t.Errorf("%v: %d bytes differ from the %d captured", tc.args, out.Len(), len(tc.want))
		}
		if bytes.Contains(out.Bytes(), []byte("通辽")) {
			t.Errorf("%v: the bytes were decoded to UTF-8", tc.args)
		}
	}
}

func TestShowCommand_JSON(t *testing.T) {
	ra := buildResearchArchive(t)
	out, err := runCmd(t, &ShowCommand{}, "--db", ra.path, "--format", "json", "--version", "2", "1")
	if err != nil {
		t.Fatal(err)
	}
	var a web.Article
	if err := json.Unmarshal([]byte(out), &a); err != nil {
		t.Fatal(err)
	}
	c := a.Version.Content
	if a.ID != ra.congress || a.Version.Version != 2 || a.LatestVersion != 3 || c == nil || c.Title != "通辽市第五次党代会隆重开幕" ||
		len(c.Bylines) != 2 || strings.Join(a.Version.Changed, ",") != "title,body" {
		t.Errorf("json: %+v", a)
	}
}

func TestShowCommand_Errors(t *testing.T) {
	ra := buildResearchArchive(t)
	for _, tc := range []struct {
		args []string
		code int
		msg  string
	}{
		{[]string{"1", "--version", "9"}, exitFailure, "article 1 has 3 version(s), not 9"},
		{[]string{"1", "--as-of", "2020-01-01"}, exitFailure, "not yet captured"},
		{[]string{"424242"}, exitFailure, "no article 424242"},
		{[]string{"http://nowhere.example/x.html"}, exitFailure, "no article at http://nowhere.example/x.html"},
		{[]string{"0"}, exitUsage, "ids are positive"},
		{[]string{}, exitUsage, "needs an article URL or id"},
		{[]string{"1", "2"}, exitUsage, "one article URL or id"},
		{[]string{"1", "--version", "1", "--as-of", "2021-09-28"}, exitUsage, "not both"},
		{[]string{"1", "--raw", "--format", "json"}, exitUsage, "--raw"},
		{[]string{"1", "--format", "yaml"}, exitUsage, "--format"},
	} {
		_, errOut, code := runMain(t, append([]string{"show", "--db", ra.path}, tc.args...)...)
		if code != tc.code || !strings.Contains(errOut, tc.msg) {
			t.Errorf("%v: exit %d, %q; want %d and %q", tc.args, code, errOut, tc.code, tc.msg)
		}
	}
}
