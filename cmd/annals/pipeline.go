package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"mime"
	"net/http"
	"strings"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
	"github.com/annals/annals/job"
)

// The pipeline: crawler → extract → archive. The crawler hands every fetch
// attempt to a Pipeline (a crawler.Handler); the Pipeline extracts the
// HTML pages and records every attempt, page or not, success or failure,
// in the archive, and tells the crawler what it learned (article or list
// page, and the article's canonical URL).

var (
	_ crawler.Handler  = (*Pipeline)(nil)
	_ crawler.Frontier = (*archive.Frontier)(nil)
)

// Pipeline extracts pages and records captures in one archive, for one
// crawl run (or none, for imports). It is safe for concurrent use.
type Pipeline struct {
	DB        *archive.DB
	Extractor *extract.Extractor
	// RunID is put in every capture (0: the captures belong to no run).
	RunID  int64
	Logger *slog.Logger
	// Tee, when set, is given every crawled capture once the archive has
	// stored it (crawl --warc); its error stops the crawl.
	Tee captureTee
}

// captureTee receives the captures a crawl stored.
type captureTee interface {
	Tee(ctx context.Context, c *archive.Capture, out archive.Outcome) error
}

// Handle implements crawler.Handler: it records r, extracting it first
// when it is an HTML page. An error means the archive could not store the
// capture, and stops the crawl.
func (p *Pipeline) Handle(ctx context.Context, r *crawler.Response) (crawler.Verdict, error) {
	c := captureOf(r, p.RunID)
	out, a, err := p.Ingest(ctx, c, r.Kind == crawler.KindPage && Extractable(c))
	if err != nil {
		return crawler.Verdict{}, err
	}
	if p.Tee != nil {
		if err := p.Tee.Tee(ctx, c, out); err != nil {
			return crawler.Verdict{}, fmt.Errorf("write WARC of %s: %w", c.URL, err)
		}
	}
	var v crawler.Verdict
	if a != nil {
		v.Article = true
		if out.KeyURL != "" && out.KeyURL != r.URL {
			v.Canonical = out.KeyURL
		}
	}
	return v, nil
}

// Ingest records one capture in the archive. When html is true (see
// Extractable) the page is extracted first: its charset decision goes
// with the capture and, when it holds an article, the article is
// versioned. It returns what the archive stored and the article (nil for
// list pages, non-HTML and failures). Crawls and imports of captures made
// by other tools both come through here, so that an imported page is
// archived exactly as a crawled one.
//
// A page that cannot be read as HTML is still recorded, as a capture
// without an article; only a failure to store is an error.
func (p *Pipeline) Ingest(ctx context.Context, c *archive.Capture, html bool) (archive.Outcome, *extract.Article, error) {
	var art *extract.Article
	if html {
		a, err := p.Extractor.Extract(c.Body, c.URL, c.Header.Get("Content-Type"))
		switch {
		case err != nil:
			p.log().Warn("page not extracted", "url", c.URL, "err", err)
		default:
			c.Charset, c.CharsetSource = a.Charset, a.CharsetSource
			if a.IsArticle() {
				art = a
			}
		}
	} else if c.Truncated && isHTML(c) {
		p.log().Warn("page cut at the body limit: captured as it came, not extracted (raise max_body to read it)", "url", c.URL, "bytes", len(c.Body))
	}
	out, err := p.DB.Record(ctx, c, art)
	if err != nil {
		return out, nil, fmt.Errorf("archive: %w", err) // Record's errors name the URL
	}
	if out.Event != archive.EventNone && out.Event != archive.EventUnchanged {
		p.log().Debug("article "+string(out.Event), "url", out.KeyURL, "version", out.Version, "changed", out.Changed)
	}
	return out, art, nil
}

func (p *Pipeline) log() *slog.Logger {
	if p.Logger == nil {
		return slog.New(slog.DiscardHandler)
	}
	return p.Logger
}

// Extractable reports whether a capture is an HTML page worth extracting:
// a whole 2xx response (not cut at the body limit, not broken off) with a
// body served as HTML, or sniffed as HTML when it says no type.
func Extractable(c *archive.Capture) bool {
	if c.Status < 200 || c.Status >= 300 || c.Status == http.StatusNoContent || c.Status == http.StatusPartialContent {
		return false
	}
	if c.Err != "" || c.Truncated || len(c.Body) == 0 {
		return false
	}
	return isHTML(c)
}

