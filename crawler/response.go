package crawler

import (
	"context"
	"net/http"
	"time"
)

// Response is one fetch attempt, handed to the Handler exactly once. Every
// attempt is one: robots.txt, sitemaps, feeds, each retry, each redirect
// hop, failures without a response.
type Response struct {
	// URL is the canonical URL requested.
	URL           string
	Method        string
	RequestHeader http.Header
	// Proto is the protocol of the response ("HTTP/1.1"); empty when there
	// was none.
	Proto  string
	Status int // 0 when there was no response
	Header http.Header
	// Body is the body exactly as received (after undoing a gzip transfer
	// the client negotiated), never re-encoded, at most Config.MaxBody
	// bytes. It may be partial when Err is set.
	Body      []byte
	Truncated bool // Body was cut at Config.MaxBody
	// Err is why the attempt failed (timeout, connection error, body cut
	// short); nil when a whole response arrived, whatever its status.
	Err        error
	StartedAt  time.Time
	Duration   time.Duration // until the end of the body
	RemoteAddr string        // the server's address, when a connection was made
	// RedirectTo is the absolute Location of a 3xx response. Redirects are
	// not followed inside one attempt: the target is queued (up to
	// Config.MaxRedirects in a row) and fetched as its own Response.
	RedirectTo string
	Depth      int
	Kind       Kind
	Attempt    int // 1 for the first try of this URL in this run
}

// Verdict is what the Handler learned from a response (from extraction).
type Verdict struct {
	// Article tells that the page is an article. Articles are revisited on
	// the aging schedule under RevisitAging; other pages (lists) on every
	// pass.
	Article bool
	// Canonical is the canonical URL the article declares, when it
	// differs from Response.URL; it is then never fetched on its own.
	Canonical string
}

// Handler receives every fetch attempt. Handle may be called from several
// goroutines at once. An error from Handle is fatal: the crawl stops (a
// full disk, a broken archive) and Run returns it.
type Handler interface {
	Handle(ctx context.Context, r *Response) (Verdict, error)
}

// HandlerFunc adapts a function to Handler.
type HandlerFunc func(ctx context.Context, r *Response) (Verdict, error)

// Handle calls f.
func (f HandlerFunc) Handle(ctx context.Context, r *Response) (Verdict, error) { return f(ctx, r) }

// Stats are the running totals of a run.
type Stats struct {
	Job     string
	Started time.Time
	Elapsed time.Duration
	// Resumed tells that the run continued an unfinished pass.
	Resumed bool

	Fetches   int // attempts handed to the Handler (robots.txt, retries and redirect hops included)
	Fetched   int // URLs fetched to an outcome (MaxPages counts these)
	New       int // URLs first discovered in this run
	Requeued  int // known URLs due later, fetched in this run as a sitemap or feed says they changed since
	Changed   int // revisited URLs whose body changed
	Unchanged int // revisited URLs that answered 304 or the same body
	Errors    int // URLs whose last attempt failed or answered 4xx/5xx
	Retries   int // attempts that were retries
	Blocked   int // URLs skipped because robots.txt disallows them
	Dropped   int // links not queued: out of scope, too deep, traps
	Truncated int // bodies cut at MaxBody
	// RedirectsStopped counts redirect chains not followed further at
	// MaxRedirects (the last redirect is captured, its target not fetched).
	RedirectsStopped int
	Bytes            int64 // body bytes received

	Queued    int // URLs still queued in the frontier
	Known     int // URLs the job knows
	InFlight  int // requests under way
	HostsDown int // hosts given up in this run after failing again and again

	// Interrupted tells that the context was cancelled; Limited that
	// MaxPages was reached. Either leaves the pass unfinished, for the
	// next run to resume.
	Interrupted bool
	Limited     bool
	// Finished tells that the pass ended: nothing is left queued but the
	// URLs of hosts given up, which stay queued into the next pass.
	Finished bool
}

// Rate is the fetch attempts per second so far.
func (s Stats) Rate() float64 {
	if s.Elapsed <= 0 {
		return 0
	}
	return float64(s.Fetches) / s.Elapsed.Seconds()
}
