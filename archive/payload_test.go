package archive

import (
	"bytes"
	"context"
	"fmt"
	"math/rand/v2"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/klauspost/compress/zstd"
)

// syntheticHTML builds a news page of about n paragraphs of varied Chinese
// and English text, deterministic for a seed.
func syntheticHTML(seed uint64, n int) string {
	rng := rand.New(rand.NewPCG(seed, 7))
	var b strings.Builder
	b.WriteString(`<!DOCTYPE html><html><head><meta charset="utf-8"><title>通辽新闻网</title></head><body><nav>`)
	for i := range 30 {
		fmt.Fprintf(&b, `<a href="/channel/%d.html">栏目%d</a>`, i, i)
	}
	b.WriteString(`</nav><div class="article"><h1>通辽市第五次党代会开幕</h1>`)
	for range n {
		b.WriteString("<p>")
		for range 40 + rng.IntN(60) {
			if rng.IntN(4) == 0 {
				b.WriteString(englishWords[rng.IntN(len(englishWords))] + " ")
			} else {
				b.WriteString(chineseWords[rng.IntN(len(chineseWords))])
			}
		}
		b.WriteString("。</p>\n")
	}
	b.WriteString(`</div><footer>版权所有 通辽日报社</footer></body></html>`)
	return b.String()
}

func TestDB_PayloadDelta(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	const u = "http://tl.example.cn/delta.html"
	v1 := syntheticHTML(1, 60)
	ps := strings.Split(v1, "\n")
	ps[30] = "<p>今天下午，大会举行第二次全体会议，选举产生了新一届市委委员会。</p>"
	v2 := strings.Join(ps, "\n")
	record(t, db, page(u, v1, t0), nil)
	o2 := record(t, db, page(u, v2, t0.Add(time.Hour)), nil)

	var codec string
	var stored, depth int
	db.read.QueryRow(`SELECT codec, length(data), depth FROM payloads WHERE lower(hex(sha256)) = ?`, o2.PayloadSHA256).Scan(&codec, &stored, &depth)
	alone := len(db.codec.enc.EncodeAll([]byte(v2), nil))
	t.Logf("raw %d bytes, zstd alone %d, delta %d (%.0f× smaller)", len(v2), alone, stored, float64(alone)/float64(stored))
	if codec != codecDelta || depth != 1 {
		t.Fatalf("edit stored as %s depth %d, want a delta", codec, depth)
	}
	if alone < 20*stored {
		t.Fatalf("delta %d bytes is not 20× smaller than %d", stored, alone)
	}
	if b, err := db.Payload(ctx, o2.PayloadSHA256); err != nil || string(b) != v2 {
		t.Fatalf("read back: %v", err)
	}

	// A long run of edits keeps chains within MaxDeltaDepth, and every
	// version reads back exactly.
	want := map[string]string{}
	for i := range 3 * DefaultMaxDeltaDepth {
		ps[10+i%20] = fmt.Sprintf("<p>第%d次修改。</p>", i)
		body := strings.Join(ps, "\n")
		o := record(t, db, page(u, body, t0.Add(time.Duration(i+2)*time.Hour)), nil)
		want[o.PayloadSHA256] = body
	}
	var maxDepth int
	db.read.QueryRow(`SELECT max(depth) FROM payloads`).Scan(&maxDepth)
	if maxDepth > DefaultMaxDeltaDepth {
		t.Fatalf("chain depth %d > %d", maxDepth, DefaultMaxDeltaDepth)
	}
	for sum, body := range want {
		if b, err := db.Payload(ctx, sum); err != nil || string(b) != body {
			t.Fatalf("payload %s: %v", sum, err)
		}
	}
}

