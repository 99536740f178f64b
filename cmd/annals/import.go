package main

import (
	"context"
	"crypto/sha256"
	"encoding/base32"
	"encoding/hex"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/url"
	"os"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
	"github.com/annals/annals/job"
	"github.com/annals/annals/warc"
)

// ImportCommand reads WARC files made by any tool into the archive.
type ImportCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// importJob is the job name of import runs.
const importJob = "import"

// importSettings are recorded with an import's run.
type importSettings struct {
	Files   []importFile `json:"files"`
	MaxBody int64        `json:"max_body"`
	Zone    string       `json:"zone,omitempty"`
	Rules   string       `json:"rules,omitempty"`
}

type importFile struct {
	Path string `json:"path"`
	Size int64  `json:"size"`
}

// Run implements command.
func (c *ImportCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals import", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file` (created when missing)")
	var maxBody int64 = crawler.DefaultMaxBody
	fs.Var(sizeFlag{&maxBody}, "max-body", "most bytes kept of one response body, a `size` such as 10MiB (as crawl's); longer bodies are cut and marked truncated")
	zone := fs.String("zone", "", "time `zone` of the sites, for pages that print times without one (IANA name; default: China Standard Time for Chinese pages)")
	rules := fs.String("rules", "", "per-site extraction rules `file` (.toml, .yaml or .yml), as for crawl")
	var lo logOptions
	lo.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals import [--db FILE] [flags] FILE.warc[.gz]...

Reads WARC files (WARC/1.0 or 1.1, plain or gzipped, from annals, wget,
Heritrix, Browsertrix, warcprox, …) into the archive, as if their captures
had been crawled: every HTTP response becomes a capture at its WARC-Date
(HTML pages are extracted and their articles versioned; other responses are
kept as captures), revisit records are resolved to their original (in these
files or in the archive), request records give their capture its request
headers, and annals' own failure records become failed captures. The import
is recorded as a run (job "import") with its files.

Nothing already archived is touched: a capture already in the archive (same
URL, time and payload) is skipped, so importing a file twice adds nothing; a
capture older than the archive's latest capture of its URL is skipped too
(history is kept in order; import older files first). Malformed records are
reported with their file and offset, skipped, and the rest imported. Give
the files oldest first (timestamped names sort so).

Exit status: 0 when every file was read, even with skipped records; 1 when a
file could not be read or held no readable record (the others are still
imported); 3 when another import into the archive is running; 130 when
interrupted (import the same files again to finish).

Examples:
  annals import crawl-2021.warc.gz
  annals import --db tl.db --zone Asia/Shanghai WEB-*.warc.gz
  annals import --max-body 50MiB site.warc

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() == 0 {
		return usageError("import needs at least one WARC file, e.g. annals import crawl.warc.gz")
	}
	settings := importSettings{MaxBody: maxBody, Zone: *zone, Rules: *rules}
	var bad []string
	for _, p := range fs.Args() {
		st, err := os.Stat(p)
		switch {
		case err != nil:
			bad = append(bad, err.Error())
		case st.IsDir():
			bad = append(bad, p+" is a directory (give the files: "+p+"/*.warc.gz)")
		default:
			settings.Files = append(settings.Files, importFile{Path: p, Size: st.Size()})
		}
	}
	opts := extract.Options{}
	if *zone != "" {
		z, err := job.ParseZone(*zone)
		if err != nil {
			bad = append(bad, "--zone: "+err.Error())
		}
		opts.DefaultZone = z
	}
	if *rules != "" {
		if r, err := readRules(*rules); err != nil {
			bad = append(bad, "--rules: "+err.Error())
		} else {
			opts.Rules = r
		}
	}
	if len(bad) > 0 {
		return usageError("%s", strings.Join(bad, "\n  "))
	}
	logger, err := lo.logger(c.Stderr)
	if err != nil {
		return err
	}
	db, err := openWritable(ctx, *dbPath, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	command := recordedCommand("import", args)
	lock, err := db.AcquireLock(ctx, "import", lockOwner(command), processAlive)
	if errors.Is(err, archive.ErrLocked) {
		return &exitError{code: exitLocked, err: fmt.Errorf("another import into %s is running: %w; wait for it to finish", *dbPath, err)}
	}
	if err != nil {
		return fmt.Errorf("import: %w", err)
	}
	defer lock.Release(context.WithoutCancel(ctx))

	runID, err := db.StartRun(ctx, archive.RunInfo{Job: importJob, Settings: settings, Command: command})
	if err != nil {
		return fmt.Errorf("import: record the run's start: %w", err)
	}
	im := newImporter(&Pipeline{DB: db, Extractor: extract.New(opts), RunID: runID, Logger: logger.With("run", runID)}, maxBody, c.Stderr, logger)
	var importErr error
	for _, f := range settings.Files {
		if importErr = im.importFile(ctx, f.Path); importErr != nil {
			break
		}
	}
	if importErr == nil && len(im.unreadable) > 0 {
		importErr = fmt.Errorf("no WARC record could be read in %s: %w", strings.Join(im.unreadable, ", "), errNotWARC)
	}
	status, note := archive.RunCompleted, im.stats.note()
	switch {
	case ctx.Err() != nil:
		status, note = archive.RunInterrupted, "stopped by a signal; import the same files again to finish (what is archived is skipped)"
	case importErr != nil && !errors.Is(importErr, errNotWARC):
		status, note = archive.RunFailed, importErr.Error()
	}
	sum, ferr := db.FinishRun(context.WithoutCancel(ctx), runID, status, note)
	if ferr != nil {
		logger.Error("could not record the import's end", "err", ferr)
	}
	im.stats.print(c.Stdout, runID, status, sum)
	switch {
	case status == archive.RunInterrupted:
		return &exitError{code: exitInterrupted, err: fmt.Errorf("import %w: run %d recorded as interrupted; import the same files again to finish", errInterrupted, runID)}
	case importErr != nil:
		return fmt.Errorf("import: %w", importErr)
	}
	return nil
}

