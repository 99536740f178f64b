package archive

import (
	"context"
	"database/sql"
	"encoding/hex"
	"fmt"
	"strings"
	"time"

	"github.com/annals/annals/extract"
)

// ExportQuery selects what Export streams. Zero fields select everything.
type ExportQuery struct {
	// AllVersions gives one record per version instead of one per article
	// (its latest version).
	AllVersions bool
	// Site keeps one host ("www." ignored).
	Site string
	// Since and Until keep versions captured in [Since, Until).
	Since, Until time.Time
	// Text keeps versions matching this search text (Search's syntax).
	Text string
}

// ExportRecord is one exported article version.
type ExportRecord struct {
	ArticleID     int64
	URL           string
	Version       int
	State         State // the article's state now
	MovedTo       string
	FirstSeen     time.Time
	CapturedAt    time.Time // when this version was first captured
	LastCheckedAt time.Time // the article's latest answered fetch
	Title         string
	Kicker        string
	Subtitle      string
	Published     string
	Bylines       []extract.Byline
	Source        string
	Language      string
	Body          string
	Changed       []string // fields changed from the previous version; none for version 1
	ContentSHA256 string
	PayloadSHA256 string
	CaptureID     int64
	RunID         int64 // 0 when the capture belonged to no run
}

// Export calls fn for every selected record, by article then version. It
// streams from one read transaction, so memory stays flat at any archive
// size and the records are one consistent snapshot. An error from fn stops
// the export and is returned.
func (db *DB) Export(ctx context.Context, q ExportQuery, fn func(ExportRecord) error) error {
	var where []string
	var args []any
	if !q.AllVersions {
		where = append(where, "v.id = a.version_id")
	}
	if q.Site != "" {
		where = append(where, "u.host IN (?, ?)")
		args = append(args, siteHosts(q.Site)...)
	}
	if !q.Since.IsZero() {
		where = append(where, "v.captured_ms >= ?")
		args = append(args, q.Since.UnixMilli())
	}
	if !q.Until.IsZero() {
		where = append(where, "v.captured_ms < ?")
		args = append(args, q.Until.UnixMilli())
	}
	if strings.TrimSpace(q.Text) != "" {
		node, err := parseQuery(q.Text)
		if err != nil {
			return err
		}
		index := route(node)
		match, err := render(node, index)
		if err != nil {
			return err
		}
		db.awaitIndex(ctx)
		where = append(where, "v.id IN (SELECT rowid FROM fts_"+index+" WHERE fts_"+index+" MATCH ?)")
		args = append(args, match)
	}
	w := ""
	if len(where) > 0 {
		w = "WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+exportCols+`
		FROM versions v JOIN articles a ON a.id = v.article_id JOIN urls u ON u.id = a.url_id
		JOIN captures c ON c.id = v.capture_id LEFT JOIN payloads p ON p.id = c.payload_id
		`+w+` ORDER BY v.article_id, v.version`, args...)
	if err != nil {
		return searchError(err)
	}
	return scanExport(rows, fn)
}

// exportCols are the columns scanExport reads, from versions v, articles
// a, urls u, captures c and payloads p.
const exportCols = `a.id, u.url, v.version, a.state, coalesce(a.moved_to, ''), a.first_seen_ms,
	v.captured_ms, a.last_checked_ms, v.title, v.kicker, v.subtitle, v.published, v.bylines, v.source, v.language,
	v.body, v.changed, v.content_sha256, coalesce(p.sha256, x''), v.capture_id, coalesce(c.run_id, 0)`

// scanExport turns rows of exportCols into records for fn, and closes rows.
func scanExport(rows *sql.Rows, fn func(ExportRecord) error) error {
	defer rows.Close()
	for rows.Next() {
		var (
			r                       ExportRecord
			state, bylines, changed string
			first, captured, last   int64
			csum, psum              []byte
		)
		if err := rows.Scan(&r.ArticleID, &r.URL, &r.Version, &state, &r.MovedTo, &first, &captured, &last, &r.Title, &r.Kicker,
			&r.Subtitle, &r.Published, &bylines, &r.Source, &r.Language, &r.Body, &changed, &csum, &psum, &r.CaptureID, &r.RunID); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		r.State, r.FirstSeen, r.CapturedAt, r.LastCheckedAt = State(state), fromMS(first), fromMS(captured), fromMS(last)
		r.Bylines, r.Changed = parseBylines(bylines), splitChanged(changed)
		r.ContentSHA256 = hex.EncodeToString(csum)
		if len(psum) > 0 {
			r.PayloadSHA256 = hex.EncodeToString(psum)
		}
		if err := fn(r); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return searchError(err)
	}
	return nil
}
