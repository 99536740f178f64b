package archive

import (
	"context"
	"testing"
)

// segments counts the segments of full-text index table: the distinct
// segment ids of its %_idx table.
func segments(t *testing.T, db *DB, table string) int {
	t.Helper()
	var n int
	if err := db.read.QueryRow(`SELECT count(DISTINCT segid) FROM ` + table + `_idx`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestDB_Optimize(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	// Many small index transactions: many segments.
	for i := range 40 {
		recordNumbered(t, db, i)
		if err := db.inWriteLoop(ctx); err != nil {
			t.Fatal(err)
		}
	}
	c, a := numbered(99)
	if err := db.recordUnindexed(ctx, c, a); err != nil {
		t.Fatal(err)
	}
	before := segments(t, db, "fts_tokens")
	rep, err := db.Optimize(ctx)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("%+v; fts_tokens segments %d → %d", rep, before, segments(t, db, "fts_tokens"))
	if rep.Indexed != 1 {
		t.Errorf("indexed %d versions first, want 1", rep.Indexed)
	}
	for _, table := range []string{"fts_trigram", "fts_tokens"} {
		if n := segments(t, db, table); n != 1 {
			t.Errorf("%s: %d segments after Optimize, want 1", table, n)
		}
	}
	if before < 2 || rep.MergeSteps == 0 {
		t.Errorf("nothing to merge: %d segments before, %d steps", before, rep.MergeSteps)
	}
	if rep.SizeBefore == 0 || rep.SizeAfter == 0 {
		t.Errorf("sizes not reported: %+v", rep)
	}
	// Nothing archived changed, and searches find the same.
	if got := total(t, db, "通辽"); got != 41 {
		t.Errorf("%d hits after Optimize, want 41", got)
	}
	if got := total(t, db, "通辽新闻第9篇"); got != 1 {
		t.Errorf("%d hits for one article after Optimize, want 1", got)
	}
	vr, err := db.Verify(ctx, nil)
	if err != nil || !vr.OK() {
		t.Fatalf("verify after Optimize: %v %v", vr.Problems, err)
	}
	// A second run has nothing left to merge.
	rep, err = db.Optimize(ctx)
	if err != nil || rep.MergeSteps != 0 || rep.Indexed != 0 {
		t.Fatalf("second Optimize: %+v %v", rep, err)
	}
	ro := openReadOnly(t, db.Path)
	if _, err := ro.Optimize(ctx); err != ErrReadOnly {
		t.Fatalf("read-only Optimize: %v", err)
	}
}
