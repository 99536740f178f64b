package crawler

import (
	"errors"
	"fmt"
	"log/slog"
	"regexp"
	"strings"
	"time"
)

// Config is what a crawl is asked to do. Start from DefaultConfig, which
// is polite, and change what you need; New checks it.
type Config struct {
	// Job names the frontier: a run resumes the unfinished pass of the same
	// job, and revisits what earlier runs of it found.
	Job string
	// Seeds are the URLs the crawl starts from. Their hosts are in scope.
	Seeds []string
	// Allow, when not empty, replaces the default scope (the seeds' hosts):
	// a URL is in scope when it matches one of these. Deny takes URLs out
	// of scope whatever else matches. Seeds are always fetched unless
	// denied.
	Allow, Deny []*regexp.Regexp
	// Depth bounds the links followed from a seed (0: no bound); MaxPages
	// bounds the URLs fetched in one run (0: no bound). A run stopped by
	// MaxPages leaves its pass unfinished, and the next run resumes it.
	Depth, MaxPages int

	// Delay is the minimum time between the starts of two requests to one
	// host; a robots.txt Crawl-delay larger than it wins.
	Delay time.Duration
	// Parallel is the most requests in flight to one host. A slot is free
	// again once the response has arrived, while it is handed to the
	// Handler and recorded.
	Parallel int
	// Workers is the most URLs under way at once over all hosts: being
	// fetched, handed to the Handler or recorded in the frontier.
	Workers int
	// Timeout bounds one request, from its start to the end of its body.
	Timeout time.Duration
	// Retries is how many times a request is tried again after a timeout,
	// a connection error, a 408, a 429 or a 5xx (but 501 and 505).
	Retries int
	// Backoff is the wait before the first retry; it doubles with each
	// retry (with jitter) up to MaxBackoff. A Retry-After header longer
	// than the backoff wins; a Retry-After longer than MaxBackoff ends the
	// URL's tries for this run. A host whose requests keep failing is
	// paused on the same schedule, and given up for the run after
	// HostFailures failures in a row (its URLs stay queued for the next
	// run; the pass still ends, so the other hosts are revisited).
	Backoff, MaxBackoff time.Duration
	HostFailures        int
	// MaxBody is the most bytes read of one response body; a longer body
	// is cut there and marked Truncated.
	MaxBody int64
	// MaxRedirects bounds a chain of redirects; each hop is fetched (and
	// handed to the Handler) as its own response.
	MaxRedirects int
	// PatternCap bounds, per run, the URLs queued of one "shape" that
	// varies only by a calendar date or a page number (calendar and
	// pagination traps); 0: no bound. Dates more than a year ahead are
	// never followed.
	PatternCap int
	// Grace is how long in-flight requests may go on after the crawl is
	// cancelled before they are abandoned.
	Grace time.Duration

	// UserAgent identifies annals to the sites it visits. When empty it is
	// "annals/<Version> (+<ProjectURL>)".
	UserAgent           string
	Version, ProjectURL string
	// IgnoreRobots skips robots.txt: no rules, no Crawl-delay, no
	// sitemaps from it.
	IgnoreRobots bool
	// NoSitemapProbe skips looking for /sitemap.xml on the seeds' hosts
	// when their robots.txt names no sitemap. Sitemaps named in robots.txt
	// or linked from pages are still followed.
	NoSitemapProbe bool
	// Revisit says which known URLs a new pass fetches again.
	Revisit RevisitPolicy

	// Logger receives structured logs; nil discards them.
	Logger *slog.Logger
	// Progress, when not nil, is called with the running totals at most
	// twice a second, and once at the end.
	Progress func(Stats)
}

// The defaults of DefaultConfig.
const (
	DefaultDelay        = time.Second
	DefaultParallel     = 2
	DefaultWorkers      = 32
	DefaultTimeout      = 30 * time.Second
	DefaultRetries      = 3
	DefaultBackoff      = time.Second
	DefaultMaxBackoff   = 5 * time.Minute
	DefaultHostFailures = 10
	DefaultMaxBody      = 10 << 20
	DefaultMaxRedirects = 5
	DefaultPatternCap   = 1000
	DefaultGrace        = 3 * time.Second
)

