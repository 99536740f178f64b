package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"slices"
	"syscall"
	"time"

	"github.com/annals/annals/job"
)

// DaemonCommand runs the jobs of a job file on their schedules until it
// is stopped.
type DaemonCommand struct {
	Stdout io.Writer
	Stderr io.Writer

	// reload, when not nil, replaces SIGHUP (for tests).
	reload <-chan struct{}
	// started, when not nil, is closed once the jobs are scheduled.
	started chan<- struct{}
}

// daemonStopTimeout bounds how long a stopping daemon waits for the runs
// under way to record themselves as interrupted.
const daemonStopTimeout = time.Minute

// Run implements command.
func (c *DaemonCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals daemon", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", "", "archive `file` (default: the job file's archive, else "+defaultDB+")")
	var lo logOptions
	lo.register(fs)
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals daemon [--db FILE] [--log-format text|json] JOBFILE

Stays up and runs each job of the job file on its schedule (the job's
schedule key: a cron expression, e.g. "CRON_TZ=Asia/Shanghai 0 */6 * * *";
jobs without one are left to 'annals run'). A job whose time comes while its
last run is still going is skipped, and so is a job another process is
running (one run of a job at a time, across processes; the lock of a
crashed process is taken over). Each run's summary is logged.

Signals: SIGHUP reloads the job file (a file with problems is refused and
logged, and the old schedule kept); SIGTERM or SIGINT stops: runs under way
are interrupted, recorded as interrupted, and resumed by their next run.
See the README for running it under systemd.

Examples:
  annals daemon jobs.toml
  annals daemon --db /var/lib/annals/annals.db --log-format json /etc/annals/jobs.toml
  kill -HUP $(pidof annals)      # after editing the job file

Flags:
`)
		fs.PrintDefaults()
	}
	if err := fs.Parse(args); err != nil {
		return usageFlagError(err)
	}
	if fs.NArg() != 1 {
		return usageError("daemon needs one JOBFILE (got %d arguments), e.g. annals daemon jobs.toml", fs.NArg())
	}
	path := fs.Arg(0)
	file, err := loadJobFile(path)
	if err != nil {
		return err
	}
	if !slices.ContainsFunc(file.Jobs, (*job.Job).Scheduled) {
		return usageError("no job in %s has a schedule: add schedule = \"CRON_TZ=Asia/Shanghai 0 */6 * * *\" to a job, or use 'annals run %s' from cron", path, path)
	}
	logger, err := lo.logger(c.Stderr)
	if err != nil {
		return err
	}
	dbFile := archivePath(*dbPath, file)
	db, err := openWritable(ctx, dbFile, logger)
	if err != nil {
		return err
	}
	defer db.Close()

	runner := newJobRunner(db, logger, recordedCommand("daemon", args))
	sched := job.NewScheduler(func(ctx context.Context, j *job.Job) error {
		_, err := runner.run(ctx, j)
		switch {
		case exitCodeOf(err) == exitLocked:
			logger.Warn("run skipped: another process is running this job", "job", j.Name, "err", err)
			err = nil
		case errors.Is(err, errInterrupted):
			err = nil // logged by the run; the daemon is stopping
		}
		if ctx.Err() == nil {
			logger.Info("next run", "job", j.Name, "at", j.Next(time.Now()))
		}
		return err
	}, time.Local, logger)
	n := sched.Load(file.Jobs)
	reload := c.reload
	if reload == nil {
		hup := make(chan os.Signal, 1)
		signal.Notify(hup, syscall.SIGHUP)
		defer signal.Stop(hup)
		ch := make(chan struct{}, 1)
		go func() {
			for range hup {
				select {
				case ch <- struct{}{}:
				default:
				}
			}
		}()
		reload = ch
	}
	sched.Start()
	logger.Info("daemon started", "pid", os.Getpid(), "job_file", path, "archive", dbFile, "scheduled", n, "jobs", len(file.Jobs))
	logSchedule(logger, file, sched)
	if c.started != nil {
		close(c.started)
	}

	for {
		select {
		case <-ctx.Done():
			logger.Info("daemon stopping: interrupting the runs under way", "running", sched.Running())
			stopCtx, cancel := context.WithTimeout(context.WithoutCancel(ctx), daemonStopTimeout)
			err := sched.Stop(stopCtx)
			cancel()
			if err != nil {
				return fmt.Errorf("daemon: runs still under way after %s: %w", daemonStopTimeout, err)
			}
			logger.Info("daemon stopped")
			return nil
		case <-reload:
			next, err := loadJobFile(path)
			if err != nil {
				logger.Error("job file refused on reload; the previous schedule stays", "job_file", path, "err", err)
				continue
			}
			if a := archivePath(*dbPath, next); a != dbFile {
				logger.Warn("the job file names another archive; restart the daemon to use it", "archive", dbFile, "new_archive", a)
			}
			n := sched.Load(next.Jobs)
			file = next
			logger.Info("job file reloaded", "job_file", path, "scheduled", n, "jobs", len(next.Jobs))
			logSchedule(logger, file, sched)
		}
	}
}

// logSchedule logs when each job runs next, and which jobs have no schedule.
func logSchedule(logger *slog.Logger, f *job.File, s *job.Scheduler) {
	for _, e := range s.Entries() {
		j, _ := f.Job(e.Job)
		logger.Info("scheduled", "job", e.Job, "schedule", j.Schedule, "next", e.Next)
	}
	for _, j := range f.Jobs {
		if !j.Scheduled() {
			logger.Info("not scheduled (no schedule; annals run runs it)", "job", j.Name)
		}
	}
}
