// Package crawler fetches the pages of web sites politely, on colly, and
// hands every response (its raw bytes untouched, headers, status, timings)
// to a Handler supplied by the caller.
//
// Promises:
//   - robots.txt (with Crawl-delay) is obeyed unless the caller opts out;
//     per-host delay and parallelism hold under any concurrency;
//   - response bodies are handed over exactly as received, never re-encoded;
//   - every fetch attempt reaches the Handler exactly once: robots.txt,
//     sitemaps, feeds, retries, redirect hops, failures without a response;
//   - a URL is marked done in the frontier, with the links it led to, in one
//     step after the Handler returns: a crash refetches at most the URLs
//     under way and loses nothing queued;
//   - memory does not grow with the frontier: only a bounded window of it
//     is held;
//   - the crawler knows nothing of extraction or storage: it imports neither
//     package extract nor package archive; its durable frontier is an
//     interface the caller implements.
//
// Files:
//   - crawler.go: New and Run; the dispatcher (per-host queues read from
//     the frontier in batches, delays, parallelism, pauses, retries) and
//     the workers (fetch, hand over, discover, record);
//   - config.go: Config, DefaultConfig and their checks;
//   - response.go: Response, Verdict, Handler, Stats;
//   - frontier.go: the Frontier interface, Item, Outcome, Host;
//   - memfrontier.go: MemoryFrontier, for tests and throwaway crawls;
//   - fetch.go: the colly collector and the transport that keeps bodies
//     byte-exact; Retry-After and what is retried;
//   - robots.go: robots.txt rules for one host;
//   - links.go: links of HTML pages, and their resolution;
//   - xmldoc.go: sitemaps, sitemap indexes, RSS and Atom; telling a
//     response's kind;
//   - canonical.go: Canonicalize;
//   - scope.go: scope, the seen-set, trap shapes and their counters;
//   - revisit.go: NextDue, the aging schedule of RevisitAging;
//   - kind.go: Kind and RevisitPolicy.
//
// Package crawler/frontiertest holds the tests every Frontier must pass.
package crawler
