package archive

import (
	"context"
	"fmt"
	"reflect"
	"testing"
	"time"

	"github.com/annals/annals/extract"
)

// watermark reads the index watermark and the last version id.
func watermark(t *testing.T, db *DB) (mark, last int64) {
	t.Helper()
	if err := db.read.QueryRow(`SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?`, watermarkKey).Scan(&mark); err != nil {
		t.Fatal(err)
	}
	if err := db.read.QueryRow(`SELECT coalesce(max(id), 0) FROM versions`).Scan(&last); err != nil {
		t.Fatal(err)
	}
	return mark, last
}

// numbered is the i-th of a series of distinct Chinese articles.
func numbered(i int) (*Capture, *extract.Article) {
	u := fmt.Sprintf("http://tl.example.cn/news/%d.html", i)
	a := story()
	a.Title = fmt.Sprintf("通辽新闻第%d篇", i)
	return page(u, fmt.Sprintf("<html><h1>%s</h1></html>", a.Title), t0.Add(time.Duration(i)*time.Minute)), a
}

func recordNumbered(t *testing.T, db *DB, i int) {
	t.Helper()
	c, a := numbered(i)
	record(t, db, c, a)
}

// wantIndexed checks how many articles queries find, and that no version
// waits for the index.
func wantIndexed(t *testing.T, db *DB, hits map[string]int) {
	t.Helper()
	for q, n := range hits {
		if got := total(t, db, q); got != n {
			t.Errorf("%s: %d hits, want %d", q, got, n)
		}
	}
	if mark, last := watermark(t, db); mark != last {
		t.Errorf("watermark %d, last version %d", mark, last)
	}
}

func total(t *testing.T, db *DB, q string) int {
	t.Helper()
	res, err := db.Search(context.Background(), Query{Text: q})
	if err != nil {
		t.Fatal(err)
	}
	return res.Total
}

func TestDB_Index(t *testing.T) {
	ctx := context.Background()
	t.Run("SearchableWhenRecordReturns", func(t *testing.T) {
		db := newTestDB(t)
		for i := range 3 {
			recordNumbered(t, db, i)
		}
		// Both indexes: two characters (tokens), four (trigram).
		wantIndexed(t, db, map[string]int{"通辽": 3, "通辽新闻": 3})
	})
	t.Run("OtherProcessesWithinTheDelay", func(t *testing.T) {
		db := newTestDB(t)
		ro := openReadOnly(t, db.Path)
		recordNumbered(t, db, 1)
		start := time.Now()
		for total(t, ro, "通辽新闻第1篇") == 0 {
			if time.Since(start) > 20*indexDelay {
				t.Fatalf("a reader without the writer did not see the version after %v", time.Since(start))
			}
			time.Sleep(indexDelay / 10)
		}
	})
	t.Run("CloseIndexesWhatWaits", func(t *testing.T) {
		db := newTestDB(t)
		c, a := numbered(7)
		record(t, db, c, a)
		db.Close()
		ro := openReadOnly(t, db.Path)
		if got := total(t, ro, "通辽新闻第7篇"); got != 1 {
			t.Fatalf("%d hits after Close, want 1", got)
		}
	})
	t.Run("BatchesAndMany", func(t *testing.T) {
		db := newTestDB(t)
		n := 2*indexBatch + 5
		for i := range n {
			recordNumbered(t, db, i)
		}
		if got := total(t, db, "通辽"); got != n {
			t.Fatalf("%d hits, want %d", got, n)
		}
		rep, err := db.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify: %v %v", rep.Problems, err)
		}
	})
	t.Run("AWriterThatDiedLeftVersionsWaiting", func(t *testing.T) {
		db := newTestDB(t)
		recordNumbered(t, db, 1)
		if err := db.inWriteLoop(ctx); err != nil {
			t.Fatal(err)
		}
		// As a process killed before its write loop indexed: the version
		// is committed, the watermark is behind it.
		c, a := numbered(2)
		if err := db.recordUnindexed(ctx, c, a); err != nil {
			t.Fatal(err)
		}
		if mark, last := watermark(t, db); mark != last-1 {
			t.Fatalf("setup: watermark %d, last version %d", mark, last)
		}
		db.Close()
		db = NewDB(db.Path)
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		if got := total(t, db, "通辽新闻第2篇"); got != 1 {
			t.Fatalf("%d hits after reopening, want 1", got)
		}
		if got := total(t, db, "通辽"); got != 2 {
			t.Fatalf("%d hits for both, want 2 (none indexed twice)", got)
		}
	})
	t.Run("VerifyIndexesWhatWaits", func(t *testing.T) {
		db := newTestDB(t)
		db.inWriteLoop(ctx)
		c, a := numbered(3)
		if err := db.recordUnindexed(ctx, c, a); err != nil {
			t.Fatal(err)
		}
		rep, err := db.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("verify with a version waiting: %v %v", rep.Problems, err)
		}
		if mark, last := watermark(t, db); mark != last {
			t.Fatalf("after verify: watermark %d, last version %d", mark, last)
		}
	})
}

// recordUnindexed records a capture in a transaction of its own without
// the write loop learning of its version, as a writer that was killed
// before indexing leaves it.
func (db *DB) recordUnindexed(ctx context.Context, c *Capture, a *extract.Article) error {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqltx.Rollback()
	tx := db.wrap(sqltx)
	p, err := db.prepare(ctx, tx, c, a)
	if err != nil {
		return err
	}
	if _, err := db.record(ctx, tx, p); err != nil {
		return err
	}
	return sqltx.Commit()
}

// TestDB_Migrate_Schema3 upgrades an archive of schema 2, whose versions
// were indexed as they were recorded: each is in the index once after, and
// a new version of an article recorded before finds its changed fields
// without field hashes.
func TestDB_Migrate_Schema3(t *testing.T) {
	db := newTestDB(t)
	const u = "http://tl.example.cn/c.html"
	record(t, db, page(u, "<html>1</html>", t0), story())
	db.Close()

	// Make it what schema 2 wrote.
	db = rewrite(t, db.Path, append(undoSchema5(),
		`DELETE FROM meta WHERE key = '`+watermarkKey+`'`,
		`ALTER TABLE versions DROP COLUMN field_hashes`,
		`PRAGMA user_version = 2`,
	)...)
	// Indexed once (schema 4 indexes every version again).
	wantIndexed(t, db, map[string]int{"通辽": 1})
	a := story()
	a.Title += "（更新）"
	out := record(t, db, page(u, "<html>2</html>", t0.Add(time.Hour)), a)
	if out.Version != 2 || !reflect.DeepEqual(out.Changed, []string{FieldTitle}) {
		t.Fatalf("new version after upgrade: %+v", out)
	}
	a.Source = "内蒙古日报"
	out = record(t, db, page(u, "<html>3</html>", t0.Add(2*time.Hour)), a)
	if out.Version != 3 || !reflect.DeepEqual(out.Changed, []string{FieldSource}) {
		t.Fatalf("version with field hashes: %+v", out)
	}
}