// importer turns WARC records into captures.
type importer struct {
	// pipe records the captures, in its archive and run, as a crawl's.
	pipe     *Pipeline
	maxBody  int64
	problems io.Writer // each skipped record, one line
	log      *slog.Logger
	stats    importStats

	// Request records waiting for their response, by record ID.
	requests *bounded[*warc.Record]
	// The payloads imported, by the WARC's payload digest and by record
	// ID, for revisits whose digest is not SHA-256.
	digests, ids *bounded[string]
	// pending is a response whose request record may follow it.
	pending *warc.Record
	file    string
	// unreadable lists the files in which no record could be read.
	unreadable []string
}

// errNotWARC is wrapped by the error of an import with files that hold no
// readable WARC record.
var errNotWARC = errors.New("are they WARC files?")

// importMemory bounds the request records and digests an import keeps.
const importMemory = 1 << 18

func newImporter(pipe *Pipeline, maxBody int64, problems io.Writer, log *slog.Logger) *importer {
	return &importer{pipe: pipe, maxBody: maxBody, problems: problems, log: log,
		requests: newBounded[*warc.Record](4096), digests: newBounded[string](importMemory), ids: newBounded[string](importMemory)}
}

// importStats counts what an import did.
type importStats struct {
	Files, Records, Captures, Responses, Revisits, Failures int
	Already, Older, Unresolved, Malformed, Skipped, Warned  int
	MalformedBytes                                          int64
}

func (s *importStats) note() string {
	var parts []string
	if s.Malformed > 0 {
		parts = append(parts, fmt.Sprintf("%d damaged stretches skipped (%d bytes)", s.Malformed, s.MalformedBytes))
	}
	if s.Unresolved > 0 {
		parts = append(parts, fmt.Sprintf("%d revisits whose original was not found", s.Unresolved))
	}
	if s.Older > 0 {
		parts = append(parts, fmt.Sprintf("%d captures older than the archive's of their URL skipped", s.Older))
	}
	return strings.Join(parts, "; ")
}

func (s *importStats) print(w io.Writer, runID int64, status archive.RunStatus, sum archive.RunSummary) {
	fmt.Fprintf(w, "import run %d: %s, %d %s, %d records\n", runID, status, s.Files, plural(s.Files, "file"), s.Records)
	fmt.Fprintf(w, "  captures: %d imported (%d responses, %d revisits, %d failures), %d already archived, %d older than the archive's\n",
		s.Captures, s.Responses, s.Revisits, s.Failures, s.Already, s.Older)
	fmt.Fprintf(w, "  articles: %d new, %d changed, %d unchanged, %d gone, %d moved, %d restored\n",
		sum.NewArticles, sum.Changed, sum.Unchanged, sum.Gone, sum.Moved, sum.Restored)
	fmt.Fprintf(w, "  skipped:  %d damaged stretches (%d bytes), %d revisits without original, %d records of other kinds; %d records with warnings\n",
		s.Malformed, s.MalformedBytes, s.Unresolved, s.Skipped, s.Warned)
}

