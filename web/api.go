package web

import (
	"errors"
	"fmt"
	"html"
	"net/http"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// The JSON API. Its types are also what annals search, show and history
// print with --format json, so that a script can move between the two.

// HighlightStart and HighlightEnd mark matches in snippets as the archive
// returns them (private-use characters, which archived text does not
// hold); SplitSnippet turns them into parts.
const (
	HighlightStart = "\ue000"
	HighlightEnd   = "\ue001"
)

// SnippetPart is a piece of a snippet: a match or the text around one.
type SnippetPart struct {
	Text  string
	Match bool
}

// SplitSnippet cuts a snippet marked with HighlightStart/End into parts.
func SplitSnippet(s string) []SnippetPart {
	var parts []SnippetPart
	match := false
	for s != "" {
		mark := HighlightStart
		if match {
			mark = HighlightEnd
		}
		i := strings.Index(s, mark)
		if i < 0 {
			i = len(s)
		}
		if i > 0 {
			parts = append(parts, SnippetPart{Text: s[:i], Match: match})
		}
		s = s[i:]
		if s != "" {
			s = s[len(mark):]
			match = !match
		}
	}
	return parts
}

func snippetText(parts []SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		b.WriteString(p.Text)
	}
	return b.String()
}

func snippetHTML(parts []SnippetPart) string {
	var b strings.Builder
	for _, p := range parts {
		if p.Match {
			b.WriteString("<mark>" + html.EscapeString(p.Text) + "</mark>")
		} else {
			b.WriteString(html.EscapeString(p.Text))
		}
	}
	return b.String()
}

// SearchResponse is the answer of /api/search.
type SearchResponse struct {
	Query SearchParams `json:"query"`
	Total int          `json:"total"`
	// TotalIsLowerBound: there are more than Total hits, which were not
	// counted (a search counts at most Options.MaxTotal, or to the end of
	// the page asked for when that is further).
	TotalIsLowerBound bool    `json:"total_is_lower_bound"`
	Index             string  `json:"index"` // "trigram", "tokens", or "" without search text
	Hits              []Hit   `json:"hits"`
	TookMS            float64 `json:"took_ms"`
}

// Hit is one article found.
type Hit struct {
	ID          int64     `json:"id"`
	Version     int       `json:"version"`
	URL         string    `json:"url"`
	Site        string    `json:"site"`
	Title       string    `json:"title"`
	Published   string    `json:"published"`
	CapturedAt  time.Time `json:"captured_at"`
	State       string    `json:"state"`
	Snippet     string    `json:"snippet"`      // plain text
	SnippetHTML string    `json:"snippet_html"` // HTML-escaped, matches in <mark>
	Rank        float64   `json:"rank"`         // bm25: lower is better; 0 without search text
}

// NewHit converts an archive hit whose snippet was marked with
// HighlightStart/End.
func NewHit(h archive.Hit) Hit {
	parts := SplitSnippet(h.Snippet)
	return Hit{
		ID: h.ArticleID, Version: h.Version, URL: h.URL, Site: h.Site, Title: h.Title, Published: h.Published,
		CapturedAt: h.CapturedAt, State: string(h.State), Snippet: snippetText(parts), SnippetHTML: snippetHTML(parts), Rank: h.Rank,
	}
}

// Article is the answer of /api/articles/{id}: the article, one version
// with its content, and (unless asked not to) its events and captures.
type Article struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url"`
	Site          string    `json:"site"`
	KeyedOn       string    `json:"keyed_on"` // "canonical" or "capture"
	State         string    `json:"state"`
	MovedTo       string    `json:"moved_to,omitempty"`
	FirstSeen     time.Time `json:"first_seen"`
	LastCheckedAt time.Time `json:"last_checked_at"`
	LatestVersion int       `json:"latest_version"`
	Version       Version   `json:"version"`
	Events        []Event   `json:"events,omitempty"`
	Captures      []Capture `json:"captures,omitempty"`
	VersionsURL   string    `json:"versions_url"`
	DiffURL       string    `json:"diff_url,omitempty"`
	ArchivedURL   string    `json:"archived_url,omitempty"` // the sanitised page as captured
	RawCaptureURL string    `json:"raw_url,omitempty"`      // the raw bytes
}

// NewArticle converts an archive article and one of its versions.
func NewArticle(a archive.Article, v archive.Version) Article {
	out := Article{
		ID: a.ID, URL: a.URL, Site: a.Site, KeyedOn: a.KeyedOn, State: string(a.State), MovedTo: a.MovedTo,
		FirstSeen: a.FirstSeen, LastCheckedAt: a.LastChecked, LatestVersion: a.Version, Version: NewVersion(v, true),
		VersionsURL: articlePath(a.ID) + "/versions",
	}
	if a.Version > 1 {
		out.DiffURL = articlePath(a.ID) + "/diff"
	}
	if v.CaptureID != 0 {
		out.ArchivedURL = capturePath(v.CaptureID) + "/archived"
		out.RawCaptureURL = capturePath(v.CaptureID) + "/raw"
	}
	return out
}

