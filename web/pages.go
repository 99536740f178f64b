package web

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"html"
	"html/template"
	"io/fs"
	"net/http"
	"net/url"
	"path"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
)

// parsePages parses each page template together with the layout.
func parsePages() (map[string]*template.Template, error) {
	funcs := template.FuncMap{
		"time":     fmtTime,
		"date":     func(t time.Time) string { return fmtTimeLayout(t, "2006-01-02") },
		"short":    shortSum,
		"snippet":  func(s string) template.HTML { return template.HTML(s) }, // Hit.SnippetHTML: escaped by snippetHTML
		"bylines":  archive.FormatBylines,
		"join":     strings.Join,
		"paras":    paragraphs,
		"add":      func(a, b int) int { return a + b },
		"bytes":    fmtBytes,
		"ops":      renderOps,
		"statecls": func(s any) string { return "state-" + fmt.Sprint(s) },
	}
	layout, err := template.New("layout.html").Funcs(funcs).ParseFS(templateFiles, "templates/layout.html")
	if err != nil {
		return nil, fmt.Errorf("parse layout: %w", err)
	}
	names, err := fs.Glob(templateFiles, "templates/*.html")
	if err != nil {
		return nil, err
	}
	pages := map[string]*template.Template{}
	for _, n := range names {
		base := strings.TrimSuffix(path.Base(n), ".html")
		if base == "layout" {
			continue
		}
		t, err := layout.Clone()
		if err != nil {
			return nil, err
		}
		if _, err := t.ParseFS(templateFiles, n); err != nil {
			return nil, fmt.Errorf("parse %s: %w", n, err)
		}
		pages[base] = t
	}
	return pages, nil
}

// page is what the layout needs besides the page's own data.
type page struct {
	Title string
	Name  string // the archive's name
	Q     string // the search box's text
	Data  any
}

// render executes a page into a buffer first, so that a template error
// becomes a clean 500 rather than half a page.
func (s *Server) render(w http.ResponseWriter, r *http.Request, status int, name string, data any) {
	t, ok := s.pages[name]
	if !ok {
		http.Error(w, "no template "+name, http.StatusInternalServerError)
		return
	}
	p := page{Name: s.name, Data: data}
	switch d := data.(type) {
	case searchView:
		p.Title, p.Q = "Search", d.P.Q
		if d.P.Q != "" {
			p.Title = d.P.Q + " — search"
		}
	case articleView:
		p.Title = d.V.Content.Title
	case captureView:
		p.Title = "Capture " + strconv.FormatInt(d.C.ID, 10)
	case errorView:
		p.Title = d.StatusText
	case loginView:
		p.Title = "Token"
	}
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout.html", p); err != nil {
		s.log.Error("render page", "page", name, "err", err)
		http.Error(w, "internal error rendering the page", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	w.Write(buf.Bytes())
}

func fmtTime(t time.Time) string { return fmtTimeLayout(t, "2006-01-02 15:04:05 UTC") }

func fmtTimeLayout(t time.Time, layout string) string {
	if t.IsZero() {
		return ""
	}
	return t.UTC().Format(layout)
}

func shortSum(s string) string {
	if len(s) > 12 {
		return s[:12]
	}
	return s
}

func fmtBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MiB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.1f KiB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d B", n)
}

