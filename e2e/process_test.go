package e2e

import (
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/portal"
)

// TestCrawl_TwoProcesses: while a crawl runs, a second crawl of the same
// job is refused (naming the holder) or waits for it with --wait, readers
// work, SIGTERM records the run as interrupted, and the waiting crawl then
// resumes the unfinished pass.
func TestCrawl_TwoProcesses(t *testing.T) {
	t.Parallel()
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	crawl := func(flags ...string) []string { return crawlArgs(db, base+"/", flags...) }

	first := start(t, dir, crawl("--delay", "150ms")...)
	waitFor(t, 30*time.Second, "the first crawl to fetch a few pages", func() bool { return len(p.Requests()) >= 6 })

	// A second crawl of the same job is refused at once, naming the holder.
	_, errOut, code := run(t, dir, crawl()...)
	if code != 3 {
		t.Fatalf("second crawl: exit %d, want 3\n%s", code, errOut)
	}
	for _, w := range []string{"is being run by another process", fmt.Sprintf("pid %d", first.cmd.Process.Pid), "--wait"} {
		if !strings.Contains(errOut, w) {
			t.Errorf("refusal lacks %q:\n%s", w, errOut)
		}
	}

	// Readers work during the crawl.
	out := mustRun(t, dir, "export", "--db", db, "--format", "jsonl")
	if strings.Count(out, "\n") == 0 {
		t.Log("export during the crawl found no article yet")
	}
	mustRun(t, dir, "export", "--db", db, "--format", "csv", "--query", "通辽")
	mustRun(t, dir, "search", "--db", db, "--format", "jsonl", "通辽")

	// A third waits for the lock.
	waiting := start(t, dir, crawl("--delay", "0", "--wait", "2m")...)
	waitFor(t, 30*time.Second, "the third crawl to wait", func() bool {
		return strings.Contains(waiting.stderr.String(), "waiting for another run of the job to finish")
	})

	// SIGTERM: the first stops within seconds, its run interrupted.
	stopped := time.Now()
	first.signal(t, syscall.SIGTERM)
	if code := first.wait(t, 30*time.Second); code != 130 {
		t.Errorf("first crawl after SIGTERM: exit %d, want 130\n%s", code, first.stderr.String())
	}
	if d := time.Since(stopped); d > 10*time.Second {
		t.Errorf("SIGTERM took %s", d)
	}
	if !strings.Contains(first.stderr.String(), "recorded as interrupted") || !strings.Contains(first.stdout.String(), "interrupted in") {
		t.Errorf("first crawl's output:\n%s\n%s", first.stdout.String(), first.stderr.String())
	}
	if r := readRun(t, db, 1); r.Status != archive.RunInterrupted {
		t.Errorf("run 1 = %s, want interrupted", r.Status)
	}

	// The waiting crawl now runs and resumes the pass.
	if code := waiting.wait(t, 2*time.Minute); code != 0 {
		t.Fatalf("waiting crawl: exit %d\n%s", code, waiting.stderr.String())
	}
	if !strings.Contains(waiting.stderr.String(), `"resumed":true`) {
		t.Errorf("the next run did not resume the interrupted pass:\n%s", waiting.stderr.String())
	}
	if r := readRun(t, db, 2); r.Status != archive.RunCompleted {
		t.Errorf("run 2 = %+v", r)
	}
	recs := export(t, dir, db)
	for _, a := range p.Articles() {
		if len(recs[base+a.Path]) != 1 {
			t.Errorf("%s: %d versions after an interrupted and a resumed run, want 1", a.Path, len(recs[base+a.Path]))
		}
	}
}

// TestCrawl_StaleLock: a crawl killed with SIGKILL leaves its lock behind;
// the next crawl sees that its process is gone, takes the lock over and
// resumes.
func TestCrawl_StaleLock(t *testing.T) {
	t.Parallel()
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	crawl := func(flags ...string) []string { return crawlArgs(db, base+"/", flags...) }
	killed := start(t, dir, crawl("--delay", "100ms")...)
	waitFor(t, 30*time.Second, "the crawl to fetch a few pages", func() bool { return len(p.Requests()) >= 5 })
	killed.signal(t, syscall.SIGKILL)
	killed.wait(t, 10*time.Second)

	start := time.Now()
	_, errOut, code := run(t, dir, crawl("--delay", "0")...)
	if code != 0 {
		t.Fatalf("crawl after kill -9: exit %d\n%s", code, errOut)
	}
	if !strings.Contains(errOut, "taking over lock") || !strings.Contains(errOut, "its process is gone") {
		t.Errorf("the stale lock was not taken over as such:\n%s", errOut)
	}
	if d := time.Since(start); d > time.Minute {
		t.Errorf("took %s: waited for the heartbeat instead of checking the process", d)
	}
	if !strings.Contains(errOut, `"resumed":true`) {
		t.Errorf("did not resume the killed run's pass:\n%s", errOut)
	}
	// The killed run is on record as interrupted, not running for ever.
	if r := readRun(t, db, 1); r.Status != archive.RunInterrupted || !strings.Contains(r.Note, "run 2 took over") {
		t.Errorf("killed run = %s (%s), want interrupted", r.Status, r.Note)
	}
	if r := readRun(t, db, 2); r.Status != archive.RunCompleted {
		t.Errorf("run 2 = %s", r.Status)
	}
}

// TestRun_JobFiles: annals run on a good and on a bad job file.
func TestRun_JobFiles(t *testing.T) {
	t.Parallel()
	_, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	write := func(name, text string) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
		return path
	}
	bad := write("bad.yaml", fmt.Sprintf("job:\n  - name: en\n    seeds: [%q]\n    allow: ['(']\n    schedule: '0 */6 * *'\n", base+"/en/"))
	_, errOut, code := run(t, dir, "run", bad)
	if code != 2 || !strings.Contains(errOut, "bad.yaml:4: job \"en\": allow: bad regular expression") || !strings.Contains(errOut, "bad.yaml:5: job \"en\": invalid schedule") {
		t.Errorf("bad job file: exit %d\n%s", code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "annals.db")); err == nil {
		t.Error("a bad job file created the archive")
	}
	good := write("jobs.toml", fmt.Sprintf("[defaults]\ndelay = \"0s\"\n[[job]]\nname = \"en\"\nseeds = [%q]\nallow = ['/en/']\n[[job]]\nname = \"gov\"\nseeds = [%q]\ndepth = 1\n", base+"/en/", base+"/gov/"))
	out := mustRun(t, dir, "run", good)
	if !strings.Contains(out, "run 1 of job en: completed") || !strings.Contains(out, "run 2 of job gov: completed") {
		t.Errorf("annals run:\n%s", out)
	}
}
