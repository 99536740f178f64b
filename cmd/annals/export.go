package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/annals/annals/archive"
)

// defaultDB is the archive a command uses without --db.
const defaultDB = "annals.db"

// ExportCommand writes the archive's articles as CSV, JSON or JSON Lines,
// or its captures as WARC (export_warc.go).
type ExportCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *ExportCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals export", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	format := fs.String("format", "", "output format: csv, json, jsonl, or warc for the captures themselves (required)")
	versions := fs.String("versions", "latest", "latest: one record per article; all: one per version")
	out := fs.String("out", "", "write to `file` (replaced only when the export succeeds) instead of standard output")
	site := fs.String("site", "", "only articles of this `host` (www. ignored)")
	since := fs.String("since", "", "only versions first captured on or after `date` (capture time; YYYY-MM-DD or RFC 3339; dates are UTC)")
	until := fs.String("until", "", "only versions first captured before the end of `date` (a bare date includes that day)")
	pubSince := fs.String("published-since", "", "only versions published on or after `date` (the page's publish time; versions without one are left out)")
	pubUntil := fs.String("published-until", "", "only versions published before the end of `date`")
	query := fs.String("query", "", "only versions matching this search `text` (same syntax as search)")
	cdxj := fs.String("cdxj", "", "with --format warc: also write a CDXJ index of the WARC (as pywb reads) to `file`")
	bom := fs.Bool("bom", false, "start CSV with a UTF-8 byte order mark, for spreadsheet programs (Excel garbles Chinese without it)")
	csvSafe := fs.Bool("csv-safe", false, "put ' before CSV cells starting with = + - @ tab or CR, so that a spreadsheet cannot run archived text as a formula")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals export --format csv|json|jsonl|warc [flags]

Writes the archived articles, streaming (memory stays flat at any size).
One record per article (its latest version) or, with --versions all, per
version. Fields: url, version, state, moved_to, first_seen, captured_at,
last_checked_at, title, kicker, subtitle, published, bylines, source,
language, body, changed, content_sha256, payload_sha256, capture_id, run_id.
A version's state is the article's state while it was the latest version
(for the latest, the state now).

