package archive

import (
	"context"
	"database/sql"
	"errors"
	"path/filepath"
	"strings"
	"testing"
)

func TestDB_Migrate(t *testing.T) {
	ctx := context.Background()
	ms, err := migrations()
	if err != nil {
		t.Fatal(err)
	}
	t.Run("OlderUpgrades", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "old.db")
		raw, err := sql.Open("sqlite", path)
		if err != nil {
			t.Fatal(err)
		}
		// An archive written at schema 1, with data in it.
		if _, err := raw.Exec(ms[0].sql); err != nil {
			t.Fatal(err)
		}
		if _, err := raw.Exec(`PRAGMA user_version = 1; INSERT INTO runs (job, started_ms) VALUES ('old', 1)`); err != nil {
			t.Fatal(err)
		}
		raw.Close()
		// A reader upgrades it first, as a writer would, and reads it.
		ro := NewDB(path)
		ro.ReadOnly = true
		if err := ro.Open(ctx); err != nil {
			t.Fatalf("read-only open of an older archive: %v", err)
		}
		if r, err := ro.Run(ctx, 1); err != nil || r.Job != "old" {
			t.Fatalf("the reader after its upgrade: %+v %v", r, err)
		}
		if _, err := ro.Record(ctx, page("http://a.example/", "<p>x</p>", t0), nil); !errors.Is(err, ErrReadOnly) {
			t.Fatalf("the reader writes after its upgrade: %v", err)
		}
		ro.Close()
		db := NewDB(path)
		if err := db.Open(ctx); err != nil {
			t.Fatal(err)
		}
		defer db.Close()
		var v int
		db.read.QueryRow(`PRAGMA user_version`).Scan(&v)
		if v != SchemaVersion() || v != len(ms) {
			t.Fatalf("version %d after upgrade, want %d", v, SchemaVersion())
		}
		r, err := db.Run(ctx, 1)
		if err != nil || r.Job != "old" {
			t.Fatalf("data lost in upgrade: %+v %v", r, err)
		}
	})
	t.Run("NewerRefused", func(t *testing.T) {
		db := newTestDB(t)
		if _, err := db.write.Exec(`PRAGMA user_version = 999`); err != nil {
			t.Fatal(err)
		}
		db.Close()
		for _, ro := range []bool{false, true} {
			d := NewDB(db.Path)
			d.ReadOnly = ro
			err := d.Open(ctx)
			if !errors.Is(err, ErrNewerSchema) || !strings.Contains(err.Error(), "999") {
				t.Fatalf("read-only %v: got %v, want ErrNewerSchema", ro, err)
			}
		}
	})
	t.Run("NotAnArchive", func(t *testing.T) {
		path := filepath.Join(t.TempDir(), "x.db")
		d := NewDB(path)
		d.ReadOnly = true
		if err := d.Open(ctx); err == nil {
			t.Fatal("read-only open of a missing file succeeded")
		}
	})
}
