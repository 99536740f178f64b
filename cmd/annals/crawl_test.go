package main

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/job"
)

// readRun opens the archive read-only and returns run id.
func readRun(t *testing.T, path string, id int64) archive.Run {
	t.Helper()
	db := archive.NewDB(path)
	db.ReadOnly = true
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	r, err := db.Run(context.Background(), id)
	if err != nil {
		t.Fatal(err)
	}
	return r
}

func TestCrawlCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	p, base := testPortal(t)
	db := filepath.Join(t.TempDir(), "annals.db")
	args := []string{"crawl", "--db", db, "--delay", "0", "--allow", "^http://127\\.0\\.0\\.1", "--deny", "\\.jpg$", "--zone", "Asia/Shanghai", base + "/"}

	out, errOut, code := pipeRun(t, ctx, args...)
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, w := range []string{"run 1 of job 127.0.0.1:", ": completed in", "articles: "} {
		if !strings.Contains(out, w) {
			t.Errorf("summary lacks %q:\n%s", w, out)
		}
	}
	// Not a terminal: structured logs on stderr.
	if !strings.Contains(errOut, `msg="run started"`) || !strings.Contains(errOut, `msg="run finished"`) {
		t.Errorf("stderr lacks the run's logs:\n%s", errOut)
	}
	run := readRun(t, db, 1)
	name := job.DeriveName([]string{base + "/"})
	if run.Status != archive.RunCompleted || run.Job != name || run.Summary.NewArticles < len(p.Articles()) {
		t.Errorf("run = %+v", run)
	}
	var settings job.Settings
	if err := json.Unmarshal(run.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	if settings.Delay != "0s" || settings.Zone != "Asia/Shanghai" || len(settings.Deny) != 1 || !strings.HasPrefix(settings.UserAgent, "annals/") {
		t.Errorf("settings recorded = %+v", settings)
	}
	if !strings.HasPrefix(run.Command, "annals crawl --db ") {
		t.Errorf("command recorded = %q", run.Command)
	}
	for _, r := range p.Requests() {
		if strings.HasSuffix(r.Target, ".jpg") {
			t.Errorf("denied URL fetched: %s", r.Target)
		}
		if ua := r.Header.Get("User-Agent"); ua != userAgent() {
			t.Errorf("User-Agent = %q", ua)
		}
	}

	// The same command again: the same job, re-crawled with conditional GETs.
	p.Reset()
	out, errOut, code = pipeRun(t, ctx, args...)
	if code != 0 {
		t.Fatalf("second crawl: exit %d\n%s\n%s", code, out, errOut)
	}
	run2 := readRun(t, db, 2)
	if run2.Job != run.Job || run2.Summary.NewArticles != 0 || run2.Summary.Changed != 0 || run2.Summary.Unchanged < len(p.Articles()) {
		t.Errorf("second run = %+v", run2.Summary)
	}
	conditional := 0
	for _, r := range p.Requests() {
		if r.Status == 304 {
			conditional++
		}
	}
	if conditional < len(p.Articles()) {
		t.Errorf("%d answers 304 in the re-crawl, want at least %d (every article)", conditional, len(p.Articles()))
	}
}

func TestCrawlCommand_Refusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	for _, tc := range []struct {
		name string
		args []string
		code int
		want string
	}{
		{"no seed", []string{"crawl", "--db", db}, exitUsage, "needs at least one SEED"},
		{"bad seed", []string{"crawl", "--db", db, "www.example.com"}, exitUsage, `seed "www.example.com" is not an absolute http(s) URL`},
		{"bad regexp", []string{"crawl", "--db", db, "--deny", "(", "http://127.0.0.1:1/"}, exitUsage, "--deny: bad regular expression"},
		{"bad revisit", []string{"crawl", "--db", db, "--revisit", "never", "http://127.0.0.1:1/"}, exitUsage, `--revisit "never"`},
		{"bad zone", []string{"crawl", "--db", db, "--zone", "Mars/Olympus", "http://127.0.0.1:1/"}, exitUsage, "unknown time zone"},
		{"bad size", []string{"crawl", "--db", db, "--max-body", "lots", "http://127.0.0.1:1/"}, exitUsage, "is not a size"},
		{"bad parallel", []string{"crawl", "--db", db, "--parallel", "0", "http://127.0.0.1:1/"}, exitUsage, "parallel 0"},
		{"missing rules", []string{"crawl", "--db", db, "--rules", filepath.Join(dir, "none.toml"), "http://127.0.0.1:1/"}, exitUsage, "--rules:"},
		{"bad log format", []string{"crawl", "--db", db, "--log-format", "xml", "http://127.0.0.1:1/"}, exitUsage, "--log-format"},
		{"unwritable archive", []string{"crawl", "--db", filepath.Join(dir, "no", "such", "dir", "a.db"), "http://127.0.0.1:1/"}, exitFailure, "or pass --db"},
		{"help", []string{"crawl", "--help"}, exitOK, "Examples:"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, errOut, code := pipeRun(t, ctx, tc.args...)
			if code != tc.code || !strings.Contains(errOut, tc.want) {
				t.Errorf("exit %d (want %d), stderr:\n%s\nwant it to say %q", code, tc.code, errOut, tc.want)
			}
		})
	}
	if _, err := os.Stat(db); err == nil {
		t.Error("a refused crawl created the archive")
	}
}

