package archive

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"
)

func TestDB_AcquireLock(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	me := LockOwner{PID: 100, Host: "alpha", Note: "annals crawl portal.toml"}
	other := LockOwner{PID: 200, Host: "alpha", Note: "annals crawl portal.toml"}
	alive := func(LockOwner) bool { return true }

	l, err := db.AcquireLock(ctx, "job:portal", me, alive)
	if err != nil {
		t.Fatal(err)
	}
	_, err = db.AcquireLock(ctx, "job:portal", other, alive)
	if !errors.Is(err, ErrLocked) || !strings.Contains(err.Error(), "pid 100 on alpha") || !strings.Contains(err.Error(), "since") {
		t.Fatalf("second acquire: %v", err)
	}
	// Another job's lock is independent.
	l2, err := db.AcquireLock(ctx, "job:other", other, alive)
	if err != nil {
		t.Fatal(err)
	}
	l2.Release(ctx)
	if err := l.Release(ctx); err != nil {
		t.Fatal(err)
	}
	if err := l.Release(ctx); err != nil {
		t.Fatalf("second release: %v", err)
	}
	l, err = db.AcquireLock(ctx, "job:portal", other, alive)
	if err != nil {
		t.Fatalf("acquire after release: %v", err)
	}
	// The holder died: the lock is taken over.
	dead := func(o LockOwner) bool { return o.PID != 200 }
	l3, err := db.AcquireLock(ctx, "job:portal", me, dead)
	if err != nil {
		t.Fatalf("take over from a dead holder: %v", err)
	}
	if h, _ := db.LockHolder(ctx, "job:portal"); h.PID != 100 {
		t.Fatalf("holder %+v", h)
	}
	// The old holder's release must not free the new holder's lock.
	l.Release(ctx)
	if h, err := db.LockHolder(ctx, "job:portal"); err != nil || h.PID != 100 {
		t.Fatalf("old holder released the new lock: %+v %v", h, err)
	}
	l3.Release(ctx)
}

func TestDB_AcquireLock_Heartbeat(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	db.LockHeartbeat = 20 * time.Millisecond
	db.LockStaleAfter = 200 * time.Millisecond
	l, err := db.AcquireLock(ctx, "job:x", LockOwner{PID: 1, Host: "h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	time.Sleep(400 * time.Millisecond)
	// The heartbeat keeps it fresh, so it is not stale.
	if _, err := db.AcquireLock(ctx, "job:x", LockOwner{PID: 2, Host: "h"}, nil); !errors.Is(err, ErrLocked) {
		t.Fatalf("lock with a live heartbeat was taken: %v", err)
	}
	h, _ := db.LockHolder(ctx, "job:x")
	if time.Since(h.Heartbeat) > 150*time.Millisecond {
		t.Fatalf("heartbeat not renewed: %v ago", time.Since(h.Heartbeat))
	}
	// Stop the heartbeat without releasing (a hung process): it goes stale.
	l.stopHeartbeat()
	time.Sleep(300 * time.Millisecond)
	l2, err := db.AcquireLock(ctx, "job:x", LockOwner{PID: 2, Host: "h"}, nil)
	if err != nil {
		t.Fatalf("stale lock not taken over: %v", err)
	}
	defer l2.Release(ctx)
}

func TestLock_ErrAfterTakeover(t *testing.T) {
	ctx := context.Background()
	db := newTestDB(t)
	db.LockHeartbeat = 10 * time.Millisecond
	l, err := db.AcquireLock(ctx, "job:y", LockOwner{PID: 1, Host: "h"}, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer l.Release(ctx)
	if l.Err() != nil {
		t.Fatal(l.Err())
	}
	// Another process took the lock over (as after a long stall).
	if _, err := db.write.Exec(`UPDATE locks SET token = 'other', pid = 2 WHERE name = 'job:y'`); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(2 * time.Second)
	for l.Err() == nil && time.Now().Before(deadline) {
		time.Sleep(5 * time.Millisecond)
	}
	if l.Err() == nil || !strings.Contains(l.Err().Error(), "taken over") {
		t.Fatalf("lost lock not noticed: %v", l.Err())
	}
}
