package archive

import (
	"context"
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

func TestDB_Record_Events(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://news.example.cn/2021/09/28/c_1.htm"
	html := "<html><body><h1>通辽</h1><p>正文</p><footer>views 1</footer></body></html>"
	at := func(h int) time.Time { return t0.Add(time.Duration(h) * time.Hour) }
	step := func(name string, c *Capture, a *extract.Article, wantEvent EventKind, wantVersion int, wantChanged []string) Outcome {
		t.Helper()
		out := record(t, db, c, a)
		if out.Event != wantEvent || out.Version != wantVersion || !reflect.DeepEqual(out.Changed, wantChanged) {
			t.Fatalf("%s: got event %q version %d changed %v, want %q %d %v", name, out.Event, out.Version, out.Changed, wantEvent, wantVersion, wantChanged)
		}
		return out
	}

	first := step("first", page(u, html, at(0)), story(), EventFirstSeen, 1, nil)
	if first.ArticleID == 0 || first.KeyURL != u {
		t.Fatalf("first: %+v", first)
	}
	// A changed counter in the footer changes the payload, not the content.
	step("footer", page(u, strings.Replace(html, "views 1", "views 2", 1), at(1)), story(), EventUnchanged, 1, nil)
	// Whitespace and Unicode composition differences are not changes.
	a := story()
	a.Body = "  " + strings.ReplaceAll(a.Body, "。", "。 ") + "\n\n\n"
	step("whitespace", page(u, html, at(2)), a, EventUnchanged, 1, nil)
	step("304", status(u, 304, "", at(3)), nil, EventUnchanged, 1, nil)

	a = story()
	a.Title = "通辽市第五次党代会隆重开幕"
	a.Body += "\n\n新增一段。"
	step("edit", page(u, html+"<!-- edited -->", at(4)), a, EventChanged, 2, []string{"title", "body"})

	step("gone", status(u, 404, "", at(5)), nil, EventGone, 2, nil)
	step("still gone", status(u, 410, "", at(6)), nil, EventNone, 2, nil)
	step("restored same", page(u, html, at(7)), a, EventRestored, 2, nil)
	b := *a
	b.Bylines = []extract.Byline{{Name: "赵彦臻", Role: extract.RoleReporter}}
	step("changed bylines", page(u, html, at(8)), &b, EventChanged, 3, []string{"bylines"})
	step("not article", page(u, "<html>maintenance</html>", at(9)), nil, EventNotArticle, 3, nil)
	step("error", &Capture{URL: u, Err: "timeout", StartedAt: at(10)}, nil, EventNone, 3, nil)
	step("to home", status(u, 302, "/", at(11)), nil, EventGone, 3, nil)
	step("restored new", page(u, html, at(12)), story(), EventRestored, 4, []string{"title", "bylines", "body"})
	step("moved", status(u, 301, "http://news.example.cn/new/c_1.htm", at(13)), nil, EventMoved, 4, nil)
	step("moved again same", status(u, 301, "http://news.example.cn/new/c_1.htm", at(14)), nil, EventNone, 4, nil)

	art, err := db.ArticleByID(ctx, first.ArticleID)
	if err != nil {
		t.Fatal(err)
	}
	if art.State != StateMoved || art.MovedTo != "http://news.example.cn/new/c_1.htm" || art.Version != 4 {
		t.Fatalf("article: %+v", art)
	}
	if !art.LastChecked.Equal(at(14)) || !art.FirstSeen.Equal(at(0)) {
		t.Fatalf("times: %+v", art)
	}
	vs, err := db.Versions(ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	if len(vs) != 4 || vs[0].Content.Title != "通辽市第五次党代会开幕" || vs[1].Content.Title != "通辽市第五次党代会隆重开幕" {
		t.Fatalf("versions: %d %+v", len(vs), vs)
	}
	if !vs[0].SupersededAt.Equal(at(4)) || !vs[3].SupersededAt.IsZero() {
		t.Fatalf("superseded: %v %v", vs[0].SupersededAt, vs[3].SupersededAt)
	}
	if !reflect.DeepEqual(vs[0].Content.Bylines, story().Bylines) {
		t.Fatalf("bylines: %+v", vs[0].Content.Bylines)
	}
	es, err := db.Events(ctx, art.ID)
	if err != nil {
		t.Fatal(err)
	}
	var kinds []string
	for _, e := range es {
		kinds = append(kinds, string(e.Kind))
	}
	want := "first_seen unchanged unchanged unchanged changed gone restored changed not_article gone restored moved"
	if got := strings.Join(kinds, " "); got != want {
		t.Fatalf("events:\n got %s\nwant %s", got, want)
	}
	if es[4].Version != 2 || !reflect.DeepEqual(es[4].Changed, []string{"title", "body"}) {
		t.Fatalf("changed event: %+v", es[4])
	}
}

func TestDB_Record_CanonicalKey(t *testing.T) {
	db := newTestDB(t)
	a := story()
	a.CanonicalURL = "https://www.example.cn/a/1.html"
	o1 := record(t, db, page("http://example.cn/a/1.html?from=rss", "<p>x</p>", t0), a)
	o2 := record(t, db, page("https://www.example.cn/a/1.html", "<p>x</p>", t0.Add(time.Hour)), a)
	if o1.ArticleID != o2.ArticleID || o2.Event != EventUnchanged || o1.KeyURL != "https://www.example.cn/a/1.html" {
		t.Fatalf("canonical: %+v %+v", o1, o2)
	}
	// The capture URL leads to the article too, and its 404 makes it gone.
	o3 := record(t, db, status("http://example.cn/a/1.html?from=rss", 404, "", t0.Add(2*time.Hour)), nil)
	if o3.ArticleID != o1.ArticleID || o3.Event != EventGone {
		t.Fatalf("gone via capture URL: %+v", o3)
	}
	// A canonical URL on another site is not trusted.
	b := story()
	b.CanonicalURL = "https://elsewhere.example.org/x"
	o4 := record(t, db, page("http://example.cn/b.html", "<p>y</p>", t0), b)
	if o4.KeyURL != "http://example.cn/b.html" {
		t.Fatalf("foreign canonical: %+v", o4)
	}
	got, err := db.ArticleByURL(context.Background(), "http://example.cn/a/1.html?from=rss")
	if err != nil || got.ID != o1.ArticleID || got.KeyedOn != "canonical" {
		t.Fatalf("ArticleByURL: %+v %v", got, err)
	}
	if _, err := db.ArticleByURL(context.Background(), "http://example.cn/none"); !errors.Is(err, ErrNotFound) {
		t.Fatalf("missing article: %v", err)
	}
}

func TestDB_Record_RedirectToSeed(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	run, err := db.StartRun(ctx, RunInfo{Job: "portal", Seeds: []string{"http://gov.example.cn/news/index.html"}})
	if err != nil {
		t.Fatal(err)
	}
	const u = "http://gov.example.cn/news/2021/1.html"
	c := page(u, "<p>a</p>", t0)
	c.RunID = run
	record(t, db, c, story())
	// A temporary redirect elsewhere is not a deletion.
	c = status(u, 302, "http://gov.example.cn/login", t0.Add(time.Hour))
	c.RunID = run
	if out := record(t, db, c, nil); out.Event != EventNone {
		t.Fatalf("302 elsewhere: %+v", out)
	}
	c = status(u, 302, "http://gov.example.cn/news/index.html", t0.Add(2*time.Hour))
	c.RunID = run
	if out := record(t, db, c, nil); out.Event != EventGone {
		t.Fatalf("302 to seed: %+v", out)
	}
	sum, err := db.FinishRun(ctx, run, RunCompleted, "")
	if err != nil {
		t.Fatal(err)
	}
	want := RunSummary{Fetched: 3, NewArticles: 1, Gone: 1, Bytes: 8}
	if sum != want {
		t.Fatalf("summary %+v, want %+v", sum, want)
	}
	r, err := db.Run(ctx, run)
	if err != nil || r.Status != RunCompleted || r.Summary != want || r.Seeds[0] != "http://gov.example.cn/news/index.html" {
		t.Fatalf("run: %+v %v", r, err)
	}
}

func TestDB_Record_CaptureRoundTrip(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://example.cn/p.html"
	c1 := page(u, "<html>gbk \xc4\xe3\xba\xc3</html>", t0)
	o1 := record(t, db, c1, nil)
	c2 := page(u, "<html>gbk \xc4\xe3\xba\xc3</html>", t0.Add(time.Hour))
	c2.Header.Set("Etag", `"abc"`)
	o2 := record(t, db, c2, nil)
	if o1.PayloadSHA256 != o2.PayloadSHA256 || o1.PayloadSHA256 == "" {
		t.Fatalf("dedup: %+v %+v", o1, o2)
	}
	cs, err := db.CapturesOf(ctx, u)
	if err != nil || len(cs) != 2 {
		t.Fatalf("captures: %v %v", cs, err)
	}
	for i, c := range []*Capture{c1, c2} {
		got := cs[i]
		if !reflect.DeepEqual(got.Header, c.Header) || !reflect.DeepEqual(got.RequestHeader, c.RequestHeader) {
			t.Errorf("capture %d headers:\n got %v\nwant %v", i, got.Header, c.Header)
		}
		if got.Status != 200 || got.Proto != "HTTP/1.1" || got.Duration != c.Duration || !got.StartedAt.Equal(c.StartedAt) ||
			got.RemoteAddr != c.RemoteAddr || got.Charset != "utf-8" || got.Size != int64(len(c.Body)) {
			t.Errorf("capture %d: %+v", i, got)
		}
		body, err := db.CapturePayload(ctx, got.ID)
		if err != nil || string(body) != string(c.Body) {
			t.Errorf("payload %d: %q %v", i, body, err)
		}
	}
	if b, err := db.Payload(ctx, o1.PayloadSHA256); err != nil || string(b) != string(c1.Body) {
		t.Fatalf("Payload: %q %v", b, err)
	}
}

func TestDB_EachCapture(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	record(t, db, page("http://a.example.cn/1", "<p>one</p>", t0), nil)
	record(t, db, page("http://www.b.example.cn/2", "<p>two</p>", t0.Add(time.Hour)), nil)
	record(t, db, &Capture{URL: "http://b.example.cn/3", Err: "connection refused", StartedAt: t0.Add(2 * time.Hour)}, nil)
	var got []string
	err := db.EachCapture(ctx, CaptureFilter{Site: "b.example.cn", WithPayload: true}, func(c CaptureInfo, body []byte) error {
		got = append(got, c.URL+" "+string(body)+" "+c.Err)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	want := []string{"http://www.b.example.cn/2 <p>two</p> ", "http://b.example.cn/3  connection refused"}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("got %q, want %q", got, want)
	}
	n := 0
	stop := errors.New("stop")
	err = db.EachCapture(ctx, CaptureFilter{Since: t0.Add(time.Minute)}, func(CaptureInfo, []byte) error { n++; return stop })
	if !errors.Is(err, stop) || n != 1 {
		t.Fatalf("stop: %v after %d", err, n)
	}
}

func TestDB_Record_Refuses(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	for _, c := range []*Capture{nil, {URL: "/relative"}, {URL: "::"}} {
		if _, err := db.Record(ctx, c, nil); err == nil {
			t.Errorf("Record(%+v) succeeded", c)
		}
	}
	// A binary body is kept byte for byte.
	bin := make([]byte, 70000)
	for i := range bin {
		bin[i] = byte(i * 7)
	}
	c := page("http://example.cn/x.bin", string(bin), t0)
	out := record(t, db, c, nil)
	if b, err := db.CapturePayload(ctx, out.CaptureID); err != nil || string(b) != string(bin) {
		t.Fatalf("binary body: %v", err)
	}
	db.Close()
	ro := openReadOnly(t, db.Path)
	if _, err := ro.Record(ctx, page("http://example.cn/y", "y", t0), nil); !errors.Is(err, ErrReadOnly) {
		t.Fatalf("read-only Record: %v", err)
	}
	if _, err := db.Record(ctx, page("http://example.cn/y", "y", t0), nil); err == nil {
		t.Fatal("Record after Close succeeded")
	}
}

// A capture prepared as an unchanged recapture (not tokenised) that turns
// out to make a version, because another Record changed the article
// meanwhile, is tokenised by the writer and found by a search.
func TestDB_Record_ChangedAfterPrepareIsSearchable(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://news.example.cn/2021/09/28/c_2.htm"
	html := "<html><body><h1>通辽</h1><p>正文</p></body></html>"
	record(t, db, page(u, html, t0), story())
	p, err := db.prepare(ctx, cachedReader{db}, page(u, html, t0.Add(time.Hour)), story())
	if err != nil {
		t.Fatal(err)
	}
	if p.toks != nil {
		t.Fatal("an unchanged recapture was tokenised in prepare")
	}
	edited := story()
	edited.Body += "\n\n更正声明。"
	record(t, db, page(u, html+" ", t0.Add(2*time.Hour)), edited)
	job := &recordJob{ctx: ctx, p: p, done: make(chan struct{})}
	db.jobs <- job
	<-job.done
	if job.err != nil {
		t.Fatal(job.err)
	}
	if job.out.Event != EventChanged || job.out.Version != 3 {
		t.Fatalf("got event %q version %d, want changed 3", job.out.Event, job.out.Version)
	}
	// "列席" is two characters: answered by fts_tokens, which needs the tokens.
	res, err := db.Search(ctx, Query{Text: "列席"})
	if err != nil {
		t.Fatal(err)
	}
	if len(res.Hits) != 1 || res.Hits[0].Version != 3 || res.Index != IndexTokens {
		t.Fatalf("search for 列席: %+v", res)
	}
}
