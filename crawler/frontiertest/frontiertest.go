// Package frontiertest checks that an implementation of crawler.Frontier
// keeps the contract the crawler relies on: the seen-set, the queue order,
// passes, resumption, revisit due times, aliases, and the Modified hints of
// sitemaps and feeds. Every implementation
// runs the same tests (the in-memory one in package crawler, the SQLite
// one in package archive).
package frontiertest

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"github.com/annals/annals/crawler"
)

// Run runs the conformance tests; open returns a new, empty frontier for
// each subtest.
func Run(t *testing.T, open func(t *testing.T) crawler.Frontier) {
	t.Run("Empty", func(t *testing.T) { testEmpty(t, open(t)) })
	t.Run("AddAndNext", func(t *testing.T) { testAddAndNext(t, open(t)) })
	t.Run("Done", func(t *testing.T) { testDone(t, open(t)) })
	t.Run("Passes", func(t *testing.T) { testPasses(t, open(t)) })
	t.Run("Alias", func(t *testing.T) { testAlias(t, open(t)) })
	t.Run("JobsApart", func(t *testing.T) { testJobsApart(t, open(t)) })
	t.Run("Concurrent", func(t *testing.T) { testConcurrent(t, open(t)) })
	t.Run("ModifiedHint", func(t *testing.T) { testModifiedHint(t, open(t)) })
	t.Run("ModifiedHintConcurrent", func(t *testing.T) { testModifiedHintConcurrent(t, open(t)) })
}

var t0 = time.Date(2024, 3, 1, 9, 0, 0, 0, time.UTC)

func item(u, host string, depth int) crawler.Item {
	return crawler.Item{URL: u, Host: host, Depth: depth, Kind: crawler.KindPage, FirstSeen: t0}
}

func mustBegin(t *testing.T, f crawler.Frontier, job string, now, dueBy time.Time) bool {
	t.Helper()
	resumed, err := f.Begin(context.Background(), job, now, dueBy)
	if err != nil {
		t.Fatalf("Begin: %v", err)
	}
	return resumed
}

func next(t *testing.T, f crawler.Frontier, job, host string, after int64, n int) []crawler.Item {
	t.Helper()
	items, err := f.Next(context.Background(), job, host, after, n)
	if err != nil {
		t.Fatalf("Next: %v", err)
	}
	return items
}

func urls(items []crawler.Item) []string {
	var s []string
	for _, it := range items {
		s = append(s, it.URL)
	}
	return s
}

func count(t *testing.T, f crawler.Frontier, job string) (int, int) {
	t.Helper()
	k, q, err := f.Count(context.Background(), job)
	if err != nil {
		t.Fatalf("Count: %v", err)
	}
	return k, q
}

func testEmpty(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	if hs, err := f.Hosts(ctx, "none"); err != nil || len(hs) != 0 {
		t.Errorf("Hosts of an unknown job = %v, %v; want none", hs, err)
	}
	if got := next(t, f, "none", "a.test", 0, 10); len(got) != 0 {
		t.Errorf("Next of an unknown job = %v", got)
	}
	if k, q := count(t, f, "none"); k != 0 || q != 0 {
		t.Errorf("Count of an unknown job = %d, %d", k, q)
	}
	if resumed := mustBegin(t, f, "j", t0, t0); resumed {
		t.Error("first Begin says resumed")
	}
	if got := next(t, f, "j", "a.test", 0, 10); len(got) != 0 {
		t.Errorf("Next of an empty job = %v", got)
	}
	if err := f.Done(ctx, "j", crawler.Outcome{Seq: 42, URL: "http://a.test/"}, nil); err == nil {
		t.Error("Done of an unknown URL succeeded")
	}
}

