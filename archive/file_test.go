package archive

import (
	"context"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

func TestCheckFile(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	path := filepath.Join(dir, "annals.db")
	db := NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for i := range 50 {
		c := &Capture{URL: "http://a.example/" + strings.Repeat("x", i), Status: 200, Body: []byte(strings.Repeat("<p>正文</p>", 500+i)), StartedAt: time.Unix(1632793623, 0)}
		if _, err := db.Record(ctx, c, &extract.Article{Title: "标题", Body: strings.Repeat("正文", 200+i)}); err != nil {
			t.Fatal(err)
		}
	}
	db.Close()
	whole, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	pages := len(whole) / 4096
	for _, tc := range []struct {
		name string
		data []byte
		wal  bool
		want string // "" for no problem
	}{
		{"Whole", whole, false, ""},
		{"Empty", nil, false, ""},
		{"LastPage", whole[:len(whole)-4096], false, "page " + strconv.Itoa(pages) + " is missing"},
		{"Half", whole[:len(whole)/2/4096*4096], false, "pages " + strconv.Itoa(pages/2+1) + " to " + strconv.Itoa(pages) + " are missing"},
		{"MidPage", whole[:len(whole)-1000], false, "page " + strconv.Itoa(pages) + " only in part"},
		{"WithLog", whole[:len(whole)-4096], true, ""},
		{"NotSQLite", []byte("<html>not a database</html>"), false, `not an SQLite database: it starts with "<html>not a data"`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			p := filepath.Join(t.TempDir(), "a.db")
			if err := os.WriteFile(p, tc.data, 0o644); err != nil {
				t.Fatal(err)
			}
			if tc.wal {
				os.WriteFile(p+"-wal", []byte("frames"), 0o644)
			}
			probs, err := CheckFile(p)
			if err != nil {
				t.Fatal(err)
			}
			switch {
			case tc.want == "" && len(probs) != 0:
				t.Errorf("problems in a sound file: %v", probs)
			case tc.want != "" && (len(probs) != 1 || !strings.Contains(probs[0].String(), tc.want)):
				t.Errorf("got %v, want one saying %q", probs, tc.want)
			}
		})
	}
	if _, err := CheckFile(filepath.Join(dir, "none.db")); err == nil {
		t.Error("no error for a missing file")
	}
}
