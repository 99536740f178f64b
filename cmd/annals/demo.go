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
	"github.com/annals/annals/job"
	"github.com/annals/annals/portal"
)

// demoJob names the demo's job; an archive whose runs are all of this job,
// started by annals demo, is a demo archive the next demo may replace.
const demoJob = "demo"

// DemoCommand runs the whole pipeline on the bundled sample portal.
type DemoCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *DemoCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals demo", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file` to create (an earlier demo's archive is replaced; any other file is left alone)")
	outDir := fs.String("out-dir", ".", "`directory` for annals-export.csv and annals-export.jsonl")
	delay := fs.Duration("delay", 100*time.Millisecond, "least time between two requests (the portal is on this machine; real sites get 1s)")
	var lo logOptions
	lo.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals demo [--db FILE] [--out-dir DIR]

Shows the whole pipeline in about half a minute, without the network:
serves the sample news portal bundled in annals on 127.0.0.1, crawls it into
a new archive, switches the portal to its second edition (an article edited,
one retitled, one deleted, one withdrawn, one moved, one added, and the
template changed on every page), crawls again, then prints both runs'
summaries, searches in Chinese and English, the history and the diff of the
edited article, and writes annals-export.csv (with a byte order mark, for
spreadsheets) and annals-export.jsonl.

The archive (default annals.db) is created; the archive of an earlier demo
is replaced, but a file that is not a demo archive is never touched.

