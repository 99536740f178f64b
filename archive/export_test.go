package archive

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"
)

// TestDB_Export_VersionState records an article that is corrected while
// live, taken down, back with new content, then moved: each version's
// record carries the state it ended in, the latest the state now.
func TestDB_Export_VersionState(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://tl.example.cn/2021/c_1.html"
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	a := story()
	record(t, db, page(u, "<p>1</p>", at(0)), a)
	b := *a
	b.Title += "（更正）"
	record(t, db, page(u, "<p>2</p>", at(1)), &b)
	record(t, db, status(u, 404, "", at(2)), nil)
	c := b
	c.Body += "\n\n恢复后新增一段。"
	record(t, db, page(u, "<p>3</p>", at(3)), &c)
	record(t, db, status(u, 301, "/2021/c_1_new.html", at(4)), nil)

	type row struct {
		Version int
		State   State
		MovedTo string
	}
	export := func(q ExportQuery) []row {
		t.Helper()
		var got []row
		if err := db.Export(ctx, q, func(r ExportRecord) error {
			got = append(got, row{r.Version, r.State, r.MovedTo})
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		return got
	}
	const moved = "http://tl.example.cn/2021/c_1_new.html"
	want := []row{{1, StateLive, ""}, {2, StateGone, ""}, {3, StateMoved, moved}}
	if got := export(ExportQuery{AllVersions: true}); !reflect.DeepEqual(got, want) {
		t.Fatalf("all versions:\n got %+v\nwant %+v", got, want)
	}
	if got := export(ExportQuery{}); !reflect.DeepEqual(got, want[2:]) {
		t.Fatalf("latest:\n got %+v\nwant %+v", got, want[2:])
	}

	// Moved, then back and changed: the version that was moved says where
	// it had gone.
	d := c
	d.Subtitle = "新副题"
	record(t, db, page(u, "<p>4</p>", at(5)), &d)
	want = []row{{1, StateLive, ""}, {2, StateGone, ""}, {3, StateMoved, moved}, {4, StateLive, ""}}
	if got := export(ExportQuery{AllVersions: true}); !reflect.DeepEqual(got, want) {
		t.Fatalf("after the return:\n got %+v\nwant %+v", got, want)
	}
}

// TestDB_Export_Dates filters by capture time and by publish time.
func TestDB_Export_Dates(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	day := func(d int) time.Time { return time.Date(2024, 3, d, 0, 0, 0, 0, time.UTC) }
	for i, pub := range []string{"2024-03-01T09:00:00+08:00", "2024-03-05", "", "2024-03-09T23:30:00Z"} {
		a := story()
		a.Title = fmt.Sprintf("第%d篇", i)
		a.Published = pub
		// Captured on day 10+i, long after publication.
		record(t, db, page(fmt.Sprintf("http://tl.example.cn/%d.html", i), "<p/>", day(10+i)), a)
	}
	titles := func(q ExportQuery) []string {
		t.Helper()
		got := []string{}
		if err := db.Export(ctx, q, func(r ExportRecord) error { got = append(got, r.Title); return nil }); err != nil {
			t.Fatal(err)
		}
		return got
	}
	for _, tc := range []struct {
		name string
		q    ExportQuery
		want []string
	}{
		{"captured since", ExportQuery{Since: day(11)}, []string{"第1篇", "第2篇", "第3篇"}},
		{"captured until", ExportQuery{Until: day(11)}, []string{"第0篇"}},
		{"published since", ExportQuery{PublishedSince: day(5)}, []string{"第1篇", "第3篇"}},
		{"published until", ExportQuery{PublishedUntil: day(5)}, []string{"第0篇"}},
		{"published in a day", ExportQuery{PublishedSince: day(9), PublishedUntil: day(10)}, []string{"第3篇"}},
		{"both kinds", ExportQuery{Since: day(12), PublishedUntil: day(31)}, []string{"第3篇"}},
	} {
		if got := titles(tc.q); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: got %v, want %v", tc.name, got, tc.want)
		}
	}
}