// holdLock takes a job's lock in the archive as this (live) process,
// standing in for another crawl of the same job.
func holdLock(t *testing.T, path, jobName string) (release func()) {
	t.Helper()
	db := archive.NewDB(path)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	l, err := db.AcquireLock(context.Background(), "job:"+jobName, lockOwner("annals crawl (the other one)"), nil)
	if err != nil {
		t.Fatal(err)
	}
	return func() {
		l.Release(context.Background())
		db.Close()
	}
}

func TestCrawlCommand_Locked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := testPortal(t)
	db := filepath.Join(t.TempDir(), "annals.db")
	release := holdLock(t, db, "portal")
	_, errOut, code := pipeRun(t, ctx, "crawl", "--db", db, "--job", "portal", "--delay", "0", "--allow", "/en/", base+"/en/")
	if code != exitLocked {
		t.Fatalf("exit %d, want %d: %s", code, exitLocked, errOut)
	}
	for _, w := range []string{"job portal is being run by another process", "annals crawl (the other one)", "pid", "--wait"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("message lacks %q:\n%s", w, errOut)
		}
	}
	// With --wait, the crawl starts once the other releases the lock.
	time.AfterFunc(1500*time.Millisecond, release)
	start := time.Now()
	out, errOut, code := pipeRun(t, ctx, "crawl", "--db", db, "--job", "portal", "--delay", "0", "--wait", "1m", "--allow", "/en/", base+"/en/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if time.Since(start) < time.Second || !strings.Contains(errOut, "waiting for another run") || !strings.Contains(out, "completed") {
		t.Errorf("did not wait for the lock (%s):\n%s\n%s", time.Since(start), out, errOut)
	}
}

func TestCrawlCommand_Interrupted(t *testing.T) {
	t.Parallel()
	_, base := testPortal(t)
	db := filepath.Join(t.TempDir(), "annals.db")
	ctx, cancel := context.WithCancel(context.Background())
	time.AfterFunc(700*time.Millisecond, cancel)
	out, errOut, code := pipeRun(t, ctx, "crawl", "--db", db, "--delay", "100ms", base+"/")
	if code != exitInterrupted {
		t.Fatalf("exit %d, want %d\n%s\n%s", code, exitInterrupted, out, errOut)
	}
	if !strings.Contains(errOut, "recorded as interrupted; run the same command again to resume") || !strings.Contains(out, "interrupted in") {
		t.Errorf("stdout:\n%s\nstderr:\n%s", out, errOut)
	}
	if run := readRun(t, db, 1); run.Status != archive.RunInterrupted || run.FinishedAt.IsZero() {
		t.Errorf("run = %+v", run)
	}
	// The next run resumes the pass.
	out, errOut, code = pipeRun(t, context.Background(), "crawl", "--db", db, "--delay", "0", base+"/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if run := readRun(t, db, 2); run.Status != archive.RunCompleted {
		t.Errorf("run 2 = %+v", run)
	}
	_ = out
}

func TestCrawlCommand_ClosesDeadRuns(t *testing.T) {
	ctx := context.Background()
	_, base := testPortal(t)
	path := filepath.Join(t.TempDir(), "annals.db")
	db := archive.NewDB(path)
	if err := db.Open(ctx); err != nil {
		t.Fatal(err)
	}
	// Runs whose processes died: one of this job, one of another job.
	dead, _ := db.StartRun(ctx, archive.RunInfo{Job: "en", Seeds: []string{base + "/en/"}})
	other, _ := db.StartRun(ctx, archive.RunInfo{Job: "other", Seeds: []string{base + "/"}})
	db.Close()

	_, errOut, code := pipeRun(t, ctx, "crawl", "--db", path, "--job", "en", "--delay", "0", "--allow", "/en/", base+"/en/")
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if r := readRun(t, path, dead); r.Status != archive.RunInterrupted || !strings.Contains(r.Note, "run 3 took over") {
		t.Errorf("dead run = %s (%s), want interrupted", r.Status, r.Note)
	}
	if r := readRun(t, path, other); r.Status != archive.RunRunning {
		t.Errorf("another job's run = %s: it is not this job's to close", r.Status)
	}
	if !strings.Contains(errOut, "an earlier run of the job never finished") {
		t.Errorf("not logged:\n%s", errOut)
	}
}
