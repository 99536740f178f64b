package archive

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"net/url"
	"strings"
	"sync"
	"time"

	"github.com/annals/annals/crawler"
)

// Frontier is the crawl frontier kept in the archive file (tables
// frontier_jobs, frontier_hosts and frontier_urls): the seen-set, the
// queue and the revisit state of every URL of every job. It implements
// crawler.Frontier. Memory stays small whatever the size of the frontier:
// only job and host ids are cached.
//
// Writes (Begin, Add, Done, Finish) go through the archive's single writer
// connection, one transaction each; reads (Next, Hosts, Count) use its
// reader pool and see what was committed.
type Frontier struct {
	db *DB

	mu    sync.Mutex
	jobs  map[string]int64
	hosts map[hostKey]hostRow

	// Group commit of Done (see Done).
	gmu        sync.Mutex
	leading    bool
	pending    []*doneReq
	lastCommit time.Time

	stmtOnce sync.Once
	stmtErr  error
	insURL   *sql.Stmt
	insHost  *sql.Stmt
	requeue  *sql.Stmt
	// Statements for group commits, for 1, 2, 4, … maxBatchChunk rows.
	updBatch [batchSizes]*sql.Stmt
	insBatch [batchSizes]*sql.Stmt
}

// A group commit is written with one UPDATE and one INSERT per chunk of at
// most maxBatchChunk rows, by statements prepared for power-of-two sizes
// and padded.
const (
	maxBatchChunk = 64
	batchSizes    = 7 // 1 … 64
)

// appendOutcome appends the values of one row of batchUpdateSQL.
func appendOutcome(args []any, o crawler.Outcome, job int64) []any {
	var digest any
	if o.Digest != 0 {
		digest = o.Digest
	}
	return append(args, o.Seq, o.Status, o.Kind.String(), o.Article, nullString(o.ETag), nullString(o.LastModified),
		digest, nullString(o.Note), msOrNull(o.Fetched), msOrNull(o.NextDue), job)
}

