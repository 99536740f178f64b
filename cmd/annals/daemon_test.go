package main

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
)

// waitFor polls cond until it holds or d passes.
func waitFor(t *testing.T, d time.Duration, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(d)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", d, what)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func TestDaemonCommand(t *testing.T) {
	t.Parallel()
	_, base := testPortal(t)
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	jobFile := func(name, schedule string) string {
		return fmt.Sprintf("archive = \"annals.db\"\n[[job]]\nname = %q\nseeds = [\"%s/gov/\"]\nallow = ['/gov/']\ndepth = 1\ndelay = \"0s\"\nschedule = %q\n", name, base, schedule)
	}
	path := writeFile(t, dir, "jobs.toml", jobFile("gov", "@every 1s")+"[[job]]\nname = \"manual\"\nseeds = [\"http://127.0.0.1:1/\"]\n")

	var stdout, stderr syncBuffer
	reload := make(chan struct{})
	started := make(chan struct{})
	d := &DaemonCommand{Stdout: &stdout, Stderr: &stderr, reload: reload, started: started}
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	done := make(chan error, 1)
	go func() { done <- d.Run(ctx, []string{"--log-format", "json", path}) }()
	select {
	case <-started:
	case err := <-done:
		t.Fatalf("daemon ended at once: %v\n%s", err, stderr.String())
	}
	logs := stderr.String
	if !strings.Contains(logs(), `"msg":"scheduled","job":"gov","schedule":"@every 1s"`) || !strings.Contains(logs(), `"job":"manual"`) {
		t.Errorf("start logs:\n%s", logs())
	}
	waitFor(t, 10*time.Second, "two runs of gov", func() bool { return strings.Count(logs(), `"msg":"run finished","job":"gov"`) >= 2 })

	// A bad file is refused; the old schedule stays.
	writeFile(t, dir, "jobs.toml", jobFile("gov", "every second"))
	reload <- struct{}{}
	waitFor(t, 5*time.Second, "the refusal", func() bool { return strings.Contains(logs(), "job file refused on reload") })
	if !strings.Contains(logs(), `invalid schedule \"every second\"`) {
		t.Errorf("the refusal does not say why:\n%s", logs())
	}
	n := strings.Count(logs(), `"msg":"run finished","job":"gov"`)
	waitFor(t, 10*time.Second, "gov to go on after a refused reload", func() bool {
		return strings.Count(logs(), `"msg":"run finished","job":"gov"`) > n
	})

	// A good file replaces the schedule.
	writeFile(t, dir, "jobs.toml", jobFile("gov2", "@every 1s"))
	reload <- struct{}{}
	waitFor(t, 5*time.Second, "the reload", func() bool { return strings.Contains(logs(), "job file reloaded") })
	waitFor(t, 10*time.Second, "a run of gov2", func() bool { return strings.Contains(logs(), `"msg":"run finished","job":"gov2"`) })

	// Stopping interrupts what runs and returns cleanly.
	cancel()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("daemon stopped with %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("daemon did not stop")
	}
	if !strings.Contains(logs(), "daemon stopped") {
		t.Errorf("logs:\n%s", logs())
	}
	// Every run it started is finished in the archive: none left running.
	a := archive.NewDB(db)
	a.ReadOnly = true
	if err := a.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer a.Close()
	for id := int64(1); ; id++ {
		r, err := a.Run(context.Background(), id)
		if err != nil {
			if id < 4 {
				t.Errorf("only %d runs recorded", id-1)
			}
			break
		}
		if r.Status == archive.RunRunning || r.FinishedAt.IsZero() {
			t.Errorf("run %d (%s) left %s", id, r.Job, r.Status)
		}
	}
}

func TestDaemonCommand_Refusals(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	unscheduled := writeFile(t, dir, "jobs.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://127.0.0.1:1/\"]\n")
	_, errOut, code := pipeRun(t, ctx, "daemon", "--db", filepath.Join(dir, "a.db"), unscheduled)
	if code != exitUsage || !strings.Contains(errOut, "no job in") || !strings.Contains(errOut, "annals run") {
		t.Errorf("exit %d: %s", code, errOut)
	}
	bad := writeFile(t, dir, "bad.yaml", "job:\n  - name: a\n    seeds: []\n")
	_, errOut, code = pipeRun(t, ctx, "daemon", bad)
	if code != exitUsage || !strings.Contains(errOut, `bad.yaml:2: job "a" has no seeds`) {
		t.Errorf("exit %d: %s", code, errOut)
	}
	_, errOut, code = pipeRun(t, ctx, "daemon", "--help")
	if code != exitOK || !strings.Contains(errOut, "SIGHUP reloads") {
		t.Errorf("help: exit %d: %s", code, errOut)
	}
}

// TestDaemonCommand_SystemdUnit keeps examples/annals.service in step with
// the daemon's flags: its ExecStart line, with the paths moved to a
// temporary directory, must get as far as reading the job file.
func TestDaemonCommand_SystemdUnit(t *testing.T) {
	unit, err := os.ReadFile(filepath.Join("..", "..", "examples", "annals.service"))
	if err != nil {
		t.Fatal(err)
	}
	var exec []string
	for _, line := range strings.Split(string(unit), "\n") {
		if rest, ok := strings.CutPrefix(line, "ExecStart="); ok {
			exec = strings.Fields(rest)
		}
	}
	if len(exec) < 3 || filepath.Base(exec[0]) != "annals" || exec[1] != "daemon" {
		t.Fatalf("ExecStart = %q", exec)
	}
	dir := t.TempDir()
	jobs := writeFile(t, dir, "jobs.toml", "[[job]]\nname = \"a\"\nseeds = [\"http://127.0.0.1:1/\"]\n")
	args := []string{"daemon"}
	for _, a := range exec[2:] {
		switch {
		case strings.HasSuffix(a, ".db"):
			a = filepath.Join(dir, "annals.db")
		case strings.HasSuffix(a, ".toml"):
			a = jobs
		}
		args = append(args, a)
	}
	_, errOut, code := pipeRun(t, context.Background(), args...)
	if code != exitUsage || !strings.Contains(errOut, "no job in "+jobs+" has a schedule") {
		t.Errorf("annals %q: exit %d: %s", args, code, errOut)
	}
	if _, err := os.Stat(filepath.Join(dir, "annals.db")); err == nil {
		t.Error("a daemon with nothing to schedule created the archive")
	}
}