func articlePath(id int64) string { return "/api/articles/" + strconv.FormatInt(id, 10) }
func capturePath(id int64) string { return "/captures/" + strconv.FormatInt(id, 10) }

// Version is one distinct content of an article.
type Version struct {
	Version       int              `json:"version"`
	CapturedAt    time.Time        `json:"captured_at"`
	SupersededAt  *time.Time       `json:"superseded_at,omitempty"`
	Changed       []string         `json:"changed"`
	ContentSHA256 string           `json:"content_sha256"`
	PayloadSHA256 string           `json:"payload_sha256,omitempty"`
	CaptureID     int64            `json:"capture_id"`
	RunID         int64            `json:"run_id,omitempty"`
	Title         string           `json:"title"`
	Content       *extract.Article `json:"content,omitempty"`
}

// NewVersion converts an archive version, with its content or without.
func NewVersion(v archive.Version, content bool) Version {
	out := Version{
		Version: v.Version, CapturedAt: v.CapturedAt, Changed: v.Changed, ContentSHA256: v.ContentSHA256,
		PayloadSHA256: v.PayloadSHA256, CaptureID: v.CaptureID, RunID: v.RunID, Title: v.Content.Title,
	}
	if out.Changed == nil {
		out.Changed = []string{}
	}
	if !v.SupersededAt.IsZero() {
		t := v.SupersededAt
		out.SupersededAt = &t
	}
	if content {
		c := v.Content
		out.Content = &c
	}
	return out
}

// Versions is the answer of /api/articles/{id}/versions.
type Versions struct {
	ArticleID int64     `json:"article_id"`
	URL       string    `json:"url"`
	Versions  []Version `json:"versions"`
}

// Event is one thing that happened to an article.
type Event struct {
	Kind       string    `json:"kind"`
	At         time.Time `json:"at"`
	Version    int       `json:"version,omitempty"`
	Changed    []string  `json:"changed,omitempty"`
	Status     int       `json:"status"`
	URL        string    `json:"url"`
	RedirectTo string    `json:"redirect_to,omitempty"`
	CaptureID  int64     `json:"capture_id"`
	RunID      int64     `json:"run_id,omitempty"`
}

// NewEvent converts an archive event.
func NewEvent(e archive.Event) Event {
	return Event{Kind: string(e.Kind), At: e.At, Version: e.Version, Changed: e.Changed, Status: e.Status, URL: e.URL,
		RedirectTo: e.RedirectTo, CaptureID: e.CaptureID, RunID: e.RunID}
}

// Capture is one fetch attempt.
type Capture struct {
	ID            int64     `json:"id"`
	URL           string    `json:"url"`
	StartedAt     time.Time `json:"started_at"`
	DurationMS    float64   `json:"duration_ms"`
	Status        int       `json:"status"` // 0: no response (see error)
	Error         string    `json:"error,omitempty"`
	ContentType   string    `json:"content_type,omitempty"`
	Size          int64     `json:"size"`
	Truncated     bool      `json:"truncated,omitempty"`
	PayloadSHA256 string    `json:"payload_sha256,omitempty"`
	Charset       string    `json:"charset,omitempty"`
	CharsetSource string    `json:"charset_source,omitempty"`
	RedirectTo    string    `json:"redirect_to,omitempty"`
	Event         string    `json:"event,omitempty"`
	Version       int       `json:"version,omitempty"`
	RunID         int64     `json:"run_id,omitempty"`
}

// NewCapture converts an archive capture.
func NewCapture(c archive.CaptureInfo) Capture {
	return Capture{
		ID: c.ID, URL: c.URL, StartedAt: c.StartedAt, DurationMS: float64(c.Duration.Microseconds()) / 1000, Status: c.Status,
		Error: c.Err, ContentType: c.Header.Get("Content-Type"), Size: c.Size, Truncated: c.Truncated, PayloadSHA256: c.PayloadSHA256,
		Charset: c.Charset, CharsetSource: c.CharsetSource, RedirectTo: c.RedirectTo, Event: string(c.Event), Version: c.Version, RunID: c.RunID,
	}
}

// apiError is the body of every API error.
type apiError struct {
	Error  string `json:"error"`
	Status int    `json:"status"`
}

