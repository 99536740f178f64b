package archive

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Query asks Search for articles. Zero fields do not filter.
type Query struct {
	// Text is the search text (see the syntax in the README); empty lists
	// the articles that pass the filters, newest published first.
	Text string
	// Site keeps articles of one host ("www." ignored).
	Site string
	// PublishedFrom/To keep articles published in [From, To).
	PublishedFrom, PublishedTo time.Time
	// CapturedFrom/To keep articles whose shown version was captured in
	// [From, To).
	CapturedFrom, CapturedTo time.Time
	// State keeps articles in that state (at AsOf when given).
	State State
	// AsOf searches the versions live at that moment instead of the latest.
	AsOf time.Time
	// Limit and Offset page through the hits (Limit 0: 20).
	Limit, Offset int
	// MaxTotal bounds the counting of hits: when there are more than
	// MaxTotal (and than Offset+Limit), Results.Total is that bound and
	// Results.TotalIsLowerBound is set. 0 counts every hit. Counting
	// tens of thousands of hits costs a good part of a search.
	MaxTotal int
	// HighlightStart and HighlightEnd surround matches in snippets
	// (defaults "<mark>" and "</mark>").
	HighlightStart, HighlightEnd string
}

// Hit is one article found.
type Hit struct {
	ArticleID  int64
	VersionID  int64
	Version    int
	URL        string
	Site       string
	Title      string
	Published  string
	CapturedAt time.Time // of the version shown
	State      State     // now, or at AsOf
	Snippet    string
	Rank       float64 // lower is better (bm25)
}

// Results is a page of hits and how many there are in all.
type Results struct {
	Hits  []Hit
	Total int
	// TotalIsLowerBound says that there are more than Total hits, which
	// Query.MaxTotal kept from being counted.
	TotalIsLowerBound bool
	Index             string // which index answered: "trigram", "tokens", or "" without text
}

// DefaultSearchLimit is the page size when Query.Limit is 0.
const DefaultSearchLimit = 20

// Search finds articles. Text of three or more Chinese characters is
// looked up in the trigram index (exact substrings); shorter Chinese text
// and words in the token index (bigrams, stemmed words, bm25 ranking).
// Errors in the text wrap ErrBadQuery.
func (db *DB) Search(ctx context.Context, q Query) (Results, error) {
	if q.Limit <= 0 {
		q.Limit = DefaultSearchLimit
	}
	if q.Offset < 0 {
		q.Offset = 0
	}
	if q.HighlightStart == "" && q.HighlightEnd == "" {
		q.HighlightStart, q.HighlightEnd = "<mark>", "</mark>"
	}
	sp, err := planSearch(q)
	if err != nil {
		return Results{}, err
	}
	if sp.index != "" {
		db.awaitIndex(ctx)
	}
	res := Results{Index: sp.index}
	// The total and the page are two queries: counting needs no rank, and
	// ranking with LIMIT keeps only a page in its sorter. (One pass with
	// count(*) OVER (), or over a materialised CTE, must store every
	// match: slower than both. Running both at once on two connections
	// is slower too when another process holds a core.) The wide rows
	// are read for the page only.
	count, args := "SELECT count(*) FROM "+sp.from+" WHERE "+sp.where, sp.args
	bound := 0
	if q.MaxTotal > 0 {
		// Count one more than the bound, to know whether there are more.
		bound = max(q.MaxTotal, q.Offset+q.Limit)
		count = "SELECT count(*) FROM (SELECT 1 FROM " + sp.from + " WHERE " + sp.where + " LIMIT ?)"
		args = append(slices.Clip(args), bound+1)
	}
	if err := db.read.QueryRowContext(ctx, count, args...).Scan(&res.Total); err != nil {
		return Results{}, searchError(err)
	}
	if bound > 0 && res.Total > bound {
		res.Total, res.TotalIsLowerBound = bound, true
	}
	if res.Total == 0 || q.Offset >= res.Total {
		return res, nil
	}
	ids, ranks, err := db.searchPage(ctx, sp, q.Limit, q.Offset)
	if err != nil {
		return Results{}, err
	}
	if len(ids) == 0 {
		return res, nil
	}
	stateCol := "a.state"
	if !q.AsOf.IsZero() {
		stateCol = stateAt(q.AsOf, "a.id")
	}
	drows, err := db.read.QueryContext(ctx, "SELECT v.id, a.id, v.version, u.url, u.host, v.title, v.published, v.captured_ms, "+
		stateCol+" FROM versions v JOIN articles a ON a.id = v.article_id JOIN urls u ON u.id = a.url_id WHERE v.id IN ("+
		idList(ids)+")")
	if err != nil {
		return Results{}, searchError(err)
	}
	defer drows.Close()
	byID := map[int64]Hit{}
	for drows.Next() {
		var h Hit
		var captured int64
		var state string
		if err := drows.Scan(&h.VersionID, &h.ArticleID, &h.Version, &h.URL, &h.Site, &h.Title, &h.Published, &captured, &state); err != nil {
			return Results{}, searchError(err)
		}
		h.CapturedAt, h.State, h.Rank = fromMS(captured), State(state), ranks[h.VersionID]
		byID[h.VersionID] = h
	}
	if err := drows.Err(); err != nil {
		return Results{}, searchError(err)
	}
	for _, id := range ids {
		res.Hits = append(res.Hits, byID[id])
	}
	if err := db.snippets(ctx, res.Hits, sp.node, sp.index, sp.match, q); err != nil {
		return Results{}, err
	}
	return res, nil
}