--since and --until select by capture time (when annals first saw a
version); --published-since and --published-until by the publish time the
page states. Spreadsheet users: --bom for Chinese text, --csv-safe so that
no archived text can run as a formula (cells starting with = + - @ get a
leading ').

--format warc writes every capture instead (WARC/1.1, .warc.gz: request and
response records, revisits for unchanged recaptures and 304s, failures as
metadata), selected by --site, --since and --until; --cdxj indexes it.

Examples:
  annals export --format csv --bom --csv-safe --out articles.csv
  annals export --format csv --published-since 2024-01-01 --published-until 2024-03-31
  annals export --format jsonl --versions all --site tl.example.cn --since 2024-01-01
  annals export --format json --query '人大 OR 政协'
  annals export --format warc --out portal.warc.gz --cdxj portal.cdxj --site tl.example.cn

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() > 0 {
		return usageError("export takes no arguments, got %q: see 'annals export --help'", fs.Args())
	}
	q := archive.ExportQuery{Site: *site, Text: *query}
	switch *format {
	case archive.FormatCSV, archive.FormatJSON, archive.FormatJSONL, formatWARC:
	case "":
		return usageError("export needs --format csv, json, jsonl or warc")
	default:
		return usageError("unknown --format %q: use csv, json, jsonl or warc", *format)
	}
	if *cdxj != "" && *format != formatWARC {
		return usageError("--cdxj applies to --format warc only")
	}
	switch *versions {
	case "latest":
	case "all":
		q.AllVersions = true
	default:
		return usageError("unknown --versions %q: use latest or all", *versions)
	}
	if *bom && *format != archive.FormatCSV {
		return usageError("--bom applies to --format csv only")
	}
	if *csvSafe && *format != archive.FormatCSV {
		return usageError("--csv-safe applies to --format csv only")
	}
	var err error
	if q.Since, err = parseDate(*since, false); err != nil {
		return usageError("--since: %v", err)
	}
	if q.Until, err = parseDate(*until, true); err != nil {
		return usageError("--until: %v", err)
	}
	if !q.Since.IsZero() && !q.Until.IsZero() && !q.Until.After(q.Since) {
		return usageError("--until %s is not after --since %s", *until, *since)
	}
	if q.PublishedSince, err = parseDate(*pubSince, false); err != nil {
		return usageError("--published-since: %v", err)
	}
	if q.PublishedUntil, err = parseDate(*pubUntil, true); err != nil {
		return usageError("--published-until: %v", err)
	}
	if !q.PublishedSince.IsZero() && !q.PublishedUntil.IsZero() && !q.PublishedUntil.After(q.PublishedSince) {
		return usageError("--published-until %s is not after --published-since %s", *pubUntil, *pubSince)
	}
	if *format == formatWARC && (*pubSince != "" || *pubUntil != "") {
		return usageError("--published-since and --published-until select articles; --format warc writes captures, selected by --since and --until")
	}
	if *format == formatWARC {
		return c.exportWARC(ctx, fs, *dbPath, warcExport{filter: archive.CaptureFilter{Site: *site, Since: q.Since, Until: q.Until, WithPayload: true},
			out: *out, cdxj: *cdxj, selection: warcSelection(*site, *since, *until)})
	}

	db, err := openArchive(ctx, *dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()

	w := c.Stdout
	var file *replacement
	if *out != "" {
		if file, err = newReplacement(*out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer file.discard()
		w = file
	}
	n, err := exportArticles(ctx, db, w, *format, archive.ExportOptions{BOM: *bom, CSVSafe: *csvSafe}, q)
	if errors.Is(err, archive.ErrBadQuery) {
		return usageError("--query: %v", err)
	}
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		fmt.Fprintf(c.Stderr, "annals: exported %d records to %s\n", n, *out)
	}
	return nil
}

// exportArticles writes the versions q selects to w in format (csv, json
// or jsonl) and returns how many records it wrote.
func exportArticles(ctx context.Context, db *archive.DB, w io.Writer, format string, o archive.ExportOptions, q archive.ExportQuery) (int, error) {
	enc, err := archive.NewExportEncoderWith(w, format, o)
	if err != nil {
		return 0, err
	}
	n := 0
	err = db.Export(ctx, q, func(r archive.ExportRecord) error {
		n++
		return enc.Encode(r)
	})
	if err != nil {
		return n, err
	}
	return n, enc.Close()
}

// replacement is a file written beside path under a temporary name, that
// takes path's place only when committed, so that a failed or interrupted
// export never leaves a partial file where a good one was.
type replacement struct {
	*os.File
	path string
	done bool
}

func newReplacement(path string) (*replacement, error) {
	f, err := os.CreateTemp(filepath.Dir(path), "."+filepath.Base(path)+".*.tmp")
	if err != nil {
		return nil, err
	}
	return &replacement{File: f, path: path}, nil
}

// commit syncs and closes the file and renames it to its path, readable
// by all (replay tools often run as another user). On failure the
// temporary file is removed.
func (r *replacement) commit() error {
	r.done = true
	err := r.Chmod(0o644)
	if err == nil {
		err = r.Sync()
	}
	if cerr := r.Close(); err == nil {
		err = cerr
	}
	if err == nil {
		err = os.Rename(r.Name(), r.path)
	}
	if err != nil {
		os.Remove(r.Name())
	}
	return err
}

// discard closes and removes the file unless it was committed.
func (r *replacement) discard() {
	if !r.done {
		r.done = true
		r.Close()
		os.Remove(r.Name())
	}
}

// parseDate reads YYYY-MM-DD (UTC) or RFC 3339. A bare date read as an
// upper bound means the end of that day.
func parseDate(s string, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	if t, err := time.Parse(time.RFC3339, s); err == nil {
		return t, nil
	}
	t, err := time.Parse("2006-01-02", s)
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD or 2006-01-02T15:04:05Z07:00", s)
	}
	if endOfDay {
		t = t.AddDate(0, 0, 1)
	}
	return t, nil
}

// openArchive opens an existing archive; it never creates one.
func openArchive(ctx context.Context, path string, readOnly bool) (*archive.DB, error) {
	if _, err := os.Stat(path); err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, fmt.Errorf("no archive at %s: crawl into it first, or give --db", path)
		}
		return nil, fmt.Errorf("open archive: %w", err)
	}
	db := archive.NewDB(path)
	db.ReadOnly = readOnly
	if err := db.Open(ctx); err != nil {
		return nil, err
	}
	return db, nil
}
