package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"math/rand/v2"
	"path/filepath"
	"slices"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/portal"
)

// exportIgnored are the export fields two archives of the same crawl may
// differ in without anything being lost: ids (capture_id, run_id) count
// every attempt and every run, and a crawl killed and resumed has more of
// both (a page under way at the kill is fetched again by the next run;
// each run is a run); times (first_seen, captured_at, last_checked_at)
// are when things happened, which differs between any two crawls.
// Everything else must be equal: URL, version, state, moved_to, the
// versioned fields, changed fields, language, and the content and payload
// digests.
var exportIgnored = []string{"capture_id", "run_id", "first_seen", "captured_at", "last_checked_at"}

// TestReliability_CrashSafety: annals crawl, the real binary, is killed
// with SIGKILL at random moments (seeded and logged) again and again over
// one crawl of the sample portal, and resumed each time until it finishes;
// then the portal changes (edition 2) and the re-crawl is killed and
// resumed the same way. At each stage the archive must equal one made by
// uninterrupted crawls of the same site: same articles, versions, content
// and payload digests, events and payloads, and annals verify clean on
// both.
func TestReliability_CrashSafety(t *testing.T) {
	t.Parallel()
	rng := seededRand(t)
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	refDB, crashDB := filepath.Join(dir, "reference.db"), filepath.Join(dir, "killed.db")
	// The killed crawl of the portal (about 52 requests) takes 11 s at
	// this delay, long enough for dozens of kills; each run fetches
	// robots.txt first. The reference crawls need no delay.
	const delay = 200 * time.Millisecond
	crawl := func(db string, d time.Duration) []string {
		return crawlArgs(db, base+"/", "--delay", d.String(), "--parallel", "1")
	}

	total := 0
	// Edition 1: killed until the crawl finishes, at least 20 times.
	// Edition 2, the re-crawl that finds edits, deletions and moves:
	// killed 10 times, then left to finish.
	for _, stage := range []struct {
		edition, minKills, maxKills int
	}{{1, 20, 0}, {2, 10, 10}} {
		if err := p.SetEdition(stage.edition); err != nil {
			t.Fatal(err)
		}
		mustRun(t, dir, crawl(refDB, 0)...)
		kills := killUntilDone(t, rng, dir, crawl(crashDB, delay), delay, stage.maxKills)
		total += kills
		if kills < stage.minKills {
			t.Errorf("edition %d: the crawl finished after %d kills, want at least %d", stage.edition, kills, stage.minKills)
		}
		compareArchives(t, fmt.Sprintf("edition %d", stage.edition), dir, refDB, crashDB)
	}
	for _, db := range []string{refDB, crashDB} {
		out := mustRun(t, dir, "verify", "--db", db)
		if !strings.Contains(out, "ok: no damage found") {
			t.Errorf("verify %s:\n%s", filepath.Base(db), out)
		}
	}
	// No run is left marked running: each dead one was closed by the next.
	a := openArchive(t, crashDB)
	ctx := context.Background()
	runs, interrupted := 0, 0
	for id := int64(1); ; id++ {
		r, err := a.Run(ctx, id)
		if err != nil {
			break
		}
		runs++
		switch r.Status {
		case archive.RunInterrupted:
			interrupted++
		case archive.RunCompleted:
		default:
			t.Errorf("run %d is %s after the crawl finished: %s", id, r.Status, r.Note)
		}
	}
	t.Logf("%d kills in all; the killed archive holds %d runs (%d interrupted), the reference 2", total, runs, interrupted)
}

// killUntilDone runs args again and again, killing each run with SIGKILL
// after a random delay, until a run finishes its pass (after maxKills
// kills, when not 0, the next run is left alone); it returns the number of
// kills. The delays range from almost nothing (the process is still
// opening the archive) to three requests' worth, so that kills land in
// every phase: start-up, lock, robots.txt, fetches, recording, the run's
// end.
func killUntilDone(t *testing.T, rng *rand.Rand, dir string, args []string, delay time.Duration, maxKills int) int {
	t.Helper()
	kills, early := 0, 0
	var at []string
	for {
		if kills > 300 {
			t.Fatalf("the crawl did not finish after %d kills", kills)
		}
		// The span widens after each kill that came before the crawl
		// started, so that a machine too busy to start annals within it
		// still lets the crawl progress.
		// Past 100 kills (a quiet machine finishes within about 60), it
		// widens by one request's worth per kill, so that a machine loaded
		// by the race detector and other tests still sees the pass finish.
		span := 3*delay + time.Duration(early)*100*time.Millisecond + time.Duration(max(0, kills-100))*delay
		wait := time.Duration(5+rng.IntN(int(span/time.Millisecond))) * time.Millisecond
		if maxKills > 0 && kills >= maxKills {
			wait = 5 * time.Minute
		}
		c := start(t, dir, args...)
		select {
		case <-c.done:
		case <-time.After(wait):
			c.signal(t, syscall.SIGKILL)
			<-c.done
		}
		ws, ok := c.cmd.ProcessState.Sys().(syscall.WaitStatus)
		killed := ok && ws.Signaled() && ws.Signal() == syscall.SIGKILL
		errOut := c.stderr.String()
		if killed {
			kills++
			phase := "start-up"
			switch {
			case strings.Contains(errOut, `"msg":"run finished"`):
				phase = "exit"
			case strings.Contains(errOut, `"msg":"crawl started"`):
				phase = "crawl"
			case strings.Contains(errOut, `"msg":"run started"`):
				phase = "run"
			}
			at = append(at, fmt.Sprintf("%s@%s", phase, wait))
			if phase == "start-up" || phase == "run" {
				early++
			} else {
				early = 0
			}
			if phase != "exit" {
				continue
			}
			// Killed on its way out, after recording the run's end:
			// the pass is done.
			if !strings.Contains(errOut, `"status":"completed"`) {
				t.Fatalf("run killed after its end was not completed:\n%s", errOut)
			}
		} else if c.code != 0 {
			t.Fatalf("run after %d kills: exit %d\nstdout:\n%s\nstderr:\n%s", kills, c.code, c.stdout.String(), errOut)
		}
		if kills > 0 && !strings.Contains(errOut, `"resumed":true`) {
			t.Errorf("the run after %d kills did not resume the pass:\n%s", kills, errOut)
		}
		t.Logf("killed %d times (phase@delay: %s), then finished", kills, strings.Join(at, " "))
		return kills
	}
}

