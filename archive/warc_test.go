package archive

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"
)

func TestDB_EachWARCCapture(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	run, err := db.StartRun(ctx, RunInfo{Job: "j"})
	if err != nil {
		t.Fatal(err)
	}
	const a, b = "https://news.example.cn/a.html", "https://news.example.cn/b.html"
	other := "https://other.example.org/a.html"
	html := "<html><body><p>同一个页面</p></body></html>"
	cs := []*Capture{
		page(a, html, t0),                                          // 1: first of its payload
		page(b, html, t0.Add(time.Second)),                         // 2: same payload, other URL
		status(a, 304, "", t0.Add(time.Hour)),                      // 3: 304 of a
		page(a, html, t0.Add(2*time.Hour)),                         // 4: unchanged recapture
		{URL: b, Err: "timeout", StartedAt: t0.Add(3 * time.Hour)}, // 5: no response
		page(other, html, t0.Add(4*time.Hour)),                     // 6: same payload on another site
		status(other, 304, "", t0.Add(5*time.Hour)),                // 7
	}
	for _, c := range cs {
		c.RunID = run
		record(t, db, c, nil)
	}
	type got struct {
		id, orig int64
		body     bool
	}
	walk := func(f CaptureFilter) []got {
		t.Helper()
		var gs []got
		err := db.EachWARCCapture(ctx, f, func(c WARCCapture, body []byte) error {
			g := got{id: c.ID, body: body != nil}
			if c.Original != nil {
				g.orig = c.Original.ID
				if c.Original.PayloadSHA256 == "" || c.Original.URL == "" || c.Original.At.IsZero() {
					t.Errorf("capture %d: incomplete original %+v", c.ID, c.Original)
				}
			}
			gs = append(gs, g)
			return nil
		})
		if err != nil {
			t.Fatal(err)
		}
		return gs
	}
	t.Run("All", func(t *testing.T) {
		want := []got{{1, 0, true}, {2, 1, false}, {3, 1, false}, {4, 1, false}, {5, 0, false}, {6, 1, false}, {7, 6, false}}
		if gs := walk(CaptureFilter{WithPayload: true}); !slices.Equal(gs, want) {
			t.Errorf("got %v, want %v", gs, want)
		}
	})
	t.Run("Site", func(t *testing.T) {
		// The first capture of the selection carries the payload; a 304
		// refers to its URL's last payload whatever the selection.
		want := []got{{6, 0, true}, {7, 6, false}}
		if gs := walk(CaptureFilter{Site: "other.example.org", WithPayload: true}); !slices.Equal(gs, want) {
			t.Errorf("got %v, want %v", gs, want)
		}
	})
	t.Run("Since", func(t *testing.T) {
		want := []got{{4, 0, true}, {5, 0, false}, {6, 4, false}, {7, 6, false}}
		if gs := walk(CaptureFilter{Since: t0.Add(90 * time.Minute), WithPayload: true}); !slices.Equal(gs, want) {
			t.Errorf("got %v, want %v", gs, want)
		}
	})
	t.Run("Runs", func(t *testing.T) {
		runs, err := db.CaptureRuns(ctx, CaptureFilter{Site: "news.example.cn"})
		if err != nil || len(runs) != 1 || runs[0].ID != run || runs[0].Job != "j" {
			t.Errorf("runs %+v, %v", runs, err)
		}
		runs, err = db.CaptureRuns(ctx, CaptureFilter{Site: "nowhere.example"})
		if err != nil || len(runs) != 0 {
			t.Errorf("runs %+v, %v", runs, err)
		}
	})
	t.Run("LastPayloadCapture", func(t *testing.T) {
		ref, err := db.LastPayloadCapture(ctx, a, 4)
		if err != nil || ref.ID != 1 || !ref.At.Equal(t0) || ref.PayloadSHA256 == "" {
			t.Errorf("%+v, %v", ref, err)
		}
		if _, err := db.LastPayloadCapture(ctx, a, 1); !errors.Is(err, ErrNotFound) {
			t.Errorf("before the first capture: %v", err)
		}
	})
	t.Run("CapturesAt", func(t *testing.T) {
		refs, err := db.CapturesAt(ctx, a, t0.Add(time.Hour))
		if err != nil || len(refs) != 1 || refs[0].ID != 3 || refs[0].PayloadSHA256 != "" {
			t.Errorf("%+v, %v", refs, err)
		}
		refs, err = db.CapturesAt(ctx, a, t0.Add(time.Minute))
		if err != nil || len(refs) != 0 {
			t.Errorf("%+v, %v", refs, err)
		}
	})
	t.Run("LatestCaptureTime", func(t *testing.T) {
		at, err := db.LatestCaptureTime(ctx, b)
		if err != nil || !at.Equal(t0.Add(3*time.Hour)) {
			t.Errorf("%v, %v", at, err)
		}
		at, err = db.LatestCaptureTime(ctx, "https://news.example.cn/never")
		if err != nil || !at.IsZero() {
			t.Errorf("never captured: %v, %v", at, err)
		}
	})
}
