package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/web"
)

// SearchCommand finds articles in the archive.
type SearchCommand struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Term   termDetector // nil: inspect Stdout
}

// searchHint follows every bad-query message.
const searchHint = `(hint: put phrases in "double quotes", write AND, OR, NOT in capitals between words, close every parenthesis; see 'annals search --help')`

// Run implements command.
func (c *SearchCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals search", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	site := fs.String("site", "", "only articles of this `host` (www. ignored)")
	since := fs.String("since", "", "only articles published on or after `date` (YYYY-MM-DD, or RFC 3339)")
	until := fs.String("until", "", "only articles published on or before `date` (a bare date includes that day)")
	capSince := fs.String("captured-since", "", "only versions captured on or after `date`")
	capUntil := fs.String("captured-until", "", "only versions captured on or before `date`")
	asOf := fs.String("as-of", "", "search the versions live at the end of `date` (or at an RFC 3339 time) instead of the latest")
	state := fs.String("state", "", "only articles that are live, gone or moved (at --as-of when given)")
	limit := fs.Int("limit", archive.DefaultSearchLimit, "show at most `n` results (1 to 1000)")
	offset := fs.Int("offset", 0, "skip the first `n` results (for the next page)")
	format := fs.String("format", formatTable, "output: table, json (one object with the total) or jsonl (one result a line)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals search [flags] [QUERY...]

Finds articles by their title and body, best match first (newest
published first without a query). Words of a QUERY are joined with
spaces. Chinese text of any length matches as a substring: 3 or more
characters through the trigram index, 1 or 2 (通辽, 人大) through the
bigram index; English words match their forms (election, elections).

Query syntax (FTS5's, checked before it runs):
  人大 代表            both (AND is implied)
  "党代会 开幕"         a phrase
  人大 OR 政协          either;  人大 NOT 政协   one without the other
  (人大 OR 政协) 通辽    grouping;  elect*   a prefix
  title:开幕  body:"a phrase"   one field only
AND, OR and NOT are operators only in capitals.

Output: a table of rank, id, publish date, site and title, with the URL
and a snippet (matches highlighted on a terminal, in [brackets]
otherwise) under each row. --format json prints the API's search
response ({"total", "index", "hits": [...]}); jsonl one hit a line.

Examples:
  annals search 人大
  annals search '"第五次代表大会"' --site tl.example.cn --since 2021-01-01
  annals search 'election OR vote' --state gone --format jsonl
  annals search 开幕 --as-of 2021-09-28          # what the archive held then
  annals search --site gov.example.cn --limit 50  # newest articles of a site

Exit status: 0 (also when nothing matches), 1 on failure (no archive,
damaged archive), 2 for bad flags or a query that cannot be understood.

Flags:
`)
		fs.PrintDefaults()
	}
	pos, err := parseArgs(fs, args)
	if err != nil {
		return err
	}
	if err := checkFormat(*format, formatTable, formatJSON, formatJSONL); err != nil {
		return err
	}
	if *limit < 1 || *limit > 1000 {
		return usageError("--limit %d: give 1 to 1000", *limit)
	}
	if *offset < 0 {
		return usageError("--offset %d: give 0 or more", *offset)
	}
	p := searchParams{q: strings.Join(pos, " "), site: *site, since: *since, until: *until, capSince: *capSince,
		capUntil: *capUntil, asOf: *asOf, state: *state}
	q, err := p.query()
	if err != nil {
		return err
	}
	q.Limit, q.Offset = *limit, *offset
	q.HighlightStart, q.HighlightEnd = web.HighlightStart, web.HighlightEnd

	db, err := openArchive(ctx, *dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	res, err := db.Search(ctx, q)
	if errors.Is(err, archive.ErrBadQuery) {
		// One line, without the "usage:" prefix: the query is the problem.
		return &exitError{code: exitUsage, err: fmt.Errorf("%v %s", err, searchHint)}
	}
	if err != nil {
		return err
	}
	switch *format {
	case formatJSON:
		out := web.SearchResponse{Total: res.Total, Index: res.Index, Hits: make([]web.Hit, 0, len(res.Hits)),
			Query: web.SearchParams{Q: q.Text, Site: q.Site, Since: *since, Until: *until, CapturedSince: *capSince,
				CapturedUntil: *capUntil, AsOf: *asOf, State: *state, Limit: q.Limit, Offset: q.Offset}}
		for _, h := range res.Hits {
			out.Hits = append(out.Hits, web.NewHit(h))
		}
		return writeJSON(c.Stdout, formatJSON, out)
	case formatJSONL:
		for _, h := range res.Hits {
			if err := writeJSON(c.Stdout, formatJSONL, web.NewHit(h)); err != nil {
				return err
			}
		}
		return nil
	}
	return c.table(res, q)
}

// table prints hits as a table with the URL and snippet under each row,
// then a line with the count.
func (c *SearchCommand) table(res archive.Results, q archive.Query) error {
	t := c.Term.detect(c.Stdout, c.Getenv)
	if len(res.Hits) == 0 {
		msg := "no results"
		if res.Total > 0 {
			msg = fmt.Sprintf("no results past --offset %d (%d in all)", q.Offset, res.Total)
		}
		_, err := fmt.Fprintln(c.Stdout, msg)
		return err
	}
	tb := &table{
		cols: []column{
			{title: "#", right: true},
			{title: "ID", right: true},
			{title: "PUBLISHED", min: 10, max: 10},
			{title: "SITE", min: 8, max: 28, optional: true},
			{title: "STATE", optional: true},
			{title: "TITLE", min: 10, flex: true},
		},
		noteCol: 2,
	}
	for i, h := range res.Hits {
		tb.add(strconv.Itoa(q.Offset+i+1), strconv.FormatInt(h.ArticleID, 10), dateOf(h.Published), h.Site, string(h.State), h.Title)
		tb.style(5, ansiBold)
		switch h.State {
		case archive.StateGone:
			tb.style(4, ansiRed)
		case archive.StateMoved:
			tb.style(4, ansiYellow)
		}
		tb.note(span{text: h.URL, style: ansiCyan})
		if h.Snippet != "" {
			tb.note(snippetSpans(h.Snippet, t)...)
		}
	}
	if err := tb.render(c.Stdout, t); err != nil {
		return err
	}
	summary := fmt.Sprintf("%d–%d of %d results", q.Offset+1, q.Offset+len(res.Hits), res.Total)
	if q.Offset+len(res.Hits) < res.Total {
		summary += fmt.Sprintf("; --offset %d for more", q.Offset+len(res.Hits))
	}
	_, err := fmt.Fprintln(c.Stdout, t.paint(ansiDim, summary))
	return err
}

// snippetSpans styles a snippet's matches: highlighted on a terminal,
// in [brackets] otherwise.
func snippetSpans(s string, t terminal) []span {
	var out []span
	for _, p := range web.SplitSnippet(stripControls(s)) {
		switch {
		case !p.Match:
			out = append(out, span{text: p.Text})
		case t.color:
			out = append(out, span{text: p.Text, style: ansiBold + ansiYellow})
		default:
			out = append(out, span{text: "[" + p.Text + "]"})
		}
	}
	return out
}

// searchParams are the filter flags of search, checked into a Query.
type searchParams struct {
	q, site, since, until, capSince, capUntil, asOf, state string
}

func (p searchParams) query() (archive.Query, error) {
	q := archive.Query{Text: p.q}
	if p.site != "" {
		s, err := web.ParseSite(p.site)
		if err != nil {
			return q, usageError("--site: %v", err)
		}
		q.Site = s
	}
	for _, d := range []struct {
		flag     string
		s        string
		dst      *time.Time
		endOfDay bool
	}{
		{"since", p.since, &q.PublishedFrom, false},
		{"until", p.until, &q.PublishedTo, true},
		{"captured-since", p.capSince, &q.CapturedFrom, false},
		{"captured-until", p.capUntil, &q.CapturedTo, true},
		{"as-of", p.asOf, &q.AsOf, true},
	} {
		t, err := parseDate(d.s, d.endOfDay)
		if err != nil {
			return q, usageError("--%s: %v", d.flag, err)
		}
		*d.dst = t
	}
	if !q.PublishedFrom.IsZero() && !q.PublishedTo.IsZero() && !q.PublishedTo.After(q.PublishedFrom) {
		return q, usageError("--until %s is not after --since %s", p.until, p.since)
	}
	switch archive.State(p.state) {
	case "", archive.StateLive, archive.StateGone, archive.StateMoved:
		q.State = archive.State(p.state)
	default:
		return q, usageError("--state %q: use live, gone or moved", p.state)
	}
	return q, nil
}
