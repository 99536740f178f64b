// Package e2e holds annals' end-to-end tests: they build the real annals
// binary once, serve the sample portal on loopback in the test process,
// and run the binary against it as a user would (crawls, re-crawls after
// the site changed, exports, job files, the daemon and its signals, two
// processes on one archive), checking what ends up in the archive; WARC
// files exchanged with tools annals did not write (warcio.js, wget); and
// the reliability figures: kill -9 at random moments, hostile servers and
// pages, concurrent writers and readers, a full disk, a damaged archive,
// and a crawl of 100,000 pages (with ANNALS_SCALE=1).
//
// It has no code of its own; the tests never reach beyond 127.0.0.1.
package e2e
