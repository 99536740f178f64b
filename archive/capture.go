package archive

import (
	"bytes"
	"context"
	"crypto/sha256"
	"database/sql"
	"errors"
	"fmt"
	"net/http"
	"net/url"
	"strings"
	"time"

	"github.com/annals/annals/extract"
)

// Capture is one fetch attempt as the crawler saw it.
type Capture struct {
	RunID         int64 // 0 for imports without a run
	URL           string
	Method        string // "GET" when empty
	RequestHeader http.Header
	Proto         string // "HTTP/1.1"
	Status        int    // 0 when no response came (Err says why)
	Header        http.Header
	Body          []byte // raw bytes exactly as received (maybe truncated)
	Truncated     bool
	Err           string // transport error, timeout, body too large, …
	StartedAt     time.Time
	Duration      time.Duration
	RemoteAddr    string
	RedirectTo    string // absolute Location of a 3xx
	Charset       string // the charset decision, from extract
	CharsetSource string
}

// EventKind is what a capture told about an article.
type EventKind string

// The events of an article. EventNone: the capture told nothing new (a list
// page, a transport error, a 404 for an article already gone).
const (
	EventNone       EventKind = ""
	EventFirstSeen  EventKind = "first_seen"
	EventChanged    EventKind = "changed"
	EventUnchanged  EventKind = "unchanged"
	EventGone       EventKind = "gone"
	EventMoved      EventKind = "moved"
	EventRestored   EventKind = "restored"
	EventNotArticle EventKind = "not_article" // a 2xx that is no longer an article; content kept
)

// State is where an article stands.
type State string

// The states of an article.
const (
	StateLive  State = "live"
	StateGone  State = "gone"
	StateMoved State = "moved"
)

// Outcome is what Record stored.
type Outcome struct {
	CaptureID     int64
	PayloadSHA256 string // hex; "" when the capture had no body
	ArticleID     int64  // 0 when the capture concerns no known article
	Version       int    // the article's version seen or made; 0 if none
	Event         EventKind
	Changed       []string // fields changed, for EventChanged (and a restored new version)
	KeyURL        string   // the URL the article is keyed on
}

// prepared is a capture with everything that needs no lock computed.
type prepared struct {
	c          *Capture
	a          *extract.Article
	url, host  string
	keyURL     string
	keyedOn    string
	started    int64
	reqBlock   string
	respBlock  string
	payload    *payloadRow // nil when the body is empty
	payloadHit bool        // the digest is already stored
	content    content
	hash       []byte
	fields     []byte // content.fieldHashes
	// toks is the article tokenised for fts_tokens; nil when prepare
	// found its content stored already (an unchanged recapture).
	toks *tokens
}

// Record stores one fetch attempt in one transaction: the capture, its
// payload (deduplicated by SHA-256, zstd, a delta against the URL's
// previous payload when that is smaller) and, given an article (nil for
// list pages, non-HTML and errors), the article, a new version when its
// normalised content changed, and the event. It is durable when it returns.
//
// The article is keyed on its canonical URL when the page gives one on the
// same site, else on the capture URL (Outcome.KeyURL says which).
func (db *DB) Record(ctx context.Context, c *Capture, a *extract.Article) (Outcome, error) {
	if db.ReadOnly {
		return Outcome{}, ErrReadOnly
	}
	if db.write == nil {
		return Outcome{}, errors.New("record: archive is not open")
	}
	p, err := db.prepare(ctx, cachedReader{db}, c, a)
	if err != nil {
		return Outcome{}, err
	}
	job := &recordJob{ctx: ctx, p: p, done: make(chan struct{})}
	db.jobMu.RLock()
	if db.jobs == nil {
		db.jobMu.RUnlock()
		return Outcome{}, fmt.Errorf("record %s: archive is closed", c.URL)
	}
	select {
	case db.jobs <- job:
		db.jobMu.RUnlock()
	case <-ctx.Done():
		db.jobMu.RUnlock()
		return Outcome{}, ctx.Err()
	}
	<-job.done // once queued, wait: the caller must learn whether it was stored
	return job.out, unwritable(job.err)
}