func batchUpdateSQL(n int) string {
	var b strings.Builder
	b.WriteString(`UPDATE frontier_urls SET state = 'done', status = v.column2, kind = v.column3,
		article = v.column4, etag = v.column5, last_modified = v.column6,
		digest = coalesce(v.column7, frontier_urls.digest), note = v.column8,
		last_fetch_ms = coalesce(v.column9, frontier_urls.last_fetch_ms), next_due_ms = v.column10
		FROM (VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")
	}
	b.WriteString(`) AS v WHERE frontier_urls.id = v.column1 AND frontier_urls.job_id = v.column11`)
	return b.String()
}

func batchInsertSQL(n int) string {
	var b strings.Builder
	b.WriteString(`INSERT INTO frontier_urls (job_id, host_id, url, state, kind, depth, redirects, first_seen_ms) VALUES `)
	for i := range n {
		if i > 0 {
			b.WriteString(", ")
		}
		b.WriteString("(?, ?, ?, 'queued', ?, ?, ?, ?)")
	}
	b.WriteString(` ON CONFLICT (job_id, url) DO NOTHING RETURNING id, url`)
	return b.String()
}

// chunk takes the next chunk of n rows: n rows, at most maxBatchChunk,
// written by the statement for 1<<k rows, the smallest that holds them
// (the rest is padding).
func chunk(n int) (rows, k int) {
	rows = min(n, maxBatchChunk)
	for 1<<k < rows {
		k++
	}
	return rows, k
}

// padOutcome is an update row that matches no URL.
var padOutcome = []any{int64(-1), 0, "page", false, nil, nil, nil, nil, nil, nil, int64(-1)}

type hostKey struct {
	job  int64
	host string
}

type hostRow struct {
	id   int64
	root bool
}

// NewFrontier returns the frontier of an open, writable archive.
func NewFrontier(db *DB) *Frontier {
	return &Frontier{db: db, jobs: map[string]int64{}, hosts: map[hostKey]hostRow{}}
}

// farFuture stands for "due whatever the schedule" in millisecond columns.
const farFuture = int64(1) << 62

func msOrNull(t time.Time) any {
	if t.IsZero() {
		return nil
	}
	return t.UnixMilli()
}

func timeOf(ms sql.NullInt64) time.Time {
	if !ms.Valid {
		return time.Time{}
	}
	return time.UnixMilli(ms.Int64)
}

func (f *Frontier) prepare(ctx context.Context) error {
	f.stmtOnce.Do(func() {
		if f.db == nil || f.db.write == nil {
			f.stmtErr = errors.New("frontier: the archive is not open for writing")
			return
		}
		var err error
		prep := func(q string) *sql.Stmt {
			if err != nil {
				return nil
			}
			var s *sql.Stmt
			s, err = f.db.write.PrepareContext(ctx, q)
			return s
		}
		f.insURL = prep(`INSERT INTO frontier_urls
			(job_id, host_id, url, state, kind, depth, redirects, first_seen_ms)
			VALUES (?, ?, ?, ?, ?, ?, ?, ?) ON CONFLICT (job_id, url) DO NOTHING`)
		f.insHost = prep(`INSERT INTO frontier_hosts (job_id, host, root) VALUES (?, ?, ?)
			ON CONFLICT (job_id, host) DO UPDATE SET root = max(root, excluded.root)
			RETURNING id, root`)
		// A done URL that a sitemap or feed says changed since its last
		// fetch, and that was not fetched in this pass, is queued again
		// (see crawler.Frontier.Add); the unique (job_id, url) index
		// finds it.
		f.requeue = prep(`UPDATE frontier_urls SET state = 'queued'
			WHERE job_id = ?1 AND url = ?2 AND state = 'done' AND last_fetch_ms < ?3
			AND last_fetch_ms < (SELECT pass_started_ms FROM frontier_jobs WHERE id = ?1)
			RETURNING id, kind, depth, redirects, article, etag, last_modified, digest, first_seen_ms, last_fetch_ms`)
		for k := 0; 1<<k <= maxBatchChunk; k++ {
			f.updBatch[k] = prep(batchUpdateSQL(1 << k))
			f.insBatch[k] = prep(batchInsertSQL(1 << k))
		}
		f.stmtErr = err
	})
	if f.stmtErr != nil {
		return fmt.Errorf("prepare frontier statements: %w", f.stmtErr)
	}
	return nil
}

// jobID returns the id of job, creating its row inside tx when missing
// (and tx is not nil). Only ids of committed rows are cached.
func (f *Frontier) jobID(ctx context.Context, tx *sql.Tx, job string) (int64, error) {
	f.mu.Lock()
	id, ok := f.jobs[job]
	f.mu.Unlock()
	if ok {
		return id, nil
	}
	q := f.db.read.QueryRowContext
	if tx != nil {
		q = tx.QueryRowContext
	}
	err := q(ctx, `SELECT id FROM frontier_jobs WHERE job = ?`, job).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) && tx != nil {
		// Created by this transaction: not cached, as it may roll back.
		err = tx.QueryRowContext(ctx, `INSERT INTO frontier_jobs (job) VALUES (?) RETURNING id`, job).Scan(&id)
		return id, err
	}
	if err != nil {
		return 0, err // sql.ErrNoRows for a job never begun
	}
	f.mu.Lock()
	f.jobs[job] = id
	f.mu.Unlock()
	return id, nil
}

// Begin implements crawler.Frontier.
func (f *Frontier) Begin(ctx context.Context, job string, now, dueBy time.Time) (resumed bool, err error) {
	if err := f.prepare(ctx); err != nil {
		return false, err
	}
	err = f.inTx(ctx, func(tx *sql.Tx) error {
		id, err := f.jobID(ctx, tx, job)
		if err != nil {
			return err
		}
		var started, finished sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT pass_started_ms, pass_finished_ms FROM frontier_jobs WHERE id = ?`, id).
			Scan(&started, &finished); err != nil {
			return err
		}
		if started.Valid && !finished.Valid {
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT count(*) FROM (SELECT 1 FROM frontier_urls
				WHERE job_id = ? AND state = 'queued' LIMIT 1)`, id).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				resumed = true
				return nil
			}
		}
		due := farFuture
		if dueBy.Before(time.UnixMilli(farFuture)) {
			due = dueBy.UnixMilli()
		}
		if _, err := tx.ExecContext(ctx, `UPDATE frontier_urls SET state = 'queued'
			WHERE job_id = ? AND state = 'done' AND (next_due_ms IS NULL OR next_due_ms <= ?)`, id, due); err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE frontier_jobs SET passes = passes + 1,
			pass_started_ms = ?, pass_finished_ms = NULL WHERE id = ?`, now.UnixMilli(), id)
		return err
	})
	if err != nil {
		return false, fmt.Errorf("begin crawl of job %q: %w", job, err)
	}
	return resumed, nil
}

