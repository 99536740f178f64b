package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"net/url"
	"sync"
	"sync/atomic"
	"time"

	"github.com/klauspost/compress/zstd"

	"modernc.org/sqlite" // registers the "sqlite" driver; only this package imports it
)

// DefaultBusyTimeout is how long a writer waits for another process's write
// transaction before giving up.
const DefaultBusyTimeout = 30 * time.Second

// DB is one archive file. Create it with NewDB, adjust the exported fields,
// then Open it; Close it when done.
//
// Writes go through a single connection whose transactions begin
// IMMEDIATE, so that writers queue on SQLite's lock (bounded by
// BusyTimeout) instead of failing halfway with "database is locked";
// reads use a separate pool and never block on the writer (WAL).
type DB struct {
	// Path is the SQLite file. It is created when missing unless ReadOnly.
	Path string
	// ReadOnly opens the file for reading only (search, export, serve).
	ReadOnly bool
	// BusyTimeout bounds how long a statement waits for another writer.
	BusyTimeout time.Duration
	// Logger receives diagnostics; nil discards them.
	Logger *slog.Logger
	// CompressionLevel is the zstd level for payloads stored alone.
	CompressionLevel zstd.EncoderLevel
	// DeltaLevel is the zstd level for payloads stored as a delta against
	// the previous payload of their URL.
	DeltaLevel zstd.EncoderLevel
	// MaxDeltaDepth bounds payload delta chains (reads decode at most this
	// many extra frames); 0 stores every payload on its own.
	MaxDeltaDepth int
	// LockStaleAfter is how old a lock's heartbeat may be before another
	// process takes the lock over; LockHeartbeat is how often a held lock
	// renews it.
	LockStaleAfter, LockHeartbeat time.Duration

	write *sql.DB // one connection, BEGIN IMMEDIATE; nil when ReadOnly
	read  *sql.DB // a pool of readers
	codec *codec

	mu     sync.Mutex
	seeds  map[int64][]string   // run id → seeds, for "redirect to the seed root"
	locks  map[*Lock]bool       // held locks, released by Close
	stmts  map[string]*sql.Stmt // prepared on the write connection
	rstmts map[string]*sql.Stmt // prepared on the read pool
	wanted map[string]bool      // statements to prepare between transactions

	jobMu     sync.RWMutex
	jobs      chan *recordJob // Record calls for the write loop; nil once closed
	syncs     chan chan error // index requests for the write loop (index.go)
	writeDone chan struct{}
	idx       *indexQueue  // versions waiting for the full-text index
	syncLevel atomic.Int32 // the write connection's PRAGMA synchronous; -1: not read yet (lightTx)
}

// ErrReadOnly is returned by writes to an archive opened ReadOnly.
var ErrReadOnly = errors.New("archive is open read-only")

// NewDB returns a DB for the file at path with default settings.
func NewDB(path string) *DB {
	return &DB{
		Path:             path,
		BusyTimeout:      DefaultBusyTimeout,
		CompressionLevel: zstd.SpeedBetterCompression,
		DeltaLevel:       DefaultDeltaLevel,
		MaxDeltaDepth:    DefaultMaxDeltaDepth,
		LockStaleAfter:   DefaultLockStaleAfter,
		LockHeartbeat:    DefaultLockHeartbeat,
	}
}

