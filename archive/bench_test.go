package archive

import (
	"bytes"
	"compress/gzip"
	"context"
	"flag"
	"fmt"
	"io"
	"io/fs"
	"math"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

var corpusDir = flag.String("corpus", "", "directory of real pages (.html, .html.gz) for BenchmarkCorpusStorage; default $ANNALS_CORPUS")

// corpus is a synthetic language: a Zipf-distributed vocabulary of
// Chinese words (of 2-4 characters from 2,500 Han characters) and of
// English-like words, from which articles are written.
type corpus struct {
	zh, en []string
	zhZipf *rand.Zipf
	enZipf *rand.Zipf
	rng    *rand.Rand
	zhBy   map[int][]string // words by rune length (0: three or more)
}

func newCorpus(seed uint64) *corpus {
	rng := rand.New(rand.NewPCG(seed, 99))
	c := &corpus{rng: rng, zhBy: map[int][]string{}}
	seen := map[string]bool{}
	for len(c.zh) < 30000 {
		n := 2
		if x := rng.IntN(10); x >= 7 {
			n = 3 + x%2
		}
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = rune(0x4E00 + rng.IntN(2500))
		}
		if w := string(rs); !seen[w] {
			seen[w] = true
			c.zh = append(c.zh, w)
			c.zhBy[n] = append(c.zhBy[n], w)
		}
	}
	syll := []string{"ka", "ro", "mi", "ten", "sal", "vor", "pe", "lin", "dus", "ga", "bri", "mon", "ta", "el", "quo", "ser", "han", "fi", "nor", "ul"}
	for len(c.en) < 20000 {
		var b strings.Builder
		for range 2 + rng.IntN(3) {
			b.WriteString(syll[rng.IntN(len(syll))])
		}
		if w := b.String(); !seen[w] {
			seen[w] = true
			c.en = append(c.en, w)
		}
	}
	c.zhZipf = rand.NewZipf(rng, 1.07, 2, uint64(len(c.zh)-1))
	c.enZipf = rand.NewZipf(rng, 1.07, 2, uint64(len(c.en)-1))
	return c
}

// article writes the i-th synthetic article: 70% Chinese, 30% English.
func (c *corpus) article(i int) (*Capture, *extract.Article) {
	zh := i%10 < 7
	word := func() string {
		if zh {
			return c.zh[c.zhZipf.Uint64()]
		}
		return c.en[c.enZipf.Uint64()]
	}
	sentence := func(n int) string {
		var b strings.Builder
		for j := range n {
			if !zh && j > 0 {
				b.WriteByte(' ')
			}
			b.WriteString(word())
		}
		if zh {
			b.WriteString("。")
		} else {
			b.WriteString(".")
		}
		return b.String()
	}
	var paras []string
	for range 4 + c.rng.IntN(6) {
		var p strings.Builder
		for range 2 + c.rng.IntN(3) {
			p.WriteString(sentence(8 + c.rng.IntN(10)))
			if !zh {
				p.WriteByte(' ')
			}
		}
		paras = append(paras, strings.TrimSpace(p.String()))
	}
	lang := "en"
	if zh {
		lang = "zh"
	}
	at := t0.Add(time.Duration(i) * time.Minute)
	a := &extract.Article{
		Title: strings.TrimRight(sentence(4+c.rng.IntN(5)), "。."), Body: strings.Join(paras, "\n\n"), Language: lang,
		Published: at.Add(-time.Hour).Format(time.RFC3339),
		Bylines:   []extract.Byline{{Name: word(), Role: extract.RoleReporter}},
	}
	cp := &Capture{URL: fmt.Sprintf("http://site%d.example.cn/news/%d.html", i%20, i), Status: 200, StartedAt: at,
		Header: map[string][]string{"Content-Type": {"text/html; charset=utf-8"}}}
	cp.Body = []byte("<html><head><title>" + a.Title + "</title></head><body><h1>" + a.Title + "</h1><p>" +
		strings.ReplaceAll(a.Body, "\n\n", "</p>\n<p>") + "</p></body></html>")
	return cp, a
}

