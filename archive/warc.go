package archive

import (
	"context"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strings"
	"time"
)

// The reads that writing and importing WARC files need: which earlier
// capture holds a recapture's payload, which runs an export covers, and
// whether an imported capture is in the archive already.

// CaptureRef names a capture: enough to refer to it from another one.
type CaptureRef struct {
	ID            int64
	URL           string
	At            time.Time
	PayloadSHA256 string // hex; "" when it had no body
}

// WARCCapture is a capture with what writing it as WARC needs.
type WARCCapture struct {
	CaptureInfo
	// Original is set when another capture carries this one's payload, so
	// that it is written as a revisit of it:
	//   - for a capture with a body, the first capture of the selection
	//     (by id) with the same payload, when that is an earlier one;
	//   - for a 304, the URL's latest earlier 2xx capture with a body
	//     (selected or not): the payload the server said was unchanged.
	Original *CaptureRef
}

// EachWARCCapture calls fn for each capture matching f, oldest first, like
// EachCapture, with its Original. The body is loaded (when f.WithPayload)
// only for captures without an Original. It streams from one read
// transaction: memory does not grow with the archive. An error from fn
// stops the walk and is returned.
func (db *DB) EachWARCCapture(ctx context.Context, f CaptureFilter, fn func(WARCCapture, []byte) error) error {
	where, args := captureWhere(f)
	// first_id: the first selected capture with the same payload (captures
	// without a response are never written as responses, so never
	// originals).
	sel := `SELECT c.id AS cid, CASE WHEN c.payload_id IS NOT NULL AND c.status <> 0
			THEN first_value(c.id) OVER (PARTITION BY c.payload_id, c.status <> 0 ORDER BY c.id) END AS first_id
		FROM captures c JOIN urls u ON u.id = c.url_id WHERE ` + where
	q := `SELECT ` + captureCols + `, coalesce(o.id, 0), coalesce(ou.url, ''), coalesce(o.started_ms, 0), coalesce(op.sha256, x'')
		FROM (` + sel + `) s JOIN captures c ON c.id = s.cid` + strings.TrimPrefix(captureFrom, " FROM captures c") + `
		LEFT JOIN captures o ON o.id = CASE
			WHEN c.status = 304 THEN (SELECT c2.id FROM captures c2 WHERE c2.url_id = c.url_id AND c2.id < c.id
				AND c2.payload_id IS NOT NULL AND c2.status BETWEEN 200 AND 299 ORDER BY c2.id DESC LIMIT 1)
			WHEN s.first_id <> c.id THEN s.first_id END
		LEFT JOIN urls ou ON ou.id = o.url_id LEFT JOIN payloads op ON op.id = o.payload_id
		ORDER BY c.id`
	rows, err := db.read.QueryContext(ctx, q, args...)
	if err != nil {
		return fmt.Errorf("read captures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		var (
			ref CaptureRef
			ms  int64
			sum []byte
		)
		ci, pid, err := scanCapture(extraScanner{rows, []any{&ref.ID, &ref.URL, &ms, &sum}})
		if err != nil {
			return fmt.Errorf("read captures: %w", err)
		}
		wc := WARCCapture{CaptureInfo: ci}
		if ref.ID != 0 {
			ref.At = fromMS(ms)
			if len(sum) > 0 {
				ref.PayloadSHA256 = hex.EncodeToString(sum)
			}
			wc.Original = &ref
		}
		var body []byte
		if f.WithPayload && pid != 0 && wc.Original == nil {
			if body, err = db.loadPayload(ctx, db.read, pid, true); err != nil {
				return fmt.Errorf("capture %d: %w", ci.ID, err)
			}
		}
		if err := fn(wc, body); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read captures: %w", err)
	}
	return nil
}

// extraScanner scans the columns of scanCapture followed by extra ones.
type extraScanner struct {
	rows  *sql.Rows
	extra []any
}

func (e extraScanner) Scan(dest ...any) error { return e.rows.Scan(append(dest, e.extra...)...) }

// captureWhere is the WHERE clause of a CaptureFilter over captures c
// joined with urls u.
func captureWhere(f CaptureFilter) (string, []any) {
	c := conds{where: []string{"1=1"}}
	if f.Site != "" {
		c.add("u.host IN (?, ?)", siteHosts(f.Site)...)
	}
	if f.RunID != 0 {
		c.add("c.run_id = ?", f.RunID)
	}
	c.time("c.started_ms >= ?", f.Since)
	c.time("c.started_ms < ?", f.Until)
	return strings.Join(c.where, " AND "), c.args
}