// searchPage returns the version ids of a page of the plan's hits, in
// order, and their ranks.
func (db *DB) searchPage(ctx context.Context, sp searchPlan, limit, offset int) ([]int64, map[int64]float64, error) {
	rows, err := db.read.QueryContext(ctx, "SELECT d.version_id, "+sp.rank+" AS rank FROM "+sp.from+" WHERE "+sp.where+
		" ORDER BY "+sp.orderBy("rank")+" LIMIT ? OFFSET ?", append(sp.args, limit, offset)...)
	if err != nil {
		return nil, nil, searchError(err)
	}
	defer rows.Close()
	var ids []int64
	ranks := map[int64]float64{}
	for rows.Next() {
		var id int64
		var r float64
		if err := rows.Scan(&id, &r); err != nil {
			return nil, nil, searchError(err)
		}
		ids, ranks[id] = append(ids, id), r
	}
	if err := rows.Err(); err != nil {
		return nil, nil, searchError(err)
	}
	return ids, ranks, nil
}

// idList writes ids as an SQL list (integers only: no user text).
func idList(ids []int64) string {
	s := make([]string, len(ids))
	for i, id := range ids {
		s[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(s, ",")
}

// searchPlan is the SQL of a search: its hits are the rows of from
// (search_docs aliased d, joined to the full-text index f when there is
// text) that satisfy where.
type searchPlan struct {
	node        *qnode // the parsed text; nil without text
	index       string // IndexTrigram, IndexTokens, or "" without text
	match       string // the MATCH expression
	from, where string
	args        []any
	rank        string // the rank of a hit: bm25, or 0 without text
}

// orderBy is the order of the hits, best first, given the SQL of their
// rank (its expression, or the alias of its column). Without text:
// newest published first, unknown publish times last (SQLite sorts NULL
// lowest), which is search_docs_latest's order read backwards, so that a
// listing reads only the page's entries of that index.
func (sp searchPlan) orderBy(rank string) string {
	if sp.index == "" {
		return "d.published_ms DESC, d.version_id DESC"
	}
	return rank + ", d.version_id"
}

// planSearch parses q's text, picks the index and builds the SQL that
// finds q's hits.
func planSearch(q Query) (searchPlan, error) {
	var sp searchPlan
	var err error
	if sp.node, sp.index, sp.match, err = parseText(q.Text); err != nil {
		return sp, err
	}
	where, args := searchFilter(q)
	sp.from, sp.rank = "search_docs d", "0.0"
	if sp.index != "" {
		table := "fts_" + sp.index
		sp.from = table + " f JOIN search_docs d ON d.version_id = f.rowid"
		where = append([]string{table + " MATCH ?"}, where...)
		args = append([]any{sp.match}, args...)
		sp.rank = "bm25(" + table + ", 10.0, 1.0)"
	}
	sp.where, sp.args = strings.Join(where, " AND "), args
	return sp, nil
}

// parseText parses search text and picks the full-text index that answers
// it and its MATCH expression; blank text gives a nil node and no index.
func parseText(text string) (node *qnode, index, match string, err error) {
	if strings.TrimSpace(text) == "" {
		return nil, "", "", nil
	}
	if node, err = parseQuery(text); err != nil {
		return nil, "", "", err
	}
	index = route(node)
	if match, err = render(node, index); err != nil {
		return nil, "", "", err
	}
	return node, index, match, nil
}

// stateAtSQL is the SQL for the state at the moment :asof of the article
// whose id is :article, which stateAt replaces by an integer and a column
// (never by user text).
const stateAtSQL = `coalesce((SELECT CASE s.event WHEN 'gone' THEN 'gone' WHEN 'moved' THEN 'moved' ELSE 'live' END
	FROM captures s WHERE s.article_id = :article AND s.event IN ('first_seen', 'gone', 'moved', 'restored')
	AND s.started_ms <= :asof ORDER BY s.started_ms DESC LIMIT 1), 'live')`

func stateAt(t time.Time, article string) string {
	return strings.NewReplacer(":asof", strconv.FormatInt(t.UnixMilli(), 10), ":article", article).Replace(stateAtSQL)
}

// searchFilter returns the conditions and arguments of q's filters, for a
// query whose search_docs are aliased d: they read no other table but the
// captures of a state "as of" a date.
func searchFilter(q Query) ([]string, []any) {
	var f conds
	if q.AsOf.IsZero() {
		f.add("d.superseded_ms IS NULL")
	} else {
		f.add("d.captured_ms <= ? AND (d.superseded_ms IS NULL OR d.superseded_ms > ?)", q.AsOf.UnixMilli(), q.AsOf.UnixMilli())
	}
	if q.Site != "" {
		f.add("d.site IN (?, ?)", siteHosts(q.Site)...)
	}
	f.time("d.published_ms >= ?", q.PublishedFrom)
	f.time("d.published_ms < ?", q.PublishedTo)
	f.time("d.captured_ms >= ?", q.CapturedFrom)
	f.time("d.captured_ms < ?", q.CapturedTo)
	if q.State != "" {
		if q.AsOf.IsZero() {
			// The latest version's row holds its article's state (schema 5).
			f.add("d.state = ?", string(q.State))
		} else {
			f.add(stateAt(q.AsOf, "d.article_id")+" = ?", string(q.State))
		}
	}
	return f.where, f.args
}

// conds collects the conditions of a WHERE clause and their arguments.
type conds struct {
	where []string
	args  []any
}

func (c *conds) add(cond string, args ...any) {
	c.where = append(c.where, cond)
	c.args = append(c.args, args...)
}

// time adds cond with t in milliseconds, unless t is zero.
func (c *conds) time(cond string, t time.Time) {
	if !t.IsZero() {
		c.add(cond, t.UnixMilli())
	}
}

// searchError turns an SQLite error about the search text into
// ErrBadQuery (the parser should have caught it) and wraps the rest.
func searchError(err error) error {
	if errors.Is(err, context.Canceled) || errors.Is(err, context.DeadlineExceeded) {
		return err
	}
	if s := err.Error(); strings.Contains(s, "fts5") || strings.Contains(s, "MATCH") {
		return fmt.Errorf("%w: the search index cannot run this query", ErrBadQuery)
	}
	return fmt.Errorf("search: %w", err)
}

// snippetRunes is the length of a snippet in characters.
const snippetRunes = 90

// snippets fills each hit's snippet: FTS5's snippet() for the trigram
// index, a window around the first match computed here for the token
// index (whose stored text is tokens, not prose), the body's start when
// there is no search text.
func (db *DB) snippets(ctx context.Context, hits []Hit, node *qnode, index, match string, q Query) error {
	if len(hits) == 0 {
		return nil
	}
	if index == IndexTrigram {
		ids := make([]int64, len(hits))
		pos := map[int64]int{}
		for i, h := range hits {
			ids[i] = h.VersionID
			pos[h.VersionID] = i
		}
		rows, err := db.read.QueryContext(ctx, `SELECT rowid, snippet(fts_trigram, -1, ?, ?, '…', 40) FROM fts_trigram
			WHERE fts_trigram MATCH ? AND rowid IN (`+idList(ids)+`)`, q.HighlightStart, q.HighlightEnd, match)
		if err != nil {
			return searchError(err)
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var s string
			if err := rows.Scan(&id, &s); err != nil {
				return searchError(err)
			}
			hits[pos[id]].Snippet = s
		}
		return rows.Err()
	}
	var terms []string
	if node != nil {
		for _, l := range node.leaves(true) {
			terms = append(terms, l.text)
		}
	}
	for i := range hits {
		var body string
		if err := db.read.QueryRowContext(ctx, `SELECT body FROM versions WHERE id = ?`, hits[i].VersionID).Scan(&body); err != nil {
			return fmt.Errorf("search: read version %d: %w", hits[i].VersionID, err)
		}
		s, ok := makeSnippet(body, terms, q.HighlightStart, q.HighlightEnd)
		if !ok {
			if t, ok := makeSnippet(hits[i].Title, terms, q.HighlightStart, q.HighlightEnd); ok {
				s = t
			}
		}
		hits[i].Snippet = s
	}
	return nil
}

// span is a match in a text, in rune offsets.
type span struct{ start, end int }

// makeSnippet cuts a window of text around the first match of terms and
// marks every match inside it. Chinese terms match as substrings; words
// match words that begin with them (less a plural or verb ending, since
// the index stems words). ok is false when nothing matched.
func makeSnippet(text string, terms []string, open, close string) (string, bool) {
	rs := []rune(strings.Join(strings.Fields(text), " "))
	// Terms are folded (NFKC) and so is the text they are looked for in;
	// the snippet shows the text as it is.
	folded, from, to := foldRunes(rs)
	var spans []span
	for _, t := range terms {
		for _, tok := range queryTokens(t) {
			for _, sp := range findToken(folded, []rune(strings.ToLower(tok.text))) {
				spans = append(spans, span{from[sp.start], to[sp.end-1]})
			}
		}
	}
	if len(spans) == 0 {
		return window(rs, 0, snippetRunes), false
	}
	first := spans[0]
	for _, s := range spans {
		if s.start < first.start {
			first = s
		}
	}
	start := max(0, first.start-snippetRunes/4)
	end := min(len(rs), start+snippetRunes)
	covered := make([]bool, end-start)
	for _, s := range spans {
		for i := max(s.start, start); i < min(s.end, end); i++ {
			covered[i-start] = true
		}
	}
	var b strings.Builder
	if start > 0 {
		b.WriteString("…")
	}
	in := false
	for i := start; i < end; i++ {
		if c := covered[i-start]; c != in {
			if c {
				b.WriteString(open)
			} else {
				b.WriteString(close)
			}
			in = c
		}
		b.WriteRune(rs[i])
	}
	if in {
		b.WriteString(close)
	}
	if end < len(rs) {
		b.WriteString("…")
	}
	return b.String(), true
}

// foldRunes returns rs folded as the index folds text (NFKC, lower case),
// and for each folded rune the span [from, to) of rs it comes from.
func foldRunes(rs []rune) (folded []rune, from, to []int) {
	s := string(rs)
	runeAt := make([]int, len(s)+1) // byte offset → rune index
	i := 0
	for off := range s {
		runeAt[off] = i
		i++
	}
	runeAt[len(s)] = len(rs)
	var it norm.Iter
	it.InitString(norm.NFKC, s)
	for !it.Done() {
		a := runeAt[it.Pos()]
		seg := it.Next()
		b := runeAt[it.Pos()]
		for _, r := range string(seg) {
			folded = append(folded, unicode.ToLower(r))
			from, to = append(from, a), append(to, b)
		}
	}
	return folded, from, to
}

// findToken finds a query token in text: a CJK token as a substring, a
// word at the start of words (a stem: "elections" is found by "election").
func findToken(text, tok []rune) []span {
	if len(tok) == 0 {
		return nil
	}
	cjk := isCJK(tok[0])
	stem := tok
	if !cjk {
		stem = []rune(wordStem(string(tok)))
	}
	var out []span
	for i := 0; i+len(stem) <= len(text); i++ {
		if !cjk && i > 0 && inWord(text[i-1]) {
			continue
		}
		if !equalRunes(text[i:i+len(stem)], stem) {
			continue
		}
		end := i + len(stem)
		if !cjk {
			for end < len(text) && inWord(text[end]) {
				end++
			}
			if end-i > len(tok)+4 { // "elect" must not light up "electricity"
				continue
			}
		}
		out = append(out, span{i, end})
		i = end - 1
	}
	return out
}

// inWord reports whether r continues a word of a spaced script; Chinese
// characters next to a word bound it, as the tokeniser splits them.
func inWord(r rune) bool { return isWordRune(r) && !isCJK(r) }

// wordStem strips a common English ending so that forms of one word meet.
func wordStem(w string) string {
	for _, suf := range []string{"ations", "ation", "ings", "ing", "ies", "ied", "ed", "es", "s", "y", "e"} {
		if strings.HasSuffix(w, suf) && utf8.RuneCountInString(w)-len(suf) >= 3 {
			return strings.TrimSuffix(w, suf)
		}
	}
	return w
}

func equalRunes(a, b []rune) bool {
	for i := range a {
		if a[i] != b[i] && unicode.ToLower(a[i]) != b[i] {
			return false
		}
	}
	return true
}

// window returns up to n runes of rs from start, with an ellipsis when cut.
func window(rs []rune, start, n int) string {
	end := min(len(rs), start+n)
	s := string(rs[start:end])
	if end < len(rs) {
		s += "…"
	}
	return s
}
