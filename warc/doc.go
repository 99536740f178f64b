// Package warc writes and reads WARC files (ISO 28500, WARC/1.1), the
// format web archives exchange captures in, through the gowarc library of
// the National Library of Norway (github.com/nlnwa/gowarc): gowarc builds,
// serialises, parses and validates every record; this package decides which
// records a capture becomes, frames them in files (a gzip member per
// record, rotation, offsets) and finds its way past damage when reading.
//
// It owns:
//   - the records of a capture: a request record (request line and headers
//     as sent) and a response record (status line, headers and the payload
//     bytes exactly as kept), naming each other in WARC-Concurrent-To; a
//     revisit record instead of the response for a recapture whose payload
//     is already in a WARC (profile identical-payload-digest) or that the
//     server answered 304 (identical-payload-digest when the original is
//     known, else server-not-modified); a metadata record for a fetch that
//     got no response; a warcinfo record at the start of each file;
//   - Writer: records onto one stream; Dir: files in a directory, rotated
//     by size, named PREFIX-TIMESTAMP-SERIAL.warc.gz, "*.open" while written;
//   - Reader: the records of a .warc or .warc.gz file, from any tool,
//     reporting each unreadable part (with its offset) once and carrying on;
//   - CDXJ: index lines as pywb and warcio.js write them (SURT key,
//     timestamp, JSON), and Index, which sorts any number of them in bounded
//     memory.
//
// Promises:
//   - digests are SHA-256 in lower-case hex ("sha256:…"), block and payload;
//     WARC-Date keeps fractions of a second (WARC/1.1);
//   - payload bytes are written as given, never re-encoded; a payload that
//     is not the whole body is marked WARC-Truncated;
//   - reading never panics on any input, and memory stays bounded by
//     ReaderOptions.MaxPayload whatever the size of a record (gowarc spills
//     large blocks to temporary files);
//   - the package knows nothing of the annals archive or of extraction: it
//     takes and returns its own types, and the command converts.
//
// Files, one concern each:
//
//	record.go  the records of a capture, a revisit, a failure, a warcinfo
//	writer.go  Writer: records onto one stream, gzip per record, Entry per record
//	dir.go     Dir: files in a directory, rotated by size, closed cleanly
//	reader.go  Reader: records of a file, offsets, damage skipped and reported
//	http.go    the HTTP messages inside records; Body undoes transfer and content codings
//	cdxj.go    SURT keys, CDXJ lines, Index (external sort)
package warc