// isHTML tells whether the capture's body is HTML by its Content-Type, or
// by sniffing when it has none.
func isHTML(c *archive.Capture) bool {
	ct := c.Header.Get("Content-Type")
	if ct == "" {
		ct = http.DetectContentType(c.Body)
	}
	mt, _, err := mime.ParseMediaType(ct)
	if err != nil {
		mt = strings.ToLower(strings.TrimSpace(strings.Split(ct, ";")[0]))
	}
	return mt == "text/html" || mt == "application/xhtml+xml"
}

// captureOf maps a crawler response to an archive capture, field by field.
func captureOf(r *crawler.Response, runID int64) *archive.Capture {
	c := &archive.Capture{
		RunID:         runID,
		URL:           r.URL,
		Method:        r.Method,
		RequestHeader: r.RequestHeader,
		Proto:         r.Proto,
		Status:        r.Status,
		Header:        r.Header,
		Body:          r.Body,
		Truncated:     r.Truncated,
		StartedAt:     r.StartedAt,
		Duration:      r.Duration,
		RemoteAddr:    r.RemoteAddr,
		RedirectTo:    r.RedirectTo,
	}
	if r.Err != nil {
		c.Err = r.Err.Error()
	}
	if c.Header == nil {
		c.Header = http.Header{}
	}
	return c
}

// jobRunner runs crawl jobs into one open archive: each run under the
// job's lock, recorded as a run with its settings, its end and its counts.
type jobRunner struct {
	db     *archive.DB
	logger *slog.Logger
	// status, when not nil, shows live progress (on a terminal).
	status *statusLine
	// command is recorded with the run and in the lock ("annals crawl …").
	command string
	// wait is how long to wait for a job's lock held by another process.
	wait time.Duration
	// base carries what jobs do not set: version, project URL, workers.
	base crawler.Config
	// tee, when set, gets every capture stored (crawl --warc).
	tee captureTee
}

// runResult is how one run went.
type runResult struct {
	Job     string
	RunID   int64
	Status  archive.RunStatus
	Note    string
	Stats   crawler.Stats
	Summary archive.RunSummary
}

// newJobRunner returns a runner with annals' crawler defaults.
func newJobRunner(db *archive.DB, logger *slog.Logger, command string) *jobRunner {
	base := crawler.DefaultConfig()
	base.Version, base.ProjectURL = version(), ProjectURL
	return &jobRunner{db: db, logger: logger, command: command, base: base}
}

// userAgent is the User-Agent annals sends by default, and the software
// its WARC files name.
func userAgent() string { return fmt.Sprintf("annals/%s (+%s)", version(), ProjectURL) }