// buildArchive records n synthetic articles into a new archive at path,
// in transactions of 2,000 (building is not what is measured). The
// full-text indexes are left as the writes left them, not optimised.
func buildArchive(tb testing.TB, path string, n int) *corpus {
	tb.Helper()
	ctx := context.Background()
	db := NewDB(path)
	if err := db.Open(ctx); err != nil {
		tb.Fatal(err)
	}
	defer db.Close()
	c := newCorpus(1)
	for start := 0; start < n; start += 2000 {
		var cs []*Capture
		var as []*extract.Article
		for i := start; i < min(n, start+2000); i++ {
			cp, a := c.article(i)
			cs, as = append(cs, cp), append(as, a)
		}
		if err := db.recordBatch(ctx, cs, as); err != nil {
			tb.Fatal(err)
		}
	}
	return c
}

// benchArchives caches the archives of the search and export benchmarks
// for the life of the test process.
var benchArchives struct {
	sync.Mutex
	dir   string
	paths map[int]string
	c     *corpus
}

func benchArchive(b *testing.B, n int) (string, *corpus) {
	b.Helper()
	benchArchives.Lock()
	defer benchArchives.Unlock()
	if benchArchives.paths == nil {
		benchArchives.paths = map[int]string{}
	}
	if p, ok := benchArchives.paths[n]; ok {
		return p, benchArchives.c
	}
	// ANNALS_BENCH_DIR keeps built archives between runs (delete them when
	// the schema or the generator changes); by default they are temporary.
	dir := os.Getenv("ANNALS_BENCH_DIR")
	if dir == "" {
		if benchArchives.dir == "" {
			d, err := os.MkdirTemp("", "annals-bench-")
			if err != nil {
				b.Fatal(err)
			}
			benchArchives.dir = d
		}
		dir = benchArchives.dir
	}
	p := filepath.Join(dir, fmt.Sprintf("synthetic-%d.db", n))
	if _, err := os.Stat(p); err == nil {
		benchArchives.paths[n], benchArchives.c = p, newCorpus(1)
		return p, benchArchives.c
	}
	start := time.Now()
	benchArchives.c = buildArchive(b, p+".building", n)
	if err := os.Rename(p+".building", p); err != nil {
		b.Fatal(err)
	}
	b.Logf("built %d articles in %v", n, time.Since(start).Round(time.Second))
	benchArchives.paths[n] = p
	return p, benchArchives.c
}

// recordsPerOp is how many records one BenchmarkIngest op stores, so that
// every benchmark of this package runs meaningfully at -benchtime 1x.
const recordsPerOp = 1000

// BenchmarkIngest records article versions, each Record a durable
// transaction: new articles from one caller and from four concurrent
// callers (as a crawler's workers call it; their calls share commits),
// new versions of known articles (one paragraph corrected, the page stored
// as a delta), and unchanged recaptures as the baseline. Pages are small
// synthetic ones; BenchmarkIngestCorpus does the same with real pages.
func BenchmarkIngest(b *testing.B) {
	for _, bc := range []struct {
		kind    string
		callers int
	}{{"new", 1}, {"new", 4}, {"changed", 1}, {"unchanged", 1}} {
		b.Run(fmt.Sprintf("%s/callers=%d", bc.kind, bc.callers), func(b *testing.B) {
			db := newTestDB(b)
			const known = 200
			c := newCorpus(2)
			n := b.N * recordsPerOp
			var work []ingestItem
			var arts []*extract.Article
			var caps []*Capture
			for i := range known + n {
				cp, a := c.article(i)
				caps, arts = append(caps, cp), append(arts, a)
			}
			for i := range known {
				record(b, db, caps[i], arts[i])
			}
			for i := range n {
				switch bc.kind {
				case "new":
					work = append(work, ingestItem{caps[known+i], arts[known+i], EventFirstSeen})
				case "changed": // a known article corrected: one paragraph edited
					k := i % known
					a := *arts[k]
					a.Body = fmt.Sprintf("更正%d：%s", i, a.Body)
					cp := *caps[k]
					cp.Body = []byte(strings.Replace(string(cp.Body), "<p>", fmt.Sprintf("<p>更正%d：", i), 1))
					work = append(work, ingestItem{&cp, &a, EventChanged})
				case "unchanged":
					work = append(work, ingestItem{caps[i%known], arts[i%known], EventUnchanged})
				}
			}
			ingest(b, db, work, bc.callers)
		})
	}
}

