package main

import (
	"bytes"
	"context"
	"os"
	"path/filepath"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// marker is a body too short for zstd to shrink: it is stored as is, so a
// test can find and alter its bytes in the file.
const marker = "PAYLOAD-MARKER-0123456789"

func verifyArchive(t *testing.T) string {
	t.Helper()
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "annals.db")
	db := archive.NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 200 {
		n := strconv.Itoa(i)
		body := strings.Repeat("<p>通辽市第五次党代会开幕 "+n+"</p>", 50)
		url := "http://tl.example.cn/" + n + ".html"
		if i == 7 {
			body = marker
			url = "http://tl.example.cn/marker.html"
		}
		c := &archive.Capture{URL: url, Status: 200, Body: []byte(body), StartedAt: time.Unix(1632793623, 0)}
		if _, err := db.Record(ctx, c, &extract.Article{Title: "标题 " + n, Body: "正文 " + n}); err != nil {
			t.Fatal(err)
		}
	}
	if err := db.Close(); err != nil {
		t.Fatal(err)
	}
	return path
}

func TestVerifyCommand(t *testing.T) {
	t.Run("Clean", func(t *testing.T) {
		path := verifyArchive(t)
		out, errOut, code := runMain(t, "verify", "--db", path)
		if code != 0 || !strings.Contains(out, "ok: no damage found") || !strings.Contains(out, "200 payloads") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("Optimize", func(t *testing.T) {
		path := verifyArchive(t)
		out, errOut, code := runMain(t, "verify", "--db", path, "--optimize")
		if code != 0 || !strings.Contains(out, "ok: no damage found") || !regexp.MustCompile(`optimised in \S+: 0 versions indexed, \d+ merge steps`).MatchString(out) {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		// Still whole, and nothing left to merge.
		out, errOut, code = runMain(t, "verify", "--db", path, "--optimize")
		if code != 0 || !strings.Contains(out, "0 versions indexed, 0 merge steps") {
			t.Fatalf("second run: exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("AlteredPayload", func(t *testing.T) {
		path := verifyArchive(t)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Contains(b, []byte(marker)) {
			t.Fatal("marker not in the file")
		}
		// Stale copies may linger in free space of pages: alter them all.
		b = bytes.ReplaceAll(b, []byte(marker), []byte(strings.Replace(marker, "0123", "9123", 1)))
		if err := os.WriteFile(path, b, 0o644); err != nil {
			t.Fatal(err)
		}
		out, errOut, code := runMain(t, "verify", "--db", path, "--optimize")
		if code != 1 || !strings.Contains(errOut, "is damaged: 1 problems") || !strings.Contains(out, "not optimised: the archive is damaged") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		re := regexp.MustCompile(`DAMAGED payload: payload \d+ \(sha256 [0-9a-f]{64}, 25 bytes\): payload \d+ hashes to [0-9a-f]{64}, recorded [0-9a-f]{64}: archive damaged; captured as capture 8 of http://tl.example.cn/marker.html`)
		if !re.MatchString(out) {
			t.Fatalf("report does not say what is damaged:\n%s", out)
		}
	})
	t.Run("CorruptPage", func(t *testing.T) {
		path := verifyArchive(t)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		const pageSize = 4096
		page := st.Size()/pageSize - 2 // a b-tree page of the data written last
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xEE}, 64), page*pageSize); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, errOut, code := runMain(t, "verify", "--db", path)
		if code != 1 || !strings.Contains(out, "DAMAGED database: page ") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
		t.Logf("report:\n%s", out)
	})
	t.Run("CorruptSchema", func(t *testing.T) {
		path := verifyArchive(t)
		f, err := os.OpenFile(path, os.O_RDWR, 0)
		if err != nil {
			t.Fatal(err)
		}
		// Page 1 holds the schema's b-tree after the 100-byte file header.
		if _, err := f.WriteAt(bytes.Repeat([]byte{0xEE}, 64), 100); err != nil {
			t.Fatal(err)
		}
		f.Close()
		out, errOut, code := runMain(t, "verify", "--db", path)
		if code != 1 || !strings.Contains(out, "DAMAGED database: ") || !strings.Contains(errOut, "damaged beyond opening") {
			t.Fatalf("exit %d\n%s%s", code, out, errOut)
		}
	})
	t.Run("Missing", func(t *testing.T) {
		_, errOut, code := runMain(t, "verify", "--db", filepath.Join(t.TempDir(), "none.db"))
		if code != 1 || !strings.Contains(errOut, "no archive at") {
			t.Fatalf("exit %d %s", code, errOut)
		}
	})
}
