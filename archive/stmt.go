package archive

import (
	"context"
	"database/sql"
)

// wtx is a write transaction whose statements come from a cache of
// statements prepared once on the write connection: parsing SQL anew for
// every statement of every Record costs more than running it.
type wtx struct {
	tx *sql.Tx
	db *DB
	// fresh holds the versions this transaction stored, tokenised for
	// the full-text index (index.go), by id.
	fresh map[int64]tokens
}

func (db *DB) wrap(tx *sql.Tx) *wtx { return &wtx{tx: tx, db: db} }

// stmt returns the transaction's handle on the cached statement for
// query, or nil when it is not prepared yet. A statement cannot be
// prepared on the write pool while a transaction holds its only
// connection, so a missing one is noted and prepared by the write loop
// between transactions (prepareWanted).
func (t *wtx) stmt(ctx context.Context, query string) *sql.Stmt {
	t.db.mu.Lock()
	s, ok := t.db.stmts[query]
	if !ok {
		t.db.wanted[query] = true
	}
	t.db.mu.Unlock()
	if !ok {
		return nil
	}
	return t.tx.StmtContext(ctx, s)
}

// prepareWanted prepares the statements transactions asked for. It must
// run when no transaction of this DB is open.
func (db *DB) prepareWanted(ctx context.Context) {
	db.mu.Lock()
	var qs []string
	for q := range db.wanted {
		qs = append(qs, q)
	}
	clear(db.wanted)
	db.mu.Unlock()
	for _, q := range qs {
		s, err := db.write.PrepareContext(ctx, q)
		if err != nil {
			continue // the statement will run unprepared and report its error
		}
		db.mu.Lock()
		db.stmts[q] = s
		db.mu.Unlock()
	}
}

func (t *wtx) ExecContext(ctx context.Context, query string, args ...any) (sql.Result, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.ExecContext(ctx, args...)
	}
	return t.tx.ExecContext(ctx, query, args...)
}

func (t *wtx) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return t.tx.QueryRowContext(ctx, query, args...)
}

func (t *wtx) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := t.stmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return t.tx.QueryContext(ctx, query, args...)
}

// cachedReader is the read pool with statements prepared once, for the
// queries every Record runs before it is queued (payload lookups): SQLite
// parsing them anew each time costs more than running them.
type cachedReader struct{ db *DB }

var _ queryer = cachedReader{}

// readStmt returns the read pool's prepared statement for query, preparing
// it on first use; nil if it cannot be prepared (the query then runs
// unprepared and reports its error).
func (db *DB) readStmt(ctx context.Context, query string) *sql.Stmt {
	db.mu.Lock()
	defer db.mu.Unlock()
	if s, ok := db.rstmts[query]; ok {
		return s
	}
	if db.rstmts == nil {
		return nil // closed
	}
	s, err := db.read.PrepareContext(ctx, query)
	if err != nil {
		return nil
	}
	db.rstmts[query] = s
	return s
}

func (r cachedReader) QueryRowContext(ctx context.Context, query string, args ...any) *sql.Row {
	if s := r.db.readStmt(ctx, query); s != nil {
		return s.QueryRowContext(ctx, args...)
	}
	return r.db.read.QueryRowContext(ctx, query, args...)
}

func (r cachedReader) QueryContext(ctx context.Context, query string, args ...any) (*sql.Rows, error) {
	if s := r.db.readStmt(ctx, query); s != nil {
		return s.QueryContext(ctx, args...)
	}
	return r.db.read.QueryContext(ctx, query, args...)
}