// TestCodec_ReusedCoders encodes and decodes deltas of pages of many sizes
// (windows below and above the size where the level changes) from several
// goroutines at once: encoders and decoders kept for reuse must give each
// delta its own base.
func TestCodec_ReusedCoders(t *testing.T) {
	c, err := newCodec(zstd.SpeedBetterCompression, DefaultDeltaLevel)
	if err != nil {
		t.Fatal(err)
	}
	defer c.close()
	var wg sync.WaitGroup
	for w := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 12 {
				base := []byte(syntheticHTML(uint64(w*100+i), 5+i%4*40))
				raw := []byte(strings.Replace(string(base), "<p>", fmt.Sprintf("<p>更正%d-%d：", w, i), 1))
				d, err := c.encodeDelta(raw, base)
				if err != nil {
					t.Error(err)
					return
				}
				got, err := c.decode(codecDelta, d, base, len(raw))
				if err != nil || !bytes.Equal(got, raw) {
					t.Errorf("goroutine %d page %d (%d bytes): delta of %d bytes decodes wrong: %v", w, i, len(raw), len(d), err)
					return
				}
				if len(d) > len(raw)/20 {
					t.Errorf("page %d: delta of %d bytes for a one-line edit of %d", i, len(d), len(raw))
				}
			}
		}()
	}
	wg.Wait()
}

func TestDB_PayloadNoDelta(t *testing.T) {
	db := newTestDB(t)
	db.MaxDeltaDepth = 0
	const u = "http://tl.example.cn/p.html"
	record(t, db, page(u, syntheticHTML(1, 20), t0), nil)
	record(t, db, page(u, syntheticHTML(1, 21), t0), nil)
	var n int
	db.read.QueryRow(`SELECT count(*) FROM payloads WHERE codec = 'zstd-delta'`).Scan(&n)
	if n != 0 {
		t.Fatalf("%d deltas with MaxDeltaDepth 0", n)
	}
}

// TestDB_RecaptureGrowth checks the figure also measured by
// BenchmarkRecapture: an unchanged recapture costs at most 300 bytes.
func TestDB_RecaptureGrowth(t *testing.T) {
	db := newTestDB(t)
	growth := recaptureGrowth(t, db, 2000)
	t.Logf("%.1f bytes per unchanged recapture", growth)
	if growth > 300 {
		t.Fatalf("unchanged recapture costs %.1f bytes, want ≤ 300", growth)
	}
}

// recaptureGrowth records n unchanged recaptures (alternating same
// payload and 304) of 100 articles and returns the file growth per
// recapture.
func recaptureGrowth(t testing.TB, db *DB, n int) float64 {
	t.Helper()
	ctx := context.Background()
	urls := make([]string, 100)
	html := make([]string, 100)
	for i := range urls {
		urls[i] = fmt.Sprintf("http://tl.example.cn/2021/09/28/content_%07d.htm", i)
		html[i] = syntheticHTML(uint64(i), 10)
		c := page(urls[i], html[i], t0)
		c.Header.Set("Etag", fmt.Sprintf(`"%x-5f3c"`, i))
		c.Header.Set("Last-Modified", t0.Format(time.RFC1123))
		record(t, db, c, &sameStory)
	}
	db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	before := dbSize(t, db)
	for i := range n {
		at := t0.Add(time.Duration(i+1) * time.Minute)
		k := i % len(urls)
		var c *Capture
		if i%2 == 0 {
			c = page(urls[k], html[k], at)
			c.Header.Set("Etag", fmt.Sprintf(`"%x-5f3c"`, k))
			c.Header.Set("Last-Modified", t0.Format(time.RFC1123))
			c.RemoteAddr = "127.0.0.1:80"
		} else {
			c = status(urls[k], 304, "", at)
			c.Header.Set("Etag", fmt.Sprintf(`"%x-5f3c"`, k))
		}
		c.RequestHeader = map[string][]string{"User-Agent": {"annals/1.0 (+https://github.com/annals/annals)"}, "If-None-Match": {fmt.Sprintf(`"%x-5f3c"`, k)}}
		var a = &sameStory
		if i%2 == 1 {
			a = nil
		}
		if out, err := db.Record(ctx, c, a); err != nil || out.Event != EventUnchanged {
			t.Fatalf("recapture %d: %+v %v", i, out, err)
		}
	}
	db.write.Exec(`PRAGMA wal_checkpoint(TRUNCATE)`)
	return float64(dbSize(t, db)-before) / float64(n)
}

func dbSize(t testing.TB, db *DB) int64 {
	t.Helper()
	var pages, size int64
	if err := db.write.QueryRow(`PRAGMA page_count`).Scan(&pages); err != nil {
		t.Fatal(err)
	}
	db.write.QueryRow(`PRAGMA page_size`).Scan(&size)
	return pages * size
}
