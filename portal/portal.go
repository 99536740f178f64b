package portal

import (
	"cmp"
	"fmt"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"
)

// Article is the ground truth of one article page of the current edition:
// what a correct extraction of the page gives.
type Article struct {
	Path     string // path of the page on the portal, e.g. /news/local/2021-09/28/content_1001.html
	Section  string // local, gov, en or epaper
	Template string // modern, legacy or english
	Language string // primary BCP 47 subtag: zh or en
	Encoding string // the page's bytes: utf-8, gbk, gb18030 or big5

	// Where the page declares its charset: the Content-Type's charset
	// parameter and the <meta> charset ("" where it declares none), and
	// whether the <meta> comes after the first 1,024 bytes.
	CharsetHeader string
	CharsetMeta   string
	MetaLate      bool

	Title    string
	Kicker   string // 引题, or ""
	Subtitle string // 副题, or ""

	// Published is RFC 3339 in the page's own offset
	// ("2021-09-28T09:47:03+08:00"), or a bare date ("2021-09-27") when the
	// page shows no time of day. Chinese pages state no zone: their offset
	// is China Standard Time, +08:00.
	Published string

	Bylines []Byline
	Source  string // outlet credited (来源), or ""
	// Body is the paragraphs in order, as plain text exactly as the page
	// has it, from the lead (本报讯…) to the last line of the article,
	// including a notice's closing formula and signature. Characters are
	// kept as written: the seed's lead has a no-break space after its
	// credit, so compare with whitespace normalised where that matters.
	Body   []string
	Images []Image
}

// Byline credits one person with one role: author, reporter, correspondent,
// photographer, editor or translator.
type Byline struct {
	Name string `toml:"name"`
	Role string `toml:"role"`
}

// Image is one photo of an article with its caption and credit as printed.
type Image struct {
	Src     string // path of the JPEG on the portal
	Caption string
	Credit  string
}

// ChangeKind names what edition 2 did to a page.
type ChangeKind string

// The kinds of change between edition 1 and edition 2.
const (
	ChangeEdited   ChangeKind = "edited"   // one body paragraph rewritten
	ChangeRetitled ChangeKind = "retitled" // the headline changed
	ChangeDeleted  ChangeKind = "deleted"  // the page answers 404
	ChangeGone     ChangeKind = "gone"     // the page answers 410
	ChangeMoved    ChangeKind = "moved"    // 301 to a new URL serving the same article
	ChangeAdded    ChangeKind = "added"    // a new article, linked from the home page, sitemap and feed
	ChangeTemplate ChangeKind = "template" // every HTML page: sidebar, view counters, footer time, an ad; no content change
)

// Change is one difference between edition 1 and edition 2.
type Change struct {
	Kind ChangeKind
	// Path is the article's path in edition 1; for ChangeAdded, its path in
	// edition 2; for ChangeTemplate, "" (every HTML page).
	Path string
	// To is the new path of a moved article.
	To string
	// Status is what Path answers in edition 2: 200, 301, 404 or 410.
	Status int
	// Fields are the extracted fields whose content changed, named as the
	// archive names them (title, body); none for other kinds.
	Fields []string
	// Paragraph is the index in Article.Body of an edited paragraph.
	Paragraph int
	// Before and After are the edited paragraph or the headline, before and after.
	Before, After string
	// Note says the same in words.
	Note string
}

// Kind says what a URL of the portal is.
type Kind string

// The kinds of URL the portal serves or links.
const (
	KindHome       Kind = "home"
	KindList       Kind = "list"    // section pages, archives: crawled for links, not articles
	KindArticle    Kind = "article" // see Articles for the ground truth
	KindRobots     Kind = "robots"
	KindSitemap    Kind = "sitemap" // index, plain or gzipped
	KindFeed       Kind = "feed"    // RSS or Atom
	KindRedirect   Kind = "redirect"
	KindBinary     Kind = "binary"     // PDF or JPEG
	KindMissing    Kind = "missing"    // a linked URL that answers 404
	KindGone       Kind = "gone"       // a linked URL that answers 410
	KindDisallowed Kind = "disallowed" // linked, but robots.txt forbids it
	KindPage       Kind = "page"       // another HTML page that is not an article
	KindFault      Kind = "fault"      // misbehaves on purpose (Options.Faults)
	KindTrap       Kind = "trap"       // links to new URLs without end (Options.Faults)
	KindExternal   Kind = "external"   // out of scope: a host under .invalid, never to be fetched
)

// Page describes one URL of the current edition.
type Page struct {
	// Path is the path and query as linked, e.g. "/calendar?month=2021-09";
	// for KindExternal, the absolute URL.
	Path        string
	Kind        Kind
	Status      int    // status of a plain GET (the first GET, for faults); 0 for KindExternal
	Location    string // redirect target, as a path
	ContentType string
	// Unlinked marks a URL of an earlier edition that nothing links any
	// more (a deleted or moved article): a crawler sees it only by
	// revisiting what it knows.
	Unlinked bool
	Note     string
}