// recordJob is one Record call waiting for the writer.
type recordJob struct {
	ctx  context.Context
	p    *prepared
	out  Outcome
	err  error
	done chan struct{}
}

// maxGroup bounds how many Record calls share one transaction.
const maxGroup = 256

// writeLoop commits Record calls. Calls that arrive while a transaction
// commits are grouped into the next one (group commit); every call returns
// only after its transaction is durable. Between groups it indexes the
// versions recorded (index.go): when indexBatch wait, when the oldest has
// waited indexDelay, when a search asks (syncs), and before it ends.
func (db *DB) writeLoop(jobs <-chan *recordJob, syncs <-chan chan error, done chan<- struct{}) {
	defer close(done)
	ctx := context.Background()
	timer := time.NewTimer(time.Hour)
	defer timer.Stop()
	fired := make(chan time.Time)
	close(fired)
	for {
		// When indexing is due, Record calls waiting get their turn too
		// (select picks at random), so that a backlog of indexing does
		// not hold them up.
		var due <-chan time.Time
		if now, wait, ok := db.idx.due(); now {
			due = fired
		} else if ok {
			timer.Reset(wait)
			due = timer.C
		}
		select {
		case job, ok := <-jobs:
			if !ok {
				if db.idx.waiting.Load() > 0 {
					db.runIndex(ctx)
				}
				return
			}
			group := []*recordJob{job}
		more:
			for len(group) < maxGroup {
				select {
				case j, ok := <-jobs:
					if !ok {
						break more
					}
					group = append(group, j)
				default:
					break more
				}
			}
			db.commitGroup(group)
			db.prepareWanted(ctx)
		case <-due:
			db.runIndex(ctx)
		case reply := <-syncs:
			reply <- db.runIndex(ctx)
		}
	}
}

func (db *DB) commitGroup(group []*recordJob) {
	defer func() {
		for _, j := range group {
			close(j.done)
		}
	}()
	var live []*recordJob
	for _, j := range group {
		if err := j.ctx.Err(); err != nil {
			j.err = err
		} else {
			live = append(live, j)
		}
	}
	if len(live) == 0 {
		return
	}
	// No savepoints: the group shares one transaction. When one call
	// fails, the group is rolled back and each call runs in a transaction
	// of its own.
	if db.runGroup(live) == nil || len(live) == 1 {
		return
	}
	for _, j := range live {
		db.runGroup([]*recordJob{j})
	}
}

// runGroup records jobs in one transaction. On failure nothing is stored,
// every job carries an error, and the first is returned.
func (db *DB) runGroup(jobs []*recordJob) error {
	ctx := context.Background()
	fail := func(err error) error {
		for _, j := range jobs {
			j.out = Outcome{}
			if j.err == nil {
				j.err = fmt.Errorf("record %s: %w", j.p.url, err)
			}
		}
		return err
	}
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return fail(fmt.Errorf("begin: %w", err))
	}
	tx := db.wrap(sqltx)
	for _, j := range jobs {
		j.err = nil
		if j.out, err = db.record(ctx, tx, j.p); err != nil {
			j.err = fmt.Errorf("record %s: %w", j.p.url, err)
			sqltx.Rollback()
			return fail(err)
		}
	}
	if err := sqltx.Commit(); err != nil {
		return fail(fmt.Errorf("commit: %w", err))
	}
	db.idx.recorded(tx.fresh)
	return nil
}

// recordBatch records many captures in one transaction, and indexes them
// in it (for building benchmark archives).
func (db *DB) recordBatch(ctx context.Context, cs []*Capture, as []*extract.Article) error {
	sqltx, err := db.write.BeginTx(ctx, nil)
	if err != nil {
		return err
	}
	defer sqltx.Rollback()
	tx := db.wrap(sqltx)
	for i, c := range cs {
		p, err := db.prepare(ctx, tx, c, as[i])
		if err != nil {
			return err
		}
		if _, err := db.record(ctx, tx, p); err != nil {
			return fmt.Errorf("record %s: %w", c.URL, err)
		}
	}
	for more := true; more; {
		if _, more, err = db.indexWaiting(ctx, tx, tx.fresh); err != nil {
			return err
		}
	}
	return sqltx.Commit()
}

