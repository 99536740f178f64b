package crawler

import "time"

// The aging schedule of RevisitAging.
const (
	// An article is checked daily in its first week…
	youngAge      = 7 * 24 * time.Hour
	youngInterval = 24 * time.Hour
	// …and weekly after that.
	oldInterval = 7 * 24 * time.Hour
	// agingSlack lets a URL due a little after a run starts be fetched by
	// it, so that a daily run does not miss yesterday's articles by
	// minutes.
	agingSlack = time.Hour
)

// NextDue returns when a URL should next be fetched under RevisitAging;
// the zero time means on every pass. List pages, feeds, sitemaps and
// failures that may be passing (no answer, 429, 5xx) are due on every
// pass. Articles, non-HTML files, redirects and other 4xx answers follow
// the aging schedule: daily while the URL is less than a week old (since
// first seen), weekly after that.
func NextDue(kind Kind, article bool, status int, firstSeen, fetched time.Time) time.Time {
	switch {
	case status == 0 || status == 429 || status >= 500:
		return time.Time{}
	case kind == KindRobots || kind == KindSitemap || kind == KindFeed:
		return time.Time{}
	case kind == KindPage && !article && (status < 300 || status == 304):
		return time.Time{}
	}
	if fetched.Sub(firstSeen) < youngAge {
		return fetched.Add(youngInterval)
	}
	return fetched.Add(oldInterval)
}
