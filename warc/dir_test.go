package warc

import (
	"fmt"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"testing"
	"time"
)

func TestDir(t *testing.T) {
	dir := t.TempDir()
	clock := t0
	d, err := OpenDir(DirOptions{Dir: dir, Prefix: "portal", MaxSize: 4000, Info: Info{Software: "annals/test"},
		Now: func() time.Time { clock = clock.Add(time.Second); return clock }})
	if err != nil {
		t.Fatal(err)
	}
	// Writers run concurrently, as crawl workers do.
	var wg sync.WaitGroup
	for i := range 40 {
		wg.Go(func() {
			body := strings.Repeat(fmt.Sprintf("<p>第%d段</p>", i), 40)
			if _, err := d.WriteCapture(page(fmt.Sprintf("http://127.0.0.1/%d.html", i), body, t0)); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	open, _ := filepath.Glob(filepath.Join(dir, "*.open"))
	if len(open) != 1 {
		t.Errorf("files being written: %v, want one", open)
	}
	if err := d.Close(); err != nil {
		t.Fatal(err)
	}
	if err := d.Close(); err != nil {
		t.Errorf("second Close: %v", err)
	}
	if _, err := d.WriteCapture(page("http://127.0.0.1/late", "x", t0)); err == nil {
		t.Error("write after Close succeeded")
	}
	files := d.Files()
	entries, _ := os.ReadDir(dir)
	if len(files) < 3 || len(entries) != len(files) {
		t.Fatalf("files %v, directory holds %d", files, len(entries))
	}
	name := regexp.MustCompile(`^portal-\d{17}-\d{5}\.warc\.gz$`)
	responses := 0
	for i, f := range files {
		if !name.MatchString(f) || !strings.HasSuffix(f, fmt.Sprintf("-%05d.warc.gz", i+1)) {
			t.Errorf("file name %q", f)
		}
		b, err := os.ReadFile(filepath.Join(dir, f))
		if err != nil {
			t.Fatal(err)
		}
		recs := readAll(t, b)
		if recs[0].Type != "warcinfo" {
			t.Errorf("%s starts with a %s record", f, recs[0].Type)
		}
		for j, r := range recs[1:] {
			if r.Type == "response" {
				responses++
				if recs[j].Type != "request" || recs[j].URL != r.URL {
					t.Errorf("%s: response of %s not after its request", f, r.URL)
				}
			}
		}
		// A file is closed once past MaxSize: by at most one capture.
		if i < len(files)-1 && (len(b) < 4000 || len(b) > 4000+2000) {
			t.Errorf("%s: %d bytes", f, len(b))
		}
	}
	if responses != 40 {
		t.Errorf("%d responses in the files, want 40", responses)
	}
}

func TestOpenDir_Refuses(t *testing.T) {
	if _, err := OpenDir(DirOptions{Dir: filepath.Join(t.TempDir(), "missing")}); err == nil {
		t.Error("missing directory accepted")
	}
	if _, err := OpenDir(DirOptions{Dir: t.TempDir(), Prefix: "a/b"}); err == nil {
		t.Error("prefix with a slash accepted")
	}
}