// importFile reads one WARC file into the archive.
func (im *importer) importFile(ctx context.Context, path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	im.file = path
	im.stats.Files++
	before, bad := im.stats.Records, im.stats.Malformed
	err = im.importReader(ctx, f)
	if err == nil && im.stats.Records == before && im.stats.Malformed > bad {
		im.unreadable = append(im.unreadable, path)
	}
	return err
}

// importReader reads the WARC records of src. Only a failure to read the
// file or to store a capture is an error; bad records are reported and
// skipped.
func (im *importer) importReader(ctx context.Context, src io.ReadSeeker) error {
	r := warc.NewReader(src, warc.ReaderOptions{MaxPayload: im.maxBody})
	defer func() { im.pending = nil }()
	for {
		if err := ctx.Err(); err != nil {
			return err
		}
		rec, err := r.Next()
		var bad *warc.MalformedError
		switch {
		case err == io.EOF:
			return im.flush(ctx)
		case errors.As(err, &bad):
			im.stats.Malformed++
			im.stats.MalformedBytes += bad.End - bad.Offset
			fmt.Fprintf(im.problems, "annals: %s: %v\n", im.file, bad)
			continue
		case err != nil:
			return fmt.Errorf("%s: %w", im.file, err)
		}
		im.stats.Records++
		if len(rec.Warnings) > 0 {
			im.stats.Warned++
			im.log.Debug("record read with warnings", "file", im.file, "offset", rec.Offset, "type", rec.Type, "warnings", rec.Warnings)
		}
		if err := im.record(ctx, rec); err != nil {
			return err
		}
	}
}

// record handles one record. A response is held back one record, in case
// its request record follows it (as Heritrix writes them).
func (im *importer) record(ctx context.Context, rec *warc.Record) error {
	if rec.Type == "request" && rec.HTTP != nil {
		if p := im.pending; p != nil && linked(p, rec) {
			im.pending = nil
			return im.ingest(ctx, p, rec)
		}
		rec.HTTP.Payload = nil // only the method and headers are kept
		im.requests.put(rec.ID, rec)
		return nil
	}
	if err := im.flush(ctx); err != nil {
		return err
	}
	switch rec.Type {
	case "response", "revisit":
		if rec.HTTP == nil || rec.HTTP.Status == 0 {
			im.skip(rec, "not an HTTP response")
			return nil
		}
		for _, id := range rec.ConcurrentTo {
			if req, ok := im.requests.take(id); ok {
				return im.ingest(ctx, rec, req)
			}
		}
		im.pending = rec
	case "metadata":
		return im.failure(ctx, rec)
	default:
		im.skip(rec, "")
	}
	return nil
}

// linked tells whether two records name each other in WARC-Concurrent-To.
func linked(a, b *warc.Record) bool {
	for _, id := range a.ConcurrentTo {
		if id == b.ID {
			return true
		}
	}
	for _, id := range b.ConcurrentTo {
		if id == a.ID {
			return true
		}
	}
	return false
}

// flush ingests the response held back.
func (im *importer) flush(ctx context.Context) error {
	p := im.pending
	if p == nil {
		return nil
	}
	im.pending = nil
	return im.ingest(ctx, p, nil)
}

// skip counts a record that becomes no capture, reporting it when why says
// what was wrong with it.
func (im *importer) skip(rec *warc.Record, why string) {
	im.stats.Skipped++
	if why != "" {
		fmt.Fprintf(im.problems, "annals: %s: offset %d: %s record of %q skipped: %s\n", im.file, rec.Offset, rec.Type, rec.URL, why)
	}
}