// BenchmarkIngestCorpus is BenchmarkIngest with the real pages under
// -corpus (their articles extracted beforehand, not timed), from one
// caller and from four (a crawl's workers: compressing and hashing run in
// the callers, in parallel; their writes share commits): new pages;
// pages changed by one inserted paragraph, which is also in the article;
// pages whose bytes changed outside the article (a footer), the commonest
// recapture of a live site, stored as a delta without a new version; and
// unchanged recaptures as the baseline.
func BenchmarkIngestCorpus(b *testing.B) {
	pages := corpusPages(b)
	type doc struct {
		html []byte
		a    *extract.Article
	}
	var docs []doc
	for _, p := range pages {
		a, err := extract.Extract(p, "http://corpus.example/", "text/html")
		if err != nil || a.Body == "" {
			continue
		}
		docs = append(docs, doc{p, a})
	}
	b.Logf("%d pages with an article", len(docs))
	url := func(i int) string { return fmt.Sprintf("http://corpus.example/%d.html", i) }
	for _, bc := range []struct {
		kind    string
		callers int
	}{{"new", 1}, {"new", 4}, {"changed", 1}, {"changed", 4}, {"footer-changed", 1}, {"unchanged", 1}} {
		kind := bc.kind
		b.Run(fmt.Sprintf("%s/callers=%d", kind, bc.callers), func(b *testing.B) {
			db := newTestDB(b)
			n := len(docs)
			if kind != "new" {
				for i, d := range docs {
					record(b, db, page(url(i), string(d.html), t0), d.a)
				}
			}
			var work []ingestItem
			for r := range b.N {
				for i, d := range docs {
					html, a, want := d.html, d.a, EventUnchanged
					switch kind {
					case "new":
						// Distinct bytes and URLs: no payload is a duplicate.
						html = fmt.Appendf(slices.Clip(d.html), "<!-- %d -->", r)
						i += r * n
						want = EventFirstSeen
					case "changed":
						para := fmt.Sprintf("A correction was added to this article, number %d.", r)
						mid := bytes.LastIndex(d.html[:len(d.html)/2], []byte("<p"))
						if mid < 0 {
							mid = len(d.html) / 2
						}
						html = slices.Concat(d.html[:mid], []byte("<p>"+para+"</p>"), d.html[mid:])
						x := *d.a
						x.Body = para + "\n\n" + x.Body
						a, want = &x, EventChanged
					case "footer-changed":
						html = fmt.Appendf(slices.Clip(d.html), "<footer>views: %d</footer>", 1000+r)
					}
					work = append(work, ingestItem{page(url(i), string(html), t0), a, want})
				}
			}
			ingest(b, db, work, bc.callers)
		})
	}
}

// ingestItem is one Record call of an ingest benchmark and the event it
// must cause.
type ingestItem struct {
	c    *Capture
	a    *extract.Article
	want EventKind
}

// ingest records work from callers goroutines, each capture a second
// later than the one before, and reports records per second of wall time
// and per second of CPU until every version is in the full-text indexes.
func ingest(b *testing.B, db *DB, work []ingestItem, callers int) {
	ctx := context.Background()
	b.ResetTimer()
	start, cpu0 := time.Now(), cpuTime()
	var wg sync.WaitGroup
	errs := make(chan error, callers)
	for w := range callers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(work); i += callers {
				cp := *work[i].c
				cp.StartedAt = t0.Add(time.Duration(i+1) * time.Second)
				out, err := db.Record(ctx, &cp, work[i].a)
				if err == nil && out.Event != work[i].want {
					err = fmt.Errorf("record %d: %s, want %s", i, out.Event, work[i].want)
				}
				if err != nil {
					errs <- err
					return
				}
			}
		}()
	}
	wg.Wait()
	close(errs)
	if err := <-errs; err != nil {
		b.Fatal(err)
	}
	// The clock runs until every version is in the full-text indexes.
	if err := db.inWriteLoop(ctx); err != nil {
		b.Fatal(err)
	}
	n := float64(len(work))
	b.ReportMetric(n/time.Since(start).Seconds(), "records/s")
	// Per second of CPU used by this process: what the machine
	// shared with other work cannot blur.
	b.ReportMetric(n/(cpuTime()-cpu0).Seconds(), "records/cpu-s")
	b.StopTimer()
	var waiting int
	db.read.QueryRow(`SELECT count(*) FROM versions WHERE id > (SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?)`, watermarkKey).Scan(&waiting)
	if waiting != 0 {
		b.Fatalf("%d versions not indexed", waiting)
	}
}

