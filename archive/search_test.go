package archive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

// searchArchive holds three Chinese articles, two English ones, and an
// edited one with history.
func searchArchive(t testing.TB) (*DB, map[string]int64) {
	t.Helper()
	db := newTestDB(t)
	ids := map[string]int64{}
	add := func(key, url, title, body, published string, at time.Time) {
		a := &extract.Article{Title: title, Body: body, Published: published, Language: "zh"}
		out := record(t, db, page(url, "<p>"+body+"</p>", at), a)
		ids[key] = out.ArticleID
	}
	add("congress", "http://tl.example.cn/1.html", "通辽市第五次党代会开幕", "中国共产党通辽市第五次代表大会开幕。人大代表列席会议。", "2021-09-28T09:47:03+08:00", t0)
	add("river", "http://tl.example.cn/2.html", "西辽河治理", "西辽河流域生态治理取得进展。", "2021-10-01", t0)
	add("npc", "http://nmg.example.cn/3.html", "自治区人大常委会会议", "内蒙古自治区人大常委会举行会议。", "2021-11-05", t0)
	add("vote", "http://news.example.com/a.html", "Elections in the city", "Voters elected a new council. The election was calm.", "2022-03-01", t0)
	add("party", "http://news.example.com/b.html", "Party congress opens", "The party congress opened on Monday in Tongliao.", "2022-04-01", t0)
	// An article edited later: the old text is found only "as of" before the edit.
	a := &extract.Article{Title: "旧标题草原", Body: "草原旅游旺季到来。", Language: "zh"}
	out := record(t, db, page("http://tl.example.cn/4.html", "<p>v1</p>", t0), a)
	ids["edited"] = out.ArticleID
	a = &extract.Article{Title: "新标题沙漠", Body: "沙漠治理成效显著。", Language: "zh"}
	record(t, db, page("http://tl.example.cn/4.html", "<p>v2</p>", t0.Add(48*time.Hour)), a)
	// A gone article.
	record(t, db, status("http://news.example.com/b.html", 404, "", t0.Add(72*time.Hour)), nil)
	return db, ids
}

func TestDB_Search(t *testing.T) {
	ctx := context.Background()
	db, ids := searchArchive(t)
	tests := []struct {
		name  string
		q     Query
		index string
		want  []string
	}{
		{"two chars", Query{Text: "通辽"}, IndexTokens, []string{"congress"}},
		{"two chars everywhere", Query{Text: "人大"}, IndexTokens, []string{"congress", "npc"}},
		{"one char", Query{Text: "辽"}, IndexTokens, []string{"congress", "river"}},
		{"one char at run end", Query{Text: "议"}, IndexTokens, []string{"congress", "npc"}},
		{"three chars", Query{Text: "代表大"}, IndexTrigram, []string{"congress"}},
		{"long phrase", Query{Text: `"自治区人大常委会"`}, IndexTrigram, []string{"npc"}},
		{"three chars OR", Query{Text: "西辽河 OR 常委会"}, IndexTrigram, []string{"river", "npc"}},
		{"short NOT", Query{Text: "人大 NOT 通辽"}, IndexTokens, []string{"npc"}},
		{"mixed lengths", Query{Text: "辽 AND 生态治理"}, IndexTokens, []string{"river"}},
		{"stemmed word", Query{Text: "election"}, IndexTokens, []string{"vote"}},
		{"word any case", Query{Text: "TONGLIAO"}, IndexTokens, []string{"party"}},
		{"english phrase", Query{Text: `"party congress"`}, IndexTokens, []string{"party"}},
		{"prefix", Query{Text: "vot*"}, IndexTokens, []string{"vote"}},
		{"title only", Query{Text: "title:congress"}, IndexTokens, []string{"party"}},
		{"body only misses title", Query{Text: "body:党代会"}, IndexTrigram, nil},
		{"site", Query{Text: "人大", Site: "www.nmg.example.cn"}, IndexTokens, []string{"npc"}},
		{"published range", Query{Text: "辽", PublishedFrom: time.Date(2021, 9, 30, 0, 0, 0, 0, time.UTC)}, IndexTokens, []string{"river"}},
		{"state gone", Query{Text: "congress", State: StateGone}, IndexTokens, []string{"party"}},
		{"state live", Query{Text: "congress", State: StateLive}, IndexTokens, nil},
		{"latest only", Query{Text: "草原"}, IndexTokens, nil},
		{"latest text", Query{Text: "沙漠"}, IndexTokens, []string{"edited"}},
		{"as of before edit", Query{Text: "草原", AsOf: t0.Add(time.Hour)}, IndexTokens, []string{"edited"}},
		{"as of after edit", Query{Text: "草原", AsOf: t0.Add(50 * time.Hour)}, IndexTokens, nil},
		{"as of state", Query{Text: "congress", AsOf: t0.Add(time.Hour), State: StateLive}, IndexTokens, []string{"party"}},
		{"no text", Query{Site: "news.example.com"}, "", []string{"party", "vote"}},
	}
	names := map[int64]string{}
	for k, v := range ids {
		names[v] = k
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			res, err := db.Search(ctx, tt.q)
			if err != nil {
				t.Fatal(err)
			}
			var got []string
			for _, h := range res.Hits {
				got = append(got, names[h.ArticleID])
				if tt.q.Text != "" && !strings.Contains(h.Snippet, "<mark>") {
					t.Errorf("hit %s: snippet without highlight: %q", names[h.ArticleID], h.Snippet)
				}
			}
			slices.Sort(got)
			want := slices.Clone(tt.want)
			slices.Sort(want)
			if !slices.Equal(got, want) || res.Total != len(want) || res.Index != tt.index {
				t.Fatalf("got %v (total %d, index %q), want %v (index %q)", got, res.Total, res.Index, want, tt.index)
			}
		})
	}
}