// Finish implements crawler.Frontier.
func (f *Frontier) Finish(ctx context.Context, job string, now time.Time) error {
	if err := f.prepare(ctx); err != nil {
		return err
	}
	err := f.inTx(ctx, func(tx *sql.Tx) error {
		id, err := f.jobID(ctx, tx, job)
		if err != nil {
			return err
		}
		_, err = tx.ExecContext(ctx, `UPDATE frontier_jobs SET pass_finished_ms = ? WHERE id = ?`, now.UnixMilli(), id)
		return err
	})
	if err != nil {
		return fmt.Errorf("finish crawl pass of job %q: %w", job, err)
	}
	return nil
}

// Hosts implements crawler.Frontier.
func (f *Frontier) Hosts(ctx context.Context, job string) ([]crawler.Host, error) {
	id, err := f.jobID(ctx, nil, job)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("list hosts of job %q: %w", job, err)
	}
	rows, err := f.db.read.QueryContext(ctx, `SELECT id, host, root FROM frontier_hosts WHERE job_id = ? ORDER BY id`, id)
	if err != nil {
		return nil, fmt.Errorf("list hosts of job %q: %w", job, err)
	}
	defer rows.Close()
	var hs []crawler.Host
	found := map[hostKey]hostRow{}
	for rows.Next() {
		var h crawler.Host
		var r hostRow
		if err := rows.Scan(&r.id, &h.Name, &h.Root); err != nil {
			return nil, fmt.Errorf("list hosts of job %q: %w", job, err)
		}
		r.root = h.Root
		found[hostKey{id, h.Name}] = r
		hs = append(hs, h)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list hosts of job %q: %w", job, err)
	}
	f.mu.Lock()
	for k, v := range found {
		f.hosts[k] = v
	}
	f.mu.Unlock()
	return hs, nil
}

// Add implements crawler.Frontier.
func (f *Frontier) Add(ctx context.Context, job string, items []crawler.Item) error {
	if len(items) == 0 {
		return nil
	}
	if err := f.prepare(ctx); err != nil {
		return err
	}
	return f.write(ctx, job, "add URLs to", func(tx *sql.Tx, jt *jobTx) error {
		return jt.add(items, "queued")
	}, items)
}

// Done implements crawler.Frontier. Calls made at the same time from
// several goroutines are committed together (group commit): one of them
// writes all waiting outcomes in one transaction, so that they share a
// commit; one bad outcome still fails alone.
// Each call returns only once its outcome is durable (or failed).
func (f *Frontier) Done(ctx context.Context, job string, o crawler.Outcome, found []crawler.Item) error {
	if err := f.prepare(ctx); err != nil {
		return err
	}
	for i := range found {
		found[i].Seq = 0
	}
	req := &doneReq{ctx: ctx, job: job, o: o, found: found, done: make(chan error, 1)}
	f.gmu.Lock()
	f.pending = append(f.pending, req)
	if f.leading {
		f.gmu.Unlock()
		select {
		case err := <-req.done:
			return err
		case <-ctx.Done():
			// The leader may still write it; the caller treats the URL
			// as not done, which at worst means fetching it again.
			return fmt.Errorf("record a fetch in the frontier of job %q: %w", job, ctx.Err())
		}
	}
	f.leading = true
	busy := time.Since(f.lastCommit) < groupBusy
	f.gmu.Unlock()
	if busy {
		// Commits are coming thick and fast: let a few more outcomes
		// join this one.
		time.Sleep(groupWait)
	}
	for {
		f.gmu.Lock()
		batch := f.pending
		f.pending = nil
		if len(batch) == 0 {
			f.leading = false
			f.lastCommit = time.Now()
			f.gmu.Unlock()
			break
		}
		f.gmu.Unlock()
		f.commitDone(batch)
	}
	return <-req.done
}