// sameSite reports whether two hosts are one site (ignoring "www.").
func sameSite(a, b string) bool {
	return strings.TrimPrefix(a, "www.") == strings.TrimPrefix(b, "www.")
}

func hostOf(u *url.URL) string { return strings.ToLower(u.Hostname()) }

// siteHosts returns the two hosts a site filter matches: with and
// without "www.".
func siteHosts(site string) []any {
	h := strings.TrimPrefix(strings.ToLower(strings.TrimSpace(site)), "www.")
	return []any{h, "www." + h}
}

// cleanURL parses an absolute URL and drops its fragment.
func cleanURL(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if !u.IsAbs() || u.Host == "" {
		return nil, fmt.Errorf("%q is not an absolute URL", raw)
	}
	u.Fragment, u.RawFragment = "", ""
	return u, nil
}

func (db *DB) prepare(ctx context.Context, q queryer, c *Capture, a *extract.Article) (*prepared, error) {
	if c == nil {
		return nil, errors.New("record: nil capture")
	}
	u, err := cleanURL(c.URL)
	if err != nil {
		return nil, fmt.Errorf("record: capture URL: %w", err)
	}
	p := &prepared{c: c, url: u.String(), host: hostOf(u), keyURL: u.String(), keyedOn: "capture"}
	if c.StartedAt.IsZero() {
		p.started = time.Now().UnixMilli()
	} else {
		p.started = c.StartedAt.UnixMilli()
	}
	p.reqBlock = formatHeader(c.RequestHeader)
	p.respBlock = formatHeader(c.Header)
	if c.Status >= 200 && c.Status < 300 && a != nil {
		p.a = a
		if a.CanonicalURL != "" {
			if cu, err := cleanURL(a.CanonicalURL); err == nil && sameSite(hostOf(cu), p.host) {
				p.keyURL, p.keyedOn = cu.String(), "canonical"
			}
		}
		p.content = normalize(a)
		p.hash = p.content.hash()
		p.fields = p.content.fieldHashes()
		// Tokenising a body costs about as much as recording it unchanged:
		// it is done here, outside the write loop and in parallel, only
		// for content that is likely to make a new version.
		if !latestContentIs(ctx, q, p.keyURL, p.hash) {
			t := tokens{tokenize(a.Title), tokenize(a.Body)}
			p.toks = &t
		}
	}
	if len(c.Body) > 0 {
		if err := db.preparePayload(ctx, q, p); err != nil {
			return nil, fmt.Errorf("record %s: %w", p.url, err)
		}
	}
	return p, nil
}

// latestContentIs reports whether the article keyed on keyURL has content
// hash as its latest version: then a capture of it is most likely an
// unchanged recapture, which makes no version.
func latestContentIs(ctx context.Context, q queryer, keyURL string, hash []byte) bool {
	var h []byte
	err := q.QueryRowContext(ctx, `SELECT v.content_sha256 FROM urls u JOIN articles a ON a.url_id = u.id
		JOIN versions v ON v.id = a.version_id WHERE u.url = ?`, keyURL).Scan(&h)
	return err == nil && bytes.Equal(h, hash)
}