// run runs j once. The error says why the run could not start (its lock
// is held: exitLocked), failed (exit 1) or was interrupted (ctx cancelled:
// exitInterrupted); a run that ended in any of those ways after it started
// is recorded as such in the archive.
func (r *jobRunner) run(ctx context.Context, j *job.Job) (runResult, error) {
	res := runResult{Job: j.Name}
	log := r.logger.With("job", j.Name)
	lock, err := r.lock(ctx, j.Name, log)
	if err != nil {
		return res, err
	}
	defer lock.Release(context.WithoutCancel(ctx))

	if j.UserAgent == "" {
		j.UserAgent = userAgent()
	}
	tee, closeWARC, err := r.jobWARC(j, log)
	if err != nil {
		return res, err
	}
	defer closeWARC()
	if tee == nil {
		tee = r.tee
	}
	settings := j.Settings()
	res.RunID, err = r.db.StartRun(ctx, archive.RunInfo{Job: j.Name, Seeds: j.Seeds, Settings: settings, Command: r.command})
	if err != nil {
		return res, fmt.Errorf("job %s: record the run's start: %w", j.Name, err)
	}
	log = log.With("run", res.RunID)
	log.Info("run started", "seeds", j.Seeds, "command", r.command)
	r.closeDeadRuns(ctx, j.Name, res.RunID, log)

	pipe := &Pipeline{DB: r.db, Extractor: extract.New(j.ExtractOptions()), RunID: res.RunID, Logger: log, Tee: tee}
	cfg := j.Config(r.base)
	cfg.Logger = r.logger.With("run", res.RunID) // the crawler adds the job
	if r.status != nil {
		cfg.Progress = func(st crawler.Stats) { r.status.Set(progressText(j.Name, st)) }
	}
	crawlCtx, cancel := context.WithCancelCause(ctx)
	defer cancel(nil)
	stopWatch := watchLock(crawlCtx, lock, r.db.LockHeartbeat, cancel)
	defer stopWatch()

	var crawlErr error
	c, err := crawler.New(cfg, archive.NewFrontier(r.db), pipe)
	if err == nil {
		res.Stats, crawlErr = c.Run(crawlCtx)
	} else {
		crawlErr = fmt.Errorf("settings refused by the crawler: %w", err)
	}
	if r.status != nil {
		r.status.Done()
	}
	lost := context.Cause(crawlCtx)
	switch {
	case crawlErr != nil:
		res.Status, res.Note = archive.RunFailed, crawlErr.Error()
		if hint := storageHint(crawlErr); hint != "" {
			res.Note += "; " + hint
		}
	case res.Stats.Interrupted && lost != nil && ctx.Err() == nil:
		res.Status, res.Note = archive.RunFailed, lost.Error()
	case res.Stats.Interrupted:
		res.Status, res.Note = archive.RunInterrupted, "stopped by a signal; the next run resumes where this one stopped"
	default:
		res.Status = archive.RunCompleted
		res.Note = runNote(res.Stats)
	}
	sum, err := r.db.FinishRun(context.WithoutCancel(ctx), res.RunID, res.Status, res.Note)
	if err != nil {
		log.Error("could not record the run's end", "err", err)
	}
	res.Summary = sum
	log.Info("run finished", "status", string(res.Status), "note", res.Note,
		"fetched", res.Stats.Fetched, "errors", res.Stats.Errors, "queued", res.Stats.Queued,
		"new_articles", sum.NewArticles, "changed", sum.Changed, "unchanged", sum.Unchanged,
		"gone", sum.Gone, "moved", sum.Moved, "restored", sum.Restored, "bytes", sum.Bytes,
		"elapsed", res.Stats.Elapsed.Round(time.Millisecond))
	switch res.Status {
	case archive.RunFailed:
		return res, fmt.Errorf("job %s: run %d failed: %s", j.Name, res.RunID, res.Note)
	case archive.RunInterrupted:
		return res, &exitError{code: exitInterrupted, err: fmt.Errorf("job %s: run %d %w: recorded as interrupted; run the same command again to resume", j.Name, res.RunID, errInterrupted)}
	}
	return res, nil
}

// closeDeadRuns records as interrupted the earlier runs of the job still
// marked running: this run holds the job's lock, so no other process is
// running them; theirs died (a crash, kill -9, a power cut) before it could
// record their end. This run resumes their pass.
func (r *jobRunner) closeDeadRuns(ctx context.Context, name string, current int64, log *slog.Logger) {
	ids, err := r.db.UnfinishedRuns(ctx, name, current)
	if err != nil {
		log.Warn("could not look for earlier runs left open", "err", err)
		return
	}
	for _, id := range ids {
		run, err := r.db.Run(ctx, id)
		if err != nil {
			log.Warn("could not read an earlier run", "earlier_run", id, "err", err)
			continue
		}
		note := fmt.Sprintf("its process ended without recording the run's end (a crash, kill -9 or power cut); run %d took over and resumed", current)
		if _, err := r.db.FinishRun(ctx, id, archive.RunInterrupted, note); err != nil {
			log.Warn("could not close an earlier run left open", "earlier_run", id, "err", err)
			continue
		}
		log.Warn("an earlier run of the job never finished: recorded as interrupted", "earlier_run", id, "started", run.StartedAt)
	}
}

// storageHint says what to do when a run stopped because the archive's
// file could not be written; "" for other errors. The archive keeps what
// was recorded before, and the frontier where the run stopped.
func storageHint(err error) string {
	switch {
	case errors.Is(err, archive.ErrDiskFull):
		return "free space on the archive's disk (or move the archive) and run the same command again; the run resumes where it stopped"
	case errors.Is(err, archive.ErrWriteFailed):
		return "a full disk, a file size limit or a failing disk? Fix that and run the same command again; the run resumes where it stopped"
	}
	return ""
}

