package archive

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"time"
)

// RunInfo describes a crawl run as it starts.
type RunInfo struct {
	Job      string   // the job's name
	Seeds    []string // its seed URLs
	Settings any      // stored as JSON, for citing the run later
	Command  string   // the command line that started it
}

// RunStatus is how a run ended.
type RunStatus string

// The statuses of a run.
const (
	RunRunning     RunStatus = "running"
	RunCompleted   RunStatus = "completed"
	RunInterrupted RunStatus = "interrupted"
	RunFailed      RunStatus = "failed"
)

// RunSummary counts what a run did, from its captures and their events.
type RunSummary struct {
	Fetched     int   `json:"fetched"`      // captures recorded, errors included
	NewArticles int   `json:"new_articles"` // first_seen events
	Changed     int   `json:"changed"`
	Unchanged   int   `json:"unchanged"`
	Gone        int   `json:"gone"`
	Moved       int   `json:"moved"`
	Restored    int   `json:"restored"`
	Errors      int   `json:"errors"` // no response, or a 5xx
	Bytes       int64 `json:"bytes"`  // raw payload bytes received
}

// Run is a crawl run as stored.
type Run struct {
	ID         int64
	Job        string
	Seeds      []string
	Settings   json.RawMessage
	Command    string
	StartedAt  time.Time
	FinishedAt time.Time // zero while running
	Status     RunStatus
	Note       string
	Summary    RunSummary // counted now for a run still running
}

// StartRun records the start of a crawl run and returns its id, which the
// pipeline puts in every Capture of the run.
func (db *DB) StartRun(ctx context.Context, info RunInfo) (int64, error) {
	if db.write == nil {
		return 0, ErrReadOnly
	}
	if info.Job == "" {
		return 0, errors.New("start run: no job name")
	}
	seeds := info.Seeds
	if seeds == nil {
		seeds = []string{}
	}
	sj, err := json.Marshal(seeds)
	if err != nil {
		return 0, fmt.Errorf("start run: seeds: %w", err)
	}
	setj, err := json.Marshal(info.Settings)
	if err != nil {
		return 0, fmt.Errorf("start run: settings are not JSON-encodable: %w", err)
	}
	res, err := db.write.ExecContext(ctx,
		`INSERT INTO runs (job, seeds, settings, command, started_ms) VALUES (?, ?, ?, ?, ?)`,
		info.Job, string(sj), string(setj), info.Command, time.Now().UnixMilli())
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	id, err := res.LastInsertId()
	if err != nil {
		return 0, fmt.Errorf("start run: %w", err)
	}
	db.mu.Lock()
	db.seeds[id] = seeds
	db.mu.Unlock()
	return id, nil
}

// FinishRun records how run id ended, counts what it did and returns the
// counts.
func (db *DB) FinishRun(ctx context.Context, id int64, status RunStatus, note string) (RunSummary, error) {
	if db.write == nil {
		return RunSummary{}, ErrReadOnly
	}
	switch status {
	case RunCompleted, RunInterrupted, RunFailed:
	default:
		return RunSummary{}, fmt.Errorf("finish run %d: status %q is not completed, interrupted or failed", id, status)
	}
	sum, err := db.runSummary(ctx, db.write, id)
	if err != nil {
		return RunSummary{}, fmt.Errorf("finish run %d: %w", id, err)
	}
	sj, _ := json.Marshal(sum)
	res, err := db.write.ExecContext(ctx,
		`UPDATE runs SET finished_ms = ?, status = ?, note = ?, summary = ? WHERE id = ?`,
		time.Now().UnixMilli(), string(status), note, string(sj), id)
	if err != nil {
		return RunSummary{}, fmt.Errorf("finish run %d: %w", id, err)
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return RunSummary{}, fmt.Errorf("finish run %d: %w", id, ErrNotFound)
	}
	db.mu.Lock()
	delete(db.seeds, id)
	db.mu.Unlock()
	return sum, nil
}

