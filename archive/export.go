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
	// Since and Until keep versions first captured in [Since, Until): the
	// capture time, when annals first saw that content.
	Since, Until time.Time
	// PublishedSince and PublishedUntil keep versions whose publish time
	// (as the page states it) is in [PublishedSince, PublishedUntil);
	// versions without a known publish time are left out when either is
	// set.
	PublishedSince, PublishedUntil time.Time
	// Text keeps versions matching this search text (Search's syntax).
	Text string
}

// ExportRecord is one exported article version.
type ExportRecord struct {
	ArticleID int64
	URL       string
	Version   int
	// State is the article's state while this version was its latest:
	// now for the latest version; for an earlier one, the state the
	// article was in when the next version replaced it (a version that
	// was taken down and replaced on its return reads "gone").
	State         State
	MovedTo       string // where a moved article went, at the same moment
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
	var f conds
	if !q.AllVersions {
		f.add("v.id = a.version_id")
	}
	if q.Site != "" {
		f.add("u.host IN (?, ?)", siteHosts(q.Site)...)
	}
	f.time("v.captured_ms >= ?", q.Since)
	f.time("v.captured_ms < ?", q.Until)
	f.time("v.published_ms >= ?", q.PublishedSince)
	f.time("v.published_ms < ?", q.PublishedUntil)
	_, index, match, err := parseText(q.Text)
	if err != nil {
		return err
	}
	if index != "" {
		db.awaitIndex(ctx)
		f.add("v.id IN (SELECT rowid FROM fts_"+index+" WHERE fts_"+index+" MATCH ?)", match)
	}
	where, args := f.where, f.args
	w := ""
	if len(where) > 0 {
		w = "WHERE " + strings.Join(where, " AND ")
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+exportColsHead+versionStateCols+exportColsTail+`
		FROM versions v JOIN articles a ON a.id = v.article_id JOIN urls u ON u.id = a.url_id
		JOIN captures c ON c.id = v.capture_id LEFT JOIN payloads p ON p.id = c.payload_id
		`+versionStateJoin+`
		`+w+` ORDER BY v.article_id, v.version`, args...)
	if err != nil {
		return searchError(err)
	}
	return scanExport(rows, fn)
}

// exportCols are the columns scanExport reads, from versions v, articles
// a, urls u, captures c and payloads p, with the article's state now.
const exportCols = exportColsHead + `a.state, coalesce(a.moved_to, ''), ` + exportColsTail

// The columns of exportCols before and after the state and moved_to.
const (
	exportColsHead = `a.id, u.url, v.version, `
	exportColsTail = `a.first_seen_ms,
	v.captured_ms, a.last_checked_ms, v.title, v.kicker, v.subtitle, v.published, v.bylines, v.source, v.language,
	v.body, v.changed, v.content_sha256, coalesce(p.sha256, x''), v.capture_id, coalesce(c.run_id, 0)`
)

// versionStateJoin joins, as s (and its URL as su), the last capture that
// set the article's state before version v was replaced: for a latest
// version none is needed, its state is the article's now.
// versionStateCols are the state and moved_to it gives.
const (
	versionStateJoin = `LEFT JOIN captures s ON v.superseded_ms IS NOT NULL AND s.id = (
		SELECT x.id FROM captures x WHERE x.article_id = v.article_id
		AND x.event IN ('first_seen', 'gone', 'moved', 'restored') AND x.started_ms < v.superseded_ms
		ORDER BY x.started_ms DESC, x.id DESC LIMIT 1)
	LEFT JOIN urls su ON su.id = s.url_id`
	versionStateCols = `CASE WHEN v.superseded_ms IS NULL THEN a.state
		WHEN s.event IN ('gone', 'moved') THEN s.event ELSE 'live' END,
	CASE WHEN v.superseded_ms IS NULL THEN coalesce(a.moved_to, '')
		WHEN s.event = 'moved' THEN coalesce(su.url, '') || char(31) || coalesce(s.redirect_to, '') ELSE '' END, `
)

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
		if from, to, ok := strings.Cut(r.MovedTo, "\x1f"); ok {
			// A move in the past: its Location, made absolute as Record
			// did when it recorded the move.
			r.MovedTo = resolveRef(from, to)
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
