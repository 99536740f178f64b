package archive

import (
	"context"
	"database/sql"
	"encoding/hex"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"strings"
	"time"

	"github.com/annals/annals/extract"
)

// Article is an article as the archive knows it now.
type Article struct {
	ID            int64
	URL           string // the key URL
	KeyedOn       string // "canonical" or "capture"
	Site          string // host of URL
	State         State
	MovedTo       string
	FirstSeen     time.Time
	LastChecked   time.Time
	LastCaptureID int64
	Version       int   // number of the latest version
	VersionID     int64 // its id
}

// Version is one distinct content of an article.
type Version struct {
	ID            int64
	ArticleID     int64
	Version       int
	CaptureID     int64
	RunID         int64
	CapturedAt    time.Time // when this content was first seen
	SupersededAt  time.Time // when the next version was; zero for the latest
	ContentSHA256 string    // hex
	PayloadSHA256 string    // hex, of the capture that made it
	Changed       []string  // fields changed from the previous version
	Content       extract.Article
}

// Event is one thing that happened to an article.
type Event struct {
	CaptureID  int64
	ArticleID  int64
	Kind       EventKind
	At         time.Time
	RunID      int64
	URL        string // the capture URL
	Status     int
	RedirectTo string
	Version    int      // the version seen or made
	Changed    []string // for changed (and restored with new content)
}

// CaptureInfo is one fetch attempt as stored.
type CaptureInfo struct {
	ID            int64
	RunID         int64
	URL           string
	Method        string
	StartedAt     time.Time
	Duration      time.Duration
	Proto         string
	Status        int
	RequestHeader http.Header
	Header        http.Header
	PayloadSHA256 string // hex; "" when no body
	Size          int64  // raw body length
	Truncated     bool
	Err           string
	RemoteAddr    string
	RedirectTo    string
	Charset       string
	CharsetSource string
	ArticleID     int64
	Event         EventKind
	Version       int
}

func fromMS(ms int64) time.Time { return time.UnixMilli(ms).UTC() }

func parseBylines(s string) []extract.Byline {
	var bs []extract.Byline
	if err := json.Unmarshal([]byte(s), &bs); err != nil || bs == nil {
		return []extract.Byline{}
	}
	return bs
}

func splitChanged(s string) []string {
	if s == "" {
		return nil
	}
	return strings.Split(s, ",")
}

const articleCols = `a.id, u.url, a.keyed_on, u.host, a.state, coalesce(a.moved_to, ''), a.first_seen_ms, a.last_checked_ms,
	coalesce(a.last_capture_id, 0), a.version, coalesce(a.version_id, 0)`

func scanArticle(sc interface{ Scan(...any) error }) (Article, error) {
	var a Article
	var state string
	var first, last int64
	err := sc.Scan(&a.ID, &a.URL, &a.KeyedOn, &a.Site, &state, &a.MovedTo, &first, &last, &a.LastCaptureID, &a.Version, &a.VersionID)
	a.State, a.FirstSeen, a.LastChecked = State(state), fromMS(first), fromMS(last)
	return a, err
}