// ingest turns a response or revisit record (with its request record, when
// known) into a capture and records it.
func (im *importer) ingest(ctx context.Context, rec, req *warc.Record) error {
	u, ok := im.target(rec)
	if !ok {
		return nil
	}
	c := &archive.Capture{
		RunID: im.pipe.RunID, URL: rec.URL, Method: http.MethodGet, Proto: rec.HTTP.Proto, Status: rec.HTTP.Status,
		StartedAt: rec.Date, RemoteAddr: rec.IP,
	}
	if req != nil && req.HTTP != nil {
		c.Method = req.HTTP.Method
		c.RequestHeader = req.HTTP.Header.Clone()
		c.RequestHeader.Del("Host") // the crawler keeps the headers it set; Host is the URL's
	}
	switch {
	case rec.Type == "revisit" && c.Status == http.StatusNotModified:
		// A 304 carries no body: nothing to resolve.
		c.Header = rec.HTTP.Header.Clone()
		c.Header.Del("Transfer-Encoding")
	case rec.Type == "revisit":
		payload, err := im.original(ctx, rec)
		if err != nil {
			im.stats.Unresolved++
			im.skip(rec, err.Error())
			return nil
		}
		// The original is archived as a client receives it: decoded.
		m := &warc.HTTPMessage{Status: c.Status, Header: rec.HTTP.Header, Payload: payload}
		var cut bool
		c.Body, c.Header, cut = m.Body(im.maxBody)
		if c.Header.Get("Content-Encoding") != "" {
			c.Header.Del("Content-Encoding")
			c.Header.Del("Content-Length")
		}
		c.Truncated = cut
	default:
		var cut bool
		c.Body, c.Header, cut = rec.HTTP.Body(im.maxBody)
		c.Truncated = cut || rec.HTTP.PayloadCut
	}
	switch rec.Truncated {
	case "":
	case warc.TruncatedLength:
		c.Truncated = true
	default:
		c.Err = "cut short (WARC-Truncated: " + rec.Truncated + ")"
	}
	if c.Status >= 300 && c.Status < 400 {
		if loc := c.Header.Get("Location"); loc != "" {
			if lu, err := u.Parse(loc); err == nil {
				c.RedirectTo = lu.String()
			}
		}
	}
	stored, err := im.store(ctx, rec, c)
	if err != nil || !stored {
		return err
	}
	if rec.Type == "revisit" {
		im.stats.Revisits++
	} else {
		im.stats.Responses++
	}
	return nil
}

// target checks a record's URL and date, reporting it when they cannot
// make a capture.
func (im *importer) target(rec *warc.Record) (*url.URL, bool) {
	u, err := url.Parse(rec.URL)
	if err != nil || !u.IsAbs() || (u.Scheme != "http" && u.Scheme != "https") || u.Hostname() == "" {
		im.skip(rec, "WARC-Target-URI is not an absolute http(s) URL")
		return nil, false
	}
	if rec.Date.IsZero() {
		im.skip(rec, "no WARC-Date")
		return nil, false
	}
	return u, true
}

// failure imports annals' metadata record of a fetch without a response.
func (im *importer) failure(ctx context.Context, rec *warc.Record) error {
	var errText, method string
	for _, f := range rec.Fields {
		switch strings.ToLower(f.Name) {
		case warc.FieldFetchError:
			errText = f.Value
		case "method":
			method = f.Value
		}
	}
	if errText == "" {
		im.skip(rec, "")
		return nil
	}
	if _, ok := im.target(rec); !ok {
		return nil
	}
	if method == "" {
		method = http.MethodGet
	}
	stored, err := im.store(ctx, rec, &archive.Capture{RunID: im.pipe.RunID, URL: rec.URL, Method: method, Err: errText, StartedAt: rec.Date, Header: http.Header{}})
	if stored {
		im.stats.Failures++
	}
	return err
}

// store records a capture unless the archive has it, or has a later
// capture of its URL. It remembers the payload for later revisits.
func (im *importer) store(ctx context.Context, rec *warc.Record, c *archive.Capture) (bool, error) {
	var sum string
	if len(c.Body) > 0 {
		s := sha256.Sum256(c.Body)
		sum = hex.EncodeToString(s[:])
	}
	latest, err := im.pipe.DB.LatestCaptureTime(ctx, c.URL)
	if err != nil {
		return false, err
	}
	// Only when the URL's latest capture is not older than this one (to
	// the archive's millisecond) can the archive hold this very capture:
	// a fresh import asks once per record, not twice.
	if latest.UnixMilli() >= c.StartedAt.UnixMilli() {
		refs, err := im.pipe.DB.CapturesAt(ctx, c.URL, c.StartedAt)
		if err != nil {
			return false, err
		}
		for _, ref := range refs {
			if ref.PayloadSHA256 == sum {
				im.stats.Already++
				im.remember(rec, sum)
				return false, nil
			}
		}
	}
	if latest.After(c.StartedAt) {
		im.stats.Older++
		im.log.Info("capture older than the archive's latest of its URL: skipped", "file", im.file, "offset", rec.Offset,
			"url", c.URL, "at", c.StartedAt.Format(time.RFC3339), "latest", latest.Format(time.RFC3339))
		im.remember(rec, sum)
		return false, nil
	}
	out, _, err := im.pipe.Ingest(ctx, c, Extractable(c))
	if err != nil {
		return false, err
	}
	im.stats.Captures++
	im.remember(rec, out.PayloadSHA256)
	return true, nil
}

