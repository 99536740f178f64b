package archive

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"sync"
	"time"
)

// Defaults for named locks.
const (
	DefaultLockStaleAfter = 2 * time.Minute
	DefaultLockHeartbeat  = 15 * time.Second
)

// ErrLocked is wrapped by AcquireLock's error when another live process
// holds the lock; the message names the holder and since when.
var ErrLocked = errors.New("locked by another process")

// LockOwner says who holds a lock.
type LockOwner struct {
	PID  int
	Host string
	Note string // e.g. "annals crawl portal.toml"
}

// Lock is a held named lock. Its heartbeat runs until Release.
type Lock struct {
	db    *DB
	name  string
	token string

	stop     chan struct{}
	done     chan struct{}
	once     sync.Once
	stopOnce sync.Once

	mu   sync.Mutex
	lost error // set when the heartbeat found the lock taken over
}

// LockHolder describes the current holder of a lock.
type LockHolder struct {
	LockOwner
	Since     time.Time
	Heartbeat time.Time
}

// AcquireLock takes the named lock (e.g. "job:portal") for owner, so that
// one run of a job happens at a time across processes. A lock whose
// holder's heartbeat is older than db.LockStaleAfter, or whose holder alive
// reports dead (alive may be nil; it is asked only about other holders), is
// taken over. Otherwise the error wraps ErrLocked and names the holder.
func (db *DB) AcquireLock(ctx context.Context, name string, owner LockOwner, alive func(LockOwner) bool) (*Lock, error) {
	if db.write == nil {
		return nil, ErrReadOnly
	}
	if name == "" {
		return nil, errors.New("acquire lock: no name")
	}
	// Ask about the holder outside the write transaction: alive may be slow.
	var holder *LockHolder
	if h, err := db.LockHolder(ctx, name); err == nil {
		holder = &h
	} else if !errors.Is(err, ErrNotFound) {
		return nil, fmt.Errorf("acquire lock %s: %w", name, err)
	}
	holderDead := holder != nil && alive != nil && !alive(holder.LockOwner)
	b := make([]byte, 16)
	_, _ = rand.Read(b)
	token := hex.EncodeToString(b)
	now := time.Now()
	tx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return nil, fmt.Errorf("acquire lock %s: %w", name, err)
	}
	defer tx.Rollback()
	var (
		cur         LockHolder
		curToken    string
		since, beat int64
	)
	err = tx.QueryRowContext(ctx, `SELECT token, pid, host, note, acquired_ms, heartbeat_ms FROM locks WHERE name = ?`, name).
		Scan(&curToken, &cur.PID, &cur.Host, &cur.Note, &since, &beat)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, fmt.Errorf("acquire lock %s: %w", name, err)
	default:
		cur.Since, cur.Heartbeat = time.UnixMilli(since), time.UnixMilli(beat)
		stale := now.Sub(cur.Heartbeat) > db.LockStaleAfter
		dead := holderDead && holder.PID == cur.PID && holder.Host == cur.Host && holder.Since.Equal(cur.Since)
		if !stale && !dead {
			return nil, fmt.Errorf("lock %s is held by pid %d on %s (%s) since %s, last heartbeat %s ago: %w",
				name, cur.PID, cur.Host, cur.Note, cur.Since.Format(time.RFC3339), now.Sub(cur.Heartbeat).Round(time.Second), ErrLocked)
		}
		why := "its heartbeat is stale"
		if dead {
			why = "its process is gone"
		}
		db.Logger.Warn("taking over lock", "lock", name, "pid", cur.PID, "host", cur.Host, "since", cur.Since, "why", why)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO locks (name, token, pid, host, note, acquired_ms, heartbeat_ms) VALUES (?, ?, ?, ?, ?, ?, ?)
		ON CONFLICT (name) DO UPDATE SET token = excluded.token, pid = excluded.pid, host = excluded.host, note = excluded.note,
			acquired_ms = excluded.acquired_ms, heartbeat_ms = excluded.heartbeat_ms`,
		name, token, owner.PID, owner.Host, owner.Note, now.UnixMilli(), now.UnixMilli()); err != nil {
		return nil, fmt.Errorf("acquire lock %s: %w", name, err)
	}
	if err := tx.Commit(); err != nil {
		return nil, fmt.Errorf("acquire lock %s: %w", name, err)
	}
	l := &Lock{db: db, name: name, token: token, stop: make(chan struct{}), done: make(chan struct{})}
	db.mu.Lock()
	db.locks[l] = true
	db.mu.Unlock()
	go l.heartbeat()
	return l, nil
}

// LockHolder returns who holds the named lock, or ErrNotFound.
func (db *DB) LockHolder(ctx context.Context, name string) (LockHolder, error) {
	var h LockHolder
	var since, beat int64
	err := db.read.QueryRowContext(ctx, `SELECT pid, host, note, acquired_ms, heartbeat_ms FROM locks WHERE name = ?`, name).
		Scan(&h.PID, &h.Host, &h.Note, &since, &beat)
	if errors.Is(err, sql.ErrNoRows) {
		return h, fmt.Errorf("lock %s: %w", name, ErrNotFound)
	}
	if err != nil {
		return h, fmt.Errorf("read lock %s: %w", name, err)
	}
	h.Since, h.Heartbeat = time.UnixMilli(since), time.UnixMilli(beat)
	return h, nil
}

func (l *Lock) heartbeat() {
	defer close(l.done)
	t := time.NewTicker(l.db.LockHeartbeat)
	defer t.Stop()
	for {
		select {
		case <-l.stop:
			return
		case <-t.C:
			ctx, cancel := context.WithTimeout(context.Background(), l.db.LockHeartbeat)
			res, err := l.db.write.ExecContext(ctx, `UPDATE locks SET heartbeat_ms = ? WHERE name = ? AND token = ?`,
				time.Now().UnixMilli(), l.name, l.token)
			cancel()
			if err != nil {
				l.db.Logger.Warn("lock heartbeat failed", "lock", l.name, "err", err)
				continue
			}
			if n, _ := res.RowsAffected(); n == 0 {
				l.mu.Lock()
				l.lost = fmt.Errorf("lock %s was taken over by another process", l.name)
				l.mu.Unlock()
				return
			}
		}
	}
}

// Err reports whether the lock is still held: non-nil once another process
// took it over (after this one's heartbeat went stale).
func (l *Lock) Err() error {
	l.mu.Lock()
	defer l.mu.Unlock()
	return l.lost
}

// Release stops the heartbeat and frees the lock if this holder still has
// it. It is safe to call more than once; DB.Close releases the locks still
// held.
func (l *Lock) Release(ctx context.Context) error {
	var err error
	l.once.Do(func() {
		l.stopHeartbeat()
		l.db.mu.Lock()
		delete(l.db.locks, l)
		l.db.mu.Unlock()
		if _, e := l.db.write.ExecContext(ctx, `DELETE FROM locks WHERE name = ? AND token = ?`, l.name, l.token); e != nil {
			err = fmt.Errorf("release lock %s: %w", l.name, e)
		}
	})
	return err
}

// stopHeartbeat ends the heartbeat goroutine and waits for it.
func (l *Lock) stopHeartbeat() {
	l.stopOnce.Do(func() { close(l.stop) })
	<-l.done
}