// Open opens the file, checks that it is an archive this version of annals
// understands, and upgrades its schema when it is older. An archive written
// by a newer annals is refused with ErrNewerSchema.
func (db *DB) Open(ctx context.Context) error {
	if db.Path == "" {
		return errors.New("open archive: no path given")
	}
	if db.Logger == nil {
		db.Logger = slog.New(slog.DiscardHandler)
	}
	if db.BusyTimeout <= 0 {
		db.BusyTimeout = DefaultBusyTimeout
	}
	if db.CompressionLevel == 0 {
		db.CompressionLevel = zstd.SpeedBetterCompression
	}
	if db.DeltaLevel == 0 {
		db.DeltaLevel = DefaultDeltaLevel
	}
	if db.LockStaleAfter <= 0 {
		db.LockStaleAfter = DefaultLockStaleAfter
	}
	if db.LockHeartbeat <= 0 {
		db.LockHeartbeat = DefaultLockHeartbeat
	}
	c, err := newCodec(db.CompressionLevel, db.DeltaLevel)
	if err != nil {
		return fmt.Errorf("open archive %s: %w", db.Path, err)
	}
	db.codec = c
	db.seeds = map[int64][]string{}
	db.locks = map[*Lock]bool{}
	db.stmts = map[string]*sql.Stmt{}
	db.rstmts = map[string]*sql.Stmt{}
	db.wanted = map[string]bool{}
	db.syncLevel.Store(-1)
	if !db.ReadOnly {
		w, err := sql.Open("sqlite", db.dsn(false))
		if err != nil {
			db.Close()
			return fmt.Errorf("open archive %s: %w", db.Path, err)
		}
		w.SetMaxOpenConns(1)
		w.SetMaxIdleConns(1)
		w.SetConnMaxLifetime(0)
		db.write = w
		if err := db.migrate(ctx); err != nil {
			db.Close()
			return fmt.Errorf("open archive %s: %w", db.Path, damaged(err))
		}
		// Versions a writer that died left unindexed (or an upgrade
		// emptied the indexes of) are indexed first. Only then: a write
		// transaction at every open would make many processes opening at
		// once queue on the lock for nothing.
		// A damaged table must not keep the file from opening (verify opens
		// it to say where the damage is): then the writer tries anyway and
		// reports what it cannot index.
		waiting := true
		if err := db.write.QueryRowContext(ctx, `SELECT (SELECT coalesce(max(id), 0) FROM versions)
			> coalesce((SELECT CAST(value AS INTEGER) FROM meta WHERE key = ?), 0)`, watermarkKey).Scan(&waiting); err != nil {
			if ctx.Err() != nil {
				db.Close()
				return fmt.Errorf("open archive %s: %w", db.Path, ctx.Err())
			}
			waiting = true
		}
		db.jobs, db.syncs, db.writeDone = make(chan *recordJob), make(chan chan error), make(chan struct{})
		db.idx = &indexQueue{}
		if waiting {
			db.idx.waiting.Store(1)
		}
		go db.writeLoop(db.jobs, db.syncs, db.writeDone)
	}
	r, err := sql.Open("sqlite", db.dsn(true))
	if err != nil {
		db.Close()
		return fmt.Errorf("open archive %s: %w", db.Path, err)
	}
	r.SetMaxOpenConns(8)
	db.read = r
	if db.ReadOnly {
		err := db.checkVersion(ctx)
		if errors.Is(err, errOlderSchema) {
			if uerr := db.upgradeForReading(ctx); uerr != nil {
				err = fmt.Errorf("%w; upgrading it failed: %w", err, uerr)
			} else {
				err = db.checkVersion(ctx)
			}
		}
		if err != nil {
			db.Close()
			return fmt.Errorf("open archive %s: %w", db.Path, damaged(err))
		}
	}
	return nil
}

// upgradeForReading upgrades an archive an older annals wrote, for a
// read-only open: readers (search, export, serve) work on it as they did
// before the upgrade of annals, without asking for a writer first. The
// upgrade is the writers' (the same migrations, under the write lock); the
// articles, versions and payloads are not touched. A file that cannot be
// written (read-only media, another user's file) stays as it is, and the
// open fails saying so.
func (db *DB) upgradeForReading(ctx context.Context) error {
	w := NewDB(db.Path)
	w.BusyTimeout, w.Logger = db.BusyTimeout, db.Logger
	if err := w.Open(ctx); err != nil {
		return err
	}
	// An upgrade may empty the full-text indexes (schema 4): index every
	// version again now, or the reader would search an empty index.
	n, err := w.indexAll(ctx)
	if cerr := w.Close(); err == nil {
		err = cerr
	}
	if err != nil {
		return fmt.Errorf("index the upgraded archive: %w", err)
	}
	db.Logger.Info("archive upgraded for reading", "path", db.Path, "schema", SchemaVersion(), "versions_indexed", n)
	return nil
}

