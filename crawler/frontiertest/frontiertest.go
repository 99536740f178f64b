// Package frontiertest checks that an implementation of crawler.Frontier
// keeps the contract the crawler relies on: the seen-set, the queue order,
// passes, resumption, revisit due times and aliases. Every implementation
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
