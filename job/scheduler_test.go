package job

import (
	"context"
	"slices"
	"sync"
	"testing"
	"time"
)

// runLog records the runs a scheduler starts.
type runLog struct {
	mu      sync.Mutex
	started []string
	ended   []string
	cancels int
}

func (l *runLog) count(name string) int {
	l.mu.Lock()
	defer l.mu.Unlock()
	n := 0
	for _, s := range l.started {
		if s == name {
			n++
		}
	}
	return n
}

func scheduled(t *testing.T, name, spec string) *Job {
	t.Helper()
	j := New(name, []string{"http://" + name + ".example/"})
	if err := j.SetSchedule(spec); err != nil {
		t.Fatal(err)
	}
	return j
}

func TestScheduler(t *testing.T) {
	log := &runLog{}
	var mu sync.Mutex
	inFlight := map[string]int{}
	maxInFlight := 0
	run := func(ctx context.Context, j *Job) error {
		mu.Lock()
		inFlight[j.Name]++
		maxInFlight = max(maxInFlight, inFlight[j.Name])
		mu.Unlock()
		log.mu.Lock()
		log.started = append(log.started, j.Name)
		log.mu.Unlock()
		d := 100 * time.Millisecond
		if j.Name == "slow" {
			d = 2500 * time.Millisecond // longer than its 1s schedule
		}
		select {
		case <-time.After(d):
		case <-ctx.Done():
			log.mu.Lock()
			log.cancels++
			log.mu.Unlock()
		}
		mu.Lock()
		inFlight[j.Name]--
		mu.Unlock()
		log.mu.Lock()
		log.ended = append(log.ended, j.Name)
		log.mu.Unlock()
		return nil
	}
	s := NewScheduler(run, time.UTC, nil)
	unscheduled := New("manual", []string{"http://manual.example/"})
	if n := s.Load([]*Job{scheduled(t, "fast", "@every 1s"), scheduled(t, "slow", "@every 1s"), unscheduled}); n != 2 {
		t.Fatalf("Load scheduled %d jobs, want 2", n)
	}
	s.Start()
	entries := s.Entries()
	if len(entries) != 2 || entries[0].Next.IsZero() {
		t.Errorf("entries = %+v", entries)
	}
	time.Sleep(3300 * time.Millisecond)
	if n := log.count("fast"); n < 2 || n > 4 {
		t.Errorf("fast ran %d times in 3.3s on @every 1s", n)
	}
	if n := log.count("slow"); n < 1 || n > 2 {
		t.Errorf("slow (2.5s a run) ran %d times in 3.3s on @every 1s, want 1 or 2 (skipped while running)", n)
	}
	if log.count("manual") != 0 {
		t.Error("a job without a schedule ran")
	}
	mu.Lock()
	if maxInFlight > 1 {
		t.Errorf("%d runs of one job at once", maxInFlight)
	}
	mu.Unlock()

	// Reload: fast goes away, other comes; slow keeps running.
	s.Load([]*Job{scheduled(t, "slow", "@every 1s"), scheduled(t, "other", "@every 1s")})
	before := log.count("fast")
	time.Sleep(1200 * time.Millisecond)
	if log.count("fast") != before {
		t.Error("a job removed by Load ran again")
	}
	if log.count("other") == 0 {
		t.Error("a job added by Load did not run")
	}
	// Stop cancels what runs and waits for it.
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	if err := s.Stop(ctx); err != nil {
		t.Fatal(err)
	}
	log.mu.Lock()
	started, ended := len(log.started), len(log.ended)
	log.mu.Unlock()
	if started != ended {
		t.Errorf("Stop returned with %d runs started and %d ended", started, ended)
	}
	if len(s.Running()) != 0 {
		t.Errorf("running after Stop: %v", s.Running())
	}
	time.Sleep(1100 * time.Millisecond)
	log.mu.Lock()
	after := len(log.started)
	log.mu.Unlock()
	if after != started {
		t.Error("a job ran after Stop")
	}
	if !slices.Contains(log.started, "slow") {
		t.Error("slow never ran")
	}
}

func TestParseSchedule(t *testing.T) {
	for _, spec := range []string{"0 */6 * * *", "CRON_TZ=Asia/Shanghai 0 */6 * * *", "TZ=Europe/Berlin 30 2 * * 1-5", "@daily", "@every 90m"} {
		if _, err := ParseSchedule(spec); err != nil {
			t.Errorf("ParseSchedule(%q): %v", spec, err)
		}
	}
	for _, spec := range []string{"", "0 */6 * *", "* * * * * *", "CRON_TZ=Nowhere/Land 0 * * * *", "@fortnightly", "60 * * * *", "TZ=", "CRON_TZ=Asia/Shanghai"} {
		if _, err := ParseSchedule(spec); err == nil {
			t.Errorf("ParseSchedule(%q) accepted", spec)
		}
	}
}
