package crawler

import (
	"context"
	"time"
)

// Frontier is the crawler's durable memory of a job: every URL it knows (the
// seen-set), which of them are queued in the current pass, and what the last
// fetch of each taught (validators for conditional GETs, kind, first seen,
// last fetch, when it is next due). The crawler keeps only a bounded window
// of it in memory.
//
// A pass is one sweep of a job's frontier: it begins when a run finds the
// previous pass finished (every URL fetched) and ends when nothing queued
// remains. A run that stops early (interrupted, killed, over MaxPages, a
// host down) leaves its pass unfinished, and the next run of the same job
// resumes it instead of starting over.
//
// Implementations must be safe for concurrent use. Package archive provides
// the SQLite one (archive.Frontier); NewMemoryFrontier is an in-memory one
// for tests and throwaway crawls.
type Frontier interface {
	// Begin opens a run of job. When the job's latest pass is unfinished
	// and has queued URLs it is resumed: nothing is re-queued and resumed
	// is true. Otherwise a new pass begins: every known URL that was
	// fetched (or skipped) and whose next visit is due by dueBy is queued
	// again, in its original order. URLs never due (aliases) stay as they
	// are.
	Begin(ctx context.Context, job string, now, dueBy time.Time) (resumed bool, err error)

	// Hosts lists every host the job knows, in the order first seen.
	Hosts(ctx context.Context, job string) ([]Host, error)

	// Add records items as known. Those not known before are queued at the
	// end of the queue and get their Seq set; items already known (queued,
	// done or alias) are left untouched and keep Seq 0, but for a done URL
	// the item says changed since its last fetch:
	//
	// When an item's Modified is after the last fetch of a known URL that
	// is done and was not fetched in the current pass (its last fetch is
	// before the pass began), the URL is queued again, in its place, and
	// the item is filled in with what the frontier remembers of it, as
	// Next would return it (Seq set, LastFetch not zero). A Modified more
	// than MaxModifiedSkew after the time of the call, or not after the
	// last fetch, changes nothing; so does one on a URL never fetched, an
	// alias, or a URL fetched in this pass (no URL is fetched twice in one
	// pass for a hint).
	Add(ctx context.Context, job string, items []Item) error

	// Next returns up to n queued items of host whose Seq is greater than
	// after, in Seq order.
	Next(ctx context.Context, job, host string, after int64, n int) ([]Item, error)

	// Done records what fetching (or skipping) one queued URL taught, marks
	// it done, and adds the URLs it led to (as Add does, setting their Seq
	// and queueing again those their Modified says changed), in one
	// durable step: after a crash either all of it happened or none.
	Done(ctx context.Context, job string, o Outcome, found []Item) error

	// Finish ends the job's current pass.
	Finish(ctx context.Context, job string, now time.Time) error

	// Count reports how many URLs the job knows and how many are queued.
	Count(ctx context.Context, job string) (known, queued int, err error)
}

// Host is one host of a job's frontier.
type Host struct {
	// Name is the host as in Item.Host.
	Name string
	// Root tells that a depth-0 URL (a seed, or where a seed redirected)
	// is on this host: root hosts are in scope by default, and their
	// robots.txt and sitemaps are looked at.
	Root bool
}

// Item is one URL of the frontier.
type Item struct {
	// Seq is the URL's place in the queue, assigned by the frontier when it
	// first queues the URL; later passes keep it.
	Seq int64
	// URL is canonical (see Canonicalize).
	URL string
	// Host is the URL's host, lower case, with its port when not the
	// default: the unit of politeness.
	Host string
	// Depth counts the links followed from a seed; redirects do not count.
	Depth int
	// Redirects counts the redirects that led to this URL in a row.
	Redirects int
	// Kind is what the URL was last found to be, or, before its first
	// fetch, what the link to it promised.
	Kind Kind
	// FirstSeen is when the URL was first added; the frontier keeps the
	// first value it is given.
	FirstSeen time.Time
	// Modified, on an item found in a sitemap or feed, is when its
	// <lastmod> (or the feed entry's update time) says the document last
	// changed; zero when it does not say. It is a hint for Add and Done,
	// not stored.
	Modified time.Time

	// What the last fetch taught, as the frontier remembers it (zero before
	// the first fetch): validators for a conditional GET, whether it was
	// an article, a digest of its body, and when it was made.
	ETag         string
	LastModified string
	Article      bool
	Digest       int64
	LastFetch    time.Time
}

// Outcome is what fetching (or skipping) one queued URL taught, for
// Frontier.Done.
type Outcome struct {
	// Seq and URL identify the item.
	Seq int64
	URL string
	// Fetched is the start of the last attempt; zero when the URL was
	// skipped without a request (robots.txt, out of scope).
	Fetched time.Time
	// Status is the HTTP status of the last attempt; 0 when there was no
	// response.
	Status int
	// Kind is what the response turned out to be.
	Kind Kind
	// Article is the handler's verdict.
	Article bool
	// ETag and LastModified are the validators to send next time. A 304
	// carries over the previous ones unless it sent new ones.
	ETag         string
	LastModified string
	// Digest identifies the body of the last 200 response (0: none).
	Digest int64
	// Note says why the URL failed or was skipped; empty on success.
	Note string
	// NextDue is when the URL should next be fetched under RevisitAging;
	// zero means on every pass.
	NextDue time.Time
	// Alias, when its URL is not empty, is another URL of the same
	// document (the canonical URL an article declares). It is recorded as
	// known but never queued, so it is not fetched separately; a URL
	// already known is left as it is.
	Alias Item
}
