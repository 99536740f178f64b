// Package archive keeps everything annals has fetched and extracted in one
// SQLite file: crawl runs, captures (every fetch attempt), payloads (the raw
// bytes exactly as received, zstd-compressed, deduplicated by SHA-256,
// delta-compressed against the previous version of a page), articles and
// their versions, events (first seen, changed, unchanged, gone, moved,
// restored, not an article), named locks, the crawl frontier, and the
// full-text indexes.
//
// Promises:
//   - all SQL of annals lives in this package, behind its Go API, so that a
//     different store (PostgreSQL) can replace it later;
//   - payload bytes are never re-encoded; what was received is what is kept;
//   - a Record that returned is on disk (synchronous=FULL); concurrent
//     Record calls share commits (group commit);
//   - a recorded version is searchable at once in the process that
//     recorded it, and in others within a quarter of a second (the
//     full-text indexes are written in batches, index.go);
//   - one writer and many readers may use one archive across processes;
//     writers queue behind a busy timeout instead of failing;
//   - a crash at any point loses at most the capture in flight;
//   - opening an older archive upgrades its schema; opening a newer one is
//     refused with ErrNewerSchema.
//
// Files, one concern each:
//
//	db.go        DB lifecycle: NewDB, Open, Close; connections
//	migrate.go   numbered schema migrations (schema/NNN_*.sql)
//	run.go       crawl runs: StartRun, FinishRun, Run
//	capture.go   Record: captures, payloads, articles, versions, events; group commit
//	index.go     the full-text indexes, written in batches behind a watermark
//	payload.go   payload codec (zstd, deltas) and reading payloads back
//	headers.go   header blocks and patches
//	content.go   the versioned fields, their normalisation and hash
//	tokens.go    the CJK bigram / word tokeniser behind fts_tokens
//	query.go     the search syntax: parser, routing, FTS5 rendering
//	search.go    Search, filters, "as of", snippets
//	read.go      articles, versions, events, captures, payloads by id/URL/digest
//	diff.go      Diff of two versions, field by field and paragraph by paragraph
//	export.go    Export: streaming records; exportfmt.go: CSV/JSON/JSONL encoders
//	verify.go    Verify: integrity, payload hashes, content hashes
//	optimize.go  Optimize: merge the full-text indexes, refresh statistics
//	file.go      CheckFile: what the file's header tells without SQLite (truncation)
//	lock.go      named locks with heartbeat and takeover
//	stmt.go      the write transaction's and the read pool's statement caches
//	frontier.go  the crawl frontier (owned with the crawler)
package archive