// preparePayload compresses the body unless its digest is stored already,
// choosing a delta against the URL's latest stored payload when smaller.
// Payloads are immutable, so a base found here stays valid in the write
// transaction.
func (db *DB) preparePayload(ctx context.Context, q queryer, p *prepared) error {
	sum := sha256.Sum256(p.c.Body)
	var id int64
	err := q.QueryRowContext(ctx, `SELECT id FROM payloads WHERE sha256 = ?`, sum[:]).Scan(&id)
	if err == nil {
		p.payload, p.payloadHit = &payloadRow{sha: sum[:], size: len(p.c.Body)}, true
		return nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return fmt.Errorf("look up payload: %w", err)
	}
	var (
		base              []byte
		baseID, baseDepth int64
	)
	if db.MaxDeltaDepth > 0 {
		err := q.QueryRowContext(ctx, `
			SELECT p.id, p.depth FROM urls u
			JOIN captures c ON c.url_id = u.id AND c.payload_id IS NOT NULL
			JOIN payloads p ON p.id = c.payload_id
			WHERE u.url = ? ORDER BY c.id DESC LIMIT 1`, p.url).Scan(&baseID, &baseDepth)
		switch {
		case errors.Is(err, sql.ErrNoRows):
		case err != nil:
			return fmt.Errorf("look up previous payload: %w", err)
		default:
			if base, err = db.loadPayload(ctx, q, baseID, false); err != nil {
				// A damaged base must not stop the archive from taking new
				// captures: store this one on its own.
				db.Logger.Warn("previous payload unreadable; storing without delta", "url", p.url, "err", err)
				base, baseID = nil, 0
			}
		}
	}
	row, err := db.codec.encode(p.c.Body, sum[:], base, baseID, int(baseDepth), db.MaxDeltaDepth)
	if err != nil {
		return err
	}
	p.payload = &row
	return nil
}

// articleRow is the part of an articles row that Record needs.
type articleRow struct {
	id        int64
	keyURL    string // the URL the article is keyed on
	state     State
	movedTo   string
	versionID int64
	version   int
	hash      []byte
	fields    []byte // the latest version's field hashes; nil before schema 3
}

func (db *DB) record(ctx context.Context, tx *wtx, p *prepared) (Outcome, error) {
	c := p.c
	urlID, err := upsertURL(ctx, tx, p.url, p.host)
	if err != nil {
		return Outcome{}, err
	}
	keyURLID := urlID
	if p.keyURL != p.url {
		ku, _ := url.Parse(p.keyURL)
		if keyURLID, err = upsertURL(ctx, tx, p.keyURL, hostOf(ku)); err != nil {
			return Outcome{}, err
		}
	}
	var out Outcome
	var payloadID any
	if p.payload != nil {
		id, err := storePayload(ctx, tx, p.payload, p.payloadHit)
		if err != nil {
			return Outcome{}, err
		}
		payloadID = id
		out.PayloadSHA256 = fmt.Sprintf("%x", p.payload.sha)
	}
	reqID, err := upsertHeaders(ctx, tx, p.reqBlock)
	if err != nil {
		return Outcome{}, err
	}
	respID, patch, err := storeResponseHeaders(ctx, tx, urlID, p.respBlock)
	if err != nil {
		return Outcome{}, err
	}

	art, err := findArticle(ctx, tx, urlID, keyURLID)
	if err != nil {
		return Outcome{}, err
	}
	ev, newVersion, newState, movedTo := db.decide(ctx, tx, p, art)
	if art == nil && ev == EventFirstSeen {
		res, err := tx.ExecContext(ctx, `INSERT INTO articles (url_id, keyed_on, state, first_seen_ms, last_checked_ms) VALUES (?, ?, 'live', ?, ?)`,
			keyURLID, p.keyedOn, p.started, p.started)
		if err != nil {
			return Outcome{}, fmt.Errorf("insert article: %w", err)
		}
		id, _ := res.LastInsertId()
		art = &articleRow{id: id, keyURL: p.keyURL, state: StateLive}
	}
	var articleID, versionID, event any
	if art != nil {
		articleID, out.ArticleID = art.id, art.id
		if art.versionID != 0 {
			versionID, out.Version = art.versionID, art.version
		}
	}
	if ev != EventNone {
		event = string(ev)
	}
	out.Event = ev
	if art != nil {
		out.KeyURL = art.keyURL
	}

	res, err := tx.ExecContext(ctx, `INSERT INTO captures (run_id, url_id, method, started_ms, duration_us, proto, status,
			request_headers_id, headers_id, headers_patch, payload_id, truncated, error, remote_addr, redirect_to,
			charset, charset_source, article_id, version_id, event)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		nullInt(c.RunID), urlID, defaultString(c.Method, http.MethodGet), p.started, c.Duration.Microseconds(), nullString(c.Proto), c.Status,
		reqID, respID, nullString(patch), payloadID, c.Truncated, nullString(c.Err), nullString(c.RemoteAddr), nullString(c.RedirectTo),
		nullString(c.Charset), nullString(c.CharsetSource), articleID, versionID, event)
	if err != nil {
		return Outcome{}, fmt.Errorf("insert capture: %w", err)
	}
	out.CaptureID, _ = res.LastInsertId()
	if art == nil || (c.Status == 0 && !newVersion) {
		// A fetch that got no answer tells nothing about the article.
		return out, nil
	}

	if newVersion {
		changed, err := db.insertVersion(ctx, tx, p, art, out.CaptureID)
		if err != nil {
			return Outcome{}, err
		}
		out.Version, out.Changed = art.version, changed
		if _, err := tx.ExecContext(ctx, `UPDATE captures SET version_id = ? WHERE id = ?`, art.versionID, out.CaptureID); err != nil {
			return Outcome{}, fmt.Errorf("update capture: %w", err)
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE articles SET last_checked_ms = max(last_checked_ms, ?), last_capture_id = ?,
			state = ?, moved_to = ?, version_id = ?, version = ? WHERE id = ?`,
		p.started, out.CaptureID, string(newState), nullString(movedTo), art.versionID, art.version, art.id); err != nil {
		return Outcome{}, fmt.Errorf("update article: %w", err)
	}
	return out, nil
}