// ArticleByID returns article id.
func (db *DB) ArticleByID(ctx context.Context, id int64) (Article, error) {
	a, err := scanArticle(db.read.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles a JOIN urls u ON u.id = a.url_id WHERE a.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return Article{}, fmt.Errorf("article %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return Article{}, fmt.Errorf("read article %d: %w", id, err)
	}
	return a, nil
}

// ArticleByURL returns the article keyed on rawURL or, failing that, the
// article last captured at rawURL.
func (db *DB) ArticleByURL(ctx context.Context, rawURL string) (Article, error) {
	u, err := cleanURL(rawURL)
	if err != nil {
		return Article{}, fmt.Errorf("article by URL: %w", err)
	}
	a, err := scanArticle(db.read.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles a JOIN urls u ON u.id = a.url_id WHERE u.url = ?`, u.String()))
	if errors.Is(err, sql.ErrNoRows) {
		a, err = scanArticle(db.read.QueryRowContext(ctx, `SELECT `+articleCols+` FROM articles a JOIN urls u ON u.id = a.url_id
			WHERE a.id = (SELECT c.article_id FROM captures c JOIN urls cu ON cu.id = c.url_id
				WHERE cu.url = ? AND c.article_id IS NOT NULL ORDER BY c.id DESC LIMIT 1)`, u.String()))
	}
	if errors.Is(err, sql.ErrNoRows) {
		return Article{}, fmt.Errorf("article at %s: %w", u, ErrNotFound)
	}
	if err != nil {
		return Article{}, fmt.Errorf("read article at %s: %w", u, err)
	}
	return a, nil
}

const versionCols = `v.id, v.article_id, v.version, v.capture_id, coalesce(c.run_id, 0), v.captured_ms, v.superseded_ms,
	v.content_sha256, coalesce(p.sha256, x''), v.changed, v.title, v.kicker, v.subtitle, v.published, v.bylines, v.source,
	v.language, v.body, v.extra`

const versionFrom = ` FROM versions v JOIN captures c ON c.id = v.capture_id LEFT JOIN payloads p ON p.id = c.payload_id `

func scanVersion(sc interface{ Scan(...any) error }) (Version, error) {
	var (
		v              Version
		captured       int64
		superseded     sql.NullInt64
		csum, psum     []byte
		changed        string
		bylines, extra string
		a              extract.Article
	)
	err := sc.Scan(&v.ID, &v.ArticleID, &v.Version, &v.CaptureID, &v.RunID, &captured, &superseded, &csum, &psum, &changed,
		&a.Title, &a.Kicker, &a.Subtitle, &a.Published, &bylines, &a.Source, &a.Language, &a.Body, &extra)
	if err != nil {
		return v, err
	}
	var x extract.Article
	_ = json.Unmarshal([]byte(extra), &x)
	x.Title, x.Kicker, x.Subtitle, x.Published, x.Source, x.Language, x.Body = a.Title, a.Kicker, a.Subtitle, a.Published, a.Source, a.Language, a.Body
	x.Bylines = parseBylines(bylines)
	v.Content = x
	v.CapturedAt = fromMS(captured)
	if superseded.Valid {
		v.SupersededAt = fromMS(superseded.Int64)
	}
	v.ContentSHA256 = hex.EncodeToString(csum)
	if len(psum) > 0 {
		v.PayloadSHA256 = hex.EncodeToString(psum)
	}
	v.Changed = splitChanged(changed)
	return v, nil
}

// Versions returns every version of an article, oldest first.
func (db *DB) Versions(ctx context.Context, articleID int64) ([]Version, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+versionCols+versionFrom+`WHERE v.article_id = ? ORDER BY v.version`, articleID)
	if err != nil {
		return nil, fmt.Errorf("read versions of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var vs []Version
	for rows.Next() {
		v, err := scanVersion(rows)
		if err != nil {
			return nil, fmt.Errorf("read versions of article %d: %w", articleID, err)
		}
		vs = append(vs, v)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read versions of article %d: %w", articleID, err)
	}
	if len(vs) == 0 {
		if _, err := db.ArticleByID(ctx, articleID); err != nil {
			return nil, err
		}
	}
	return vs, nil
}

// Version returns version n of an article with its full content; n = 0
// means the latest.
func (db *DB) Version(ctx context.Context, articleID int64, n int) (Version, error) {
	q := `SELECT ` + versionCols + versionFrom + `WHERE v.article_id = ? AND v.version = ?`
	args := []any{articleID, n}
	if n == 0 {
		q = `SELECT ` + versionCols + versionFrom + `WHERE v.article_id = ? ORDER BY v.version DESC LIMIT 1`
		args = args[:1]
	}
	v, err := scanVersion(db.read.QueryRowContext(ctx, q, args...))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("version %d of article %d: %w", n, articleID, ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("read version %d of article %d: %w", n, articleID, err)
	}
	return v, nil
}

// VersionAsOf returns the version of an article that was live at t (the
// latest captured at or before t), or ErrNotFound when it was not yet seen.
func (db *DB) VersionAsOf(ctx context.Context, articleID int64, t time.Time) (Version, error) {
	v, err := scanVersion(db.read.QueryRowContext(ctx, `SELECT `+versionCols+versionFrom+`
		WHERE v.article_id = ? AND v.captured_ms <= ? ORDER BY v.version DESC LIMIT 1`, articleID, t.UnixMilli()))
	if errors.Is(err, sql.ErrNoRows) {
		return Version{}, fmt.Errorf("article %d as of %s: %w", articleID, t.Format(time.RFC3339), ErrNotFound)
	}
	if err != nil {
		return Version{}, fmt.Errorf("read article %d as of %s: %w", articleID, t.Format(time.RFC3339), err)
	}
	return v, nil
}

// Events returns an article's events, oldest first.
func (db *DB) Events(ctx context.Context, articleID int64) ([]Event, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT c.id, c.event, c.started_ms, coalesce(c.run_id, 0), u.url, c.status,
			coalesce(c.redirect_to, ''), coalesce(v.version, 0), coalesce(CASE WHEN v.capture_id = c.id THEN v.changed END, '')
		FROM captures c JOIN urls u ON u.id = c.url_id LEFT JOIN versions v ON v.id = c.version_id
		WHERE c.article_id = ? AND c.event IS NOT NULL ORDER BY c.id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("read events of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var es []Event
	for rows.Next() {
		e := Event{ArticleID: articleID}
		var kind, changed string
		var at int64
		if err := rows.Scan(&e.CaptureID, &kind, &at, &e.RunID, &e.URL, &e.Status, &e.RedirectTo, &e.Version, &changed); err != nil {
			return nil, fmt.Errorf("read events of article %d: %w", articleID, err)
		}
		e.Kind, e.At, e.Changed = EventKind(kind), fromMS(at), splitChanged(changed)
		es = append(es, e)
	}
	return es, rows.Err()
}

const captureCols = `c.id, coalesce(c.run_id, 0), u.url, c.method, c.started_ms, c.duration_us, coalesce(c.proto, ''), c.status,
	coalesce(rh.block, ''), coalesce(h.block, ''), coalesce(c.headers_patch, ''), coalesce(p.sha256, x''), coalesce(p.size, 0),
	c.truncated, coalesce(c.error, ''), coalesce(c.remote_addr, ''), coalesce(c.redirect_to, ''), coalesce(c.charset, ''),
	coalesce(c.charset_source, ''), coalesce(c.article_id, 0), coalesce(c.event, ''), coalesce(v.version, 0), coalesce(c.payload_id, 0)`

const captureFrom = ` FROM captures c JOIN urls u ON u.id = c.url_id LEFT JOIN headers rh ON rh.id = c.request_headers_id
	LEFT JOIN headers h ON h.id = c.headers_id LEFT JOIN payloads p ON p.id = c.payload_id LEFT JOIN versions v ON v.id = c.version_id `

func scanCapture(sc interface{ Scan(...any) error }) (CaptureInfo, int64, error) {
	var (
		ci               CaptureInfo
		started, dur     int64
		req, resp, patch string
		sum              []byte
		event            string
		payloadID        int64
	)
	err := sc.Scan(&ci.ID, &ci.RunID, &ci.URL, &ci.Method, &started, &dur, &ci.Proto, &ci.Status, &req, &resp, &patch, &sum, &ci.Size,
		&ci.Truncated, &ci.Err, &ci.RemoteAddr, &ci.RedirectTo, &ci.Charset, &ci.CharsetSource, &ci.ArticleID, &event, &ci.Version, &payloadID)
	if err != nil {
		return ci, 0, err
	}
	ci.StartedAt, ci.Duration, ci.Event = fromMS(started), time.Duration(dur)*time.Microsecond, EventKind(event)
	ci.RequestHeader = parseHeader(req)
	ci.Header = applyHeaderPatch(resp, patch)
	if len(sum) > 0 {
		ci.PayloadSHA256 = hex.EncodeToString(sum)
	}
	return ci, payloadID, nil
}

// Capture returns capture id.
func (db *DB) Capture(ctx context.Context, id int64) (CaptureInfo, error) {
	ci, _, err := scanCapture(db.read.QueryRowContext(ctx, `SELECT `+captureCols+captureFrom+`WHERE c.id = ?`, id))
	if errors.Is(err, sql.ErrNoRows) {
		return ci, fmt.Errorf("capture %d: %w", id, ErrNotFound)
	}
	if err != nil {
		return ci, fmt.Errorf("read capture %d: %w", id, err)
	}
	return ci, nil
}

// CapturesOf returns every capture of a URL, oldest first.
func (db *DB) CapturesOf(ctx context.Context, rawURL string) ([]CaptureInfo, error) {
	u, err := cleanURL(rawURL)
	if err != nil {
		return nil, fmt.Errorf("captures of URL: %w", err)
	}
	cs, err := db.captureList(ctx, `c.url_id = (SELECT id FROM urls WHERE url = ?)`, u.String())
	if err != nil {
		return nil, fmt.Errorf("read captures of %s: %w", u, err)
	}
	return cs, nil
}

// captureList returns the captures for which cond (over captureFrom,
// with one argument) holds, oldest first.
func (db *DB) captureList(ctx context.Context, cond string, arg any) ([]CaptureInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+captureCols+captureFrom+`WHERE `+cond+` ORDER BY c.id`, arg)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var cs []CaptureInfo
	for rows.Next() {
		ci, _, err := scanCapture(rows)
		if err != nil {
			return nil, err
		}
		cs = append(cs, ci)
	}
	return cs, rows.Err()
}

// Payload returns the raw bytes whose SHA-256 is sum (hex), checking them
// against it.
func (db *DB) Payload(ctx context.Context, sum string) ([]byte, error) {
	b, err := hex.DecodeString(sum)
	if err != nil || len(b) != 32 {
		return nil, fmt.Errorf("payload %q: not a hex SHA-256", sum)
	}
	var id int64
	err = db.read.QueryRowContext(ctx, `SELECT id FROM payloads WHERE sha256 = ?`, b).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("payload %s: %w", sum, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read payload %s: %w", sum, err)
	}
	return db.loadPayload(ctx, db.read, id, true)
}

// CapturePayload returns the raw body of capture id (nil when it had none).
func (db *DB) CapturePayload(ctx context.Context, captureID int64) ([]byte, error) {
	var id sql.NullInt64
	err := db.read.QueryRowContext(ctx, `SELECT payload_id FROM captures WHERE id = ?`, captureID).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, fmt.Errorf("capture %d: %w", captureID, ErrNotFound)
	}
	if err != nil {
		return nil, fmt.Errorf("read capture %d: %w", captureID, err)
	}
	if !id.Valid {
		return nil, nil
	}
	return db.loadPayload(ctx, db.read, id.Int64, true)
}

// CaptureFilter selects captures for EachCapture; zero fields select all.
type CaptureFilter struct {
	Site         string // host, "www." ignored
	RunID        int64
	Since, Until time.Time // capture time, inclusive / exclusive
	WithPayload  bool      // load each body (for WARC export)
}

// EachCapture calls fn for each capture matching f, oldest first, with its
// raw body when f.WithPayload. It streams: memory does not grow with the
// archive. Returning an error from fn stops the walk and returns it.
func (db *DB) EachCapture(ctx context.Context, f CaptureFilter, fn func(CaptureInfo, []byte) error) error {
	where, args := captureWhere(f)
	rows, err := db.read.QueryContext(ctx, `SELECT `+captureCols+captureFrom+`WHERE `+where+` ORDER BY c.id`, args...)
	if err != nil {
		return fmt.Errorf("read captures: %w", err)
	}
	defer rows.Close()
	for rows.Next() {
		ci, pid, err := scanCapture(rows)
		if err != nil {
			return fmt.Errorf("read captures: %w", err)
		}
		var body []byte
		if f.WithPayload && pid != 0 {
			if body, err = db.loadPayload(ctx, db.read, pid, true); err != nil {
				return fmt.Errorf("capture %d: %w", ci.ID, err)
			}
		}
		if err := fn(ci, body); err != nil {
			return err
		}
	}
	if err := rows.Err(); err != nil {
		return fmt.Errorf("read captures: %w", err)
	}
	return nil
}
