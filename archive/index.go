package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"
)

// Full-text indexing is deferred and batched. Record stores a version and
// its search_docs row in its own durable transaction; the write loop adds
// the waiting versions to fts_trigram and fts_tokens in transactions of
// their own, many at a time. FTS5 writes one index segment per
// transaction and merges segments later: one segment per batch instead of
// one per Record is most of what ingest used to cost.
//
// meta 'fts_indexed_through' (schema 003) is the watermark: the versions
// whose id is at most its value are indexed, the others wait. Version ids
// only grow, so a transaction that reads the watermark (as the only
// writer: transactions begin IMMEDIATE) indexes exactly the versions above
// it and moves it, whichever process recorded them. Index work never shares
// a transaction with Record: a damaged index cannot stop archiving, and
// after a crash the next writer indexes what waits.
//
// A version is searchable in the process that recorded it as soon as
// Record returns (a search there first indexes what waits), and in other
// processes within indexDelay, or when the recording process closes the
// archive.
const (
	// indexBatch versions waiting start an index transaction at once.
	indexBatch = 128
	// indexDelay is the longest a recorded version waits for the index
	// while the writer is open.
	indexDelay = 250 * time.Millisecond
	// indexChunk bounds the versions read into memory at a time.
	indexChunk = 256
	// maxIndexTx bounds the versions one index transaction adds, so that
	// indexing a large backlog (after an upgrade rebuilt the indexes) never
	// holds the write lock for long: writers of other processes wait for
	// one batch, not for the backlog.
	maxIndexTx = 1024
	// watermarkKey names the watermark in the meta table.
	watermarkKey = "fts_indexed_through"
)

// tokens is a version's title and body tokenised for fts_tokens.
type tokens struct{ title, body string }

// indexQueue is what the write loop knows of the versions this process
// recorded and has not indexed yet. Only the write loop touches it, except
// waiting, which searches read.
type indexQueue struct {
	waiting atomic.Int64 // versions recorded here and not indexed
	oldest  time.Time    // when the first of them was committed
	retryAt time.Time    // after a failed index transaction, when to try again
	toks    map[int64]tokens
}

// recorded notes versions committed by a Record transaction.
func (q *indexQueue) recorded(fresh map[int64]tokens) {
	if len(fresh) == 0 {
		return
	}
	if q.waiting.Load() == 0 {
		q.oldest = time.Now()
	}
	q.waiting.Add(int64(len(fresh)))
	if q.toks == nil {
		q.toks = map[int64]tokens{}
	}
	// Keep the tokens of a bounded number of versions: if indexing keeps
	// failing, the rest are tokenised again from their rows.
	for id, t := range fresh {
		if len(q.toks) >= 4*indexBatch {
			break
		}
		q.toks[id] = t
	}
}

// due tells whether an index transaction should run now, and otherwise
// how long until one should (ok false: nothing waits).
func (q *indexQueue) due() (now bool, wait time.Duration, ok bool) {
	n := q.waiting.Load()
	if n == 0 {
		return false, 0, false
	}
	if wait = time.Until(q.retryAt); wait > 0 {
		return false, wait, true
	}
	wait = time.Until(q.oldest.Add(indexDelay))
	return n >= indexBatch || wait <= 0, wait, true
}

// indexed forgets what an index transaction covered: everything this
// process had committed before it.
func (q *indexQueue) indexed() {
	q.waiting.Store(0)
	q.retryAt = time.Time{}
	clear(q.toks)
}

// runIndex indexes every waiting version in a transaction of its own. Its
// commit does not wait for the disk: a power cut can lose only index work,
// which the watermark, lost with it, makes the next writer redo. Called by
// the write loop only.
func (db *DB) runIndex(ctx context.Context) error {
	var more bool
	err := db.lightTx(ctx, func(tx *sql.Tx) error {
		var err error
		_, more, err = db.indexWaiting(ctx, db.wrap(tx), db.idx.toks)
		return err
	})
	if err != nil {
		db.idx.retryAt = time.Now().Add(indexDelay)
		db.Logger.Warn("full-text indexing failed; will retry", "err", err)
		return fmt.Errorf("full-text index: %w", err)
	}
	db.idx.indexed()
	if more {
		// A backlog: go on at once, between Record groups.
		db.idx.waiting.Store(1)
		db.idx.oldest = time.Time{}
	}
	return nil
}

// indexAll indexes every waiting version, in transactions of at most
// maxIndexTx versions, and returns how many it indexed.
func (db *DB) indexAll(ctx context.Context) (int, error) {
	total := 0
	for {
		var n int
		var more bool
		err := db.lightTx(ctx, func(tx *sql.Tx) error {
			var err error
			n, more, err = db.indexWaiting(ctx, db.wrap(tx), nil)
			return err
		})
		total += n
		if err != nil || !more {
			return total, err
		}
	}
}