func (db *DB) runSummary(ctx context.Context, q queryer, id int64) (RunSummary, error) {
	var s RunSummary
	err := q.QueryRowContext(ctx, `
		SELECT count(*),
		       count(*) FILTER (WHERE c.event = 'first_seen'),
		       count(*) FILTER (WHERE c.event = 'changed'),
		       count(*) FILTER (WHERE c.event = 'unchanged'),
		       count(*) FILTER (WHERE c.event = 'gone'),
		       count(*) FILTER (WHERE c.event = 'moved'),
		       count(*) FILTER (WHERE c.event = 'restored'),
		       count(*) FILTER (WHERE c.status = 0 OR c.status >= 500),
		       coalesce(sum(p.size), 0)
		FROM captures c LEFT JOIN payloads p ON p.id = c.payload_id
		WHERE c.run_id = ?`, id).
		Scan(&s.Fetched, &s.NewArticles, &s.Changed, &s.Unchanged, &s.Gone, &s.Moved, &s.Restored, &s.Errors, &s.Bytes)
	if err != nil {
		return s, fmt.Errorf("count run %d: %w", id, err)
	}
	return s, nil
}

// UnfinishedRuns returns the ids of job's runs before run id that are still
// recorded as running, oldest first: runs whose process died before it
// could record their end (or that another process is running now: the
// caller tells them apart, e.g. by holding the job's lock).
func (db *DB) UnfinishedRuns(ctx context.Context, job string, before int64) ([]int64, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT id FROM runs WHERE job = ? AND status = 'running' AND id < ? ORDER BY id`, job, before)
	if err != nil {
		return nil, fmt.Errorf("list the unfinished runs of job %s: %w", job, err)
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			return nil, fmt.Errorf("list the unfinished runs of job %s: %w", job, err)
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("list the unfinished runs of job %s: %w", job, err)
	}
	return ids, nil
}

// Run returns run id with its counts.
func (db *DB) Run(ctx context.Context, id int64) (Run, error) {
	var (
		r               Run
		seeds, settings string
		started         int64
		finished        sql.NullInt64
		status          string
		summary         sql.NullString
	)
	err := db.read.QueryRowContext(ctx,
		`SELECT id, job, seeds, settings, command, started_ms, finished_ms, status, note, summary FROM runs WHERE id = ?`, id).
		Scan(&r.ID, &r.Job, &seeds, &settings, &r.Command, &started, &finished, &status, &r.Note, &summary)
	if errors.Is(err, sql.ErrNoRows) {
		return Run{}, fmt.Errorf("run %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Run{}, fmt.Errorf("read run %d: %w", id, err)
	}
	_ = json.Unmarshal([]byte(seeds), &r.Seeds)
	r.Settings = json.RawMessage(settings)
	r.StartedAt = time.UnixMilli(started).UTC()
	if finished.Valid {
		r.FinishedAt = time.UnixMilli(finished.Int64).UTC()
	}
	r.Status = RunStatus(status)
	if summary.Valid {
		_ = json.Unmarshal([]byte(summary.String), &r.Summary)
	} else if r.Summary, err = db.runSummary(ctx, db.read, id); err != nil {
		return Run{}, err
	}
	return r, nil
}

// runSeeds returns the seeds of run id (cached).
func (db *DB) runSeeds(ctx context.Context, q queryer, id int64) []string {
	if id == 0 {
		return nil
	}
	db.mu.Lock()
	s, ok := db.seeds[id]
	db.mu.Unlock()
	if ok {
		return s
	}
	var sj string
	if err := q.QueryRowContext(ctx, `SELECT seeds FROM runs WHERE id = ?`, id).Scan(&sj); err != nil {
		return nil
	}
	_ = json.Unmarshal([]byte(sj), &s)
	db.mu.Lock()
	db.seeds[id] = s
	db.mu.Unlock()
	return s
}