// statusOf maps an error to an HTTP status.
func statusOf(err error) int {
	switch {
	case errors.Is(err, errParam), errors.Is(err, archive.ErrBadQuery):
		return http.StatusBadRequest
	case errors.Is(err, archive.ErrNotFound):
		return http.StatusNotFound
	default:
		return http.StatusInternalServerError
	}
}

func (s *Server) apiSearch(w http.ResponseWriter, r *http.Request) {
	start := time.Now()
	p, err := ParseSearch(r.URL.Query())
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	q := p.Query()
	q.MaxTotal = s.max
	res, err := s.db.Search(r.Context(), q)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := SearchResponse{Query: p, Total: res.Total, TotalIsLowerBound: res.TotalIsLowerBound, Index: res.Index,
		Hits: make([]Hit, 0, len(res.Hits))}
	for _, h := range res.Hits {
		out.Hits = append(out.Hits, NewHit(h))
	}
	out.TookMS = float64(time.Since(start).Microseconds()) / 1000
	s.writeJSON(w, r, out)
}

// articleOf reads the article the path's {id} names.
func (s *Server) articleOf(r *http.Request) (archive.Article, error) {
	id, err := ParseID("id", r.PathValue("id"))
	if err != nil {
		return archive.Article{}, err
	}
	return s.db.ArticleByID(r.Context(), id)
}

// articleVersion reads the article of the path's {id} and the version the
// query string asks for: version=N, as_of=DATE, or the latest.
func (s *Server) articleVersion(r *http.Request) (archive.Article, archive.Version, error) {
	a, err := s.articleOf(r)
	if err != nil {
		return a, archive.Version{}, err
	}
	ctx, id := r.Context(), a.ID
	q := r.URL.Query()
	n, err := versionParam(q, "version")
	if err != nil {
		return a, archive.Version{}, err
	}
	asOf, err := ParseDate(q.Get("as_of"), true)
	if err != nil {
		return a, archive.Version{}, paramError("as_of", "%v", err)
	}
	var v archive.Version
	switch {
	case n != 0 && !asOf.IsZero():
		return a, v, paramError("version", "give version or as_of, not both")
	case !asOf.IsZero():
		v, err = s.db.VersionAsOf(ctx, id, asOf)
	default:
		v, err = s.db.Version(ctx, id, n)
	}
	return a, v, err
}

func (s *Server) apiArticle(w http.ResponseWriter, r *http.Request) {
	a, v, err := s.articleVersion(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := NewArticle(a, v)
	if r.URL.Query().Get("history") != "0" {
		events, err := s.db.Events(r.Context(), a.ID)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		for _, e := range events {
			out.Events = append(out.Events, NewEvent(e))
		}
		captures, err := s.db.ArticleCaptures(r.Context(), a.ID)
		if err != nil {
			s.apiFail(w, r, err)
			return
		}
		for _, c := range captures {
			out.Captures = append(out.Captures, NewCapture(c))
		}
	}
	s.writeJSON(w, r, out)
}

func (s *Server) apiVersions(w http.ResponseWriter, r *http.Request) {
	content := r.URL.Query().Get("content") == "1"
	a, err := s.articleOf(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	vs, err := s.db.Versions(r.Context(), a.ID)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	out := Versions{ArticleID: a.ID, URL: a.URL, Versions: make([]Version, 0, len(vs))}
	for _, v := range vs {
		out.Versions = append(out.Versions, NewVersion(v, content))
	}
	s.writeJSON(w, r, out)
}

// diffRange reads from and to: to defaults to the latest version, from
// to the one before to.
func diffRange(q map[string][]string, latest int) (from, to int, err error) {
	if from, err = versionParam(q, "from"); err != nil {
		return 0, 0, err
	}
	if to, err = versionParam(q, "to"); err != nil {
		return 0, 0, err
	}
	if to == 0 {
		to = latest
	}
	if from == 0 {
		from = max(1, to-1)
	}
	if from > latest || to > latest {
		return 0, 0, fmt.Errorf("%w: the article has %d version(s)", archive.ErrNotFound, latest)
	}
	return from, to, nil
}

func (s *Server) apiDiff(w http.ResponseWriter, r *http.Request) {
	a, err := s.articleOf(r)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	from, to, err := diffRange(r.URL.Query(), a.Version)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	d, err := s.db.Diff(r.Context(), a.ID, from, to)
	if err != nil {
		s.apiFail(w, r, err)
		return
	}
	if d.Fields == nil {
		d.Fields = []archive.FieldDiff{}
	}
	if d.Paragraphs == nil {
		d.Paragraphs = []archive.ParagraphDiff{}
	}
	s.writeJSON(w, r, d)
}
