package crawler

import "fmt"

// Kind is what a fetched URL turned out to be.
type Kind uint8

// The kinds of URL. Only pages, sitemaps and feeds are parsed for links;
// KindOther (PDF, images, archives, anything not HTML) is captured as it is.
const (
	KindPage    Kind = iota // HTML (or a URL not fetched yet that a link promised as a page)
	KindRobots              // a host's robots.txt
	KindSitemap             // a sitemap or sitemap index, maybe gzipped
	KindFeed                // RSS or Atom
	KindOther               // anything else: captured, not parsed
)

var kindNames = [...]string{"page", "robots", "sitemap", "feed", "other"}

// String returns the kind's name: page, robots, sitemap, feed or other.
func (k Kind) String() string {
	if int(k) < len(kindNames) {
		return kindNames[k]
	}
	return fmt.Sprintf("kind(%d)", k)
}

// ParseKind is the inverse of Kind.String.
func ParseKind(s string) (Kind, error) {
	for i, n := range kindNames {
		if n == s {
			return Kind(i), nil
		}
	}
	return 0, fmt.Errorf("unknown kind %q (want page, robots, sitemap, feed or other)", s)
}

// RevisitPolicy says which known URLs a new pass fetches again.
type RevisitPolicy uint8

const (
	// RevisitAll re-checks every known URL in scope on every pass, with
	// conditional GETs: that is how edits and deletions are seen.
	RevisitAll RevisitPolicy = iota
	// RevisitAging re-checks list pages, feeds and sitemaps on every pass,
	// and articles (and other non-list URLs) on a schedule that backs off
	// as they age: daily in their first week, weekly after that (see
	// NextDue).
	RevisitAging
)

// String returns "all" or "aging".
func (p RevisitPolicy) String() string {
	switch p {
	case RevisitAll:
		return "all"
	case RevisitAging:
		return "aging"
	}
	return fmt.Sprintf("revisit(%d)", p)
}

// ParseRevisitPolicy is the inverse of RevisitPolicy.String.
func ParseRevisitPolicy(s string) (RevisitPolicy, error) {
	switch s {
	case "all":
		return RevisitAll, nil
	case "aging":
		return RevisitAging, nil
	}
	return 0, fmt.Errorf("unknown revisit policy %q (want all or aging)", s)
}
