// Package archive keeps everything annals has fetched and extracted in one
// SQLite file: crawl runs, captures (every fetch attempt), payloads (the raw
// bytes exactly as received, zstd-compressed, deduplicated by SHA-256,
// delta-compressed against the previous version of a page), articles and
// their versions, events (first seen, changed, unchanged, gone, moved,
// restored), the crawl frontier, and the full-text index.
//
// Promises:
//   - all SQL of annals lives in this package, behind its Go API, so that a
//     different store (PostgreSQL) can replace it later;
//   - payload bytes are never re-encoded; what was received is what is kept;
//   - one writer and many readers may use one archive across processes;
//     writers queue behind a busy timeout instead of failing;
//   - a crash at any point loses at most the capture in flight;
//   - opening an older archive upgrades its schema; opening a newer one is
//     refused with ErrNewerSchema.
package archive