// cpuTime is the user and system CPU time this process has used.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}

// BenchmarkRecapture measures database growth per unchanged recapture
// (same payload digest, or 304), beside a changed recapture.
func BenchmarkRecapture(b *testing.B) {
	b.Run("unchanged", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db := newTestDB(b)
			b.StartTimer()
			b.ReportMetric(recaptureGrowth(b, db, 2000), "bytes/recapture")
		}
	})
	b.Run("changed-one-paragraph", func(b *testing.B) {
		for range b.N {
			b.StopTimer()
			db := newTestDB(b)
			b.StartTimer()
			const u = "http://tl.example.cn/c.html"
			html := syntheticHTML(5, 60)
			record(b, db, page(u, html, t0), nil)
			db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			before := dbSize(b, db)
			const n = 200
			for i := range n {
				html = strings.Replace(html, "<p>", fmt.Sprintf("<p>更正%d：", i), 1)
				record(b, db, page(u, html, t0.Add(time.Duration(i+1)*time.Minute)), nil)
			}
			db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
			b.ReportMetric(float64(dbSize(b, db)-before)/n, "bytes/recapture")
		}
	})
}

// corpusPages reads every .html and .html.gz file under dir.
func corpusPages(b *testing.B) [][]byte {
	dir := *corpusDir
	if dir == "" {
		dir = os.Getenv("ANNALS_CORPUS")
	}
	if dir == "" {
		b.Skip("no corpus: give -corpus DIR or set ANNALS_CORPUS")
	}
	var pages [][]byte
	err := filepath.WalkDir(dir, func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		var data []byte
		switch {
		case strings.HasSuffix(p, ".html.gz"):
			f, err := os.Open(p)
			if err != nil {
				return err
			}
			defer f.Close()
			zr, err := gzip.NewReader(f)
			if err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
			if data, err = io.ReadAll(zr); err != nil {
				return fmt.Errorf("%s: %w", p, err)
			}
		case strings.HasSuffix(p, ".html"):
			if data, err = os.ReadFile(p); err != nil {
				return err
			}
		default:
			return nil
		}
		pages = append(pages, data)
		return nil
	})
	if err != nil {
		b.Fatal(err)
	}
	if len(pages) == 0 {
		b.Skipf("no .html or .html.gz pages under %s", dir)
	}
	return pages
}

// BenchmarkCorpusStorage stores every corpus page and reports stored
// payload bytes as a percentage of raw HTML; then stores each page again
// with one paragraph changed and reports how much smaller the delta is
// than the page stored alone, and its size; then recaptures each page with
// a changed footer and reports the database growth per recapture.
func BenchmarkCorpusStorage(b *testing.B) {
	pages := corpusPages(b)
	ctx := context.Background()
	for range b.N {
		db := newTestDB(b)
		var raw int64
		for i, p := range pages {
			raw += int64(len(p))
			if _, err := db.Record(ctx, page(fmt.Sprintf("http://corpus.example/%d", i), string(p), t0), nil); err != nil {
				b.Fatal(err)
			}
		}
		var stored int64
		db.read.QueryRow(`SELECT sum(length(data)) FROM payloads`).Scan(&stored)
		b.ReportMetric(float64(len(pages)), "pages")
		b.ReportMetric(100*float64(stored)/float64(raw), "%stored/raw")

		// One edit per page: a sentence inserted in the middle.
		var alone, delta int64
		for i, p := range pages {
			mid := bytes.LastIndex(p[:len(p)/2], []byte("<p"))
			if mid < 0 {
				mid = len(p) / 2
			}
			edited := slices.Concat(p[:mid], []byte("<p>A correction was added to this article on the following day.</p>"), p[mid:])
			out, err := db.Record(ctx, page(fmt.Sprintf("http://corpus.example/%d", i), string(edited), t0.Add(time.Hour)), nil)
			if err != nil {
				b.Fatal(err)
			}
			var n int64
			db.read.QueryRow(`SELECT length(data) FROM payloads WHERE lower(hex(sha256)) = ?`, out.PayloadSHA256).Scan(&n)
			delta += n
			alone += int64(len(db.codec.enc.EncodeAll(edited, nil)))
		}
		b.ReportMetric(float64(alone)/float64(delta), "x-delta-smaller")
		b.ReportMetric(float64(delta)/float64(len(pages)), "B/edit-delta")

		// A recapture whose bytes changed outside the article (a view
		// counter in the footer): the commonest recapture of a live site.
		db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		before := dbSize(b, db)
		for i, p := range pages {
			again := fmt.Appendf(slices.Clip(p), "<footer>views: %d</footer>", 1000+i)
			if _, err := db.Record(ctx, page(fmt.Sprintf("http://corpus.example/%d", i), string(again), t0.Add(2*time.Hour)), nil); err != nil {
				b.Fatal(err)
			}
		}
		db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
		b.ReportMetric(float64(dbSize(b, db)-before)/float64(len(pages)), "B/footer-recapture")
		db.Close()
	}
}