// decide applies the event rules to a capture and what is known of its
// article: the event, whether a new version is made, and the article's
// state afterwards.
func (db *DB) decide(ctx context.Context, q queryer, p *prepared, art *articleRow) (ev EventKind, newVersion bool, state State, movedTo string) {
	c := p.c
	if art != nil {
		state, movedTo = art.state, art.movedTo
	}
	switch {
	case p.a != nil: // a 2xx with an article
		switch {
		case art == nil:
			return EventFirstSeen, true, StateLive, ""
		case art.state != StateLive:
			return EventRestored, !bytes.Equal(art.hash, p.hash), StateLive, ""
		case bytes.Equal(art.hash, p.hash):
			return EventUnchanged, false, StateLive, ""
		default:
			return EventChanged, true, StateLive, ""
		}
	case art == nil:
		return EventNone, false, "", ""
	case c.Status == http.StatusNotModified:
		if art.state != StateLive {
			return EventRestored, false, StateLive, ""
		}
		return EventUnchanged, false, StateLive, ""
	case c.Status == http.StatusNotFound || c.Status == http.StatusGone:
		if art.state == StateLive {
			return EventGone, false, StateGone, ""
		}
	case c.Status == http.StatusMovedPermanently || c.Status == http.StatusPermanentRedirect:
		target := resolveRef(p.url, c.RedirectTo)
		if target != "" && target != p.url && (art.state != StateMoved || art.movedTo != target) {
			return EventMoved, false, StateMoved, target
		}
	case c.Status == http.StatusFound || c.Status == http.StatusSeeOther || c.Status == http.StatusTemporaryRedirect:
		target := resolveRef(p.url, c.RedirectTo)
		if art.state == StateLive && isHome(target, p.host, db.runSeeds(ctx, q, c.RunID)) {
			return EventGone, false, StateGone, ""
		}
	case c.Status >= 200 && c.Status < 300:
		return EventNotArticle, false, state, movedTo
	}
	return EventNone, false, state, movedTo
}

// resolveRef makes a Location absolute against the capture URL.
func resolveRef(base, ref string) string {
	if ref == "" {
		return ""
	}
	b, err := url.Parse(base)
	if err != nil {
		return ""
	}
	r, err := url.Parse(strings.TrimSpace(ref))
	if err != nil {
		return ""
	}
	u := b.ResolveReference(r)
	u.Fragment = ""
	return u.String()
}

// isHome reports whether target is the site's home page (path "/" or
// empty, no query) or one of the run's seeds.
func isHome(target, host string, seeds []string) bool {
	u, err := url.Parse(target)
	if err != nil || target == "" {
		return false
	}
	if sameSite(hostOf(u), host) && (u.Path == "" || u.Path == "/") && u.RawQuery == "" {
		return true
	}
	trim := func(s string) string { return strings.TrimSuffix(s, "/") }
	for _, s := range seeds {
		if trim(s) == trim(target) {
			return true
		}
	}
	return false
}

