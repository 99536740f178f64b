package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"os"
	"strings"

	"github.com/annals/annals/job"
)

// RunCommand runs the jobs of a job file once.
type RunCommand struct {
	Stdout io.Writer
	Stderr io.Writer
}

// Run implements command.
func (c *RunCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals run", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", "", "archive `file` (default: the job file's archive, else "+defaultDB+")")
	only := fs.String("job", "", "run only the job of this `name`")
	wait := fs.Duration("wait", 0, "when another process runs a job, wait this long for it (0: skip that job at once)")
	var lo logOptions
	lo.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals run [--db FILE] [--job NAME] [--wait D] JOBFILE

Runs every job of the job file once (or only --job NAME), one after another,
each under its lock, and prints each run's summary. The whole file is checked
first (every job, its patterns, schedule and rules file): a bad file runs
nothing. Schedules are ignored here: this is the command for plain cron (see
the README), and for trying a job file before 'annals daemon' runs it.

Exit status: 0 when every job ran; 3 when the only trouble was a job already
being run by another process; 130 when interrupted (the run under way is
recorded as interrupted; later jobs do not start); 1 otherwise.

Examples:
  annals run jobs.toml
  annals run --job tongliao jobs.toml
  annals run --db /var/lib/annals/annals.db --log-format json jobs.yaml

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() != 1 {
		return usageError("run needs one JOBFILE (got %d arguments), e.g. annals run jobs.toml", fs.NArg())
	}
	if *wait < 0 {
		return usageError("--wait %v is negative", *wait)
	}
	file, err := loadJobFile(fs.Arg(0))
	if err != nil {
		return err
	}
	jobs := file.Jobs
	if *only != "" {
		j, ok := file.Job(*only)
		if !ok {
			return usageError("%s has no job %q; its jobs are: %s", file.Name, *only, strings.Join(file.Names(), ", "))
		}
		jobs = []*job.Job{j}
	}
	logger, status, err := consoleLogger(fs, &lo, c.Stderr)
	if err != nil {
		return err
	}
	db, err := openWritable(ctx, archivePath(*dbPath, file), logger)
	if err != nil {
		return err
	}
	defer db.Close()
	r := newJobRunner(db, logger, recordedCommand("run", args))
	r.status, r.wait = status, *wait

	var failed []string
	onlyLocked := true
	for _, j := range jobs {
		res, err := r.run(ctx, j)
		if res.RunID != 0 {
			printSummary(c.Stdout, res)
		}
		if err == nil {
			continue
		}
		isLocked := exitCodeOf(err) == exitLocked
		if errors.Is(err, errInterrupted) {
			return err
		}
		if isLocked {
			fmt.Fprintf(c.Stdout, "job %s skipped: %v\n", j.Name, err)
		}
		onlyLocked = onlyLocked && isLocked
		failed = append(failed, fmt.Sprintf("%s (%v)", j.Name, err))
	}
	if len(failed) == 0 {
		return nil
	}
	err = fmt.Errorf("%d of %d jobs did not run to completion:\n  %s", len(failed), len(jobs), strings.Join(failed, "\n  "))
	if onlyLocked {
		return &exitError{code: exitLocked, err: err}
	}
	return err
}

// loadJobFile reads and checks a job file and the rules files its jobs
// name. Any problem is a usage error (exit status 2) listing every line at
// fault.
func loadJobFile(path string) (*job.File, error) {
	data, err := os.ReadFile(path)
	if err != nil {
		return nil, usageError("read job file: %v", err)
	}
	f, err := job.Parse(data, path)
	if err != nil {
		return nil, usageError("job file refused, nothing was run:\n%v", err)
	}
	var errs []string
	for _, j := range f.Jobs {
		if j.RulesFile == "" {
			continue
		}
		r, err := readRules(j.RulesFile)
		switch {
		case errors.As(err, new(*os.PathError)):
			errs = append(errs, fmt.Sprintf("%s:%d: job %q: rules_file: %v", f.Name, j.Line, j.Name, err))
		case err != nil: // the rules file's own line is in the message
			errs = append(errs, fmt.Sprintf("job %q: rules_file: %v", j.Name, err))
		default:
			j.AddRules(r)
		}
	}
	if len(errs) > 0 {
		return nil, usageError("job file refused, nothing was run:\n%s", strings.Join(errs, "\n"))
	}
	return f, nil
}

// archivePath picks the archive: --db, else the job file's, else the
// default.
func archivePath(flagValue string, f *job.File) string {
	switch {
	case flagValue != "":
		return flagValue
	case f != nil && f.Archive != "":
		return f.Archive
	default:
		return defaultDB
	}
}