// Group commit: when the previous commit is less than groupBusy old, the
// leader waits groupWait for more outcomes before writing. A busy crawl
// then shares each commit among many outcomes; a polite one (a request a
// second) never waits.
const (
	groupBusy = 10 * time.Millisecond
	groupWait = 2 * time.Millisecond
)

// doneReq is one Done call waiting for its group commit.
type doneReq struct {
	ctx      context.Context
	job      string
	o        crawler.Outcome
	found    []crawler.Item
	newHosts map[hostKey]hostRow
	done     chan error
}

// commitDone writes a batch of Done calls in one transaction. Should one of
// them fail, the transaction is rolled back and each is written again in
// a transaction of its own, so that only the bad one fails.
func (f *Frontier) commitDone(batch []*doneReq) {
	ctx := context.WithoutCancel(batch[0].ctx)
	write := func(reqs []*doneReq) error {
		return f.inLightTx(ctx, func(tx *sql.Tx) error {
			if len(reqs) > 1 {
				return f.writeBatch(ctx, tx, reqs)
			}
			insURL := tx.StmtContext(ctx, f.insURL)
			markDone := tx.StmtContext(ctx, f.updBatch[0])
			for _, req := range reqs {
				if err := f.doneOne(ctx, tx, insURL, markDone, req); err != nil {
					return err
				}
			}
			return nil
		})
	}
	finish := func(req *doneReq, err error) {
		if err != nil {
			for j := range req.found {
				req.found[j].Seq = 0
			}
			req.done <- fmt.Errorf("record a fetch in the frontier of job %q: %w", req.job, err)
			return
		}
		f.mu.Lock()
		for k, v := range req.newHosts {
			f.hosts[k] = v
		}
		f.mu.Unlock()
		req.done <- nil
	}
	if err := write(batch); err == nil || len(batch) == 1 {
		for _, req := range batch {
			finish(req, err)
		}
		return
	}
	for _, req := range batch {
		finish(req, write([]*doneReq{req}))
	}
}

