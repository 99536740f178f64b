package archive

import (
	"context"
	"net/http"
	"path/filepath"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

// newTestDB opens a fresh archive in a temporary directory.
func newTestDB(t testing.TB) *DB {
	t.Helper()
	db := NewDB(filepath.Join(t.TempDir(), "annals.db"))
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// openReadOnly opens the archive at path read-only, as search and export
// do, closing it when the test ends.
func openReadOnly(t testing.TB, path string) *DB {
	t.Helper()
	ro := NewDB(path)
	ro.ReadOnly = true
	if err := ro.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { ro.Close() })
	return ro
}

// rewrite runs statements on the closed archive at path, as an older
// annals would have left it, and reopens it for writing (upgrading it).
func rewrite(t *testing.T, path string, stmts ...string) *DB {
	t.Helper()
	ctx := context.Background()
	raw := NewDB(path)
	if err := raw.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range stmts {
		if _, err := raw.write.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	raw.Close()
	db := NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}

// t0 is the time of the first capture in tests.
var t0 = time.Date(2021, 9, 28, 1, 47, 3, 0, time.UTC)

// page builds a 200 capture of url with an HTML body.
func page(url, html string, at time.Time) *Capture {
	return &Capture{
		URL: url, Method: "GET", Proto: "HTTP/1.1", Status: 200,
		RequestHeader: http.Header{"User-Agent": {"annals-test"}},
		Header: http.Header{
			"Content-Type": {"text/html; charset=utf-8"},
			"Date":         {at.Format(http.TimeFormat)},
			"Server":       {"nginx"},
		},
		Body: []byte(html), StartedAt: at, Duration: 20 * time.Millisecond, RemoteAddr: "127.0.0.1:80",
		Charset: "utf-8", CharsetSource: extract.CharsetFromHeader,
	}
}

// status builds a capture with no body and the given status.
func status(url string, code int, location string, at time.Time) *Capture {
	return &Capture{URL: url, Status: code, RedirectTo: location, StartedAt: at,
		Header: http.Header{"Date": {at.Format(http.TimeFormat)}, "Server": {"nginx"}}}
}

// story is a typical Chinese article.
func story() *extract.Article {
	return &extract.Article{
		Title:     "通辽市第五次党代会开幕",
		Kicker:    "凝心聚力",
		Subtitle:  "奋力书写新篇章",
		Published: "2021-09-28T09:47:03+08:00",
		Bylines: []extract.Byline{
			{Name: "赵彦臻", Role: extract.RoleReporter},
			{Name: "张启民", Role: extract.RolePhotographer},
		},
		Source:   "通辽日报",
		Language: "zh",
		Body:     "本报讯（记者 赵彦臻）9月27日，中国共产党通辽市第五次代表大会开幕。\n\n大会听取并审议了市委工作报告。\n\n人大代表列席会议。",
	}
}

func record(t testing.TB, db *DB, c *Capture, a *extract.Article) Outcome {
	t.Helper()
	out, err := db.Record(context.Background(), c, a)
	if err != nil {
		t.Fatal(err)
	}
	return out
}
