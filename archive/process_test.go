package archive

import (
	"bufio"
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"go.uber.org/goleak"

	"github.com/annals/annals/extract"
)

// Child processes: the test binary re-executes itself with ANNALS_CHILD
// set, to be a second writer, a reader, or a writer that gets killed.
func TestMain(m *testing.M) {
	if role := os.Getenv("ANNALS_CHILD"); role != "" {
		os.Exit(child(role, os.Getenv("ANNALS_DB"), os.Getenv("ANNALS_ARG")))
	}
	code := m.Run()
	if benchArchives.dir != "" {
		os.RemoveAll(benchArchives.dir)
	}
	// No goroutine may outlive its archive: group commit, lock heartbeats.
	if code == 0 {
		if err := goleak.Find(); err != nil {
			fmt.Fprintln(os.Stderr, "goleak:", err)
			code = 1
		}
	}
	os.Exit(code)
}

func child(role, path, arg string) int {
	ctx := context.Background()
	db := NewDB(path)
	db.ReadOnly = role == "reader" || role == "export"
	if err := db.Open(ctx); err != nil {
		fmt.Fprintln(os.Stderr, "open:", err)
		return 3
	}
	defer db.Close()
	switch role {
	case "writer", "crash":
		// Record captures forever (crash) or ANNALS_ARG of them, printing
		// each id once Record has returned (durable).
		n, _ := strconv.Atoi(arg)
		out := bufio.NewWriter(os.Stdout)
		for i := 0; role == "crash" || i < n; i++ {
			url := fmt.Sprintf("http://w%d.example.cn/%d.html", os.Getpid(), i)
			a := &extract.Article{Title: fmt.Sprintf("第%d篇 通辽新闻", i), Body: strings.Repeat("人大代表列席会议。", 20+i%7)}
			o, err := db.Record(ctx, page(url, fmt.Sprintf("<html>%d %s</html>", i, a.Body), time.Now()), a)
			if err != nil {
				fmt.Fprintln(os.Stderr, "record:", err)
				return 4
			}
			fmt.Fprintf(out, "%d\n", o.CaptureID)
			out.Flush()
		}
	case "reader":
		deadline := time.Now().Add(2 * time.Second)
		for time.Now().Before(deadline) {
			if _, err := db.Search(ctx, Query{Text: "人大"}); err != nil {
				fmt.Fprintln(os.Stderr, "search:", err)
				return 5
			}
			if err := db.Export(ctx, ExportQuery{}, func(ExportRecord) error { return nil }); err != nil {
				fmt.Fprintln(os.Stderr, "export:", err)
				return 6
			}
		}
	case "export":
		return exportChild(ctx, db)
	}
	return 0
}

func childCmd(t *testing.T, role, path, arg string) *exec.Cmd {
	t.Helper()
	exe, err := os.Executable()
	if err != nil {
		t.Fatal(err)
	}
	cmd := exec.Command(exe, "-test.run=^$")
	cmd.Env = append(os.Environ(), "ANNALS_CHILD="+role, "ANNALS_DB="+path, "ANNALS_ARG="+arg)
	return cmd
}

func TestDB_ReadersAndWritersAcrossProcesses(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	path := filepath.Join(t.TempDir(), "annals.db")
	db := NewDB(path)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	db.Close()
	var cmds []*exec.Cmd
	var outs []*strings.Builder
	for _, role := range []string{"writer", "writer", "reader", "reader", "reader"} {
		cmd := childCmd(t, role, path, "150")
		var b strings.Builder
		cmd.Stdout, cmd.Stderr = &b, &b
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		cmds, outs = append(cmds, cmd), append(outs, &b)
	}
	for i, cmd := range cmds {
		if err := cmd.Wait(); err != nil {
			t.Errorf("child %d: %v\n%s", i, err, outs[i])
		}
		if strings.Contains(outs[i].String(), "locked") {
			t.Errorf("child %d saw a lock error:\n%s", i, outs[i])
		}
	}
	db = NewDB(path)
	if err := db.Open(context.Background()); err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	db.read.QueryRow(`SELECT count(*) FROM captures`).Scan(&n)
	if n != 300 {
		t.Fatalf("%d captures, want 300 from two writers", n)
	}
}

