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

	"github.com/annals/annals/archive"
	"github.com/annals/annals/crawler"
	"github.com/annals/annals/extract"
	"github.com/annals/annals/job"
)

// CrawlCommand runs one crawl into the archive.
type CrawlCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// patternList is a repeatable string flag.
type patternList []string

func (l *patternList) String() string     { return strings.Join(*l, " ") }
func (l *patternList) Set(s string) error { *l = append(*l, s); return nil }

// sizeFlag is a byte size flag ("10MiB").
type sizeFlag struct{ n *int64 }

func (f sizeFlag) String() string {
	if f.n == nil {
		return ""
	}
	return job.FormatSize(*f.n)
}

func (f sizeFlag) Set(s string) error {
	n, err := job.ParseSize(s)
	if err != nil {
		return err
	}
	if n <= 0 {
		return errors.New("must be positive")
	}
	*f.n = n
	return nil
}

// crawlFlags are the flags that set a job's crawl settings, shared by
// crawl and demo.
type crawlFlags struct {
	j           *job.Job
	allow, deny patternList
	revisit     string
	rules, zone string
}

// register adds the crawler's flags, with the defaults of
// crawler.DefaultConfig.
func (c *crawlFlags) register(fs *flag.FlagSet) {
	c.j = job.New("", nil)
	j := c.j
	fs.DurationVar(&j.Delay, "delay", j.Delay, "least `time` between the starts of two requests to one host (robots.txt Crawl-delay wins when longer)")
	fs.IntVar(&j.Parallel, "parallel", j.Parallel, "requests in flight per host")
	fs.DurationVar(&j.Timeout, "timeout", j.Timeout, "per request, until the end of the body")
	fs.IntVar(&j.Retries, "retries", j.Retries, "retries after timeouts, connection errors, 429 and 5xx (exponential backoff, Retry-After honoured)")
	fs.Var(sizeFlag{&j.MaxBody}, "max-body", "most bytes kept of one response, a `size` such as 10MiB; longer bodies are cut and marked truncated")
	fs.IntVar(&j.Depth, "depth", j.Depth, "most links followed from a seed (0: no bound)")
	fs.IntVar(&j.MaxPages, "max-pages", j.MaxPages, "most URLs fetched in this run (0: no bound); the next run resumes")
	fs.Var(&c.allow, "allow", "crawl only URLs matching this `regexp` (repeatable; default: the seeds' hosts)")
	fs.Var(&c.deny, "deny", "never crawl URLs matching this `regexp` (repeatable)")
	fs.BoolVar(&j.IgnoreRobots, "ignore-robots", false, "do not obey robots.txt (only for sites you may crawl regardless)")
	fs.StringVar(&j.UserAgent, "user-agent", "", "User-Agent header (default \""+userAgent()+"\")")
	fs.StringVar(&c.revisit, "revisit", j.Revisit.String(), "which known pages a new pass re-checks: all, or aging (articles less often as they age)")
	fs.StringVar(&c.rules, "rules", "", "per-site extraction rules `file` (.toml, .yaml or .yml)")
	fs.StringVar(&c.zone, "zone", "", "time `zone` of the sites, for pages that print times without one (IANA name, e.g. Asia/Shanghai; default: China Standard Time for Chinese pages)")
}

// finish checks the flags and builds the job for seeds.
func (c *crawlFlags) finish(name string, seeds []string) (*job.Job, error) {
	j := c.j
	j.Seeds = seeds
	j.Name = name
	if name == "" {
		j.Name = job.DeriveName(seeds)
	}
	var errs []string
	for _, s := range c.allow {
		r, err := job.ParsePattern(s)
		if err != nil {
			errs = append(errs, "--allow: "+err.Error())
		}
		j.Allow = append(j.Allow, r)
	}
	for _, s := range c.deny {
		r, err := job.ParsePattern(s)
		if err != nil {
			errs = append(errs, "--deny: "+err.Error())
		}
		j.Deny = append(j.Deny, r)
	}
	rv, err := crawler.ParseRevisitPolicy(c.revisit)
	if err != nil {
		errs = append(errs, fmt.Sprintf("--revisit %q: use all or aging", c.revisit))
	}
	j.Revisit = rv
	if c.zone != "" {
		z, err := job.ParseZone(c.zone)
		if err != nil {
			errs = append(errs, "--zone: "+err.Error())
		}
		j.Zone = z
	}
	if c.rules != "" {
		if r, err := readRules(c.rules); err != nil {
			errs = append(errs, "--rules: "+err.Error())
		} else {
			j.RulesFile = c.rules
			j.AddRules(r)
		}
	}
	if len(errs) == 0 {
		if err := j.Validate(); err != nil {
			errs = append(errs, strings.Split(err.Error(), "\n")...)
		}
	}
	if len(errs) > 0 {
		return nil, usageError("%s", strings.Join(errs, "\n  "))
	}
	return j, nil
}

