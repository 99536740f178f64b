package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"strings"
	"sync"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/job"
	"github.com/annals/annals/warc"
)

// annals crawl --warc DIR: every capture, once the archive has stored it,
// is also written to WARC files in DIR (warc.Dir: rotated by size, closed
// cleanly when the crawl ends or is interrupted).

// warcFlags are crawl's WARC flags.
type warcFlags struct {
	dir    string
	size   int64
	prefix string
}

func (f *warcFlags) register(fs *flag.FlagSet) {
	f.size = warc.DefaultMaxFileSize
	fs.StringVar(&f.dir, "warc", "", "also write every capture to WARC files in `dir` as it happens (.warc.gz; the directory must exist)")
	fs.Var(sizeFlag{&f.size}, "warc-size", "with --warc: close a WARC file once it reaches this `size` and begin the next")
	fs.StringVar(&f.prefix, "warc-prefix", "annals", "with --warc: start of the files' names, PREFIX-TIMESTAMP-SERIAL.warc.gz")
}

// attach makes r's runs write WARC files when --warc was given. The
// returned function closes the file being written and, given a writer,
// says what was written; it does nothing without --warc.
func (f *warcFlags) attach(r *jobRunner) (closeWARC func(io.Writer) error, err error) {
	if f.dir == "" {
		return func(io.Writer) error { return nil }, nil
	}
	d, err := warc.OpenDir(warc.DirOptions{Dir: f.dir, Prefix: f.prefix, MaxSize: f.size, Info: *warcInfo(nil, "annals crawl: "+r.command)})
	if err != nil {
		if errors.Is(err, os.ErrNotExist) {
			return nil, usageError("--warc: %v (create the directory first)", err)
		}
		return nil, usageError("--warc: %v", err)
	}
	t := newWARCTee(r.db, d)
	r.tee = t
	return t.close, nil
}

// jobWARC opens the WARC files a job file's job asks for (warc_dir),
// creating the directory when missing: the tee, and the function that
// closes it and logs what was written. Without warc_dir, or when the
// command line already writes WARC files (crawl --warc), it returns nil.
func (r *jobRunner) jobWARC(j *job.Job, log *slog.Logger) (captureTee, func(), error) {
	if j.WARCDir == "" || r.tee != nil {
		return nil, func() {}, nil
	}
	if err := os.MkdirAll(j.WARCDir, 0o755); err != nil {
		return nil, nil, fmt.Errorf("job %s: warc_dir: %w", j.Name, err)
	}
	size := j.WARCSize
	if size == 0 {
		size = warc.DefaultMaxFileSize
	}
	prefix := strings.NewReplacer(":", "_", "+", "_").Replace(j.Name)
	d, err := warc.OpenDir(warc.DirOptions{Dir: j.WARCDir, Prefix: prefix, MaxSize: size, Info: *warcInfo(nil, "annals job "+j.Name+": "+r.command)})
	if err != nil {
		return nil, nil, fmt.Errorf("job %s: warc_dir: %w", j.Name, err)
	}
	t := newWARCTee(r.db, d)
	return t, func() {
		var report strings.Builder
		if err := t.close(&report); err != nil {
			log.Error("could not close the job's WARC file", "err", err)
		}
		if s := strings.TrimSpace(report.String()); s != "" {
			log.Info("WARC files written", "files", t.dir.Files(), "summary", strings.TrimPrefix(s, "warc:"))
		}
	}, nil
}

func newWARCTee(db *archive.DB, d *warc.Dir) *warcTee {
	return &warcTee{db: db, dir: d, seen: newBounded[archive.CaptureRef](importMemory)}
}

// warcTee writes each stored capture into WARC files.
type warcTee struct {
	db  *archive.DB
	dir *warc.Dir

	mu sync.Mutex
	// seen holds, by payload digest, the first capture written with that
	// payload, so that a recapture of it becomes a revisit (bounded: past
	// that, a payload is written again, never lost).
	seen   *bounded[archive.CaptureRef]
	n      warcCounts
	closed bool
}

var _ captureTee = (*warcTee)(nil)

// Tee implements captureTee. It finishes writing even when ctx is
// cancelled: the capture is already in the archive.
func (t *warcTee) Tee(ctx context.Context, c *archive.Capture, out archive.Outcome) error {
	ctx = context.WithoutCancel(ctx)
	at := c.StartedAt.Truncate(time.Millisecond) // the archive's precision, as an export writes it
	wc := archive.WARCCapture{CaptureInfo: archive.CaptureInfo{
		ID: out.CaptureID, RunID: c.RunID, URL: c.URL, Method: c.Method, StartedAt: at, Duration: c.Duration,
		Proto: c.Proto, Status: c.Status, RequestHeader: c.RequestHeader, Header: c.Header,
		PayloadSHA256: out.PayloadSHA256, Size: int64(len(c.Body)), Truncated: c.Truncated, Err: c.Err,
		RemoteAddr: c.RemoteAddr, RedirectTo: c.RedirectTo,
	}}
	if c.Status == 304 {
		ref, err := t.db.LastPayloadCapture(ctx, c.URL, out.CaptureID)
		switch {
		case err == nil:
			wc.Original = &ref
		case !errors.Is(err, archive.ErrNotFound):
			return err
		}
	}
	t.mu.Lock()
	defer t.mu.Unlock()
	if c.Status != 0 && c.Status != 304 && out.PayloadSHA256 != "" {
		if ref, ok := t.seen.get(out.PayloadSHA256); ok {
			wc.Original = &ref
		} else {
			t.seen.put(out.PayloadSHA256, archive.CaptureRef{ID: out.CaptureID, URL: c.URL, At: at, PayloadSHA256: out.PayloadSHA256})
		}
	}
	_, err := writeWARCCapture(t.dir, wc, c.Body, &t.n)
	return err
}

// close closes the file being written and reports the files to w (when
// not nil). It is safe to call more than once.
func (t *warcTee) close(w io.Writer) error {
	t.mu.Lock()
	defer t.mu.Unlock()
	err := t.dir.Close()
	if w != nil && !t.closed && len(t.dir.Files()) > 0 {
		fmt.Fprintf(w, "  warc:     %d captures in %d %s in %s (%d responses, %d revisits, %d failures)\n",
			t.n.Captures, len(t.dir.Files()), plural(len(t.dir.Files()), "file"), t.dir.Path(), t.n.Responses, t.n.Revisits, t.n.Failures)
		t.closed = true
	}
	if err != nil {
		return fmt.Errorf("close WARC file: %w", err)
	}
	return nil
}

// plural is "1 file" or "2 files".
func plural(n int, word string) string {
	if n == 1 {
		return word
	}
	return word + "s"
}
