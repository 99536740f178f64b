package e2e

import (
	"context"
	"fmt"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"strings"
	"sync"
	"sync/atomic"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/portal"
)

// lockFailure matches what SQLite says when a writer gives up on its lock.
var lockFailure = regexp.MustCompile(`(?i)database is locked|SQLITE_BUSY|database table is locked`)

// TestReliability_Concurrency runs on one archive file at once: two crawls
// of different jobs (each crawling its site twice), the daemon running a
// third job every second, and readers (annals search and export in a
// loop, and annals serve's API polled). No process may fail or report a
// locked database, and no write may be lost: every request each site
// answered is a capture in the archive.
func TestReliability_Concurrency(t *testing.T) {
	t.Parallel()
	pa, baseA := servePortal(t, portal.Options{})
	pb, baseB := servePortal(t, portal.Options{})
	pd, baseD := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	jobs := filepath.Join(dir, "jobs.toml")
	if err := os.WriteFile(jobs, fmt.Appendf(nil, "archive = %q\n[[job]]\nname = \"daemon\"\nseeds = [%q]\ndelay = \"0s\"\nschedule = \"@every 1s\"\n", db, baseD+"/"), 0o644); err != nil {
		t.Fatal(err)
	}

	var outputs []*proc // every process, for the lock check
	var outMu sync.Mutex
	keep := func(p *proc) *proc {
		outMu.Lock()
		outputs = append(outputs, p)
		outMu.Unlock()
		return p
	}
	// The two crawls each crawl their site twice, the second time a
	// re-crawl of conditional requests.
	crawls := make(chan error, 2)
	for _, c := range []struct{ job, base string }{{"a", baseA}, {"b", baseB}} {
		go func() {
			for round := range 2 {
				p := keep(start(t, dir, crawlArgs(db, c.base+"/", "--job", c.job, "--delay", "40ms")...))
				<-p.done
				if p.code != 0 {
					crawls <- fmt.Errorf("crawl %s, round %d: exit %d\n%s", c.job, round+1, p.code, p.stderr.String())
					return
				}
			}
			crawls <- nil
		}()
	}
	daemon := keep(start(t, dir, "daemon", "--log-format", "json", jobs))
	waitFor(t, 30*time.Second, "the archive to be made", func() bool {
		_, err := os.Stat(db)
		return err == nil && count(t, daemon, "run started", "") > 0
	})
	serve := keep(start(t, dir, "serve", "--db", db, "--addr", "127.0.0.1:0"))
	var api string
	waitFor(t, 30*time.Second, "annals serve to listen", func() bool {
		m := regexp.MustCompile(`at (http://127\.0\.0\.1:\d+/)`).FindStringSubmatch(serve.stderr.String())
		if m != nil {
			api = m[1]
		}
		return m != nil
	})

	// Readers, until the crawls end.
	stop := make(chan struct{})
	var readers sync.WaitGroup
	var reads, apiCalls atomic.Int64
	var readErrs []string
	var errMu sync.Mutex
	fail := func(format string, args ...any) {
		errMu.Lock()
		readErrs = append(readErrs, fmt.Sprintf(format, args...))
		errMu.Unlock()
	}
	for _, args := range [][]string{
		{"search", "--db", db, "--format", "jsonl", "通辽"},
		{"search", "--db", db, "--format", "jsonl", "council"},
		{"export", "--db", db, "--format", "jsonl", "--versions", "all"},
		{"export", "--db", db, "--format", "csv"},
	} {
		readers.Add(1)
		go func() {
			defer readers.Done()
			for {
				select {
				case <-stop:
					return
				default:
				}
				p := keep(start(t, dir, args...))
				<-p.done
				reads.Add(1)
				if p.code != 0 {
					fail("annals %s: exit %d: %s", strings.Join(args[:1], " "), p.code, p.stderr.String())
				}
			}
		}()
	}
	readers.Add(1)
	go func() {
		defer readers.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				return
			default:
			}
			for _, path := range []string{"api/search?q=%E9%80%9A%E8%BE%BD", "api/search?q=news", fmt.Sprintf("api/articles/%d", 1+i%20), fmt.Sprintf("api/articles/%d/versions", 1+i%20)} {
				resp, err := http.Get(api + path)
				if err != nil {
					fail("GET /%s: %v", path, err)
					continue
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				apiCalls.Add(1)
				if resp.StatusCode != 200 && resp.StatusCode != 404 {
					fail("GET /%s: %d %s", path, resp.StatusCode, body)
				}
			}
		}
	}()

	deadline := time.After(time.Duration(slack()) * 3 * time.Minute)
	for range 2 {
		select {
		case err := <-crawls:
			if err != nil {
				t.Error(err)
			}
		case <-deadline:
			t.Fatal("the crawls did not finish")
		}
	}
	waitFor(t, 30*time.Second, "three daemon runs", func() bool { return count(t, daemon, "run finished", "daemon") >= 3 })
	close(stop)
	readers.Wait()
	daemon.signal(t, syscall.SIGTERM)
	if code := daemon.wait(t, 30*time.Second); code != 0 {
		t.Errorf("daemon: exit %d\n%s", code, daemon.stderr.String())
	}
	serve.signal(t, syscall.SIGTERM)
	serve.wait(t, 30*time.Second)

	for _, e := range readErrs {
		t.Error(e)
	}
	outMu.Lock()
	for _, p := range outputs {
		if out := p.stdout.String() + p.stderr.String(); lockFailure.MatchString(out) {
			t.Errorf("annals %v reported a locked database:\n%s", p.cmd.Args[1:], out)
		}
	}
	procs := len(outputs)
	outMu.Unlock()

	// No lost write: each site's requests are captures, one for one.
	a := openArchive(t, db)
	perSite := map[string]int{}
	err := a.EachCapture(context.Background(), archive.CaptureFilter{}, func(c archive.CaptureInfo, _ []byte) error {
		for _, base := range []string{baseA, baseB, baseD} {
			if strings.HasPrefix(c.URL, base+"/") {
				perSite[base]++
			}
		}
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	for _, s := range []struct {
		name string
		p    *portal.Portal
		base string
	}{{"crawl a", pa, baseA}, {"crawl b", pb, baseB}, {"daemon", pd, baseD}} {
		if got, want := perSite[s.base], len(s.p.Requests()); got != want {
			t.Errorf("%s: the site answered %d requests, the archive holds %d captures of it", s.name, want, got)
		}
	}
	if out := mustRun(t, dir, "verify", "--db", db); !strings.Contains(out, "ok: no damage found") {
		t.Errorf("verify:\n%s", out)
	}
	t.Logf("%d processes on one archive: 4 crawl runs (%d and %d captures), %d daemon runs (%d captures), %d reader processes, %d API calls; no lock error, no lost capture",
		procs, perSite[baseA], perSite[baseB], count(t, daemon, "run finished", "daemon"), perSite[baseD], reads.Load(), apiCalls.Load())
}
