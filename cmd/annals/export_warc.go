package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"path/filepath"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/warc"
)

// formatWARC is annals export's WARC format.
const formatWARC = "warc"

// warcExport is annals export --format warc: every capture of the
// selection as WARC records, and optionally a CDXJ index of them.
type warcExport struct {
	db     *archive.DB
	filter archive.CaptureFilter
	// out is the WARC file ("" for standard output); it ends in .warc.gz
	// (a gzip member per record) or .warc (plain).
	out string
	// cdxj is the index file, "" for none.
	cdxj   string
	stdout io.Writer
	stderr io.Writer
	// selection describes the filters, for the warcinfo record.
	selection string
}

// warcCounts counts what an export or a crawl wrote.
type warcCounts struct {
	Captures, Responses, Revisits, Failures, Records int
	Bytes                                            int64
}

// exportWARC checks the flags that do not apply to WARC and runs the export.
func (c *ExportCommand) exportWARC(ctx context.Context, fs *flag.FlagSet, dbPath string, e warcExport) error {
	var wrong []string
	fs.Visit(func(f *flag.Flag) {
		switch f.Name {
		case "versions", "query", "bom":
			wrong = append(wrong, "--"+f.Name)
		}
	})
	if len(wrong) > 0 {
		return usageError("%s cannot be used with --format warc: it writes captures, not article versions (select them with --site, --since and --until)", strings.Join(wrong, " and "))
	}
	if e.cdxj != "" && e.out == "" {
		return usageError("--cdxj needs --out: the index names the WARC file its records are in")
	}
	if e.out == "" && isTTY(c.Stdout) {
		return usageError("WARC is binary: give --out FILE.warc.gz, or redirect standard output")
	}
	db, err := openArchive(ctx, dbPath, true)
	if err != nil {
		return err
	}
	defer db.Close()
	e.db, e.stdout, e.stderr = db, c.Stdout, c.Stderr
	return e.run(ctx)
}

// run writes the WARC (to a temporary file renamed into place only when
// everything was written) and then the index.
func (e *warcExport) run(ctx context.Context) error {
	w := e.stdout
	var file *replacement
	name := ""
	if e.out != "" {
		var err error
		if file, err = newReplacement(e.out); err != nil {
			return fmt.Errorf("export: %w", err)
		}
		defer file.discard()
		w, name = file, filepath.Base(e.out)
	}
	gz := !strings.HasSuffix(e.out, ".warc")
	var ix *warc.Index
	if e.cdxj != "" {
		ix = &warc.Index{Dir: filepath.Dir(e.cdxj)}
		defer ix.Close()
	}
	n, err := e.write(ctx, warc.NewWriter(w, name, gz), ix)
	if err != nil {
		return fmt.Errorf("export: %w", err)
	}
	if file != nil {
		if err := file.commit(); err != nil {
			return fmt.Errorf("export: %w", err)
		}
	}
	if ix != nil {
		if err := writeIndex(ix, e.cdxj); err != nil {
			return fmt.Errorf("export: CDXJ index: %w", err)
		}
	}
	if e.out != "" {
		fmt.Fprintf(e.stderr, "annals: exported %d captures to %s: %d records (%d responses, %d revisits, %d failures as metadata), %d bytes\n",
			n.Captures, e.out, n.Records, n.Responses, n.Revisits, n.Failures, n.Bytes)
		if ix != nil {
			fmt.Fprintf(e.stderr, "annals: CDXJ index of %d records written to %s\n", ix.Len(), e.cdxj)
		}
	}
	return nil
}

// write streams the selected captures into w, adding each response and
// revisit to ix (when not nil).
func (e *warcExport) write(ctx context.Context, w *warc.Writer, ix *warc.Index) (warcCounts, error) {
	var n warcCounts
	runs, err := e.db.CaptureRuns(ctx, e.filter)
	if err != nil {
		return n, err
	}
	if _, err := w.WriteInfo(warcInfo(runs, e.selection), time.Now()); err != nil {
		return n, err
	}
	n.Records++
	err = e.db.EachWARCCapture(ctx, e.filter, func(c archive.WARCCapture, body []byte) error {
		en, err := writeWARCCapture(w, c, body, &n)
		if err != nil {
			return fmt.Errorf("capture %d (%s): %w", c.ID, c.URL, err)
		}
		if ix != nil {
			return ix.Add(en)
		}
		return nil
	})
	n.Bytes = w.Size()
	return n, err
}