// queriesPerOp is how many searches one benchmark op runs, so that the
// percentiles rest on enough samples even at -benchtime 1x.
const queriesPerOp = 200

// BenchmarkSearch runs queries against 100,000 synthetic articles
// (ANNALS_BENCH_ARTICLES to change) and reports p50 and p95 latency per
// query class. Terms are drawn from
// vocabulary ranks 50-5,000 (names, places, topics; not the few
// ubiquitous words).
func BenchmarkSearch(b *testing.B) {
	n := 100000
	if s := os.Getenv("ANNALS_BENCH_ARTICLES"); s != "" {
		n, _ = strconv.Atoi(s)
	}
	path, c := benchArchive(b, n)
	ctx := context.Background()
	db := NewDB(path)
	db.ReadOnly = true
	if err := db.Open(ctx); err != nil {
		b.Fatal(err)
	}
	defer db.Close()
	rng := rand.New(rand.NewPCG(3, 3))
	pick := func(words []string) string {
		for {
			// log-uniform rank in [50, 5000)
			r := int(50 * math.Pow(100, rng.Float64()))
			if r < len(words) {
				return words[r]
			}
		}
	}
	classes := []struct {
		name  string
		query func() string
		index string
	}{
		{"zh-3-chars", func() string { return pick(c.zh3()) }, IndexTrigram},
		{"zh-2-chars", func() string { return pick(c.zhBy[2]) }, IndexTokens},
		{"en-word", func() string { return pick(c.en) }, IndexTokens},
		{"zh-2-chars-AND-3-chars", func() string { return pick(c.zhBy[2]) + " " + pick(c.zh3()) }, IndexTokens},
	}
	for _, cl := range classes {
		b.Run(cl.name, func(b *testing.B) {
			var lat []time.Duration
			var hits int
			for range b.N * queriesPerOp {
				q := cl.query()
				start := time.Now()
				res, err := db.Search(ctx, Query{Text: q, Limit: 20})
				if err != nil {
					b.Fatal(err)
				}
				lat = append(lat, time.Since(start))
				hits += res.Total
				if res.Index != cl.index {
					b.Fatalf("%q answered by %s", q, res.Index)
				}
			}
			slices.Sort(lat)
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[len(lat)*95/100].Microseconds())/1000, "p95-ms")
			b.ReportMetric(float64(hits)/float64(len(lat)), "hits/query")
		})
	}
}

// zh3 lists the Chinese words of three characters or more, in rank order.
func (c *corpus) zh3() []string {
	if c.zhBy[0] == nil {
		for _, w := range c.zh {
			if len([]rune(w)) >= 3 {
				c.zhBy[0] = append(c.zhBy[0], w)
			}
		}
	}
	return c.zhBy[0]
}

// BenchmarkExport exports 10,000 and 100,000 articles in a child process
// and reports its peak resident set size: flat means streaming.
func BenchmarkExport(b *testing.B) {
	for _, n := range []int{10000, 100000} {
		b.Run(strconv.Itoa(n), func(b *testing.B) {
			path, _ := benchArchive(b, n)
			for range b.N {
				exe, err := os.Executable()
				if err != nil {
					b.Fatal(err)
				}
				cmd := exec.Command(exe, "-test.run=^$")
				cmd.Env = append(os.Environ(), "ANNALS_CHILD=export", "ANNALS_DB="+path)
				out, err := cmd.Output()
				if err != nil {
					b.Fatalf("export child: %v", err)
				}
				var records, kb int
				fmt.Sscan(string(out), &records, &kb)
				if records != n {
					b.Fatalf("exported %d records, want %d", records, n)
				}
				b.ReportMetric(float64(kb)/1024, "peak-RSS-MiB")
			}
		})
	}
}
