package job

import (
	"context"
	"log/slog"
	"sync"
	"time"

	"github.com/robfig/cron/v3"
)

// RunFunc runs one job once. It should return when ctx is cancelled (the
// scheduler is stopping), having recorded the run as interrupted.
type RunFunc func(ctx context.Context, j *Job) error

// Scheduler runs jobs on their schedules, on github.com/robfig/cron/v3.
// A job whose time comes while its previous run is still under way is
// skipped (and logged), never started twice. Create it with NewScheduler,
// give it jobs with Load, Start it, and Stop it.
type Scheduler struct {
	run RunFunc
	log *slog.Logger

	cron *cron.Cron

	mu      sync.Mutex
	entries map[cron.EntryID]string // job names
	running map[string]bool
	ctx     context.Context
	cancel  context.CancelFunc
	stopped bool
	wg      sync.WaitGroup
}

// NewScheduler returns a scheduler that calls run for each job when its
// schedule fires. Schedules without CRON_TZ= are read in loc (nil: the
// local zone). logger may be nil.
func NewScheduler(run RunFunc, loc *time.Location, logger *slog.Logger) *Scheduler {
	if logger == nil {
		logger = slog.New(slog.DiscardHandler)
	}
	if loc == nil {
		loc = time.Local
	}
	ctx, cancel := context.WithCancel(context.Background())
	return &Scheduler{
		run:     run,
		log:     logger,
		cron:    cron.New(cron.WithLocation(loc), cron.WithLogger(cronLogger{logger})),
		entries: map[cron.EntryID]string{},
		running: map[string]bool{},
		ctx:     ctx,
		cancel:  cancel,
	}
}

// Load replaces the scheduled jobs with jobs (those with a schedule; the
// others are skipped). Runs under way go on with the settings they
// started with; the next run of a job uses its new settings. It returns
// how many jobs are scheduled.
func (s *Scheduler) Load(jobs []*Job) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	for id := range s.entries {
		s.cron.Remove(id)
	}
	clear(s.entries)
	for _, j := range jobs {
		if !j.Scheduled() {
			continue
		}
		s.entries[s.cron.Schedule(j.schedule, cron.FuncJob(func() { s.fire(j) }))] = j.Name
	}
	return len(s.entries)
}

// Start starts the scheduler in its own goroutine.
func (s *Scheduler) Start() { s.cron.Start() }

// Entry is a scheduled job and when it runs next.
type Entry struct {
	Job     string
	Next    time.Time // zero before Start
	Running bool
}

// Entries lists the scheduled jobs, soonest first.
func (s *Scheduler) Entries() []Entry {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []Entry
	for _, e := range s.cron.Entries() {
		if name, ok := s.entries[e.ID]; ok {
			out = append(out, Entry{Job: name, Next: e.Next, Running: s.running[name]})
		}
	}
	return out
}

// Running lists the jobs being run now.
func (s *Scheduler) Running() []string {
	s.mu.Lock()
	defer s.mu.Unlock()
	var out []string
	for name, r := range s.running {
		if r {
			out = append(out, name)
		}
	}
	return out
}

// fire runs j unless it is already running or the scheduler is stopping.
func (s *Scheduler) fire(j *Job) {
	s.mu.Lock()
	if s.stopped {
		s.mu.Unlock()
		return
	}
	if s.running[j.Name] {
		s.mu.Unlock()
		s.log.Warn("job skipped: its previous run is still under way", "job", j.Name)
		return
	}
	s.running[j.Name] = true
	s.wg.Add(1)
	ctx := s.ctx
	s.mu.Unlock()
	defer func() {
		s.mu.Lock()
		delete(s.running, j.Name)
		s.mu.Unlock()
		s.wg.Done()
	}()
	if err := s.run(ctx, j); err != nil {
		s.log.Error("job run failed", "job", j.Name, "err", err)
	}
}

// Stop stops scheduling, cancels the runs under way and waits for them to
// return, or for ctx to be done.
func (s *Scheduler) Stop(ctx context.Context) error {
	s.mu.Lock()
	s.stopped = true
	s.mu.Unlock()
	s.cron.Stop()
	s.cancel()
	done := make(chan struct{})
	go func() {
		s.wg.Wait()
		close(done)
	}()
	select {
	case <-done:
		return nil
	case <-ctx.Done():
		return ctx.Err()
	}
}

// cronLogger passes the cron library's logs to slog (its info is debug
// here: one line per tick is too much).
type cronLogger struct{ l *slog.Logger }

func (c cronLogger) Info(msg string, kv ...any) { c.l.Debug("cron: "+msg, kv...) }
func (c cronLogger) Error(err error, msg string, kv ...any) {
	c.l.Error("cron: "+msg, append(kv, "err", err)...)
}