// warcWriter is what writes a capture's records: a warc.Writer (export) or
// a warc.Dir (crawl --warc).
type warcWriter interface {
	WriteCapture(*warc.Capture) (warc.Entry, error)
	WriteRevisit(*warc.Revisit) (warc.Entry, error)
	WriteFailure(*warc.Failure) (warc.Entry, error)
}

var (
	_ warcWriter = (*warc.Writer)(nil)
	_ warcWriter = (*warc.Dir)(nil)
)

// writeWARCCapture writes one capture: a metadata record when it got no
// response; a revisit when c.Original holds its payload (an unchanged
// recapture, a 304); else request and response records with the body.
func writeWARCCapture(w warcWriter, c archive.WARCCapture, body []byte, n *warcCounts) (warc.Entry, error) {
	n.Captures++
	if c.Status == 0 {
		n.Failures++
		n.Records++
		return w.WriteFailure(&warc.Failure{URL: c.URL, Date: c.StartedAt, Method: c.Method, Err: c.Err})
	}
	wc := warcCaptureOf(c.CaptureInfo, body)
	n.Records += 2
	if c.Original == nil && c.Status != 304 {
		n.Responses++
		return w.WriteCapture(wc)
	}
	rv := &warc.Revisit{Capture: *wc, Profile: warc.ProfileNotModified}
	if o := c.Original; o != nil && o.PayloadSHA256 != "" {
		rv.Profile = warc.ProfileIdenticalPayload
		rv.PayloadDigest = "sha256:" + o.PayloadSHA256
		rv.RefersToURI, rv.RefersToDate = o.URL, o.At
	}
	n.Revisits++
	return w.WriteRevisit(rv)
}

// warcCaptureOf maps an archived capture to the warc package's.
func warcCaptureOf(ci archive.CaptureInfo, body []byte) *warc.Capture {
	wc := &warc.Capture{
		URL: ci.URL, Date: ci.StartedAt, Method: ci.Method, RequestHeader: ci.RequestHeader,
		Proto: ci.Proto, Status: ci.Status, Header: ci.Header, Payload: body, IP: ci.RemoteAddr,
	}
	switch {
	case ci.Truncated:
		wc.Truncated = warc.TruncatedLength
	case ci.Err != "" && isTimeout(ci.Err):
		wc.Truncated = warc.TruncatedTime
	case ci.Err != "":
		wc.Truncated = warc.TruncatedDisconnect
	}
	return wc
}

// isTimeout tells whether a fetch error says the time ran out.
func isTimeout(err string) bool {
	err = strings.ToLower(err)
	return strings.Contains(err, "timeout") || strings.Contains(err, "deadline")
}

// warcInfo describes an export or a crawl's files in their warcinfo record.
func warcInfo(runs []archive.Run, selection string) *warc.Info {
	info := &warc.Info{Software: userAgent()}
	if selection != "" {
		info.Fields = append(info.Fields, warc.Field{Name: "description", Value: selection})
	}
	for _, r := range runs {
		info.Fields = append(info.Fields, warc.Field{Name: "annals-run", Value: runInfoText(r)})
	}
	return info
}

// runInfoText describes a run on one line.
func runInfoText(r archive.Run) string {
	s := fmt.Sprintf("%d; job %s; started %s; %s", r.ID, r.Job, r.StartedAt.UTC().Format(time.RFC3339), r.Status)
	if r.Command != "" {
		s += "; " + r.Command
	}
	return s
}

// writeIndex writes ix sorted to path, replacing it only when complete.
func writeIndex(ix *warc.Index, path string) error {
	f, err := newReplacement(path)
	if err != nil {
		return err
	}
	defer f.discard()
	if _, err := ix.WriteTo(f); err != nil {
		return err
	}
	return f.commit()
}

// warcSelection describes export filters for the warcinfo record.
func warcSelection(site, since, until string) string {
	var parts []string
	if site != "" {
		parts = append(parts, "site "+site)
	}
	if since != "" {
		parts = append(parts, "since "+since)
	}
	if until != "" {
		parts = append(parts, "until "+until)
	}
	if len(parts) == 0 {
		return "annals export of every capture of the archive"
	}
	return "annals export of the captures of " + strings.Join(parts, ", ")
}