// lightTx runs fn in a write transaction whose commit does not wait for
// an fsync (synchronous=NORMAL for this transaction; the connection's
// setting, read once per DB, is restored after): index work, index merges
// and the frontier's Done records, all of which the next writer redoes or
// refetches if a power cut loses them.
func (db *DB) lightTx(ctx context.Context, fn func(*sql.Tx) error) (err error) {
	conn, err := db.write.Conn(ctx)
	if err != nil {
		return err
	}
	defer conn.Close()
	level := int(db.syncLevel.Load())
	if level < 0 {
		if err := conn.QueryRowContext(ctx, "PRAGMA synchronous").Scan(&level); err != nil {
			return err
		}
		db.syncLevel.Store(int32(level))
	}
	if level > 1 {
		if _, err := conn.ExecContext(ctx, "PRAGMA synchronous = NORMAL"); err != nil {
			return err
		}
		defer func() {
			_, rerr := conn.ExecContext(context.WithoutCancel(ctx), "PRAGMA synchronous = "+strconv.Itoa(level))
			if rerr != nil && err == nil {
				err = fmt.Errorf("restore synchronous: %w", rerr)
			}
		}()
	}
	sqltx, err := conn.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	if err := fn(sqltx); err != nil {
		sqltx.Rollback()
		return err
	}
	return sqltx.Commit()
}

// indexWaiting adds to the full-text indexes, in tx, the versions above
// the watermark, at most maxIndexTx of them, and moves the watermark past
// them. toks may hold their tokenised text (nil: tokenise from the rows).
// It returns how many versions it indexed and whether more wait.
func (db *DB) indexWaiting(ctx context.Context, tx *wtx, toks map[int64]tokens) (n int, more bool, err error) {
	var mark string
	err = tx.QueryRowContext(ctx, `SELECT value FROM meta WHERE key = '`+watermarkKey+`'`).Scan(&mark)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, false, fmt.Errorf("the index watermark (meta %s) is missing: %w", watermarkKey, ErrDamaged)
	}
	if err != nil {
		return 0, false, fmt.Errorf("read the index watermark: %w", err)
	}
	from, err := strconv.ParseInt(mark, 10, 64)
	if err != nil {
		return 0, false, fmt.Errorf("the index watermark %q is no number: %w", mark, ErrDamaged)
	}
	var last, upto int64
	if err := tx.QueryRowContext(ctx, `SELECT coalesce(max(id), 0) FROM versions`).Scan(&last); err != nil {
		return 0, false, fmt.Errorf("read the last version: %w", err)
	}
	if last <= from {
		return 0, false, nil
	}
	// At most maxIndexTx versions: up to the id of the last of them.
	err = tx.QueryRowContext(ctx, `SELECT id FROM versions WHERE id > ? ORDER BY id LIMIT 1 OFFSET ?`, from, maxIndexTx-1).Scan(&upto)
	switch {
	case errors.Is(err, sql.ErrNoRows):
		upto = last
	case err != nil:
		return 0, false, fmt.Errorf("find the versions to index: %w", err)
	}
	// fts_trigram reads title and body from the versions themselves.
	if _, err := tx.ExecContext(ctx, `INSERT INTO fts_trigram (rowid, title, body)
		SELECT id, title, body FROM versions WHERE id > ? AND id <= ? AND cjk = 1`, from, upto); err != nil {
		return 0, false, fmt.Errorf("index versions %d-%d: %w", from+1, upto, err)
	}
	for at := from; at < upto; {
		ids, err := versionIDs(ctx, tx, at, upto)
		if err != nil {
			return 0, false, err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			t, ok := toks[id]
			if !ok {
				var title, body string
				if err := tx.QueryRowContext(ctx, `SELECT title, body FROM versions WHERE id = ?`, id).Scan(&title, &body); err != nil {
					return 0, false, fmt.Errorf("read version %d: %w", id, err)
				}
				t = tokens{tokenize(title), tokenize(body)}
			}
			if _, err := tx.ExecContext(ctx, `INSERT INTO fts_tokens (rowid, title, body) VALUES (?, ?, ?)`, id, t.title, t.body); err != nil {
				return 0, false, fmt.Errorf("index version %d: %w", id, err)
			}
		}
		n += len(ids)
		at = ids[len(ids)-1]
	}
	if _, err := tx.ExecContext(ctx, `UPDATE meta SET value = ? WHERE key = '`+watermarkKey+`'`, strconv.FormatInt(upto, 10)); err != nil {
		return 0, false, fmt.Errorf("move the index watermark: %w", err)
	}
	return n, upto < last, nil
}

// versionIDs lists up to indexChunk version ids in (after, upto], in order.
func versionIDs(ctx context.Context, tx *wtx, after, upto int64) ([]int64, error) {
	rows, err := tx.QueryContext(ctx, `SELECT id FROM versions WHERE id > ? AND id <= ? ORDER BY id LIMIT ?`, after, upto, indexChunk)
	if err != nil {
		return nil, fmt.Errorf("list versions to index: %w", err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list versions to index: %w", err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list versions to index: %w", err)
	}
	return ids, nil
}

// awaitIndex makes the versions this process recorded searchable: when
// any wait, it has the write loop index them and waits for it. Searches
// call it before they read the full-text indexes; if indexing fails
// (logged by the write loop), they search what is indexed.
func (db *DB) awaitIndex(ctx context.Context) {
	if db.idx == nil || db.idx.waiting.Load() == 0 {
		return
	}
	_ = db.inWriteLoop(ctx)
}

// inWriteLoop has the write loop run an index transaction now (indexing
// what any process left waiting) and returns its error. Without a write
// loop (read-only, or closed) it does nothing.
func (db *DB) inWriteLoop(ctx context.Context) error {
	db.jobMu.RLock()
	syncs, done := db.syncs, db.writeDone
	db.jobMu.RUnlock()
	if syncs == nil {
		return nil
	}
	reply := make(chan error, 1)
	select {
	case syncs <- reply:
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
	select {
	case err := <-reply:
		return err
	case <-ctx.Done():
		return ctx.Err()
	}
}
