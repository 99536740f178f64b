package archive

import (
	"context"
	"fmt"
	"strings"
)

// This file holds the read queries of the research tools (annals search,
// show, history, diff and the web app) that the rest of the read API
// lacks: an article's captures at every URL, the sites in the archive,
// result counts by state and site, and a search's hits as export records.

// ArticleCaptures returns every capture that told something about an
// article, at any of its URLs (canonical, moved, redirected), oldest first.
func (db *DB) ArticleCaptures(ctx context.Context, articleID int64) ([]CaptureInfo, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT `+captureCols+captureFrom+`WHERE c.article_id = ? ORDER BY c.id`, articleID)
	if err != nil {
		return nil, fmt.Errorf("read captures of article %d: %w", articleID, err)
	}
	defer rows.Close()
	var cs []CaptureInfo
	for rows.Next() {
		ci, _, err := scanCapture(rows)
		if err != nil {
			return nil, fmt.Errorf("read captures of article %d: %w", articleID, err)
		}
		cs = append(cs, ci)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read captures of article %d: %w", articleID, err)
	}
	if len(cs) == 0 {
		if _, err := db.ArticleByID(ctx, articleID); err != nil {
			return nil, err
		}
	}
	return cs, nil
}

// SiteCount is a host and how many articles it has.
type SiteCount struct {
	Site     string `json:"site"`
	Articles int    `json:"articles"`
}

// Sites returns the hosts the archive holds articles of, the most
// articles first.
func (db *DB) Sites(ctx context.Context) ([]SiteCount, error) {
	rows, err := db.read.QueryContext(ctx, `SELECT u.host, count(*) AS n FROM articles a JOIN urls u ON u.id = a.url_id
		GROUP BY u.host ORDER BY n DESC, u.host`)
	if err != nil {
		return nil, fmt.Errorf("read sites: %w", err)
	}
	defer rows.Close()
	var out []SiteCount
	for rows.Next() {
		var s SiteCount
		if err := rows.Scan(&s.Site, &s.Articles); err != nil {
			return nil, fmt.Errorf("read sites: %w", err)
		}
		out = append(out, s)
	}
	if err := rows.Err(); err != nil {
		return nil, fmt.Errorf("read sites: %w", err)
	}
	return out, nil
}

// Facets counts the hits of a search by state and by site.
type Facets struct {
	// States counts the hits in each state, as if Query.State were not
	// set (so that each count says what choosing that state would give).
	States map[State]int
	// Sites counts the hits on each site (at most the asked-for number of
	// sites, the most hits first), as if Query.Site were not set.
	Sites []SiteCount
}

// SearchFacets counts what Search would find for q in each state and on
// each site, returning at most maxSites sites.
func (db *DB) SearchFacets(ctx context.Context, q Query, maxSites int) (Facets, error) {
	db.awaitIndex(ctx)
	f := Facets{States: map[State]int{}}
	byState := q
	byState.State = ""
	from, where, args, err := searchFrom(byState)
	if err != nil {
		return f, err
	}
	stateCol := "a.state"
	if !q.AsOf.IsZero() {
		stateCol = stateAt(q.AsOf)
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+stateCol+" AS st, count(*) FROM "+from+" WHERE "+where+" GROUP BY st", args...)
	if err != nil {
		return f, searchError(err)
	}
	for rows.Next() {
		var s string
		var n int
		if err := rows.Scan(&s, &n); err != nil {
			rows.Close()
			return f, searchError(err)
		}
		f.States[State(s)] = n
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return f, searchError(err)
	}
	if maxSites <= 0 {
		return f, nil
	}
	bySite := q
	bySite.Site = ""
	if from, where, args, err = searchFrom(bySite); err != nil {
		return f, err
	}
	rows, err = db.read.QueryContext(ctx, "SELECT u.host, count(*) AS n FROM "+from+" WHERE "+where+
		" GROUP BY u.host ORDER BY n DESC, u.host LIMIT ?", append(args, maxSites)...)
	if err != nil {
		return f, searchError(err)
	}
	defer rows.Close()
	for rows.Next() {
		var s SiteCount
		if err := rows.Scan(&s.Site, &s.Articles); err != nil {
			return f, searchError(err)
		}
		f.Sites = append(f.Sites, s)
	}
	if err := rows.Err(); err != nil {
		return f, searchError(err)
	}
	return f, nil
}

// searchFrom returns the FROM clause, the WHERE condition and its
// arguments of q, as Search builds them (search_docs aliased d, versions v,
// articles a, URLs u).
func searchFrom(q Query) (from, where string, args []any, err error) {
	conds, args, _ := searchFilter(q)
	const rest = " JOIN versions v ON v.id = d.version_id JOIN articles a ON a.id = d.article_id JOIN urls u ON u.id = a.url_id"
	if strings.TrimSpace(q.Text) == "" {
		return "search_docs d" + rest, strings.Join(conds, " AND "), args, nil
	}
	node, err := parseQuery(q.Text)
	if err != nil {
		return "", "", nil, err
	}
	index := route(node)
	match, err := render(node, index)
	if err != nil {
		return "", "", nil, err
	}
	table := "fts_" + index
	from = table + " f JOIN search_docs d ON d.version_id = f.rowid" + rest
	conds = append([]string{table + " MATCH ?"}, conds...)
	return from, strings.Join(conds, " AND "), append([]any{match}, args...), nil
}

// SearchExport calls fn with an export record for every hit of q (all of
// them: Limit and Offset are ignored), in Search's order: best match
// first, or newest published first without search text. Each record is
// the version the search shows (the latest, or the one live at q.AsOf).
// It streams from one read transaction, so memory stays flat however many
// hits there are. An error from fn stops it and is returned.
func (db *DB) SearchExport(ctx context.Context, q Query, fn func(ExportRecord) error) error {
	db.awaitIndex(ctx)
	from, where, args, err := searchFrom(q)
	if err != nil {
		return err
	}
	order := "v.published_ms IS NULL, v.published_ms DESC, v.id DESC"
	if strings.TrimSpace(q.Text) != "" {
		table := strings.Fields(from)[0]
		order = "bm25(" + table + ", 10.0, 1.0), v.id"
	}
	rows, err := db.read.QueryContext(ctx, `SELECT `+exportCols+`
		FROM `+from+` JOIN captures c ON c.id = v.capture_id LEFT JOIN payloads p ON p.id = c.payload_id
		WHERE `+where+` ORDER BY `+order, args...)
	if err != nil {
		return searchError(err)
	}
	return scanExport(rows, fn)
}