// Request is one request the portal received.
type Request struct {
	Time       time.Time // when it arrived
	Method     string
	Target     string // path and query as sent (the request URI)
	Host       string
	Header     http.Header
	RemoteAddr string
	Status     int // status answered; 0 while in flight
}

// Options configure a Portal. The zero value is the demo's portal: no
// faults, no Crawl-delay.
type Options struct {
	// Faults adds the misbehaving pages (429, flaky 503, slow, huge) and the
	// crawler traps (calendar, endless pagination, session ids) and links
	// them from the home page.
	Faults bool
	// CrawlDelay, when positive, is announced in robots.txt.
	CrawlDelay time.Duration
	// SlowDelay is how long the slow page takes to answer (default 3s).
	SlowDelay time.Duration
	// HugeSize is the size in bytes of the huge page (default 11 MiB).
	HugeSize int64
	// FlakyFailures is how many times the flaky page answers 503 before it
	// succeeds (default 2).
	FlakyFailures int
	// RetryAfter is the wait the 429 page asks for, rounded up to whole
	// seconds (default 1s).
	RetryAfter time.Duration
	// Now tells the time for Retry-After dates (default time.Now). Page
	// content never depends on it.
	Now func() time.Time
}

// withDefaults fills the zero fields of o.
func (o Options) withDefaults() Options {
	if o.SlowDelay <= 0 {
		o.SlowDelay = 3 * time.Second
	}
	if o.HugeSize <= 0 {
		o.HugeSize = 11 << 20
	}
	if o.FlakyFailures <= 0 {
		o.FlakyFailures = 2
	}
	if o.RetryAfter <= 0 {
		o.RetryAfter = time.Second
	}
	o.RetryAfter = o.RetryAfter.Round(time.Second)
	if o.RetryAfter < time.Second {
		o.RetryAfter = time.Second
	}
	if o.Now == nil {
		o.Now = time.Now
	}
	return o
}

// Portal is the sample news portal: an http.Handler serving the current
// edition. It is safe for concurrent use.
type Portal struct {
	opts     Options
	content  *content
	editions []*site // index 0 is edition 1
	current  atomic.Pointer[site]
	assets   *assets

	mu         sync.Mutex
	requests   []Request
	generation int // of the request log: Reset starts a new one
	faults     faultState
}

var _ http.Handler = (*Portal)(nil)

// New builds the portal from its embedded content, at edition 1. An error
// means the embedded content is broken.
func New(opts Options) (*Portal, error) {
	c, err := loadContent()
	if err != nil {
		return nil, fmt.Errorf("load portal content: %w", err)
	}
	p := &Portal{opts: opts.withDefaults(), content: c}
	if p.assets, err = newAssets(); err != nil {
		return nil, fmt.Errorf("build portal assets: %w", err)
	}
	for n := 1; n <= len(c.site.Editions); n++ {
		s, err := p.buildSite(n)
		if err != nil {
			return nil, fmt.Errorf("build edition %d: %w", n, err)
		}
		p.editions = append(p.editions, s)
	}
	p.current.Store(p.editions[0])
	return p, nil
}

// Editions is how many editions the portal has.
func (p *Portal) Editions() int { return len(p.editions) }

// Edition is the edition being served.
func (p *Portal) Edition() int { return p.current.Load().edition }

// SetEdition switches every later request to edition n, at once.
func (p *Portal) SetEdition(n int) error {
	if n < 1 || n > len(p.editions) {
		return fmt.Errorf("set edition %d: the portal has editions 1 to %d", n, len(p.editions))
	}
	p.current.Store(p.editions[n-1])
	return nil
}

// Articles is the ground truth of the current edition's article pages,
// sorted by path.
func (p *Portal) Articles() []Article {
	s := p.current.Load()
	out := make([]Article, 0, len(s.articles))
	for _, a := range s.articles {
		out = append(out, a.groundTruth())
	}
	slices.SortFunc(out, func(a, b Article) int { return cmp.Compare(a.Path, b.Path) })
	return out
}

// Article is the ground truth of the current edition's article at path.
func (p *Portal) Article(path string) (Article, bool) {
	a := p.current.Load().byPath[path]
	if a == nil {
		return Article{}, false
	}
	return a.groundTruth(), true
}

// Pages lists every URL of the current edition that the site serves or
// links, sorted by path: with Options.Faults, the fault pages and the first
// URL of each trap too.
func (p *Portal) Pages() []Page {
	return slices.Clone(p.current.Load().pages)
}

// Changes describes how edition 2 differs from edition 1, whatever edition
// is being served.
func (p *Portal) Changes() []Change {
	return p.changes()
}

// Requests returns the requests received since New or the last Reset, in
// the order they arrived.
func (p *Portal) Requests() []Request {
	p.mu.Lock()
	defer p.mu.Unlock()
	out := make([]Request, len(p.requests))
	for i, r := range p.requests {
		r.Header = r.Header.Clone()
		out[i] = r
	}
	return out
}

// Reset forgets the requests received and restarts the fault pages (the
// 429 and 503 pages fail again, session ids start over). The edition stays.
func (p *Portal) Reset() {
	p.mu.Lock()
	defer p.mu.Unlock()
	p.requests = nil
	p.generation++
	p.faults = faultState{}
}
