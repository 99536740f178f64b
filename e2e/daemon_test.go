package e2e

import (
	"bufio"
	"encoding/json"
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

// logLine is one JSON log line of the daemon.
type logLine struct {
	Msg    string `json:"msg"`
	Job    string `json:"job"`
	Run    int64  `json:"run"`
	Status string `json:"status"`
	Err    string `json:"err"`
}

func logLines(t *testing.T, s string) []logLine {
	t.Helper()
	var out []logLine
	sc := bufio.NewScanner(strings.NewReader(s))
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var l logLine
		if err := json.Unmarshal(sc.Bytes(), &l); err != nil {
			t.Fatalf("log line is not JSON: %q", sc.Text())
		}
		out = append(out, l)
	}
	return out
}

// count counts log lines with msg (and job, when not empty).
func count(t *testing.T, p *proc, msg, job string) int {
	n := 0
	for _, l := range logLines(t, p.stderr.String()) {
		if l.Msg == msg && (job == "" || l.Job == job) {
			n++
		}
	}
	return n
}

// TestDaemon_Signals runs the daemon as a process: it runs a job on its
// schedule, refuses a broken job file on SIGHUP and keeps its schedule,
// takes a good one, and on SIGTERM interrupts the run under way, records
// it, and exits 0.
func TestDaemon_Signals(t *testing.T) {
	t.Parallel()
	_, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	path := filepath.Join(dir, "jobs.toml")
	write := func(text string) {
		if err := os.WriteFile(path, []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	job := func(name, delay, seed string) string {
		return fmt.Sprintf("[[job]]\nname = %q\nseeds = [%q]\ndelay = %q\nschedule = \"@every 1s\"\n", name, base+seed, delay)
	}
	write("archive = \"annals.db\"\n" + job("gov", "0s", "/gov/"))
	d := start(t, dir, "daemon", "--log-format", "json", path)
	waitFor(t, 30*time.Second, "a run of gov", func() bool { return count(t, d, "run finished", "gov") >= 1 })

	write("archive = \"annals.db\"\n" + job("gov", "0s", "/gov/") + "scheduel = \"@daily\"\n")
	d.signal(t, syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the refusal", func() bool { return count(t, d, "job file refused on reload; the previous schedule stays", "") == 1 })
	if !strings.Contains(d.stderr.String(), `unknown key \"scheduel\"`) {
		t.Errorf("the refusal does not say why:\n%s", d.stderr.String())
	}
	n := count(t, d, "run finished", "gov")
	waitFor(t, 30*time.Second, "gov to run on after the refusal", func() bool { return count(t, d, "run finished", "gov") > n })

	// A slow job, so that SIGTERM finds it running.
	write("archive = \"annals.db\"\n" + job("whole-site", "300ms", "/"))
	d.signal(t, syscall.SIGHUP)
	waitFor(t, 10*time.Second, "the reload", func() bool { return count(t, d, "job file reloaded", "") == 1 })
	waitFor(t, 30*time.Second, "whole-site to start", func() bool { return count(t, d, "run started", "whole-site") >= 1 })
	time.Sleep(500 * time.Millisecond)
	d.signal(t, syscall.SIGTERM)
	if code := d.wait(t, 30*time.Second); code != 0 {
		t.Fatalf("daemon after SIGTERM: exit %d\n%s", code, d.stderr.String())
	}
	if count(t, d, "daemon stopped", "") != 1 {
		t.Errorf("no clean stop logged:\n%s", d.stderr.String())
	}
	var interrupted int64
	for _, l := range logLines(t, d.stderr.String()) {
		if l.Msg == "run finished" && l.Job == "whole-site" && l.Status == "interrupted" {
			interrupted = l.Run
		}
	}
	if interrupted == 0 {
		t.Fatalf("the run under way was not recorded as interrupted:\n%s", d.stderr.String())
	}
	if r := readRun(t, filepath.Join(dir, "annals.db"), interrupted); r.Status != archive.RunInterrupted || r.Job != "whole-site" {
		t.Errorf("run %d = %+v", interrupted, r)
	}
}