func paragraphs(body string) []string {
	var out []string
	for _, p := range strings.Split(body, "\n\n") {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// renderOps renders a character-level diff as escaped HTML: side "old"
// shows kept and removed text, "new" kept and added text, "both" all.
func renderOps(ops []archive.TextOp, side string) template.HTML {
	var b strings.Builder
	for _, op := range ops {
		t := html.EscapeString(op.Text)
		switch {
		case op.Op == archive.OpEqual:
			b.WriteString(t)
		case op.Op == archive.OpDelete && side != "new":
			b.WriteString("<del>" + t + "</del>")
		case op.Op == archive.OpInsert && side != "old":
			b.WriteString("<ins>" + t + "</ins>")
		}
	}
	return template.HTML(b.String())
}

// facetLink is one choice of a filter with its count.
type facetLink struct {
	Label  string
	Count  int
	URL    string
	Active bool
}

type searchView struct {
	P          SearchParams
	Err        string
	Hint       string
	Total      int
	Index      string
	Hits       []Hit
	First      int
	Last       int
	Prev, Next string
	States     []facetLink
	SiteLinks  []facetLink
	Sites      []archive.SiteCount
	ExportCSV  string
	ExportJSON string
	AllURL     string
}

// searchHint explains the search syntax after a bad query.
const searchHint = `Put phrases in "double quotes"; write AND, OR and NOT in capitals between words; close every parenthesis; limit a word to a field with title: or body:.`

func (s *Server) searchPage(w http.ResponseWriter, r *http.Request) {
	ctx := r.Context()
	p, perr := ParseSearch(r.URL.Query())
	v := searchView{P: p}
	sites, err := s.sites(ctx)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	v.Sites = sites[:min(len(sites), 200)]
	if perr != nil {
		v.Err = perr.Error()
		s.render(w, r, statusOf(perr), "search", v)
		return
	}
	// The counts by state and site are other queries as long as the
	// search itself: run them at the same time.
	var facets archive.Facets
	var ferr error
	done := make(chan struct{})
	go func() {
		defer close(done)
		facets, ferr = s.db.SearchFacets(ctx, p.Query(), 8)
	}()
	q := p.Query()
	q.MaxTotal = s.max
	res, err := s.db.Search(ctx, q)
	<-done
	if err != nil {
		v.Err = err.Error()
		if errors.Is(err, archive.ErrBadQuery) {
			v.Hint = searchHint
		}
		s.render(w, r, statusOf(err), "search", v)
		return
	}
	if ferr != nil {
		s.fail(w, r, statusOf(ferr), ferr)
		return
	}
	all := 0 // hits in any state
	for _, n := range facets.States {
		all += n
	}
	// Search counts at most s.max hits; the facets counted them all.
	v.Total, v.Index = res.Total, res.Index
	if res.TotalIsLowerBound {
		v.Total = all
		if p.State != "" {
			v.Total = facets.States[archive.State(p.State)]
		}
	}
	for _, h := range res.Hits {
		v.Hits = append(v.Hits, NewHit(h))
	}
	if len(v.Hits) > 0 {
		v.First, v.Last = p.Offset+1, p.Offset+len(v.Hits)
	}
	link := func(change func(*SearchParams)) string {
		q := p
		q.Offset = 0
		change(&q)
		return "/?" + q.Values().Encode()
	}
	if p.Offset > 0 {
		v.Prev = link(func(q *SearchParams) { q.Offset = max(0, p.Offset-p.Limit) })
	}
	if p.Offset+len(v.Hits) < v.Total && p.Offset+p.Limit <= MaxOffset {
		v.Next = link(func(q *SearchParams) { q.Offset = p.Offset + p.Limit })
	}
	for _, st := range []archive.State{archive.StateLive, archive.StateGone, archive.StateMoved} {
		v.States = append(v.States, facetLink{Label: string(st), Count: facets.States[st], Active: p.State == string(st),
			URL: link(func(q *SearchParams) { q.State = string(st) })})
	}
	v.States = append([]facetLink{{Label: "any state", Count: all, Active: p.State == "",
		URL: link(func(q *SearchParams) { q.State = "" })}}, v.States...)
	for _, f := range facets.Sites {
		v.SiteLinks = append(v.SiteLinks, facetLink{Label: f.Site, Count: f.Articles, Active: p.Site == f.Site,
			URL: link(func(q *SearchParams) { q.Site = f.Site })})
	}
	if p.Site != "" {
		v.AllURL = link(func(q *SearchParams) { q.Site = "" })
	}
	exp := p.Values()
	exp.Del("limit")
	exp.Del("offset")
	exp.Set("format", "csv")
	v.ExportCSV = "/export?" + exp.Encode()
	exp.Set("format", "json")
	v.ExportJSON = "/export?" + exp.Encode()
	s.render(w, r, http.StatusOK, "search", v)
}

// sitesTTL is how long the site menu's counts are reused: counting every
// article's site takes a while in a large archive, and a crawl adding
// articles meanwhile changes little.
const sitesTTL = 30 * time.Second

// sites returns the archive's sites, from a cache refreshed every
// sitesTTL.
func (s *Server) sites(ctx context.Context) ([]archive.SiteCount, error) {
	s.siteMu.Lock()
	defer s.siteMu.Unlock()
	if s.siteList != nil && time.Since(s.siteAt) < sitesTTL {
		return s.siteList, nil
	}
	list, err := s.db.Sites(ctx)
	if err != nil {
		return nil, err
	}
	if list == nil {
		list = []archive.SiteCount{}
	}
	s.siteList, s.siteAt = list, time.Now()
	return list, nil
}

// timelineItem is one line of an article's history.
type timelineItem struct {
	At      time.Time
	Kind    string
	Version int
	URL     string // to show that version
	Current bool
	Detail  string
	Count   int // unchanged checks folded into this line
	Until   time.Time
}

type articleView struct {
	A           archive.Article
	V           archive.Version
	Versions    []archive.Version
	Timeline    []timelineItem
	Captures    []archive.CaptureInfo
	AllCaptures string // link to show every capture, when some are hidden
	Hidden      int
	Diff        *diffView
	JSONURL     string
	Paragraphs  []string
	Images      []extract.Image
}

// diffView is a diff between two versions, laid out for the page.
type diffView struct {
	ID                 int64
	From, To           int
	FromTime           time.Time
	ToTime             time.Time
	Mode               string // "inline" or "side"
	Fields             []archive.FieldDiff
	Rows               []DiffRow
	Same               bool
	Versions           []int
	InlineURL, SideURL string
}

// maxCapturesShown bounds the captures table unless all are asked for.
const maxCapturesShown = 50

func (s *Server) articlePage(w http.ResponseWriter, r *http.Request) {
	a, err := s.articleOf(r)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	ctx, id, q := r.Context(), a.ID, r.URL.Query()
	n, err := versionParam(q, "v")
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	versions, err := s.db.Versions(ctx, id)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	if n == 0 {
		n = a.Version
	}
	if n < 1 || n > len(versions) {
		err := fmt.Errorf("version %d of article %d: %w", n, id, archive.ErrNotFound)
		s.fail(w, r, statusOf(err), err)
		return
	}
	v := versions[n-1]
	events, err := s.db.Events(ctx, id)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	captures, err := s.db.ArticleCaptures(ctx, id)
	if err != nil {
		s.fail(w, r, statusOf(err), err)
		return
	}
	view := articleView{A: a, V: v, Versions: versions, JSONURL: articlePath(id) + "?version=" + strconv.Itoa(n),
		Paragraphs: paragraphs(v.Content.Body), Images: v.Content.Images}
	view.Timeline = timeline(events, id, n)
	if len(captures) > maxCapturesShown && q.Get("captures") != "all" {
		view.Hidden = len(captures) - maxCapturesShown
		captures = captures[len(captures)-maxCapturesShown:]
		all := cloneValues(q)
		all.Set("captures", "all")
		view.AllCaptures = "?" + all.Encode() + "#captures"
	}
	// Newest capture first.
	for i := len(captures) - 1; i >= 0; i-- {
		view.Captures = append(view.Captures, captures[i])
	}
	if len(versions) > 1 {
		from, to, err := diffRange(q, len(versions))
		if err != nil {
			s.fail(w, r, statusOf(err), err)
			return
		}
		// Every version's content is in hand: diff them here rather than
		// have the archive read the two again.
		vFrom, vTo := &versions[from-1], &versions[to-1]
		d := archive.DiffContent(&vFrom.Content, &vTo.Content)
		mode := q.Get("view")
		if mode != "side" {
			mode = "inline"
		}
		dv := &diffView{ID: id, From: from, To: to, FromTime: vFrom.CapturedAt, ToTime: vTo.CapturedAt, Mode: mode, Rows: DiffRows(d), Same: true}
		for _, f := range d.Fields {
			if f.Changed {
				dv.Fields = append(dv.Fields, f)
				dv.Same = false
			}
		}
		for _, row := range dv.Rows {
			if row.Kind != RowEqual {
				dv.Same = false
			}
		}
		for i := range versions {
			dv.Versions = append(dv.Versions, i+1)
		}
		for _, m := range []string{"inline", "side"} {
			u := cloneValues(q)
			u.Set("from", strconv.Itoa(from))
			u.Set("to", strconv.Itoa(to))
			u.Set("view", m)
			if m == "inline" {
				dv.InlineURL = "?" + u.Encode() + "#diff"
			} else {
				dv.SideURL = "?" + u.Encode() + "#diff"
			}
		}
		view.Diff = dv
	}
	s.render(w, r, http.StatusOK, "article", view)
}

func cloneValues(v url.Values) url.Values {
	out := url.Values{}
	for k, vs := range v {
		out[k] = append([]string(nil), vs...)
	}
	return out
}

// timeline turns events into the lines of an article's history, folding
// runs of unchanged checks into one line.
func timeline(events []archive.Event, id int64, current int) []timelineItem {
	var out []timelineItem
	for _, e := range events {
		it := timelineItem{At: e.At, Kind: string(e.Kind), Version: e.Version}
		switch e.Kind {
		case archive.EventUnchanged:
			if n := len(out); n > 0 && out[n-1].Kind == string(archive.EventUnchanged) {
				out[n-1].Count++
				out[n-1].Until = e.At
				continue
			}
			it.Count = 1
		case archive.EventChanged, archive.EventRestored:
			if len(e.Changed) > 0 {
				it.Detail = "changed: " + strings.Join(e.Changed, ", ")
			}
		case archive.EventGone:
			it.Detail = fmt.Sprintf("HTTP %d", e.Status)
			if e.RedirectTo != "" {
				it.Detail += " → " + e.RedirectTo
			}
		case archive.EventMoved:
			it.Detail = "→ " + e.RedirectTo
		case archive.EventFirstSeen:
			it.Detail = e.URL
		}
		if e.Version > 0 && (e.Kind == archive.EventFirstSeen || e.Kind == archive.EventChanged || e.Kind == archive.EventRestored) {
			it.URL = fmt.Sprintf("/articles/%d?v=%d", id, e.Version)
			it.Current = e.Version == current
		}
		out = append(out, it)
	}
	return out
}

type captureView struct {
	C           archive.CaptureInfo
	ContentType string
	Headers     []headerLine
	Article     *archive.Article
}

type headerLine struct{ Name, Value string }

func (s *Server) capturePage(w http.ResponseWriter, r *http.Request) {
	c, ok := s.captureOf(w, r)
	if !ok {
		return
	}
	v := captureView{C: c, ContentType: c.Header.Get("Content-Type")}
	for name, vals := range c.Header {
		for _, val := range vals {
			v.Headers = append(v.Headers, headerLine{name, val})
		}
	}
	slices.SortStableFunc(v.Headers, func(a, b headerLine) int { return strings.Compare(a.Name, b.Name) })
	if c.ArticleID != 0 {
		if a, err := s.db.ArticleByID(r.Context(), c.ArticleID); err == nil {
			v.Article = &a
		}
	}
	s.render(w, r, http.StatusOK, "capture", v)
}