func TestDB_Search_Snippets(t *testing.T) {
	ctx := context.Background()
	db, _ := searchArchive(t)
	for _, tc := range []struct{ q, want string }{
		{"人大", "[人大]代表列席"},
		{"代表大会", "[代表大会]开幕"},
		{"election", "The [election] was calm"},
		{"elect*", "Voters [elected] a new"},
	} {
		res, err := db.Search(ctx, Query{Text: tc.q, HighlightStart: "[", HighlightEnd: "]"})
		if err != nil || len(res.Hits) == 0 {
			t.Fatalf("%s: %v %v", tc.q, res, err)
		}
		var snippets []string
		for _, h := range res.Hits {
			snippets = append(snippets, h.Snippet)
		}
		if !strings.Contains(strings.Join(snippets, "\n"), tc.want) {
			t.Errorf("%s: snippets %q lack %q", tc.q, snippets, tc.want)
		}
	}
}

func TestDB_Search_Ranking(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	for i, body := range []string{
		"A note on budgets. Nothing about it here.",
		"Flood warning. The flood reached the town; flood defences held against the flood.",
		"Weather: a small flood was reported.",
	} {
		record(t, db, page(fmt.Sprintf("http://e.example.com/%d", i), body, t0), &extract.Article{Title: fmt.Sprint("story ", i), Body: body})
	}
	res, err := db.Search(ctx, Query{Text: "floods"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 2 || !strings.HasSuffix(res.Hits[0].URL, "/1") || res.Hits[0].Rank >= res.Hits[1].Rank {
		t.Fatalf("ranking: %+v", res.Hits)
	}
}

func TestDB_Search_BadQuery(t *testing.T) {
	ctx := context.Background()
	db, _ := searchArchive(t)
	for _, q := range []string{`"unclosed`, "AND", "a AND", "(a OR b", "a)", "NOT a", "a NOT", "*", `""`, "，。", "title:", strings.Repeat("(", 40) + "a" + strings.Repeat(")", 40)} {
		_, err := db.Search(ctx, Query{Text: q})
		if !errors.Is(err, ErrBadQuery) {
			t.Errorf("%q: got %v, want ErrBadQuery", q, err)
			continue
		}
		if strings.Contains(err.Error(), "SQL") || strings.Contains(err.Error(), "fts5") {
			t.Errorf("%q: error leaks SQL: %v", q, err)
		}
	}
}

func FuzzSearchQuery(f *testing.F) {
	for _, s := range []string{"通辽", `"人大 代表"`, "a OR b NOT c", "title:(x OR 辽)", "vot*", `"x"*`, "((", `a:b"c`, "NEAR(a b)", "a + b", "^x", "{title}:x", "\x00", "辽* OR 通辽市*"} {
		f.Add(s)
	}
	db, _ := searchArchive(f)
	f.Fuzz(func(t *testing.T, s string) {
		_, err := db.Search(context.Background(), Query{Text: s, Limit: 3})
		if err != nil && !errors.Is(err, ErrBadQuery) {
			t.Fatalf("%q: %v", s, err)
		}
	})
}

// undoSchema5 returns the statements that make an archive what schema 4
// wrote (without setting user_version).
func undoSchema5() []string {
	return []string{
		`DROP TRIGGER search_docs_state_new`,
		`DROP TRIGGER search_docs_state_article`,
		`DROP INDEX search_docs_latest`,
		`ALTER TABLE search_docs DROP COLUMN state`,
		`CREATE INDEX search_docs_published ON search_docs(published_ms) WHERE superseded_ms IS NULL`,
	}
}

// TestDB_Search_Listing lists articles without search text under every
// combination of filters and compares each page with the order worked
// out here: newest published first, unknown publish times last, then the
// newest version first.
func TestDB_Search_Listing(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	type doc struct {
		article int64
		site    string
		pub     int64 // ms; 0: unknown
		version int64
		state   State
	}
	docs := map[int64]*doc{} // by article
	sites := []string{"a.example.cn", "b.example.cn", "c.example.com"}
	for i := range 36 {
		site := sites[i%3]
		u := fmt.Sprintf("http://%s/%d.html", site, i)
		a := &extract.Article{Title: fmt.Sprint("第", i, "篇"), Body: fmt.Sprint("正文", i), Language: "zh"}
		var pub time.Time
		if i%7 != 3 { // some without a publish time; several on one day
			pub = time.Date(2021, 3, 1+i%9, 0, 0, 0, 0, time.UTC)
			a.Published = pub.Format("2006-01-02")
		}
		out := record(t, db, page(u, fmt.Sprint("<p>", i, "</p>"), t0), a)
		d := &doc{article: out.ArticleID, site: site, state: StateLive}
		if !pub.IsZero() {
			d.pub = pub.UnixMilli()
		}
		docs[out.ArticleID] = d
		switch {
		case i%5 == 0: // edited: the new version is listed
			a.Body += "（更正）"
			record(t, db, page(u, fmt.Sprint("<p>", i, " v2</p>"), t0.Add(time.Hour)), a)
		case i%4 == 1:
			record(t, db, status(u, 404, "", t0.Add(2*time.Hour)), nil)
			d.state = StateGone
		case i%6 == 2:
			record(t, db, status(u, 301, fmt.Sprintf("http://%s/new/%d.html", site, i), t0.Add(2*time.Hour)), nil)
			d.state = StateMoved
		}
	}
	rows, err := db.read.QueryContext(ctx, `SELECT article_id, version_id FROM search_docs WHERE superseded_ms IS NULL`)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var a, v int64
		if err := rows.Scan(&a, &v); err != nil {
			t.Fatal(err)
		}
		docs[a].version = v
	}
	rows.Close()
	from := time.Date(2021, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, site := range append([]string{""}, sites...) {
		for _, st := range []State{"", StateLive, StateGone, StateMoved} {
			for _, pubFrom := range []time.Time{{}, from} {
				q := Query{Site: site, State: st, PublishedFrom: pubFrom}
				var want []int64
				for _, d := range docs {
					if (site == "" || d.site == site) && (st == "" || d.state == st) && (pubFrom.IsZero() || d.pub >= pubFrom.UnixMilli() && d.pub != 0) {
						want = append(want, d.article)
					}
				}
				slices.SortFunc(want, func(x, y int64) int {
					a, b := docs[x], docs[y]
					if (a.pub == 0) != (b.pub == 0) {
						if a.pub == 0 {
							return 1
						}
						return -1
					}
					if a.pub != b.pub {
						return int(b.pub - a.pub)
					}
					return int(b.version - a.version)
				})
				var got []int64
				total := -1
				for off := 0; off < len(want)+5; off += 5 {
					q.Limit, q.Offset = 5, off
					res, err := db.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					total = res.Total
					for _, h := range res.Hits {
						got = append(got, h.ArticleID)
						if d := docs[h.ArticleID]; h.VersionID != d.version || h.State != d.state {
							t.Errorf("%+v: hit %+v, want version %d in state %s", q, h, d.version, d.state)
						}
					}
				}
				if !slices.Equal(got, want) || total != len(want) {
					t.Errorf("site %q state %q from %v: got %v (total %d), want %v", site, st, pubFrom, got, total, want)
				}
				// Before the 404s and 301s, every article was live.
				q = Query{Site: site, State: st, PublishedFrom: pubFrom, AsOf: t0.Add(90 * time.Minute), Limit: 100}
				res, err := db.Search(ctx, q)
				if err != nil {
					t.Fatal(err)
				}
				var before []int64
				for _, h := range res.Hits {
					before = append(before, h.ArticleID)
				}
				if st != StateLive {
					if st != "" {
						want = nil
					}
				} else {
					q.State = ""
					all, err := db.Search(ctx, q)
					if err != nil {
						t.Fatal(err)
					}
					want = nil
					for _, h := range all.Hits {
						want = append(want, h.ArticleID)
					}
				}
				if !slices.Equal(before, want) || res.Total != len(want) {
					t.Errorf("as of before the 404s, site %q state %q from %v: got %v, want %v", site, st, pubFrom, before, want)
				}
			}
		}
	}
}

// TestDB_Search_StateFollowsArticle checks that a state filter follows
// the article through every change of state and version (schema 5 keeps
// the state in search_docs by triggers), and that the upgrade to schema 5
// fills it in for an archive written before.
func TestDB_Search_StateFollowsArticle(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://tl.example.cn/s.html"
	a := story()
	at := t0
	step := func(c *Capture, art *extract.Article, want State) {
		t.Helper()
		record(t, db, c, art)
		at = at.Add(time.Hour)
		for _, st := range []State{StateLive, StateGone, StateMoved} {
			for _, text := range []string{"", "通辽", "代表大会"} {
				res, err := db.Search(ctx, Query{Text: text, State: st})
				if err != nil {
					t.Fatal(err)
				}
				if n := map[bool]int{true: 1}[st == want]; res.Total != n || len(res.Hits) != n {
					t.Fatalf("after %d %q: %q in state %s: %d hits, want %d", c.Status, c.RedirectTo, text, st, res.Total, n)
				}
			}
		}
		var stale int
		if err := db.read.QueryRowContext(ctx, `SELECT count(*) FROM search_docs d JOIN articles a ON a.id = d.article_id
			WHERE d.superseded_ms IS NULL AND d.state != a.state`).Scan(&stale); err != nil || stale != 0 {
			t.Fatalf("%d latest versions with a stale state (%v)", stale, err)
		}
	}
	step(page(u, "<p>1</p>", at), a, StateLive)
	step(status(u, 404, "", at), nil, StateGone)
	step(page(u, "<p>1</p>", at), a, StateLive) // restored, same content
	step(status(u, 410, "", at), nil, StateGone)
	a.Body += "\n\n更正。"
	step(page(u, "<p>2</p>", at), a, StateLive) // restored with a new version
	step(status(u, 301, "http://tl.example.cn/elsewhere.html", at), nil, StateMoved)
	a.Body += "\n\n再更正。"
	step(page(u, "<p>3</p>", at), a, StateLive)
	step(status(u, 404, "", at), nil, StateGone)

	// An archive of schema 4 gets the state of its articles on upgrade.
	db.Close()
	db = rewrite(t, db.Path, append(undoSchema5(), `PRAGMA user_version = 4`)...)
	res, err := db.Search(ctx, Query{State: StateGone})
	if err != nil || res.Total != 1 {
		t.Fatalf("after the upgrade: %+v %v", res, err)
	}
}

// TestDB_Search_MaxTotal counts hits up to a bound: past it the total is
// the bound and says so, and paging past the bound still finds its hits
// and whether more follow.
func TestDB_Search_MaxTotal(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	for i := range 7 {
		a := &extract.Article{Title: fmt.Sprint("通辽新闻", i), Body: "通辽市召开会议。", Language: "zh",
			Published: time.Date(2021, 1, 1+i, 0, 0, 0, 0, time.UTC).Format("2006-01-02")}
		record(t, db, page(fmt.Sprintf("http://tl.example.cn/%d.html", i), fmt.Sprint("<p>", i, "</p>"), t0), a)
	}
	tests := []struct {
		name        string
		q           Query
		hits, total int
		lowerBound  bool
		first       int // the index of the first hit in the unbounded results
	}{
		{"unbounded", Query{Limit: 2}, 2, 7, false, 0},
		{"bound above the hits", Query{Limit: 2, MaxTotal: 10}, 2, 7, false, 0},
		{"bound at the hits", Query{Limit: 2, MaxTotal: 7}, 2, 7, false, 0},
		{"bound below the hits", Query{Limit: 2, MaxTotal: 5}, 2, 5, true, 0},
		{"page past the bound", Query{Limit: 2, Offset: 4, MaxTotal: 3}, 2, 6, true, 4},
		{"last page past the bound", Query{Limit: 2, Offset: 6, MaxTotal: 3}, 1, 7, false, 6},
		{"beyond the last page", Query{Limit: 2, Offset: 8, MaxTotal: 3}, 0, 7, false, 0},
	}
	for _, text := range []string{"", "通辽", "通辽市"} {
		all, err := db.Search(ctx, Query{Text: text, Limit: 10})
		if err != nil || all.Total != 7 || len(all.Hits) != 7 {
			t.Fatalf("%q: %d hits, total %d, %v", text, len(all.Hits), all.Total, err)
		}
		for _, tt := range tests {
			q := tt.q
			q.Text = text
			res, err := db.Search(ctx, q)
			if err != nil {
				t.Fatal(err)
			}
			if len(res.Hits) != tt.hits || res.Total != tt.total || res.TotalIsLowerBound != tt.lowerBound {
				t.Errorf("%q %s: %d hits, total %d (lower bound %v), want %d, %d (%v)", text, tt.name,
					len(res.Hits), res.Total, res.TotalIsLowerBound, tt.hits, tt.total, tt.lowerBound)
			}
			if len(res.Hits) > 0 && res.Hits[0].VersionID != all.Hits[tt.first].VersionID {
				t.Errorf("%q %s: the page starts with version %d, want %d", text, tt.name, res.Hits[0].VersionID, all.Hits[tt.first].VersionID)
			}
		}
	}
}