// remember keeps where a payload is, for revisits of it.
func (im *importer) remember(rec *warc.Record, sum string) {
	if sum == "" || rec.Type != "response" {
		return
	}
	im.ids.put(rec.ID, sum)
	if rec.PayloadDigest != "" && sha256Hex(rec.PayloadDigest) == "" {
		im.digests.put(rec.PayloadDigest, sum)
	}
}

// errNoOriginal is wrapped by the error of a revisit whose payload is not
// found.
var errNoOriginal = errors.New("original not found in these files or the archive")

// original finds the payload a revisit refers to: by its SHA-256 digest
// in the archive, by its digest or record ID among the payloads imported,
// or by the original's URL and date in the archive.
func (im *importer) original(ctx context.Context, rec *warc.Record) ([]byte, error) {
	var sums []string
	if s := sha256Hex(rec.PayloadDigest); s != "" {
		sums = append(sums, s)
	}
	if s, ok := im.digests.get(rec.PayloadDigest); ok {
		sums = append(sums, s)
	}
	if s, ok := im.ids.get(rec.RefersTo); ok {
		sums = append(sums, s)
	}
	if rec.RefersToURI != "" && !rec.RefersToDate.IsZero() {
		refs, err := im.pipe.DB.CapturesAt(ctx, rec.RefersToURI, rec.RefersToDate)
		if err != nil {
			return nil, err
		}
		for _, r := range refs {
			if r.PayloadSHA256 != "" {
				sums = append(sums, r.PayloadSHA256)
			}
		}
	}
	for _, s := range sums {
		b, err := im.pipe.DB.Payload(ctx, s)
		if err == nil {
			return b, nil
		}
		if !errors.Is(err, archive.ErrNotFound) {
			return nil, err
		}
	}
	return nil, fmt.Errorf("revisit (payload %s): %w", rec.PayloadDigest, errNoOriginal)
}

// sha256Hex returns the hex SHA-256 of a WARC digest "sha256:…" (hex or
// base32), "" when it is not one.
func sha256Hex(d string) string {
	alg, v, ok := strings.Cut(d, ":")
	if !ok || !strings.EqualFold(strings.ReplaceAll(alg, "-", ""), "sha256") {
		return ""
	}
	if b, err := hex.DecodeString(v); err == nil && len(b) == sha256.Size {
		return hex.EncodeToString(b)
	}
	enc := base32.StdEncoding
	if !strings.HasSuffix(v, "=") {
		enc = enc.WithPadding(base32.NoPadding)
	}
	if b, err := enc.DecodeString(strings.ToUpper(v)); err == nil && len(b) == sha256.Size {
		return hex.EncodeToString(b)
	}
	return ""
}

// bounded is a map that forgets its oldest keys past a size, so that an
// import of any size keeps bounded memory.
type bounded[V any] struct {
	m     map[string]V
	order []string
	next  int
	max   int
}

func newBounded[V any](max int) *bounded[V] {
	return &bounded[V]{m: map[string]V{}, max: max}
}

func (b *bounded[V]) put(k string, v V) {
	if k == "" {
		return
	}
	if _, ok := b.m[k]; !ok {
		if len(b.order) < b.max {
			b.order = append(b.order, k)
		} else {
			delete(b.m, b.order[b.next])
			b.order[b.next] = k
			b.next = (b.next + 1) % b.max
		}
	}
	b.m[k] = v
}

func (b *bounded[V]) get(k string) (V, bool) {
	v, ok := b.m[k]
	return v, ok
}

// take returns and forgets a key's value (its slot is reused when the
// order wraps round to it).
func (b *bounded[V]) take(k string) (V, bool) {
	v, ok := b.m[k]
	delete(b.m, k)
	return v, ok
}
