package warc

import (
	"bytes"
	"fmt"
	"os"
	"slices"
	"strings"
	"testing"
	"time"
)

func TestSURT(t *testing.T) {
	for _, tc := range []struct{ in, want string }{
		{"https://www.Example.com/a/B?z=1&a=2#frag", "com,example)/a/b?a=2&z=1"},
		{"http://example.com", "com,example)/"},
		{"http://127.0.0.1:8080/x.html", "1,0,0,127:8080)/x.html"},
		{"https://news.example.cn:443/a", "cn,example,news)/a"},
		{"http://www2.example.org:80/", "org,example)/"},
		{"http://example.com/%E9%80%9A%E8%BE%BD", "com,example)/%e9%80%9a%e8%be%bd"},
		{"dns:example.com", "dns:example.com"},
		{"http://%zz", "http://%zz"},
	} {
		if got := SURT(tc.in); got != tc.want {
			t.Errorf("SURT(%q) = %q, want %q", tc.in, got, tc.want)
		}
	}
}

func TestEntry_CDXJ(t *testing.T) {
	e := Entry{Type: "response", URL: "http://www.example.com/a?x=<1>", Date: time.Date(2024, 1, 2, 3, 4, 5, 6e8, time.UTC),
		Status: 200, Mime: "text/html", Digest: "sha256:abcd", Offset: 10, Length: 20, Filename: "a.warc.gz"}
	want := `com,example)/a?x=<1> 20240102030405 {"url":"http://www.example.com/a?x=<1>","mime":"text/html","status":"200","digest":"abcd","length":"20","offset":"10","filename":"a.warc.gz"}`
	if got := e.CDXJ(); got != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

func TestIndex(t *testing.T) {
	for _, memory := range []int{0, 1000} { // all in memory; spilled in many runs
		t.Run(fmt.Sprint(memory), func(t *testing.T) {
			ix := &Index{Dir: t.TempDir(), Memory: memory}
			defer ix.Close()
			var want []string
			for i := range 300 {
				e := Entry{Type: "response", URL: fmt.Sprintf("http://h%d.example/p%d", i%7, (i*37)%101), Date: t0.Add(time.Duration(i%5) * time.Hour),
					Status: 200, Offset: int64(i * 100), Length: 100, Filename: "f.warc.gz"}
				if err := ix.Add(e); err != nil {
					t.Fatal(err)
				}
				want = append(want, e.CDXJ())
				if err := ix.Add(Entry{Type: "request", URL: e.URL}); err != nil {
					t.Fatal(err)
				}
			}
			if memory > 0 && len(ix.runs) < 2 {
				t.Errorf("%d runs spilled, want several", len(ix.runs))
			}
			slices.Sort(want)
			var buf bytes.Buffer
			if _, err := ix.WriteTo(&buf); err != nil {
				t.Fatal(err)
			}
			if got := strings.Split(strings.TrimSuffix(buf.String(), "\n"), "\n"); !slices.Equal(got, want) || ix.Len() != 300 {
				t.Errorf("%d lines (Len %d), want %d sorted", len(got), ix.Len(), len(want))
			}
			runs := ix.runs
			if err := ix.Close(); err != nil {
				t.Fatal(err)
			}
			for _, r := range runs {
				if _, err := os.Stat(r); !os.IsNotExist(err) {
					t.Errorf("run %s left behind", r)
				}
			}
		})
	}
}