// runNote says what a completed run left undone, and what it did that its
// counts do not show.
func runNote(st crawler.Stats) string {
	var notes []string
	if st.Limited {
		notes = append(notes, fmt.Sprintf("stopped at max_pages with %d URLs queued; the next run resumes", st.Queued))
	}
	if st.Requeued > 0 {
		notes = append(notes, fmt.Sprintf("%d %s re-checked before their time: a sitemap or feed said they changed",
			st.Requeued, plural(st.Requeued, "page")))
	}
	if st.RedirectsStopped > 0 {
		notes = append(notes, fmt.Sprintf("%d redirect %s stopped at the redirect limit (their last redirect is captured, its target not fetched)",
			st.RedirectsStopped, plural(st.RedirectsStopped, "chain")))
	}
	if st.HostsDown > 0 {
		notes = append(notes, fmt.Sprintf("%d hosts given up after failing again and again; their URLs stay queued", st.HostsDown))
	}
	return strings.Join(notes, "; ")
}

// lock takes the job's lock, waiting up to r.wait for another process to
// release it.
func (r *jobRunner) lock(ctx context.Context, name string, log *slog.Logger) (*archive.Lock, error) {
	deadline := time.Now().Add(r.wait)
	waiting := false
	for {
		l, err := r.db.AcquireLock(ctx, "job:"+name, lockOwner(r.command), processAlive)
		if err == nil {
			return l, nil
		}
		if !errors.Is(err, archive.ErrLocked) {
			return nil, fmt.Errorf("job %s: %w", name, err)
		}
		left := time.Until(deadline)
		if left <= 0 {
			hint := "wait for that run to finish, or pass --wait 30m to wait for it"
			if r.wait > 0 {
				hint = fmt.Sprintf("gave up after waiting %s", r.wait)
			}
			return nil, &exitError{code: exitLocked, err: fmt.Errorf("job %s is being run by another process: %w; %s", name, err, hint)}
		}
		if !waiting {
			log.Info("waiting for another run of the job to finish", "err", err, "wait", r.wait)
			waiting = true
		}
		select {
		case <-ctx.Done():
			return nil, &exitError{code: exitInterrupted, err: fmt.Errorf("job %s: %w while waiting for its lock", name, errInterrupted)}
		case <-time.After(min(left, time.Second)):
		}
	}
}

// watchLock cancels the crawl if another process takes the lock over
// (after this one's heartbeat went stale): two runs of a job must not
// write one frontier.
func watchLock(ctx context.Context, l *archive.Lock, every time.Duration, cancel context.CancelCauseFunc) (stop func()) {
	if every <= 0 {
		every = archive.DefaultLockHeartbeat
	}
	done := make(chan struct{})
	go func() {
		t := time.NewTicker(every)
		defer t.Stop()
		for {
			select {
			case <-done:
				return
			case <-ctx.Done():
				return
			case <-t.C:
				if err := l.Err(); err != nil {
					cancel(err)
					return
				}
			}
		}
	}()
	return func() { close(done) }
}

// printSummary writes a run's outcome for people.
func printSummary(w io.Writer, res runResult) {
	st, sum := res.Stats, res.Summary
	fmt.Fprintf(w, "run %d of job %s: %s in %s\n", res.RunID, res.Job, res.Status, st.Elapsed.Round(100*time.Millisecond))
	fmt.Fprintf(w, "  pages:    %d fetched (%d requests, %s), %d unchanged, %d changed, %d errors; %d new URLs found, %d left queued\n",
		st.Fetched, st.Fetches, job.FormatSize(sum.Bytes), st.Unchanged, st.Changed, st.Errors, st.New, st.Queued)
	fmt.Fprintf(w, "  articles: %d new, %d changed, %d unchanged, %d gone, %d moved, %d restored\n",
		sum.NewArticles, sum.Changed, sum.Unchanged, sum.Gone, sum.Moved, sum.Restored)
	if res.Note != "" {
		fmt.Fprintf(w, "  note:     %s\n", res.Note)
	}
}