func testAddAndNext(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "j", t0, t0)
	items := []crawler.Item{
		item("http://a.test/", "a.test", 0),
		item("http://b.test:8080/x", "b.test:8080", 1),
		item("http://a.test/1", "a.test", 1),
		item("http://a.test/2", "a.test", 1),
	}
	if err := f.Add(ctx, "j", items); err != nil {
		t.Fatal(err)
	}
	for i := 1; i < len(items); i++ {
		if items[i].Seq <= items[i-1].Seq || items[0].Seq <= 0 {
			t.Fatalf("Seqs not increasing from 1: %v", items)
		}
	}
	again := []crawler.Item{item("http://a.test/2", "a.test", 1), item("http://a.test/3", "a.test", 2)}
	if err := f.Add(ctx, "j", again); err != nil {
		t.Fatal(err)
	}
	if again[0].Seq != 0 {
		t.Errorf("a known URL got Seq %d, want 0", again[0].Seq)
	}
	if again[1].Seq <= items[3].Seq {
		t.Errorf("a new URL got Seq %d, want after %d", again[1].Seq, items[3].Seq)
	}
	hs, err := f.Hosts(ctx, "j")
	if err != nil {
		t.Fatal(err)
	}
	if want := []crawler.Host{{Name: "a.test", Root: true}, {Name: "b.test:8080"}}; fmt.Sprint(hs) != fmt.Sprint(want) {
		t.Errorf("Hosts = %v, want %v", hs, want)
	}
	got := next(t, f, "j", "a.test", 0, 10)
	if want := "[http://a.test/ http://a.test/1 http://a.test/2 http://a.test/3]"; fmt.Sprint(urls(got)) != want {
		t.Errorf("Next = %v, want %v", urls(got), want)
	}
	if got[3].Depth != 2 || got[3].Kind != crawler.KindPage || got[3].Host != "a.test" || !got[3].FirstSeen.Equal(t0) {
		t.Errorf("Next returned %+v", got[3])
	}
	if got := next(t, f, "j", "a.test", got[1].Seq, 1); len(got) != 1 || got[0].URL != "http://a.test/2" {
		t.Errorf("Next after the second, n=1 = %v", urls(got))
	}
	if k, q := count(t, f, "j"); k != 5 || q != 5 {
		t.Errorf("Count = %d, %d; want 5, 5", k, q)
	}
	// A URL first seen deeper, later added at depth 0, makes its host a root.
	if err := f.Add(ctx, "j", []crawler.Item{item("http://b.test:8080/x", "b.test:8080", 0)}); err != nil {
		t.Fatal(err)
	}
	hs, _ = f.Hosts(ctx, "j")
	if len(hs) != 2 || !hs[1].Root {
		t.Errorf("Hosts after a depth-0 add = %v, want b.test:8080 root", hs)
	}
}

func testDone(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "j", t0, t0)
	seed := []crawler.Item{item("http://a.test/", "a.test", 0)}
	if err := f.Add(ctx, "j", seed); err != nil {
		t.Fatal(err)
	}
	found := []crawler.Item{item("http://a.test/", "a.test", 1), item("http://a.test/n", "a.test", 1)}
	o := crawler.Outcome{Seq: seed[0].Seq, URL: seed[0].URL, Fetched: t0.Add(time.Second), Status: 200,
		Kind: crawler.KindPage, ETag: `"v1"`, LastModified: "Fri, 01 Mar 2024 08:00:00 GMT", Digest: -12345}
	if err := f.Done(ctx, "j", o, found); err != nil {
		t.Fatal(err)
	}
	if found[0].Seq != 0 || found[1].Seq == 0 {
		t.Errorf("found Seqs = %d, %d; want 0 and new", found[0].Seq, found[1].Seq)
	}
	if got := next(t, f, "j", "a.test", 0, 10); fmt.Sprint(urls(got)) != "[http://a.test/n]" {
		t.Errorf("Next after Done = %v", urls(got))
	}
	if k, q := count(t, f, "j"); k != 2 || q != 1 {
		t.Errorf("Count = %d, %d; want 2, 1", k, q)
	}
	// Done marks, Finish and a new pass bring back the validators.
	if err := f.Done(ctx, "j", crawler.Outcome{Seq: found[1].Seq, URL: found[1].URL, Status: 404, Kind: crawler.KindPage,
		Fetched: t0.Add(2 * time.Second), Note: "404"}, nil); err != nil {
		t.Fatal(err)
	}
	if err := f.Finish(ctx, "j", t0.Add(time.Minute)); err != nil {
		t.Fatal(err)
	}
	if resumed := mustBegin(t, f, "j", t0.Add(time.Hour), t0.Add(time.Hour)); resumed {
		t.Error("Begin after Finish resumed")
	}
	got := next(t, f, "j", "a.test", 0, 10)
	if len(got) != 2 {
		t.Fatalf("new pass queued %v", urls(got))
	}
	g := got[0]
	if g.ETag != o.ETag || g.LastModified != o.LastModified || g.Digest != o.Digest || !g.LastFetch.Equal(o.Fetched) || g.Seq != seed[0].Seq {
		t.Errorf("revisit item = %+v, want validators of %+v", g, o)
	}
	// A 304 that sends no new digest keeps the old one.
	o2 := crawler.Outcome{Seq: g.Seq, URL: g.URL, Fetched: t0.Add(2 * time.Hour), Status: 304, Kind: crawler.KindPage, ETag: `"v1"`}
	if err := f.Done(ctx, "j", o2, nil); err != nil {
		t.Fatal(err)
	}
	f.Finish(ctx, "j", t0.Add(3*time.Hour))
	mustBegin(t, f, "j", t0.Add(4*time.Hour), t0.Add(4*time.Hour))
	got = next(t, f, "j", "a.test", 0, 1)
	if len(got) != 1 || got[0].Digest != o.Digest || got[0].LastModified != "" || !got[0].LastFetch.Equal(o2.Fetched) {
		t.Errorf("after a 304: %+v", got)
	}
}