// compareArchives exports both archives and compares them, and compares
// their captures' payloads URL by URL.
func compareArchives(t *testing.T, stage, dir, refDB, gotDB string) {
	t.Helper()
	want, got := exportAll(t, dir, refDB), exportAll(t, dir, gotDB)
	if len(want) == 0 {
		t.Fatalf("%s: the reference archive exported nothing", stage)
	}
	keys := make([]string, 0, len(want))
	for k := range want {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	for _, k := range keys {
		if got[k] != want[k] {
			t.Errorf("%s: %s\n got %s\nwant %s", stage, k, got[k], want[k])
		}
	}
	for k := range got {
		if _, ok := want[k]; !ok {
			t.Errorf("%s: the killed crawl has %s, the reference not: %s", stage, k, got[k])
		}
	}

	// Payloads and answers: for every URL, the same statuses with the
	// same payloads. The interrupted crawl may hold more captures of a URL
	// (a page under way at a kill is fetched again, and a page already
	// stored then answers 304 to the conditional request; a crawl stopped
	// by an error records the requests it abandons as failures) but no
	// other payload, and none is missing.
	ref, nRef := captureSets(t, refDB)
	killed, nKilled := captureSets(t, gotDB)
	for u, w := range ref {
		g := killed[u]
		for k := range w {
			if !g[k] {
				t.Errorf("%s: %s: the reference has a capture %s, the interrupted crawl not", stage, u, k)
			}
		}
		for k := range g {
			if !w[k] && !strings.HasPrefix(k, "304 ") && !strings.HasPrefix(k, "0  error") {
				t.Errorf("%s: %s: the interrupted crawl has a capture %s, the reference not", stage, u, k)
			}
		}
	}
	for u := range killed {
		if ref[u] == nil {
			t.Errorf("%s: %s was captured by the interrupted crawl only", stage, u)
		}
	}
	extra := nKilled - nRef
	t.Logf("%s: %d article versions equal; %d URLs with the same answers and payloads; the interrupted crawl made %d captures more (robots.txt of each run, pages fetched again)", stage, len(want), len(ref), extra)

	// Article events, but for "unchanged" (every re-fetch adds one).
	wantEv, gotEv := eventSeqs(t, refDB), eventSeqs(t, gotDB)
	for u, w := range wantEv {
		if g := gotEv[u]; g != w {
			t.Errorf("%s: events of %s: got %s, want %s", stage, u, g, w)
		}
	}
	if len(gotEv) != len(wantEv) {
		t.Errorf("%s: %d articles with events, want %d", stage, len(gotEv), len(wantEv))
	}
}

// exportAll exports every version of every article as JSONL and returns
// each record without the ignored fields, keyed by URL and version.
func exportAll(t *testing.T, dir, db string) map[string]string {
	t.Helper()
	out := mustRun(t, dir, "export", "--db", db, "--format", "jsonl", "--versions", "all")
	recs := map[string]string{}
	for line := range strings.SplitSeq(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("export of %s: %q: %v", db, line, err)
		}
		for _, k := range exportIgnored {
			if _, ok := r[k]; !ok {
				t.Fatalf("export has no field %q any more: update exportIgnored", k)
			}
			delete(r, k)
		}
		b, _ := json.Marshal(r) // map keys sorted
		recs[fmt.Sprintf("%v v%v", r["url"], r["version"])] = string(b)
	}
	return recs
}

// captureSets returns, for each URL captured, the set of "status payload"
// of its captures ("status payload error" when the attempt failed), and
// the number of captures.
func captureSets(t *testing.T, path string) (map[string]map[string]bool, int) {
	t.Helper()
	db := openArchive(t, path)
	sets, n := map[string]map[string]bool{}, 0
	err := db.EachCapture(context.Background(), archive.CaptureFilter{}, func(c archive.CaptureInfo, _ []byte) error {
		n++
		if sets[c.URL] == nil {
			sets[c.URL] = map[string]bool{}
		}
		k := fmt.Sprintf("%d %s", c.Status, c.PayloadSHA256)
		if c.Err != "" {
			k += " error"
		}
		sets[c.URL][k] = true
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	return sets, n
}

// eventSeqs returns each article's events but "unchanged", in order, by
// the article's URL.
func eventSeqs(t *testing.T, path string) map[string]string {
	t.Helper()
	ctx := context.Background()
	db := openArchive(t, path)
	ids := map[string]int64{}
	err := db.Export(ctx, archive.ExportQuery{}, func(r archive.ExportRecord) error {
		ids[r.URL] = r.ArticleID
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	seqs := map[string]string{}
	for u, id := range ids {
		evs, err := db.Events(ctx, id)
		if err != nil {
			t.Fatal(err)
		}
		var kinds []string
		for _, e := range evs {
			if e.Kind != archive.EventUnchanged {
				kinds = append(kinds, fmt.Sprintf("%s v%d", e.Kind, e.Version))
			}
		}
		seqs[u] = strings.Join(kinds, ", ")
	}
	return seqs
}
