package archive

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"testing"
)

// TestDB_Record_DiskFull fills the archive (SQLite's max_page_count stands
// in for a full disk: both give SQLITE_FULL) and checks that the refused
// write says so with ErrDiskFull, that what was recorded before stays
// readable, and that recording works again once there is room.
func TestDB_Record_DiskFull(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	first := record(t, db, page("http://news.example.cn/a/1.htm", "<html><body><p>第一篇</p></body></html>", t0), story())

	var pages int
	if err := db.write.QueryRowContext(ctx, "PRAGMA page_count").Scan(&pages); err != nil {
		t.Fatal(err)
	}
	if _, err := db.write.ExecContext(ctx, fmt.Sprintf("PRAGMA max_page_count = %d", pages+2)); err != nil {
		t.Fatal(err)
	}
	// Random bytes do not compress: the payload needs many pages.
	big := make([]byte, 256<<10)
	r := rand.New(rand.NewPCG(1, 2))
	for i := range big {
		big[i] = byte(r.UintN(256))
	}
	_, err := db.Record(ctx, page("http://news.example.cn/a/2.htm", string(big), t0.Add(1)), story())
	if !errors.Is(err, ErrDiskFull) {
		t.Fatalf("record onto a full archive: %v, want ErrDiskFull", err)
	}
	if errors.Is(err, ErrWriteFailed) || errors.Is(err, ErrDamaged) {
		t.Fatalf("a full disk is not a failed write nor damage: %v", err)
	}
	if _, err := db.Payload(ctx, first.PayloadSHA256); err != nil {
		t.Fatalf("what was recorded before the disk filled: %v", err)
	}

	if _, err := db.write.ExecContext(ctx, "PRAGMA max_page_count = 1073741823"); err != nil {
		t.Fatal(err)
	}
	record(t, db, page("http://news.example.cn/a/2.htm", string(big), t0.Add(2)), story())
}

func TestUnwritable(t *testing.T) {
	plain := errors.New("plain")
	if got := unwritable(plain); got != plain {
		t.Errorf("unwritable(plain) = %v", got)
	}
	if unwritable(nil) != nil {
		t.Error("unwritable(nil) is not nil")
	}
}