func testPasses(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "j", t0, t0)
	items := []crawler.Item{item("http://a.test/", "a.test", 0), item("http://a.test/art", "a.test", 1), item("http://a.test/old", "a.test", 1)}
	if err := f.Add(ctx, "j", items); err != nil {
		t.Fatal(err)
	}
	// Interrupted after one URL: the next Begin resumes.
	if err := f.Done(ctx, "j", crawler.Outcome{Seq: items[0].Seq, URL: items[0].URL, Status: 200, Fetched: t0}, nil); err != nil {
		t.Fatal(err)
	}
	if !mustBegin(t, f, "j", t0.Add(time.Hour), t0.Add(time.Hour)) {
		t.Fatal("Begin of an unfinished pass did not resume")
	}
	if got := next(t, f, "j", "a.test", 0, 10); len(got) != 2 {
		t.Fatalf("resumed queue = %v", urls(got))
	}
	due := t0.Add(48 * time.Hour)
	for _, it := range items[1:] {
		if err := f.Done(ctx, "j", crawler.Outcome{Seq: it.Seq, URL: it.URL, Status: 200, Fetched: t0, Article: true, NextDue: due}, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Everything done but Finish not called (a crash at the very end): a
	// new pass starts anyway.
	if mustBegin(t, f, "j", t0.Add(24*time.Hour), t0.Add(24*time.Hour)) {
		t.Error("Begin with nothing queued resumed")
	}
	if got := next(t, f, "j", "a.test", 0, 10); fmt.Sprint(urls(got)) != "[http://a.test/]" {
		t.Errorf("aging pass before due = %v, want the list page only", urls(got))
	}
	f.Done(ctx, "j", crawler.Outcome{Seq: items[0].Seq, URL: items[0].URL, Status: 200, Fetched: t0}, nil)
	f.Finish(ctx, "j", t0.Add(25*time.Hour))
	mustBegin(t, f, "j", t0.Add(48*time.Hour), due)
	if got := next(t, f, "j", "a.test", 0, 10); len(got) != 3 {
		t.Errorf("aging pass when due = %v, want all three", urls(got))
	}
}

func testAlias(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "j", t0, t0)
	items := []crawler.Item{item("http://a.test/a?id=1", "a.test", 0), item("http://a.test/known", "a.test", 1)}
	if err := f.Add(ctx, "j", items); err != nil {
		t.Fatal(err)
	}
	o := crawler.Outcome{Seq: items[0].Seq, URL: items[0].URL, Status: 200, Article: true, Fetched: t0,
		Alias: item("http://a.test/articles/1", "a.test", 1)}
	if err := f.Done(ctx, "j", o, nil); err != nil {
		t.Fatal(err)
	}
	// Declaring a known URL an alias changes nothing.
	o2 := crawler.Outcome{Seq: items[1].Seq, URL: items[1].URL, Status: 200, Article: true, Fetched: t0,
		Alias: item("http://a.test/a?id=1", "a.test", 1)}
	if err := f.Done(ctx, "j", o2, nil); err != nil {
		t.Fatal(err)
	}
	add := []crawler.Item{item("http://a.test/articles/1", "a.test", 2)}
	if err := f.Add(ctx, "j", add); err != nil {
		t.Fatal(err)
	}
	if add[0].Seq != 0 {
		t.Error("an alias was queued when linked")
	}
	if k, q := count(t, f, "j"); k != 3 || q != 0 {
		t.Errorf("Count = %d, %d; want 3, 0", k, q)
	}
	f.Finish(ctx, "j", t0)
	mustBegin(t, f, "j", t0.Add(time.Hour), t0.Add(time.Hour))
	if got := next(t, f, "j", "a.test", 0, 10); len(got) != 2 {
		t.Errorf("new pass queued %v, want the two fetched URLs and not the alias", urls(got))
	}
}