// writeBatch writes several Done calls with one UPDATE and one INSERT per
// chunk, rather than statements per URL. Any inconsistency fails the whole
// batch, which commitDone then writes call by call.
func (f *Frontier) writeBatch(ctx context.Context, tx *sql.Tx, reqs []*doneReq) error {
	type row struct {
		it        *crawler.Item
		job, host int64
	}
	var rows []row
	upd := make([]any, 0, 11*len(reqs))
	jobs := make([]int64, len(reqs))
	insURL := tx.StmtContext(ctx, f.insURL)
	for i, req := range reqs {
		id, err := f.jobID(ctx, tx, req.job)
		if err != nil {
			return err
		}
		jobs[i] = id
		jt := &jobTx{f: f, ctx: ctx, tx: tx, job: id, newHosts: map[hostKey]hostRow{}, insURL: insURL}
		req.newHosts = jt.newHosts
		for i := range req.found {
			it := &req.found[i]
			it.Seq = 0
			hid, err := jt.hostOf(it, "queued")
			if err != nil {
				return err
			}
			rows = append(rows, row{it, id, hid})
		}
		if req.o.Alias.URL != "" {
			if err := jt.add([]crawler.Item{req.o.Alias}, "alias"); err != nil {
				return err
			}
		}
		upd = appendOutcome(upd, req.o, id)
	}
	for len(upd) > 0 {
		n, k := chunk(len(upd) / 11)
		args := upd[: 11*n : 11*n] // appending copies, leaving upd alone
		upd = upd[11*n:]
		// Pad to the statement's size with rows that match no URL.
		for i := n; i < 1<<k; i++ {
			args = append(args, padOutcome...)
		}
		res, err := tx.StmtContext(ctx, f.updBatch[k]).ExecContext(ctx, args...)
		if err != nil {
			return err
		}
		if got, err := res.RowsAffected(); err != nil {
			return err
		} else if got != int64(n) {
			return fmt.Errorf("%d of %d URLs to mark done are not in the frontier", int64(n)-got, n)
		}
	}
	for len(rows) > 0 {
		n, k := chunk(len(rows))
		args := make([]any, 0, 7<<k)
		for i := range 1 << k {
			// Pad with the last row again: its conflict does nothing.
			r := rows[min(i, n-1)]
			first := r.it.FirstSeen
			if first.IsZero() {
				first = time.Now()
			}
			args = append(args, r.job, r.host, r.it.URL, r.it.Kind.String(), r.it.Depth, r.it.Redirects, first.UnixMilli())
		}
		got, err := tx.StmtContext(ctx, f.insBatch[k]).QueryContext(ctx, args...)
		if err != nil {
			return err
		}
		ids := map[string]int64{}
		for got.Next() {
			var id int64
			var u string
			if err := got.Scan(&id, &u); err != nil {
				got.Close()
				return err
			}
			ids[u] = id
		}
		if err := got.Close(); err != nil {
			return err
		}
		for _, r := range rows[:n] {
			if id, ok := ids[r.it.URL]; ok {
				r.it.Seq = id
				delete(ids, r.it.URL) // a URL found twice is queued once
			}
		}
		rows = rows[n:]
	}
	for i, req := range reqs {
		if err := f.requeueChanged(ctx, tx, jobs[i], req.found); err != nil {
			return err
		}
	}
	return nil
}

// requeueChanged queues again the known, done URLs among items whose
// Modified hint says they changed since their last fetch (see
// crawler.Frontier.Add), filling in those items. Items with Seq set were
// just added.
func (f *Frontier) requeueChanged(ctx context.Context, tx *sql.Tx, job int64, items []crawler.Item) error {
	var stmt *sql.Stmt
	limit := time.Now().Add(crawler.MaxModifiedSkew)
	for i := range items {
		it := &items[i]
		if it.Seq != 0 || it.Modified.IsZero() || it.Modified.After(limit) {
			continue
		}
		if stmt == nil {
			stmt = tx.StmtContext(ctx, f.requeue)
		}
		var kind string
		var etag, lastMod sql.NullString
		var digest, lastFetch sql.NullInt64
		var first int64
		err := stmt.QueryRowContext(ctx, job, it.URL, it.Modified.UnixMilli()).Scan(&it.Seq, &kind, &it.Depth,
			&it.Redirects, &it.Article, &etag, &lastMod, &digest, &first, &lastFetch)
		if errors.Is(err, sql.ErrNoRows) {
			continue
		}
		if err == nil {
			it.Kind, err = crawler.ParseKind(kind)
		}
		if err != nil {
			it.Seq = 0
			return fmt.Errorf("queue %s again: %w", it.URL, err)
		}
		it.ETag, it.LastModified, it.Digest = etag.String, lastMod.String, digest.Int64
		it.FirstSeen, it.LastFetch = time.UnixMilli(first), timeOf(lastFetch)
	}
	return nil
}

func (f *Frontier) doneOne(ctx context.Context, tx *sql.Tx, insURL, markDone *sql.Stmt, req *doneReq) error {
	id, err := f.jobID(ctx, tx, req.job)
	if err != nil {
		return err
	}
	jt := &jobTx{f: f, ctx: ctx, tx: tx, job: id, newHosts: map[hostKey]hostRow{}, insURL: insURL}
	req.newHosts = jt.newHosts
	for i := range req.found {
		req.found[i].Seq = 0
	}
	res, err := markDone.ExecContext(ctx, appendOutcome(nil, req.o, jt.job)...)
	if err != nil {
		return err
	}
	if n, err := res.RowsAffected(); err != nil {
		return err
	} else if n != 1 {
		return fmt.Errorf("URL #%d (%s) is not in the frontier", req.o.Seq, req.o.URL)
	}
	if req.o.Alias.URL != "" {
		if err := jt.add([]crawler.Item{req.o.Alias}, "alias"); err != nil {
			return err
		}
	}
	return jt.add(req.found, "queued")
}