// CaptureRuns returns the runs the captures matching f belong to, oldest
// first (captures without a run are not counted).
func (db *DB) CaptureRuns(ctx context.Context, f CaptureFilter) ([]Run, error) {
	where, args := captureWhere(f)
	rows, err := db.read.QueryContext(ctx, `SELECT DISTINCT c.run_id FROM captures c JOIN urls u ON u.id = c.url_id
		WHERE c.run_id IS NOT NULL AND `+where+` ORDER BY c.run_id`, args...)
	if err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	var ids []int64
	for rows.Next() {
		var id int64
		if err := rows.Scan(&id); err != nil {
			rows.Close()
			return nil, fmt.Errorf("read runs: %w", err)
		}
		ids = append(ids, id)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read runs: %w", err)
	}
	runs := make([]Run, 0, len(ids))
	for _, id := range ids {
		r, err := db.Run(ctx, id)
		if err != nil {
			return nil, err
		}
		runs = append(runs, r)
	}
	return runs, nil
}

// LastPayloadCapture returns the latest 2xx capture of rawURL with a body
// recorded before capture before: the payload a later 304 confirmed.
// ErrNotFound when there is none.
func (db *DB) LastPayloadCapture(ctx context.Context, rawURL string, before int64) (CaptureRef, error) {
	u, err := cleanURL(rawURL)
	if err != nil {
		return CaptureRef{}, fmt.Errorf("last payload of URL: %w", err)
	}
	ref := CaptureRef{URL: u.String()}
	var ms int64
	var sum []byte
	err = db.read.QueryRowContext(ctx, `SELECT c.id, c.started_ms, p.sha256 FROM captures c JOIN payloads p ON p.id = c.payload_id
		WHERE c.url_id = (SELECT id FROM urls WHERE url = ?) AND c.id < ? AND c.status BETWEEN 200 AND 299
		ORDER BY c.id DESC LIMIT 1`, ref.URL, before).Scan(&ref.ID, &ms, &sum)
	if errors.Is(err, sql.ErrNoRows) {
		return ref, fmt.Errorf("last payload of %s: %w", ref.URL, ErrNotFound)
	}
	if err != nil {
		return ref, fmt.Errorf("last payload of %s: %w", ref.URL, err)
	}
	ref.At, ref.PayloadSHA256 = fromMS(ms), hex.EncodeToString(sum)
	return ref, nil
}

// CapturesAt returns the captures of rawURL made at t (to the
// millisecond, the archive's precision), oldest first.
func (db *DB) CapturesAt(ctx context.Context, rawURL string, t time.Time) ([]CaptureRef, error) {
	u, err := cleanURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("captures at: %w", err)
	}
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.started_ms, coalesce(p.sha256, x'') FROM captures c
		LEFT JOIN payloads p ON p.id = c.payload_id
		WHERE c.url_id = (SELECT id FROM urls WHERE url = ?) AND c.started_ms = ? ORDER BY c.id`, u.String(), t.UnixMilli())
	if err != nil {
		return nil, fmt.Errorf("captures of %s at %s: %w", u, t, err)
	}
	defer rows.Close()
	var refs []CaptureRef
	for rows.Next() {
		ref := CaptureRef{URL: u.String()}
		var ms int64
		var sum []byte
		if err := rows.Scan(&ref.ID, &ms, &sum); err != nil {
			return nil, fmt.Errorf("captures of %s at %s: %w", u, t, err)
		}
		ref.At = fromMS(ms)
		if len(sum) > 0 {
			ref.PayloadSHA256 = hex.EncodeToString(sum)
		}
		refs = append(refs, ref)
	}
	return refs, rows.Err()
}

// LatestCaptureTime returns when rawURL was last captured (the zero time
// when never).
func (db *DB) LatestCaptureTime(ctx context.Context, rawURL string) (time.Time, error) {
	u, err := cleanURL(rawURL)
	if err != nil {
		return time.Time{}, fmt.Errorf("latest capture: %w", err)
	}
	var ms sql.NullInt64
	err = db.read.QueryRowContext(ctx, `SELECT max(started_ms) FROM captures
		WHERE url_id = (SELECT id FROM urls WHERE url = ?)`, u.String()).Scan(&ms)
	if err != nil {
		return time.Time{}, fmt.Errorf("latest capture of %s: %w", u, err)
	}
	if !ms.Valid {
		return time.Time{}, nil
	}
	return fromMS(ms.Int64), nil
}