Examples:
  annals demo
  annals demo --db /tmp/demo.db --out-dir /tmp

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() > 0 {
		return usageError("demo takes no arguments, got %q: see 'annals demo --help'", fs.Args())
	}
	if *delay < 0 {
		return usageError("--delay %v is negative", *delay)
	}
	if st, err := os.Stat(*outDir); err != nil || !st.IsDir() {
		return usageError("--out-dir %s is not a directory", *outDir)
	}
	started := time.Now()
	out := c.Stdout

	replaced, err := prepareDemoArchive(ctx, *dbPath)
	if err != nil {
		return err
	}
	if !flagGiven(fs, "log-level") {
		lo.level = "warn" // the demo tells its story on standard output
	}
	logger, status, err := consoleLogger(fs, &lo, c.Stderr)
	if err != nil {
		return err
	}

	p, err := portal.New(portal.Options{})
	if err != nil {
		return fmt.Errorf("build the sample portal: %w", err)
	}
	srvCtx, stopPortal := context.WithCancel(context.WithoutCancel(ctx))
	defer stopPortal()
	srv, err := portal.Start(srvCtx, demoAddr, p)
	if err != nil {
		srv, err = portal.Start(srvCtx, "127.0.0.1:0", p)
		if err != nil {
			return fmt.Errorf("serve the sample portal: %w", err)
		}
	}
	defer srv.Close()

	db, err := openWritable(ctx, *dbPath, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	r := newJobRunner(db, logger, recordedCommand("demo", args))
	r.status = status

	demoSection(out, "annals demo")
	fmt.Fprintf(out, "The sample portal 西辽河新闻网 (Xiliao River News: Chinese local news, government\n"+
		"notices in GBK and Big5 as well as UTF-8, and English news) is served at %s/\n", srv.URL())
	if replaced {
		fmt.Fprintf(out, "Archive: %s (replacing the archive of an earlier demo).\n", *dbPath)
	} else {
		fmt.Fprintf(out, "Archive: %s (new).\n", *dbPath)
	}
	fmt.Fprintf(out, "Crawling politely even here: robots.txt obeyed, %s between requests, 2 at a time.\n", *delay)

	j := job.New(demoJob, []string{srv.URL() + "/"})
	j.Delay = *delay
	demoSection(out, "1. First crawl: edition 1 of the site")
	res, err := r.run(ctx, j)
	if res.RunID != 0 {
		printSummary(out, res)
	}
	if err != nil {
		return err
	}

	if err := p.SetEdition(2); err != nil {
		return fmt.Errorf("switch the portal to edition 2: %w", err)
	}
	demoSection(out, "2. A week later: the site changed")
	for _, ch := range p.Changes() {
		where := ch.Path
		if where == "" {
			where = "every page"
		}
		fmt.Fprintf(out, "  %-8s %s: %s\n", ch.Kind, where, ch.Note)
	}
	fmt.Fprintln(out, "\nSecond crawl (conditional GETs: pages that did not change answer 304):")
	res, err = r.run(ctx, j)
	if res.RunID != 0 {
		printSummary(out, res)
	}
	if err != nil {
		return err
	}
	fmt.Fprintf(out, "\nThe template changed the bytes of %d pages; only the %d articles whose text changed\n"+
		"got a new version, and the deleted, withdrawn and moved ones are on record as such.\n",
		res.Stats.Changed, res.Summary.Changed)

	demoSection(out, "3. Search")
	for _, q := range []string{"党代会", "供热", "heating"} {
		if err := demoSearch(ctx, out, db, q); err != nil {
			return err
		}
	}

	var edited portal.Change
	for _, ch := range p.Changes() {
		if ch.Kind == portal.ChangeEdited {
			edited = ch
			break
		}
	}
	if edited.Path != "" {
		demoSection(out, "4. History and diff of the edited article")
		if err := demoHistory(ctx, out, db, srv.URL()+edited.Path); err != nil {
			return err
		}
	}

	demoSection(out, "5. Export")
	csvPath := filepath.Join(*outDir, "annals-export.csv")
	jsonlPath := filepath.Join(*outDir, "annals-export.jsonl")
	n, err := demoExport(ctx, db, csvPath, archive.FormatCSV, true)
	if err != nil {
		return err
	}
	if _, err := demoExport(ctx, db, jsonlPath, archive.FormatJSONL, false); err != nil {
		return err
	}
	fmt.Fprintf(out, "  %s  (%d rows, one per article version; UTF-8 with BOM for spreadsheets)\n", csvPath, n)
	fmt.Fprintf(out, "  %s  (the same records, one JSON object per line)\n", jsonlPath)

	demoSection(out, fmt.Sprintf("Done in %s. Try next:", time.Since(started).Round(100*time.Millisecond)))
	editedURL := ""
	if edited.Path != "" {
		editedURL = srv.URL() + edited.Path
	}
	for _, l := range [][2]string{
		{"annals search --db " + *dbPath + " 通辽", "search the archive"},
		{"annals history --db " + *dbPath + " " + editedURL, "an article's versions and events"},
		{"annals diff --db " + *dbPath + " " + editedURL, "what changed, field by field"},
		{"annals serve --db " + *dbPath, "the same in a browser, on 127.0.0.1"},
		{"annals export --db " + *dbPath + " --format json --versions all", "every version as JSON"},
		{"annals verify --db " + *dbPath, "re-hash every stored page"},
		{"annals portal", "serve the sample portal and crawl it yourself"},
	} {
		fmt.Fprintf(out, "  # %s\n  %s\n", l[1], l[0])
	}
	return nil
}

// demoSection prints a heading.
func demoSection(w io.Writer, title string) {
	fmt.Fprintf(w, "\n== %s\n", title)
}

// prepareDemoArchive makes way for the demo's archive at path: nothing to
// do when absent; an earlier demo's archive is removed (replaced reports
// it); any other file is refused, untouched.
func prepareDemoArchive(ctx context.Context, path string) (replaced bool, err error) {
	if _, err := os.Stat(path); errors.Is(err, os.ErrNotExist) {
		return false, nil
	} else if err != nil {
		return false, fmt.Errorf("demo archive %s: %w", path, err)
	}
	refuse := fmt.Errorf("%s exists and is not an archive made by annals demo; the demo leaves it alone: "+
		"run 'annals demo --db demo.db' (or from another directory)", path)
	isDemo, err := isDemoArchive(ctx, path)
	if err != nil || !isDemo {
		return false, refuse
	}
	for _, suffix := range []string{"", "-wal", "-shm"} {
		if err := os.Remove(path + suffix); err != nil && !errors.Is(err, os.ErrNotExist) {
			return false, fmt.Errorf("replace the earlier demo archive %s: %w", path, err)
		}
	}
	return true, nil
}