// jobTx is one write transaction on one job's frontier.
type jobTx struct {
	f        *Frontier
	ctx      context.Context
	tx       *sql.Tx
	job      int64
	newHosts map[hostKey]hostRow
	insURL   *sql.Stmt
}

func (f *Frontier) write(ctx context.Context, job, what string, fn func(*sql.Tx, *jobTx) error, items []crawler.Item) error {
	var newHosts map[hostKey]hostRow
	err := f.inTx(ctx, func(tx *sql.Tx) error {
		id, err := f.jobID(ctx, tx, job)
		if err != nil {
			return err
		}
		for i := range items {
			items[i].Seq = 0
		}
		jt := &jobTx{f: f, ctx: ctx, tx: tx, job: id, newHosts: map[hostKey]hostRow{}, insURL: tx.StmtContext(ctx, f.insURL)}
		newHosts = jt.newHosts
		return fn(tx, jt)
	})
	if err != nil {
		for i := range items {
			items[i].Seq = 0
		}
		return fmt.Errorf("%s the frontier of job %q: %w", what, job, err)
	}
	f.mu.Lock()
	for k, v := range newHosts {
		f.hosts[k] = v
	}
	f.mu.Unlock()
	return nil
}

// hostID returns the id of host, creating it (or marking it root) inside
// the transaction when needed.
func (jt *jobTx) hostID(host string, root bool) (int64, error) {
	k := hostKey{jt.job, host}
	r, ok := jt.newHosts[k]
	if !ok {
		jt.f.mu.Lock()
		r, ok = jt.f.hosts[k]
		jt.f.mu.Unlock()
	}
	if ok && (r.root || !root) {
		return r.id, nil
	}
	if err := jt.tx.StmtContext(jt.ctx, jt.f.insHost).QueryRowContext(jt.ctx, jt.job, host, root).Scan(&r.id, &r.root); err != nil {
		return 0, fmt.Errorf("record host %s: %w", host, err)
	}
	jt.newHosts[k] = r
	return r.id, nil
}

// hostOf returns the host id of an item about to be added in state.
func (jt *jobTx) hostOf(it *crawler.Item, state string) (int64, error) {
	if it.URL == "" {
		return 0, errors.New("an item has no URL")
	}
	host := it.Host
	if host == "" {
		u, err := url.Parse(it.URL)
		if err != nil {
			return 0, fmt.Errorf("item %q: %w", it.URL, err)
		}
		host = strings.ToLower(u.Host)
	}
	return jt.hostID(host, it.Depth == 0 && state == "queued")
}

func (jt *jobTx) add(items []crawler.Item, state string) error {
	for i := range items {
		it := &items[i]
		hid, err := jt.hostOf(it, state)
		if err != nil {
			return err
		}
		first := it.FirstSeen
		if first.IsZero() {
			first = time.Now()
		}
		res, err := jt.insURL.ExecContext(jt.ctx, jt.job, hid, it.URL, state, it.Kind.String(), it.Depth, it.Redirects, first.UnixMilli())
		if err != nil {
			return fmt.Errorf("add %s: %w", it.URL, err)
		}
		n, err := res.RowsAffected()
		if err != nil {
			return err
		}
		if n == 1 && state == "queued" {
			if it.Seq, err = res.LastInsertId(); err != nil {
				return err
			}
		}
	}
	if state == "queued" {
		return jt.f.requeueChanged(jt.ctx, jt.tx, jt.job, items)
	}
	return nil
}

