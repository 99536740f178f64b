// Package crawler fetches the pages of web sites politely, on colly, and
// hands every response (its raw bytes untouched, headers, status, timings)
// to a Handler supplied by the caller.
//
// Promises:
//   - robots.txt (with Crawl-delay) is obeyed unless the caller opts out;
//     per-host delay and parallelism hold under any concurrency;
//   - response bodies are handed over exactly as received, never re-encoded;
//   - the crawler knows nothing of extraction or storage: it imports neither
//     package extract nor package archive; its durable frontier is an
//     interface the caller implements.
package crawler