// readRules reads and parses a per-site extraction rules file (crawl,
// import and extract --rules, a job's rules_file). A file that cannot be
// read gives an *os.PathError; a bad one, ParseRules' error.
func readRules(path string) (*extract.Rules, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, err
	}
	return extract.ParseRules(data, path)
}

// Run implements command.
func (c *CrawlCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals crawl", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file` (created when missing)")
	name := fs.String("job", "", "job `name`: names the frontier, lock and runs (default: derived from the seeds, so the same command resumes the same crawl)")
	wait := fs.Duration("wait", 0, "when another process runs the same job, wait this long for it (0: refuse at once)")
	var cf crawlFlags
	cf.register(fs)
	var wf warcFlags
	wf.register(fs)
	var lo logOptions
	lo.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals crawl [--db FILE] [flags] SEED...

Crawls the sites of the seed URLs politely into the archive: every fetch is
recorded; each HTML page is extracted, and articles become versions when
their content changes. Running the same command again re-crawls
incrementally (conditional GETs: an unchanged site costs little and adds no
versions), and resumes a run that was interrupted.

On a terminal a progress line shows on standard error; otherwise logs do
(--log-format json for machines). The run's summary goes to standard
output. Ctrl-C (or SIGTERM) stops within seconds and records the run as
interrupted (exit status 130); the next run resumes it. Exit status 3
means another process is running the same job (see --wait).

Examples:
  annals crawl https://www.tongliao.gov.cn/
  annals crawl --db tl.db --delay 2s --depth 4 --zone Asia/Shanghai https://www.tongliao.gov.cn/
  annals crawl --allow '^https://news\.example\.com/2024/' --deny '\?page=' https://news.example.com/
  annals crawl --rules rules.toml --max-pages 500 --job gov https://www.example.gov.cn/
  annals crawl --warc warcs/ --warc-size 500MiB https://www.tongliao.gov.cn/

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() == 0 {
		return usageError("crawl needs at least one SEED URL, e.g. annals crawl https://www.example.gov.cn/")
	}
	j, err := cf.finish(*name, fs.Args())
	if err != nil {
		return err
	}
	if *wait < 0 {
		return usageError("--wait %v is negative", *wait)
	}
	logger, status, err := consoleLogger(fs, &lo, c.Stderr)
	if err != nil {
		return err
	}
	db, err := openWritable(ctx, *dbPath, logger)
	if err != nil {
		return err
	}
	defer db.Close()
	r := newJobRunner(db, logger, recordedCommand("crawl", args))
	r.status, r.wait = status, *wait
	closeWARC, err := wf.attach(r)
	if err != nil {
		return err
	}
	defer closeWARC(nil)
	res, err := r.run(ctx, j)
	if res.RunID != 0 {
		printSummary(c.Stdout, res)
	}
	if cerr := closeWARC(c.Stdout); err == nil {
		err = cerr
	}
	return err
}

// consoleLogger builds the logger of a command that may run long: on a
// terminal, logs go through a live status line and, unless --log-level
// says otherwise, only warnings and errors show (the status line and the
// summary say the rest).
func consoleLogger(fs *flag.FlagSet, lo *logOptions, stderr io.Writer) (*slog.Logger, *statusLine, error) {
	if !isTTY(stderr) {
		l, err := lo.logger(stderr)
		return l, nil, err
	}
	if !flagGiven(fs, "log-level") {
		lo.level = "warn"
	}
	status := newStatusLine(stderr)
	l, err := lo.logger(status)
	return l, status, err
}

// flagGiven tells whether the command line set the flag called name.
func flagGiven(fs *flag.FlagSet, name string) bool {
	given := false
	fs.Visit(func(f *flag.Flag) { given = given || f.Name == name })
	return given
}

// openWritable opens (creating if needed) the archive for a crawl, with a
// message that says what to do when it cannot.
func openWritable(ctx context.Context, path string, logger *slog.Logger) (*archive.DB, error) {
	db := archive.NewDB(path)
	db.Logger = logger
	if err := db.Open(ctx); err != nil {
		if errors.Is(err, archive.ErrNewerSchema) {
			return nil, fmt.Errorf("open archive %s: %w", path, err)
		}
		return nil, fmt.Errorf("open archive %s: %w (check that its directory exists and is writable, or pass --db)", path, err)
	}
	return db, nil
}