func testJobsApart(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "one", t0, t0)
	mustBegin(t, f, "two", t0, t0)
	a := []crawler.Item{item("http://a.test/", "a.test", 0)}
	b := []crawler.Item{item("http://a.test/", "a.test", 0)}
	if err := f.Add(ctx, "one", a); err != nil {
		t.Fatal(err)
	}
	if err := f.Add(ctx, "two", b); err != nil {
		t.Fatal(err)
	}
	if a[0].Seq == 0 || b[0].Seq == 0 {
		t.Fatal("the same URL in two jobs was not queued in both")
	}
	if err := f.Done(ctx, "one", crawler.Outcome{Seq: a[0].Seq, URL: a[0].URL, Status: 200}, nil); err != nil {
		t.Fatal(err)
	}
	if got := next(t, f, "two", "a.test", 0, 10); len(got) != 1 {
		t.Errorf("job two's queue = %v after job one's Done", urls(got))
	}
}

func testConcurrent(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	mustBegin(t, f, "j", t0, t0)
	const workers, per = 4, 25
	seeds := make([]crawler.Item, workers)
	for i := range seeds {
		seeds[i] = item(fmt.Sprintf("http://a.test/%d", i), "a.test", 0)
	}
	if err := f.Add(ctx, "j", seeds); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	errs := make(chan error, workers)
	// One bad outcome among them fails alone.
	wg.Add(1)
	go func() {
		defer wg.Done()
		if err := f.Done(ctx, "j", crawler.Outcome{Seq: 1 << 40, URL: "http://a.test/nowhere", Status: 200},
			[]crawler.Item{item("http://a.test/lost", "a.test", 1)}); err == nil {
			errs <- fmt.Errorf("done of an unknown URL succeeded")
		}
	}()
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			var found []crawler.Item
			for i := range per {
				// Every worker finds the same URLs: each must be queued once.
				found = append(found, item(fmt.Sprintf("http://a.test/p%d", i), "a.test", 1))
			}
			if err := f.Done(ctx, "j", crawler.Outcome{Seq: seeds[w].Seq, URL: seeds[w].URL, Status: 200}, found); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if k, q := count(t, f, "j"); k != workers+per || q != per {
		t.Errorf("Count = %d, %d; want %d, %d", k, q, workers+per, per)
	}
	// Again, and many at once, so that group commits form.
	var more []crawler.Item
	for i := range 64 {
		more = append(more, item(fmt.Sprintf("http://a.test/m%d", i), "a.test", 1))
	}
	if err := f.Add(ctx, "j", more); err != nil {
		t.Fatal(err)
	}
	errs = make(chan error, 2*len(more))
	for i, m := range more {
		wg.Add(1)
		go func() {
			defer wg.Done()
			found := []crawler.Item{item(fmt.Sprintf("http://a.test/n%d", i%8), "b.test", 2), item(fmt.Sprintf("http://a.test/o%d", i), "a.test", 2)}
			if err := f.Done(ctx, "j", crawler.Outcome{Seq: m.Seq, URL: m.URL, Status: 200, Kind: crawler.KindPage}, found); err != nil {
				errs <- err
			}
			if found[1].Seq == 0 {
				errs <- fmt.Errorf("a new URL found by %s was not queued", m.URL)
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	if k, q := count(t, f, "j"); k != workers+per+64+8+64 || q != per+8+64 {
		t.Errorf("Count = %d, %d; want %d, %d", k, q, workers+per+64+8+64, per+8+64)
	}
}

// hinted is item with a Modified hint.
func hinted(u string, depth int, modified time.Time) crawler.Item {
	it := item(u, "a.test", depth)
	it.Modified = modified
	return it
}

func testModifiedHint(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	day, week := 24*time.Hour, 7*24*time.Hour
	mustBegin(t, f, "j", t0, t0)
	names := []string{"/", "/a1", "/a2", "/a3", "/a4", "/a5", "/skipped", "/queued"}
	items := make([]crawler.Item, len(names))
	seq := map[string]int64{}
	for i, n := range names {
		items[i] = item("http://a.test"+n, "a.test", min(i, 1))
	}
	if err := f.Add(ctx, "j", items); err != nil {
		t.Fatal(err)
	}
	fetched := t0.Add(time.Minute)
	for _, it := range items {
		seq[it.URL] = it.Seq
		o := crawler.Outcome{Seq: it.Seq, URL: it.URL, Fetched: fetched, Status: 200, Kind: crawler.KindPage,
			Article: it.Depth > 0, ETag: `"e` + it.URL[len("http://a.test/"):] + `"`, Digest: 7, NextDue: fetched.Add(week)}
		switch it.URL {
		case "http://a.test/", "http://a.test/queued":
			o.NextDue = time.Time{} // lists: due on every pass
		case "http://a.test/skipped":
			o = crawler.Outcome{Seq: it.Seq, URL: it.URL, Kind: crawler.KindPage, Note: "disallowed by robots.txt", NextDue: fetched.Add(week)}
		case "http://a.test/a1":
			o.Alias = item("http://a.test/alias", "a.test", 1)
		}
		if err := f.Done(ctx, "j", o, nil); err != nil {
			t.Fatal(err)
		}
	}
	// Pass 2, two days on, under the aging policy: only the lists are due.
	start2 := t0.Add(2 * day)
	mustBegin(t, f, "j", start2, start2)
	if got := next(t, f, "j", "a.test", 0, 10); fmt.Sprint(urls(got)) != "[http://a.test/ http://a.test/queued]" {
		t.Fatalf("pass 2 queue = %v", urls(got))
	}
	found := []crawler.Item{
		hinted("http://a.test/a1", 2, fetched.Add(day)),                                  // changed since: due now
		hinted("http://a.test/a2", 2, fetched.Add(-time.Hour)),                           // before the last fetch
		hinted("http://a.test/a3", 2, fetched),                                           // at the last fetch
		hinted("http://a.test/a4", 2, time.Now().Add(crawler.MaxModifiedSkew+time.Hour)), // too far ahead
		item("http://a.test/a5", "a.test", 2),                                            // no hint
		hinted("http://a.test/skipped", 2, fetched.Add(day)),                             // never fetched
		hinted("http://a.test/alias", 2, fetched.Add(day)),                               // an alias is never queued
		hinted("http://a.test/queued", 2, fetched.Add(day)),                              // queued already
		hinted("http://a.test/new", 2, fetched.Add(day)),                                 // new: queued as any new URL
	}
	if err := f.Done(ctx, "j", crawler.Outcome{Seq: seq["http://a.test/"], URL: "http://a.test/", Fetched: start2, Status: 200, Kind: crawler.KindPage}, found); err != nil {
		t.Fatal(err)
	}
	a1 := found[0]
	if a1.Seq != seq["http://a.test/a1"] || !a1.LastFetch.Equal(fetched) || a1.ETag != `"ea1"` || a1.Digest != 7 ||
		a1.Depth != 1 || !a1.Article || !a1.FirstSeen.Equal(t0) || a1.Kind != crawler.KindPage {
		t.Errorf("the changed URL was not queued again as the frontier knows it: %+v", a1)
	}
	for _, it := range found[1:8] {
		if it.Seq != 0 {
			t.Errorf("%s queued again (Seq %d), want left as it was", it.URL, it.Seq)
		}
	}
	if found[8].Seq == 0 || !found[8].LastFetch.IsZero() {
		t.Errorf("a new hinted URL: %+v, want queued as new", found[8])
	}
	got := next(t, f, "j", "a.test", 0, 10)
	if fmt.Sprint(urls(got)) != "[http://a.test/a1 http://a.test/queued http://a.test/new]" {
		t.Fatalf("queue after the hints = %v", urls(got))
	}
	if g := got[0]; g.ETag != `"ea1"` || !g.LastFetch.Equal(fetched) {
		t.Errorf("Next of the URL queued again = %+v, want its validators", g)
	}
	if k, q := count(t, f, "j"); k != len(names)+2 || q != 3 {
		t.Errorf("Count = %d, %d; want %d, 3", k, q, len(names)+2)
	}
	// Fetched in this pass, it is not queued again whatever a later hint says.
	if err := f.Done(ctx, "j", crawler.Outcome{Seq: a1.Seq, URL: a1.URL, Fetched: start2.Add(time.Minute), Status: 304,
		Kind: crawler.KindPage, Article: true, ETag: `"ea1"`}, nil); err != nil {
		t.Fatal(err)
	}
	again := []crawler.Item{hinted("http://a.test/a1", 2, start2.Add(time.Hour)), hinted("http://a.test/a2", 2, start2)}
	if err := f.Add(ctx, "j", again); err != nil {
		t.Fatal(err)
	}
	if again[0].Seq != 0 {
		t.Error("a URL fetched in this pass was queued again by a hint")
	}
	// Add honours hints as Done does.
	if again[1].Seq != seq["http://a.test/a2"] || again[1].ETag != `"ea2"` {
		t.Errorf("Add with a hint: %+v, want /a2 queued again", again[1])
	}
	if _, q := count(t, f, "j"); q != 3 {
		t.Errorf("queued = %d, want 3 (/a2, /queued, /new)", q)
	}
}

// Hints reported by many Done calls at once (group commits) queue each
// changed URL again once.
func testModifiedHintConcurrent(t *testing.T, f crawler.Frontier) {
	ctx := context.Background()
	const n = 16
	mustBegin(t, f, "j", t0, t0)
	all := make([]crawler.Item, 2*n) // n lists, then n articles
	for i := range n {
		all[i] = item(fmt.Sprintf("http://a.test/l%d", i), "a.test", 0)
		all[n+i] = item(fmt.Sprintf("http://a.test/b%d", i), "a.test", 1)
	}
	if err := f.Add(ctx, "j", all); err != nil {
		t.Fatal(err)
	}
	for _, it := range all {
		o := crawler.Outcome{Seq: it.Seq, URL: it.URL, Fetched: t0, Status: 200, Kind: crawler.KindPage}
		if it.Depth > 0 {
			o.Article, o.NextDue = true, t0.Add(7*24*time.Hour)
		}
		if err := f.Done(ctx, "j", o, nil); err != nil {
			t.Fatal(err)
		}
	}
	f.Finish(ctx, "j", t0.Add(time.Hour))
	mustBegin(t, f, "j", t0.Add(24*time.Hour), t0.Add(24*time.Hour))
	queue := next(t, f, "j", "a.test", 0, 100)
	if len(queue) != n {
		t.Fatalf("pass 2 queue = %v, want the %d lists", urls(queue), n)
	}
	var wg sync.WaitGroup
	found := make([][]crawler.Item, n)
	errs := make(chan error, n)
	for i, l := range queue {
		// Every list says b_i changed, and half of them b0 too.
		found[i] = []crawler.Item{hinted(fmt.Sprintf("http://a.test/b%d", i), 1, t0.Add(time.Hour))}
		if i%2 == 1 {
			found[i] = append(found[i], hinted("http://a.test/b0", 1, t0.Add(time.Hour)))
		}
		wg.Add(1)
		go func() {
			defer wg.Done()
			if err := f.Done(ctx, "j", crawler.Outcome{Seq: l.Seq, URL: l.URL, Fetched: t0.Add(24 * time.Hour), Status: 200, Kind: crawler.KindPage}, found[i]); err != nil {
				errs <- err
			}
		}()
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		t.Fatal(err)
	}
	b0 := 0
	for i := range n {
		for _, it := range found[i] {
			if it.URL == "http://a.test/b0" {
				if it.Seq != 0 {
					b0++
				}
				continue
			}
			if it.Seq != all[n+i].Seq || !it.LastFetch.Equal(t0) {
				t.Errorf("found by list %d: %+v, want queued again", i, it)
			}
		}
	}
	if b0 != 1 {
		t.Errorf("/b0 reported queued again %d times, want once", b0)
	}
	if got := next(t, f, "j", "a.test", 0, 100); len(got) != n {
		t.Errorf("queue after the hints = %v, want the %d articles", urls(got), n)
	}
}