// isDemoArchive tells whether every run of the archive at path is a run
// of the demo's job started by annals demo.
func isDemoArchive(ctx context.Context, path string) (bool, error) {
	db := archive.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(ctx); err != nil {
		return false, err
	}
	defer db.Close()
	const most = 100 // a demo archive holds a few runs
	for id := int64(1); id <= most; id++ {
		run, err := db.Run(ctx, id)
		if errors.Is(err, archive.ErrNotFound) {
			return id > 1, nil
		}
		if err != nil {
			return false, err
		}
		if run.Job != demoJob || !strings.HasPrefix(run.Command, "annals demo") {
			return false, nil
		}
	}
	return false, nil
}

// demoSearch prints the first hits of a search.
func demoSearch(ctx context.Context, w io.Writer, db *archive.DB, q string) error {
	res, err := db.Search(ctx, archive.Query{Text: q, Limit: 3, HighlightStart: "[", HighlightEnd: "]"})
	if err != nil {
		return fmt.Errorf("search %q: %w", q, err)
	}
	fmt.Fprintf(w, "\n  search %q: %d %s\n", q, res.Total, plural(res.Total, "article"))
	for _, h := range res.Hits {
		fmt.Fprintf(w, "    %s  %s  (v%d, %s)\n", h.Title, dateOf(h.Published), h.Version, h.State)
		fmt.Fprintf(w, "      %s\n", h.URL)
		if s := oneLine(h.Snippet); s != "" {
			fmt.Fprintf(w, "      %s\n", s)
		}
	}
	return nil
}

// demoHistory prints an article's versions, events and the diff of its
// first and latest versions.
func demoHistory(ctx context.Context, w io.Writer, db *archive.DB, url string) error {
	a, err := db.ArticleByURL(ctx, url)
	if err != nil {
		return fmt.Errorf("history of %s: %w", url, err)
	}
	vs, err := db.Versions(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("history of %s: %w", url, err)
	}
	evs, err := db.Events(ctx, a.ID)
	if err != nil {
		return fmt.Errorf("history of %s: %w", url, err)
	}
	fmt.Fprintf(w, "  %s\n  %s, %d versions, state %s\n\n", a.URL, vs[len(vs)-1].Content.Title, len(vs), a.State)
	for _, e := range evs {
		line := fmt.Sprintf("    %s  run %d  %-10s", e.At.Local().Format("2006-01-02 15:04:05"), e.RunID, e.Kind)
		if e.Version > 0 {
			line += fmt.Sprintf(" v%d", e.Version)
		}
		if len(e.Changed) > 0 {
			line += " (" + strings.Join(e.Changed, ", ") + ")"
		}
		fmt.Fprintln(w, line)
	}
	if len(vs) < 2 {
		return nil
	}
	d, err := db.Diff(ctx, a.ID, 1, vs[len(vs)-1].Version)
	if err != nil {
		return fmt.Errorf("diff of %s: %w", url, err)
	}
	fmt.Fprintf(w, "\n  diff v%d → v%d:\n", d.From, d.To)
	for _, f := range d.Fields {
		if f.Changed && f.Field != archive.FieldBody {
			fmt.Fprintf(w, "    %s:\n    - %s\n    + %s\n", f.Field, f.Old, f.New)
		}
	}
	for _, para := range d.Paragraphs {
		switch para.Op {
		case archive.OpDelete:
			fmt.Fprintf(w, "    - %s\n", para.Text)
		case archive.OpInsert:
			fmt.Fprintf(w, "    + %s\n", para.Text)
		}
	}
	return nil
}

// demoExport writes every version to path in format and returns how many
// records it wrote.
func demoExport(ctx context.Context, db *archive.DB, path, format string, bom bool) (int, error) {
	f, err := os.Create(path)
	if err != nil {
		return 0, fmt.Errorf("export: %w", err)
	}
	defer f.Close()
	n, err := exportArticles(ctx, db, f, format, archive.ExportOptions{BOM: bom}, archive.ExportQuery{AllVersions: true})
	if err == nil {
		err = f.Close()
	}
	if err != nil {
		return n, fmt.Errorf("export %s: %w", path, err)
	}
	return n, nil
}