func findArticle(ctx context.Context, q queryer, urlID, keyURLID int64) (*articleRow, error) {
	const sel = `SELECT a.id, u.url, a.state, coalesce(a.moved_to, ''), coalesce(a.version_id, 0), a.version, v.content_sha256, v.field_hashes
		FROM articles a JOIN urls u ON u.id = a.url_id LEFT JOIN versions v ON v.id = a.version_id `
	scan := func(row *sql.Row) (*articleRow, error) {
		var r articleRow
		var state string
		err := row.Scan(&r.id, &r.keyURL, &state, &r.movedTo, &r.versionID, &r.version, &r.hash, &r.fields)
		if errors.Is(err, sql.ErrNoRows) {
			return nil, nil
		}
		if err != nil {
			return nil, fmt.Errorf("look up article: %w", err)
		}
		r.state = State(state)
		return &r, nil
	}
	for _, id := range []int64{keyURLID, urlID} {
		r, err := scan(q.QueryRowContext(ctx, sel+`WHERE a.url_id = ?`, id))
		if r != nil || err != nil {
			return r, err
		}
	}
	// The capture URL may have led to an article keyed on its canonical URL.
	return scan(q.QueryRowContext(ctx, sel+`WHERE a.id = (SELECT article_id FROM captures
		WHERE url_id = ? AND article_id IS NOT NULL ORDER BY id DESC LIMIT 1)`, urlID))
}

// insertVersion stores p's article as the next version of art with its
// search_docs row, queues it for the full-text indexes, and returns the fields changed from the previous version.
func (db *DB) insertVersion(ctx context.Context, tx *wtx, p *prepared, art *articleRow, captureID int64) ([]string, error) {
	var changed []string
	if art.versionID != 0 {
		var ok bool
		if changed, ok = changedFieldHashes(art.fields, p.fields); !ok {
			prev, err := versionContent(ctx, tx, art.versionID)
			if err != nil {
				return nil, err
			}
			changed = changedFields(prev, p.content)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE versions SET superseded_ms = ? WHERE id = ?`, p.started, art.versionID); err != nil {
			return nil, fmt.Errorf("update version: %w", err)
		}
		if _, err := tx.ExecContext(ctx, `UPDATE search_docs SET superseded_ms = ? WHERE version_id = ?`, p.started, art.versionID); err != nil {
			return nil, fmt.Errorf("update version: %w", err)
		}
	}
	a := p.a
	var pub any
	if ms, ok := publishedMS(a.Published); ok {
		pub = ms
	}
	art.version++
	cjk := strings.ContainsFunc(a.Title, isCJK) || strings.ContainsFunc(a.Body, isCJK)
	res, err := tx.ExecContext(ctx, `INSERT INTO versions (article_id, version, capture_id, captured_ms, content_sha256, field_hashes, changed,
			title, kicker, subtitle, published, published_ms, bylines, source, language, body, extra, cjk)
		VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)`,
		art.id, art.version, captureID, p.started, p.hash, p.fields, strings.Join(changed, ","),
		a.Title, a.Kicker, a.Subtitle, a.Published, pub, bylinesJSON(a.Bylines), a.Source, a.Language, a.Body, extraJSON(a), cjk)
	if err != nil {
		return nil, fmt.Errorf("insert version: %w", err)
	}
	art.versionID, _ = res.LastInsertId()
	art.hash, art.fields = p.hash, p.fields
	if _, err := tx.ExecContext(ctx, `INSERT INTO search_docs (version_id, article_id, site, captured_ms, published_ms)
		SELECT ?, a.id, u.host, ?, ? FROM articles a JOIN urls u ON u.id = a.url_id WHERE a.id = ?`,
		art.versionID, p.started, pub, art.id); err != nil {
		return nil, fmt.Errorf("index version: %w", err)
	}
	// The full-text indexes are written later, in batches (index.go).
	if tx.fresh == nil {
		tx.fresh = map[int64]tokens{}
	}
	if p.toks == nil {
		// prepare took it for unchanged, but it changed meanwhile.
		p.toks = &tokens{tokenize(a.Title), tokenize(a.Body)}
	}
	tx.fresh[art.versionID] = *p.toks
	return changed, nil
}

// versionContent reads the normalised versioned fields of a version.
func versionContent(ctx context.Context, q queryer, id int64) (content, error) {
	var a extract.Article
	var bylines string
	err := q.QueryRowContext(ctx, `SELECT title, kicker, subtitle, published, bylines, source, body FROM versions WHERE id = ?`, id).
		Scan(&a.Title, &a.Kicker, &a.Subtitle, &a.Published, &bylines, &a.Source, &a.Body)
	if err != nil {
		return content{}, fmt.Errorf("read version %d: %w", id, err)
	}
	a.Bylines = parseBylines(bylines)
	return normalize(&a), nil
}

// upsertURL returns the id of URL u, storing it when new. A known URL is
// only read: rewriting its row would put its page in every commit.
func upsertURL(ctx context.Context, tx *wtx, u, host string) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM urls WHERE url = ?`, u).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO urls (url, host) VALUES (?, ?) RETURNING id`, u, host).Scan(&id)
	}
	if err != nil {
		return 0, fmt.Errorf("store URL: %w", err)
	}
	return id, nil
}

// upsertHeaders stores a header block once and returns its id (nil for an
// empty block).
func upsertHeaders(ctx context.Context, tx *wtx, block string) (any, error) {
	if block == "" {
		return nil, nil
	}
	sum := sha256.Sum256([]byte(block))
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM headers WHERE sha256 = ?`, sum[:]).Scan(&id)
	if errors.Is(err, sql.ErrNoRows) {
		err = tx.QueryRowContext(ctx, `INSERT INTO headers (sha256, block) VALUES (?, ?) RETURNING id`, sum[:], block).Scan(&id)
	}
	if err != nil {
		return nil, fmt.Errorf("store headers: %w", err)
	}
	return id, nil
}

