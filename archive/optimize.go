package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"time"
)

// OptimizeReport is what Optimize did.
type OptimizeReport struct {
	Indexed    int   // versions added to the full-text indexes first
	MergeSteps int   // transactions of index merging
	Vacuumed   int64 // pages given back to the file system (auto_vacuum=incremental only)
	FreePages  int64 // pages free inside the file after, reused by later writes
	SizeBefore int64 // bytes of the file (without its WAL) before
	SizeAfter  int64 // and after
	Took       time.Duration
}

// optimizeMergePages is how many pages of merged index one merge step
// writes: small enough that a crawl writing meanwhile waits a fraction of
// a second for each, never its busy timeout.
const optimizeMergePages = 1000

// Optimize makes a grown archive quick to search again. It indexes the
// versions waiting for the full-text indexes, merges each index's
// segments into one (FTS5's 'optimize', done as incremental 'merge' steps
// of a transaction each, so that writers in other processes go on between
// them), has SQLite refresh its query planner's statistics (PRAGMA
// optimize), gives free pages back to the file system when the archive
// allows it (auto_vacuum=incremental; otherwise they stay free inside the
// file and later writes reuse them), and checkpoints the WAL. Nothing
// archived changes. The daemon calls it after runs; annals verify
// --optimize runs it by hand.
func (db *DB) Optimize(ctx context.Context) (OptimizeReport, error) {
	start := time.Now()
	var rep OptimizeReport
	if db.ReadOnly {
		return rep, ErrReadOnly
	}
	if db.write == nil {
		return rep, errors.New("optimize: archive is not open")
	}
	var err error
	if rep.SizeBefore, _, err = db.fileSize(ctx); err != nil {
		return rep, fmt.Errorf("optimize: %w", err)
	}
	// Index what waits, whichever process recorded it.
	if rep.Indexed, err = db.indexAll(ctx); err != nil {
		return rep, fmt.Errorf("optimize: index the versions waiting: %w", err)
	}
	for _, t := range []string{"fts_trigram", "fts_tokens"} {
		n, err := db.mergeIndex(ctx, t)
		rep.MergeSteps += n
		if err != nil {
			return rep, fmt.Errorf("optimize: merge %s: %w", t, err)
		}
	}
	var autoVacuum int
	if err := db.write.QueryRowContext(ctx, `PRAGMA auto_vacuum`).Scan(&autoVacuum); err != nil {
		return rep, fmt.Errorf("optimize: %w", err)
	}
	if autoVacuum == 2 {
		var before int64
		db.write.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&before)
		if _, err := db.write.ExecContext(ctx, `PRAGMA incremental_vacuum`); err != nil {
			return rep, fmt.Errorf("optimize: incremental vacuum: %w", err)
		}
		var after int64
		db.write.QueryRowContext(ctx, `PRAGMA freelist_count`).Scan(&after)
		rep.Vacuumed = before - after
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA optimize`); err != nil {
		return rep, fmt.Errorf("optimize: statistics: %w", err)
	}
	if _, err := db.write.ExecContext(ctx, `PRAGMA wal_checkpoint(PASSIVE)`); err != nil {
		return rep, fmt.Errorf("optimize: checkpoint: %w", err)
	}
	if rep.SizeAfter, rep.FreePages, err = db.fileSize(ctx); err != nil {
		return rep, fmt.Errorf("optimize: %w", err)
	}
	rep.Took = time.Since(start)
	db.Logger.Info("archive optimised", "path", db.Path, "indexed", rep.Indexed, "merge_steps", rep.MergeSteps,
		"bytes_before", rep.SizeBefore, "bytes_after", rep.SizeAfter, "free_pages", rep.FreePages, "took", rep.Took)
	return rep, nil
}

// mergeIndex merges the segments of full-text index t into one, in steps
// of optimizeMergePages pages, each its own transaction, and returns how
// many steps wrote something. The first step ('merge' with a negative
// count) makes every segment eligible, the next go on with that merge
// until a step finds nothing to do.
func (db *DB) mergeIndex(ctx context.Context, t string) (int, error) {
	steps := 0
	for n := -optimizeMergePages; ; n = optimizeMergePages {
		if err := ctx.Err(); err != nil {
			return steps, err
		}
		var changed int64
		err := db.lightTx(ctx, func(tx *sql.Tx) error {
			var before, after int64
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&before); err != nil {
				return err
			}
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`INSERT INTO %s(%[1]s, rank) VALUES ('merge', %d)`, t, n)); err != nil {
				return err
			}
			if err := tx.QueryRowContext(ctx, `SELECT total_changes()`).Scan(&after); err != nil {
				return err
			}
			changed = after - before
			return nil
		})
		if err != nil {
			return steps, err
		}
		// FTS5: fewer than 2 changes means the step found nothing to merge.
		if changed < 2 {
			return steps, nil
		}
		steps++
	}
}

// fileSize returns the size of the main database file in bytes and how
// many of its pages are free.
func (db *DB) fileSize(ctx context.Context) (size, free int64, err error) {
	var pages, pageSize int64
	if err := db.write.QueryRowContext(ctx, `SELECT page_count, page_size, freelist_count
		FROM pragma_page_count(), pragma_page_size(), pragma_freelist_count()`).Scan(&pages, &pageSize, &free); err != nil {
		return 0, 0, fmt.Errorf("read the file's size: %w", err)
	}
	return pages * pageSize, free, nil
}