// DefaultConfig returns a polite configuration with no job and no seeds.
func DefaultConfig() Config {
	return Config{
		Delay:        DefaultDelay,
		Parallel:     DefaultParallel,
		Workers:      DefaultWorkers,
		Timeout:      DefaultTimeout,
		Retries:      DefaultRetries,
		Backoff:      DefaultBackoff,
		MaxBackoff:   DefaultMaxBackoff,
		HostFailures: DefaultHostFailures,
		MaxBody:      DefaultMaxBody,
		MaxRedirects: DefaultMaxRedirects,
		PatternCap:   DefaultPatternCap,
		Grace:        DefaultGrace,
		Revisit:      RevisitAll,
	}
}

// userAgent returns the User-Agent header to send.
func (c *Config) userAgent() string {
	if c.UserAgent != "" {
		return c.UserAgent
	}
	v := c.Version
	if v == "" {
		v = "devel"
	}
	if c.ProjectURL == "" {
		return "annals/" + v
	}
	return "annals/" + v + " (+" + c.ProjectURL + ")"
}

// robotsAgent is the product token matched against robots.txt groups:
// the User-Agent up to its first '/' or space, lower case.
func (c *Config) robotsAgent() string {
	ua := c.userAgent()
	if i := strings.IndexAny(ua, "/ "); i > 0 {
		ua = ua[:i]
	}
	return strings.ToLower(ua)
}

// validate reports every problem of c at once.
func (c *Config) validate() error {
	var errs []error
	bad := func(format string, args ...any) { errs = append(errs, fmt.Errorf(format, args...)) }
	if strings.TrimSpace(c.Job) == "" {
		bad("no job name: the frontier is kept per job")
	}
	if len(c.Seeds) == 0 {
		bad("no seed URLs")
	}
	for _, s := range c.Seeds {
		if _, err := Canonicalize(s); err != nil {
			bad("seed %q is not an absolute http(s) URL: %v", s, err)
		}
	}
	for i, r := range c.Allow {
		if r == nil {
			bad("allow pattern %d is nil", i)
		}
	}
	for i, r := range c.Deny {
		if r == nil {
			bad("deny pattern %d is nil", i)
		}
	}
	if c.Depth < 0 || c.MaxPages < 0 || c.PatternCap < 0 {
		bad("depth, max pages and pattern cap must not be negative")
	}
	if c.Delay < 0 {
		bad("delay %v is negative", c.Delay)
	}
	if c.Parallel < 1 {
		bad("parallel %d: at least one request per host must be allowed", c.Parallel)
	}
	if c.Workers < 1 {
		bad("workers %d: at least one is needed", c.Workers)
	}
	if c.Timeout <= 0 {
		bad("timeout %v must be positive", c.Timeout)
	}
	if c.Retries < 0 {
		bad("retries %d is negative", c.Retries)
	}
	if c.Backoff <= 0 || c.MaxBackoff < c.Backoff {
		bad("backoff %v must be positive and at most max backoff %v", c.Backoff, c.MaxBackoff)
	}
	if c.HostFailures < 1 {
		bad("host failures %d: at least one is needed", c.HostFailures)
	}
	if c.MaxBody <= 0 {
		bad("max body %d must be positive", c.MaxBody)
	}
	if c.MaxRedirects < 0 {
		bad("max redirects %d is negative", c.MaxRedirects)
	}
	if c.Grace < 0 {
		bad("grace %v is negative", c.Grace)
	}
	if c.Revisit != RevisitAll && c.Revisit != RevisitAging {
		bad("unknown revisit policy %v", c.Revisit)
	}
	if ua := c.userAgent(); strings.ContainsAny(ua, "\r\n") {
		bad("user agent %q has a line break", ua)
	}
	if err := errors.Join(errs...); err != nil {
		return fmt.Errorf("crawler config: %w", err)
	}
	return nil
}
