package archive

import (
	"context"
	"fmt"
)

// This file holds the read queries of the research tools (annals search,
// show, history, diff and the web app) that the rest of the read API
// lacks: an article's captures at every URL, the sites in the archive,
// result counts by state and site, and a search's hits as export records.

// ArticleCaptures returns every capture that told something about an
// article, at any of its URLs (canonical, moved, redirected), oldest first.
func (db *DB) ArticleCaptures(ctx context.Context, articleID int64) ([]CaptureInfo, error) {
	cs, err := db.captureList(ctx, `c.article_id = ?`, articleID)
	if err != nil {
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
	sp, err := planSearch(byState)
	if err != nil {
		return f, err
	}
	// The latest version's row holds its article's state (schema 5); the
	// state at another time is computed from the article's captures.
	stateCol := "d.state"
	if !q.AsOf.IsZero() {
		stateCol = stateAt(q.AsOf, "d.article_id")
	}
	rows, err := db.read.QueryContext(ctx, "SELECT "+stateCol+" AS st, count(*) FROM "+sp.from+" WHERE "+sp.where+" GROUP BY st", sp.args...)
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
	if sp, err = planSearch(bySite); err != nil {
		return f, err
	}
	// search_docs.site is the host of the article's URL.
	rows, err = db.read.QueryContext(ctx, "SELECT d.site, count(*) AS n FROM "+sp.from+" WHERE "+sp.where+
		" GROUP BY d.site ORDER BY n DESC, d.site LIMIT ?", append(sp.args, maxSites)...)
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

// SearchExport calls fn with an export record for every hit of q (all of
// them: Limit and Offset are ignored), in Search's order: best match
// first, or newest published first without search text. Each record is
// the version the search shows (the latest, or the one live at q.AsOf).
// It streams from one read transaction, so memory stays flat however many
// hits there are. An error from fn stops it and is returned.
func (db *DB) SearchExport(ctx context.Context, q Query, fn func(ExportRecord) error) error {
	db.awaitIndex(ctx)
	sp, err := planSearch(q)
	if err != nil {
		return err
	}
	// The same hits in the same order as Search, with the joins the
	// records need.
	from := sp.from + " JOIN versions v ON v.id = d.version_id JOIN articles a ON a.id = d.article_id JOIN urls u ON u.id = a.url_id"
	rows, err := db.read.QueryContext(ctx, `SELECT `+exportCols+`
		FROM `+from+` JOIN captures c ON c.id = v.capture_id LEFT JOIN payloads p ON p.id = c.payload_id
		WHERE `+sp.where+` ORDER BY `+sp.orderBy(sp.rank), sp.args...)
	if err != nil {
		return searchError(err)
	}
	return scanExport(rows, fn)
}
