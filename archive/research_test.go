package archive

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDB_ArticleCaptures(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	old, moved := "http://tl.example.cn/old.html", "http://tl.example.cn/new.html"
	out := record(t, db, page(old, "<p>v1</p>", t0), story())
	record(t, db, page(old, "<p>v1</p>", t0.Add(time.Hour)), story())
	record(t, db, status(old, 301, moved, t0.Add(2*time.Hour)), nil)
	// Another article's capture must not show up.
	other := record(t, db, page("http://tl.example.cn/other.html", "<p>x</p>", t0), story())

	cs, err := db.ArticleCaptures(ctx, out.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	var got []EventKind
	for _, c := range cs {
		if c.ArticleID != out.ArticleID {
			t.Errorf("capture %d belongs to article %d", c.ID, c.ArticleID)
		}
		got = append(got, c.Event)
	}
	want := []EventKind{EventFirstSeen, EventUnchanged, EventMoved}
	if !slices.Equal(got, want) {
		t.Errorf("events = %v, want %v", got, want)
	}
	if cs[0].PayloadSHA256 == "" || cs[0].Status != 200 || cs[2].RedirectTo != moved {
		t.Errorf("captures lack their details: %+v", cs)
	}
	if cs, err := db.ArticleCaptures(ctx, other.ArticleID); err != nil || len(cs) != 1 {
		t.Errorf("other article: %d captures, %v", len(cs), err)
	}
	if _, err := db.ArticleCaptures(ctx, 9999); !errors.Is(err, ErrNotFound) {
		t.Errorf("unknown article: err = %v, want ErrNotFound", err)
	}
}

func TestDB_Sites(t *testing.T) {
	db, _ := searchArchive(t)
	got, err := db.Sites(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	want := []SiteCount{{"tl.example.cn", 3}, {"news.example.com", 2}, {"nmg.example.cn", 1}}
	if !slices.Equal(got, want) {
		t.Errorf("Sites = %v, want %v", got, want)
	}
}

func TestDB_SearchFacets(t *testing.T) {
	ctx := context.Background()
	db, _ := searchArchive(t)
	tests := []struct {
		name   string
		q      Query
		states map[State]int
		sites  []SiteCount
	}{
		{"everything", Query{}, map[State]int{StateLive: 5, StateGone: 1},
			[]SiteCount{{"tl.example.cn", 3}, {"news.example.com", 2}}},
		{"state filter ignored for state counts", Query{State: StateGone}, map[State]int{StateLive: 5, StateGone: 1},
			[]SiteCount{{"news.example.com", 1}}},
		{"site filter ignored for site counts", Query{Text: "人大", Site: "nmg.example.cn"}, map[State]int{StateLive: 1},
			[]SiteCount{{"nmg.example.cn", 1}, {"tl.example.cn", 1}}},
		{"english", Query{Text: "congress OR election"}, map[State]int{StateLive: 1, StateGone: 1},
			[]SiteCount{{"news.example.com", 2}}},
		{"as of before the 404", Query{AsOf: t0.Add(time.Hour)}, map[State]int{StateLive: 6},
			[]SiteCount{{"tl.example.cn", 3}, {"news.example.com", 2}}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			f, err := db.SearchFacets(ctx, tt.q, 2)
			if err != nil {
				t.Fatal(err)
			}
			if len(f.States) != len(tt.states) {
				t.Errorf("states = %v, want %v", f.States, tt.states)
			}
			for s, n := range tt.states {
				if f.States[s] != n {
					t.Errorf("states = %v, want %v", f.States, tt.states)
				}
			}
			if !slices.Equal(f.Sites, tt.sites) {
				t.Errorf("sites = %v, want %v", f.Sites, tt.sites)
			}
			// The counts agree with Search's totals.
			res, err := db.Search(ctx, Query{Text: tt.q.Text, AsOf: tt.q.AsOf, Site: tt.q.Site, State: StateLive})
			if err != nil {
				t.Fatal(err)
			}
			if res.Total != f.States[StateLive] {
				t.Errorf("Search finds %d live, facets say %d", res.Total, f.States[StateLive])
			}
		})
	}
	if _, err := db.SearchFacets(ctx, Query{Text: `"unclosed`}, 5); !errors.Is(err, ErrBadQuery) {
		t.Errorf("bad query: err = %v, want ErrBadQuery", err)
	}
}

func TestDB_SearchExport(t *testing.T) {
	ctx := context.Background()
	db, ids := searchArchive(t)
	for _, q := range []Query{
		{},
		{Text: "人大"},
		{Text: "西辽河 OR 常委会"},
		{Text: "election OR congress", State: StateGone},
		{Site: "tl.example.cn"},
		{Text: "草原", AsOf: t0.Add(time.Hour)},
		{Text: "沙漠"},
		{PublishedFrom: time.Date(2021, 10, 1, 0, 0, 0, 0, time.UTC)},
	} {
		res, err := db.Search(ctx, Query{Text: q.Text, Site: q.Site, State: q.State, AsOf: q.AsOf, PublishedFrom: q.PublishedFrom, Limit: 100})
		if err != nil {
			t.Fatal(err)
		}
		var want, got []int64
		var wantV, gotV []int
		for _, h := range res.Hits {
			want, wantV = append(want, h.ArticleID), append(wantV, h.Version)
		}
		q.Limit = 1 // ignored
		err = db.SearchExport(ctx, q, func(r ExportRecord) error {
			got, gotV = append(got, r.ArticleID), append(gotV, r.Version)
			if r.URL == "" || r.ContentSHA256 == "" || r.CapturedAt.IsZero() {
				t.Errorf("record lacks fields: %+v", r)
			}
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		if len(want) == 0 || !slices.Equal(got, want) || !slices.Equal(gotV, wantV) {
			t.Errorf("%+v: exported %v (versions %v), search found %v (versions %v)", q, got, gotV, want, wantV)
		}
	}
	// The edited article as of before its edit is exported at version 1.
	err := db.SearchExport(ctx, Query{Text: "草原", AsOf: t0.Add(time.Hour)}, func(r ExportRecord) error {
		if r.ArticleID != ids["edited"] || r.Version != 1 || r.Title != "旧标题草原" {
			t.Errorf("as-of record = %d v%d %q", r.ArticleID, r.Version, r.Title)
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	stop := errors.New("stop")
	if err := db.SearchExport(ctx, Query{}, func(ExportRecord) error { return stop }); err != stop {
		t.Errorf("fn's error: got %v", err)
	}
	if err := db.SearchExport(ctx, Query{Text: "(a OR"}, func(ExportRecord) error { return nil }); !errors.Is(err, ErrBadQuery) {
		t.Errorf("bad query: err = %v", err)
	}
}