// storeResponseHeaders keeps a response's headers as a patch against the
// block of the URL's previous capture when the patch is shorter than the
// block (an unchanged recapture differs mostly by its Date), else as a
// block of its own.
func storeResponseHeaders(ctx context.Context, tx *wtx, urlID int64, block string) (id any, patch string, err error) {
	if block == "" {
		return nil, "", nil
	}
	var baseID int64
	var base string
	err = tx.QueryRowContext(ctx, `SELECT h.id, h.block FROM captures c JOIN headers h ON h.id = c.headers_id
		WHERE c.url_id = ? ORDER BY c.id DESC LIMIT 1`, urlID).Scan(&baseID, &base)
	switch {
	case errors.Is(err, sql.ErrNoRows):
	case err != nil:
		return nil, "", fmt.Errorf("read previous headers: %w", err)
	default:
		if pt := headerPatch(base, block); len(pt) < len(block)/2 {
			return baseID, pt, nil
		}
	}
	id, err = upsertHeaders(ctx, tx, block)
	return id, "", err
}

func storePayload(ctx context.Context, tx *wtx, p *payloadRow, known bool) (int64, error) {
	var id int64
	err := tx.QueryRowContext(ctx, `SELECT id FROM payloads WHERE sha256 = ?`, p.sha).Scan(&id)
	if err == nil {
		return id, nil
	}
	if !errors.Is(err, sql.ErrNoRows) {
		return 0, fmt.Errorf("look up payload: %w", err)
	}
	if known {
		return 0, errors.New("payload vanished while recording")
	}
	var base any
	if p.baseID != 0 {
		base = p.baseID
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO payloads (sha256, size, codec, base_id, depth, data) VALUES (?, ?, ?, ?, ?, ?) RETURNING id`,
		p.sha, p.size, p.codec, base, p.depth, p.data).Scan(&id)
	if err != nil {
		return 0, fmt.Errorf("store payload: %w", err)
	}
	return id, nil
}

func nullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

func nullInt(n int64) any {
	if n == 0 {
		return nil
	}
	return n
}

func defaultString(s, def string) string {
	if s == "" {
		return def
	}
	return s
}
