package e2e

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"net/http/httptest"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/portal"
)

// annalsBin is the binary under test, built once by TestMain.
var annalsBin string

func TestMain(m *testing.M) {
	dir, err := os.MkdirTemp("", "annals-e2e-")
	if err != nil {
		fmt.Fprintln(os.Stderr, err)
		os.Exit(1)
	}
	annalsBin = filepath.Join(dir, "annals")
	args := []string{"build", "-o", annalsBin}
	if raceEnabled {
		args = append(args, "-race")
	}
	build := exec.Command("go", append(args, "github.com/annals/annals/cmd/annals")...)
	build.Stdout, build.Stderr = os.Stderr, os.Stderr
	if err := build.Run(); err != nil {
		fmt.Fprintln(os.Stderr, "build annals:", err)
		os.RemoveAll(dir)
		os.Exit(1)
	}
	code := m.Run()
	os.RemoveAll(dir)
	os.Exit(code)
}

// syncBuffer collects a process's output while the test reads it.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

// proc is a running annals process.
type proc struct {
	cmd            *exec.Cmd
	stdout, stderr syncBuffer
	done           chan struct{}
	code           int
}

// start runs annals with args in dir, in the background.
func start(t *testing.T, dir string, args ...string) *proc {
	t.Helper()
	p := &proc{done: make(chan struct{})}
	p.cmd = exec.Command(annalsBin, args...)
	p.cmd.Dir = dir
	p.cmd.Stdout, p.cmd.Stderr = &p.stdout, &p.stderr
	p.cmd.Env = append(os.Environ(), "NO_COLOR=1")
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	go func() {
		err := p.cmd.Wait()
		p.code = 0
		if ee, ok := err.(*exec.ExitError); ok {
			p.code = ee.ExitCode()
		} else if err != nil {
			p.code = -1
		}
		close(p.done)
	}()
	t.Cleanup(func() {
		select {
		case <-p.done:
		default:
			p.cmd.Process.Kill()
			<-p.done
		}
	})
	return p
}

// wait waits for the process to end and returns its exit code.
func (p *proc) wait(t *testing.T, d time.Duration) int {
	t.Helper()
	select {
	case <-p.done:
		return p.code
	case <-time.After(d):
		t.Fatalf("annals %v still running after %s\nstdout:\n%s\nstderr:\n%s", p.cmd.Args[1:], d, p.stdout.String(), p.stderr.String())
		return -1
	}
}

func (p *proc) signal(t *testing.T, sig syscall.Signal) {
	t.Helper()
	if err := p.cmd.Process.Signal(sig); err != nil {
		t.Fatal(err)
	}
}

// run runs annals with args in dir and waits for it.
func run(t *testing.T, dir string, args ...string) (stdout, stderr string, code int) {
	t.Helper()
	p := start(t, dir, args...)
	code = p.wait(t, 3*time.Minute)
	return p.stdout.String(), p.stderr.String(), code
}

// mustRun runs annals and fails the test unless it exits 0.
func mustRun(t *testing.T, dir string, args ...string) string {
	t.Helper()
	out, errOut, code := run(t, dir, args...)
	if code != 0 {
		t.Fatalf("annals %v: exit %d\nstdout:\n%s\nstderr:\n%s", args, code, out, errOut)
	}
	return out
}

// crawlArgs is annals crawl of seed into db, with JSON logs and flags.
func crawlArgs(db, seed string, flags ...string) []string {
	return append(append([]string{"crawl", "--db", db, "--log-format", "json"}, flags...), seed)
}

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

// servePortal serves a fresh sample portal on loopback.
func servePortal(t *testing.T, opts portal.Options) (*portal.Portal, string) {
	t.Helper()
	p, err := portal.New(opts)
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(p)
	t.Cleanup(srv.Close)
	return p, srv.URL
}

// record is one exported article version.
type record struct {
	URL           string   `json:"url"`
	Version       int      `json:"version"`
	State         string   `json:"state"`
	MovedTo       string   `json:"moved_to"`
	Title         string   `json:"title"`
	Body          string   `json:"body"`
	Changed       []string `json:"changed"`
	ContentSHA256 string   `json:"content_sha256"`
	RunID         int64    `json:"run_id"`
}

// export runs annals export --format jsonl --versions all and returns the
// records by URL, each URL's versions in order.
func export(t *testing.T, dir, db string) map[string][]record {
	t.Helper()
	out := mustRun(t, dir, "export", "--db", db, "--format", "jsonl", "--versions", "all")
	recs := map[string][]record{}
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		if line == "" {
			continue
		}
		var r record
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("export line %q: %v", line, err)
		}
		recs[r.URL] = append(recs[r.URL], r)
	}
	return recs
}

// readRun returns run id of the archive at path.
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
		t.Fatalf("run %d: %v", id, err)
	}
	return r
}