// Next implements crawler.Frontier.
func (f *Frontier) Next(ctx context.Context, job, host string, after int64, n int) ([]crawler.Item, error) {
	id, err := f.jobID(ctx, nil, job)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("read the queue of job %q: %w", job, err)
	}
	f.mu.Lock()
	h, ok := f.hosts[hostKey{id, host}]
	f.mu.Unlock()
	if !ok {
		err := f.db.read.QueryRowContext(ctx, `SELECT id, root FROM frontier_hosts WHERE job_id = ? AND host = ?`, id, host).Scan(&h.id, &h.root)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("read the queue of job %q: %w", job, err)
		}
		f.mu.Lock()
		f.hosts[hostKey{id, host}] = h
		f.mu.Unlock()
	}
	rows, err := f.db.read.QueryContext(ctx, `SELECT id, url, kind, depth, redirects, article, etag,
		last_modified, digest, first_seen_ms, last_fetch_ms FROM frontier_urls
		WHERE job_id = ? AND host_id = ? AND state = 'queued' AND id > ? ORDER BY id LIMIT ?`, id, h.id, after, n)
	if err != nil {
		return nil, fmt.Errorf("read the queue of job %q: %w", job, err)
	}
	defer rows.Close()
	items := make([]crawler.Item, 0, n)
	for rows.Next() {
		it := crawler.Item{Host: host}
		var kind string
		var etag, lastMod sql.NullString
		var digest, lastFetch sql.NullInt64
		var first int64
		if err := rows.Scan(&it.Seq, &it.URL, &kind, &it.Depth, &it.Redirects, &it.Article, &etag,
			&lastMod, &digest, &first, &lastFetch); err != nil {
			return nil, fmt.Errorf("read the queue of job %q: %w", job, err)
		}
		if it.Kind, err = crawler.ParseKind(kind); err != nil {
			return nil, fmt.Errorf("read the queue of job %q: URL #%d: %w", job, it.Seq, err)
		}
		it.ETag, it.LastModified, it.Digest = etag.String, lastMod.String, digest.Int64
		it.FirstSeen, it.LastFetch = time.UnixMilli(first), timeOf(lastFetch)
		items = append(items, it)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read the queue of job %q: %w", job, err)
	}
	return items, nil
}

// Count implements crawler.Frontier.
func (f *Frontier) Count(ctx context.Context, job string) (known, queued int, err error) {
	id, err := f.jobID(ctx, nil, job)
	if errors.Is(err, sql.ErrNoRows) {
		return 0, 0, nil
	}
	if err == nil {
		err = f.db.read.QueryRowContext(ctx, `SELECT count(*) FROM frontier_urls WHERE job_id = ?`, id).Scan(&known)
	}
	if err == nil {
		err = f.db.read.QueryRowContext(ctx, `SELECT count(*) FROM frontier_urls WHERE job_id = ? AND state = 'queued'`, id).Scan(&queued)
	}
	if err != nil {
		return 0, 0, fmt.Errorf("count the frontier of job %q: %w", job, err)
	}
	return known, queued, nil
}

// inLightTx is inTx for Done: its commit does not wait for the disk
// (synchronous=NORMAL for this transaction only; the connection's setting
// is restored after). A process that dies loses nothing of it; a power
// cut may lose the Done records written since the last commit that did
// wait, which, the WAL being written in order, is at the latest the
// capture the archive recorded after them: so a power cut, like a crash,
// makes the next run fetch again at most the URLs that were under way.
// Without it, every group commit would wait for an fsync.
func (f *Frontier) inLightTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return unwritable(f.db.lightTx(ctx, fn))
}

// inTx runs fn in one write transaction, committing when it returns nil.
func (f *Frontier) inTx(ctx context.Context, fn func(*sql.Tx) error) error {
	return runTx(f.db.write.BeginTx(ctx, nil))(fn)
}

// runTx takes what BeginTx returned and runs fn in the transaction,
// committing when it returns nil and rolling back otherwise.
func runTx(tx *sql.Tx, err error) func(func(*sql.Tx) error) error {
	return func(fn func(*sql.Tx) error) error {
		if err != nil {
			return unwritable(err)
		}
		if err := fn(tx); err != nil {
			tx.Rollback()
			return unwritable(err)
		}
		return unwritable(tx.Commit())
	}
}
