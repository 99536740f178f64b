// Package portal is annals' sample portal: a small Chinese-and-English news
// site (西辽河新闻网, "Xiliao River News") served from embedded content, for
// `annals demo` and for the tests of the crawler, the pipeline and
// reliability.
//
// It owns:
//   - the content (content/site.toml and content/articles/*.toml): about
//     thirty article pages of local news, government notices and English
//     news, built from structured text. The seed article (a Tongliao
//     portal's report on the opening of the city's sixth party congress) is
//     served twice from its text: in a modern UTF-8 layout and in an old
//     GBK table layout whose <meta> charset comes after the first KiB. The
//     other articles are original text written for this package;
//   - the templates (templates/*.html): a modern UTF-8 layout, a legacy
//     table layout encoded as GBK, GB18030 or Big5 (one page declares no
//     charset at all), and an English layout with <meta name="author">,
//     JSON-LD and article:published_time; with the chrome real portals have
//     (navigation, sidebars listing other articles with their dates, view
//     counters, share bars, related lists, footers with a timestamp);
//   - the crawl plumbing: robots.txt, a sitemap index over a plain and a
//     gzipped sitemap, RSS and Atom feeds, ETag and Last-Modified with 304s,
//     redirects (a 301 chain, a 302, a loop), dead links (404, 410),
//     tracking-parameter duplicates, out-of-scope links (hosts under
//     .invalid), a PDF and JPEGs; and, with Options.Faults, the misbehaving
//     pages and traps crawlers must survive;
//   - two editions of the site (SetEdition) and their ground truth:
//     Articles for what extraction must find, Pages for every URL and how it
//     answers, Changes for how edition 2 differs.
//
// Promises:
//   - deterministic: no page depends on the clock or on randomness (only
//     the Date header, Retry-After dates and the request log do); the same
//     edition and Host give the same bytes;
//   - no I/O beyond answering requests: content and templates are
//     embedded, binaries are generated; every link leaves the site only for
//     hosts under .invalid, which never resolve;
//   - safe for concurrent use; SetEdition switches every later request at
//     once;
//   - New checks the content: an article's own text must be encodable in
//     its page's charset, every credited name must appear on its page, and
//     every edition-2 change must apply, or New fails.
package portal
