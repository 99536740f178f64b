package archive

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

// TestDB_Search_Folded: full-width and half-width forms find each other
// (NFKC on both sides), and snippets show the text as the page wrote it.
func TestDB_Search_Folded(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	full := &extract.Article{Title: "经济数据发布", Language: "zh",
		Body: "２０２１年ＧＤＰ增长８．１％，ｶﾀｶﾅ表記も。"}
	half := &extract.Article{Title: "统计公报", Language: "zh",
		Body: "2022年GDP增长3.0%，カタカナ表記も。"}
	record(t, db, page("http://tl.example.cn/full.html", "<p>full</p>", t0), full)
	record(t, db, page("http://tl.example.cn/half.html", "<p>half</p>", t0.Add(time.Minute)), half)
	for _, tc := range []struct {
		q    string
		want []string // URLs' last path element, in any order
	}{
		{"GDP", []string{"full", "half"}},
		{"ｇｄｐ", []string{"full", "half"}},
		{"2021年", []string{"full"}},
		{"２０２２年", []string{"half"}},
		{"カタカナ", []string{"full", "half"}},
		{"ｶﾀｶﾅ", []string{"full", "half"}},
		{`"GDP增长"`, []string{"full", "half"}},
		{"8.1%", []string{"full"}},
	} {
		res, err := db.Search(ctx, Query{Text: tc.q, HighlightStart: "[", HighlightEnd: "]"})
		if err != nil {
			t.Fatalf("%s: %v", tc.q, err)
		}
		var got []string
		for _, h := range res.Hits {
			got = append(got, strings.TrimSuffix(h.URL[strings.LastIndex(h.URL, "/")+1:], ".html"))
			if strings.HasSuffix(h.URL, "full.html") && tc.q == "GDP" && !strings.Contains(h.Snippet, "[ＧＤＰ]") {
				t.Errorf("%s: snippet %q does not mark the page's own ＧＤＰ", tc.q, h.Snippet)
			}
		}
		if len(got) != len(tc.want) || !containsAll(got, tc.want) {
			t.Errorf("%s (%s index): got %v, want %v", tc.q, res.Index, got, tc.want)
		}
	}
	// Chinese characters alone still go to the trigram index.
	if res, err := db.Search(ctx, Query{Text: "增长率"}); err != nil || res.Index != IndexTrigram {
		t.Fatalf("增长率: %s %v", res.Index, err)
	}
}

func containsAll(got, want []string) bool {
	for _, w := range want {
		found := false
		for _, g := range got {
			found = found || g == w
		}
		if !found {
			return false
		}
	}
	return true
}

// TestDB_Migrate_Schema4 upgrades an archive whose fts_tokens was written
// unfolded: the upgrade rebuilds both indexes, each version once.
func TestDB_Migrate_Schema4(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a := story()
	a.Body = "２０２１年ＧＤＰ增长。"
	record(t, db, page("http://tl.example.cn/1.html", "<p>1</p>", t0), a)
	recordNumbered(t, db, 2)
	db.Close()
	// What schema 3 wrote: tokens of the text as it is.
	db = rewrite(t, db.Path, append(undoSchema5(),
		`INSERT INTO fts_tokens(fts_tokens) VALUES ('delete-all')`,
		`INSERT INTO fts_tokens(rowid, title, body) SELECT id, title, body FROM versions`,
		`PRAGMA user_version = 3`,
	)...)
	// Each version indexed once, folded.
	wantIndexed(t, db, map[string]int{"GDP": 1, "通辽": 2})
	rep, err := db.Verify(ctx, nil)
	if err != nil || !rep.OK() {
		t.Fatalf("verify: %v %v", rep.Problems, err)
	}
}

// TestDB_Migrate_Schema4_Reader opens a schema 3 archive read-only, as
// search and serve do after annals was upgraded: the reader upgrades it,
// and the emptied full-text indexes are filled again before it searches.
func TestDB_Migrate_Schema4_Reader(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	a := story()
	a.Body = "２０２１年ＧＤＰ增长。"
	record(t, db, page("http://tl.example.cn/1.html", "<p>1</p>", t0), a)
	recordNumbered(t, db, 2)
	db.Close()
	raw := NewDB(db.Path)
	if err := raw.Open(ctx); err != nil {
		t.Fatal(err)
	}
	for _, q := range append(undoSchema5(),
		`INSERT INTO fts_tokens(fts_tokens) VALUES ('delete-all')`,
		`INSERT INTO fts_tokens(rowid, title, body) SELECT id, title, body FROM versions`,
		`PRAGMA user_version = 3`) {
		if _, err := raw.write.Exec(q); err != nil {
			t.Fatal(q, err)
		}
	}
	raw.Close()

	ro := NewDB(db.Path)
	ro.ReadOnly = true
	if err := ro.Open(ctx); err != nil {
		t.Fatalf("read-only open of a schema 3 archive: %v", err)
	}
	defer ro.Close()
	for q, want := range map[string]int{"GDP": 1, "通辽": 2, "2021年": 1} {
		if got := total(t, ro, q); got != want {
			t.Errorf("%s: %d hits after the reader's upgrade, want %d", q, got, want)
		}
	}
}