func TestDB_CrashLosesAtMostTheCaptureInFlight(t *testing.T) {
	if testing.Short() {
		t.Skip("spawns processes")
	}
	ctx := context.Background()
	path := filepath.Join(t.TempDir(), "annals.db")
	rng := rand.New(rand.NewPCG(1, uint64(time.Now().UnixNano())))
	committed := map[int64]bool{}
	for round := range 6 {
		cmd := childCmd(t, "crash", path, "")
		stdout, err := cmd.StdoutPipe()
		if err != nil {
			t.Fatal(err)
		}
		var stderr strings.Builder
		cmd.Stderr = &stderr
		if err := cmd.Start(); err != nil {
			t.Fatal(err)
		}
		var mu sync.Mutex
		var ids []int64
		done := make(chan struct{})
		go func() {
			defer close(done)
			sc := bufio.NewScanner(stdout)
			for sc.Scan() {
				id, _ := strconv.ParseInt(sc.Text(), 10, 64)
				mu.Lock()
				ids = append(ids, id)
				mu.Unlock()
			}
		}()
		// Kill it at a random moment once it has recorded something.
		for deadline := time.Now().Add(20 * time.Second); ; {
			mu.Lock()
			n := len(ids)
			mu.Unlock()
			if n > 0 || time.Now().After(deadline) {
				break
			}
			time.Sleep(5 * time.Millisecond)
		}
		time.Sleep(time.Duration(rng.IntN(300)) * time.Millisecond)
		if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
			t.Fatal(err)
		}
		<-done
		err = cmd.Wait()
		var ee *exec.ExitError
		if !errors.As(err, &ee) || ee.Sys().(syscall.WaitStatus).Signal() != syscall.SIGKILL {
			t.Fatalf("round %d: child did not die by SIGKILL: %v\n%s", round, err, stderr.String())
		}
		for _, id := range ids {
			committed[id] = true
		}

		db := NewDB(path)
		if err := db.Open(ctx); err != nil {
			t.Fatalf("round %d: reopen: %v", round, err)
		}
		var check string
		if err := db.read.QueryRow(`PRAGMA integrity_check`).Scan(&check); err != nil || check != "ok" {
			t.Fatalf("round %d: integrity_check: %q %v", round, check, err)
		}
		rep, err := db.Verify(ctx, nil)
		if err != nil || !rep.OK() {
			t.Fatalf("round %d: verify: %v %v", round, rep.Problems, err)
		}
		var n, maxID int64
		db.read.QueryRow(`SELECT count(*), coalesce(max(id), 0) FROM captures`).Scan(&n, &maxID)
		for id := range committed {
			var x int64
			if err := db.read.QueryRow(`SELECT id FROM captures WHERE id = ?`, id).Scan(&x); err != nil {
				t.Fatalf("round %d: capture %d was reported durable and is lost: %v", round, id, err)
			}
		}
		// At most the capture in flight made it without being reported.
		if n > int64(len(committed))+1 {
			t.Fatalf("round %d: %d captures stored, %d reported", round, n, len(committed))
		}
		if n == int64(len(committed))+1 {
			committed[maxID] = true
		}
		// Every article is whole: each version has its capture and index rows.
		var orphans int
		db.read.QueryRow(`SELECT count(*) FROM versions v LEFT JOIN captures c ON c.id = v.capture_id WHERE c.id IS NULL`).Scan(&orphans)
		if orphans != 0 {
			t.Fatalf("round %d: %d versions without capture", round, orphans)
		}
		db.Close()
		t.Logf("round %d: killed after %d captures; %d in the archive", round, len(ids), n)
	}
}

// exportChild exports the whole archive to nowhere and prints the
// process's peak resident set size in KiB (VmHWM).
func exportChild(ctx context.Context, db *DB) int {
	n := 0
	enc, _ := NewExportEncoder(discard{}, FormatJSONL, false)
	if err := db.Export(ctx, ExportQuery{AllVersions: true}, func(r ExportRecord) error { n++; return enc.Encode(r) }); err != nil {
		fmt.Fprintln(os.Stderr, "export:", err)
		return 6
	}
	enc.Close()
	status, _ := os.ReadFile("/proc/self/status")
	for line := range strings.SplitSeq(string(status), "\n") {
		if strings.HasPrefix(line, "VmHWM:") {
			fmt.Printf("%d %s\n", n, strings.TrimSpace(strings.TrimSuffix(strings.TrimPrefix(line, "VmHWM:"), "kB")))
		}
	}
	return 0
}

type discard struct{}

func (discard) Write(p []byte) (int, error) { return len(p), nil }