// damaged marks errors that say the file itself is corrupt (SQLite's
// SQLITE_CORRUPT and SQLITE_NOTADB) with ErrDamaged.
func damaged(err error) error {
	var se *sqlite.Error
	if errors.As(err, &se) {
		if c := se.Code() & 0xff; c == 11 || c == 26 {
			return fmt.Errorf("%w: %w", ErrDamaged, err)
		}
	}
	return err
}

// ErrDiskFull is wrapped by errors of writes refused because the disk of
// the archive is full (SQLite's SQLITE_FULL). What was committed before
// stays; free space and write again.
var ErrDiskFull = errors.New("the archive's disk is full")

// ErrWriteFailed is wrapped by errors of writes the archive's file system
// refused (SQLite's SQLITE_IOERR: a file size limit, a failing disk, a
// vanished mount). What was committed before stays.
var ErrWriteFailed = errors.New("the archive's file could not be written")

// unwritable marks errors that say the archive's storage refused a write
// with ErrDiskFull or ErrWriteFailed, so that callers can say what to do
// without knowing SQLite.
func unwritable(err error) error {
	var se *sqlite.Error
	if err == nil || !errors.As(err, &se) {
		return err
	}
	switch se.Code() & 0xff {
	case 13:
		return fmt.Errorf("%w: %w", ErrDiskFull, err)
	case 10:
		return fmt.Errorf("%w: %w", ErrWriteFailed, err)
	}
	return err
}

// Close releases the file. It is safe to call more than once.
func (db *DB) Close() error {
	db.mu.Lock()
	held := make([]*Lock, 0, len(db.locks))
	for l := range db.locks {
		held = append(held, l)
	}
	db.mu.Unlock()
	for _, l := range held {
		ctx, cancel := context.WithTimeout(context.Background(), db.BusyTimeout)
		_ = l.Release(ctx)
		cancel()
	}
	db.jobMu.Lock()
	if db.jobs != nil {
		close(db.jobs)
		db.jobs = nil
		<-db.writeDone
	}
	db.jobMu.Unlock()
	var errs []error
	db.mu.Lock()
	for _, s := range db.rstmts {
		s.Close()
	}
	db.rstmts = nil
	db.mu.Unlock()
	if db.read != nil {
		errs = append(errs, db.read.Close())
		db.read = nil
	}
	for _, s := range db.stmts {
		s.Close()
	}
	db.stmts = nil
	if db.write != nil {
		// Fold the WAL back into the main file so that a copied archive is
		// complete on its own.
		_, _ = db.write.Exec("PRAGMA wal_checkpoint(TRUNCATE)")
		errs = append(errs, db.write.Close())
		db.write = nil
	}
	if db.codec != nil {
		db.codec.close()
		db.codec = nil
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("close archive %s: %w", db.Path, err)
	}
	return nil
}

// dsn builds the modernc.org/sqlite connection string.
func (db *DB) dsn(reader bool) string {
	q := url.Values{}
	q.Add("_pragma", fmt.Sprintf("busy_timeout(%d)", db.BusyTimeout.Milliseconds()))
	q.Add("_pragma", "foreign_keys(1)")
	if reader {
		q.Add("_pragma", "query_only(1)")
		if db.ReadOnly {
			q.Set("mode", "ro")
		}
	} else {
		q.Add("_pragma", "journal_mode(WAL)")
		q.Add("_pragma", "synchronous(FULL)") // a Record that returned survives a power cut
		q.Set("_txlock", "immediate")
	}
	return "file:" + (&url.URL{Path: db.Path}).EscapedPath() + "?" + q.Encode()
}
