package main

import (
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"github.com/annals/annals/warc"
)

// TestRunCommand_WARC runs a job whose job file names warc_dir twice and
// checks that each run wrote every capture it recorded to WARC files in
// that directory (created, beside the job file): responses on the first
// run, revisits for the unchanged pages of the second.
func TestRunCommand_WARC(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := testPortal(t)
	dir := t.TempDir()
	jobs := writeFile(t, dir, "jobs.yaml", fmt.Sprintf(`
archive: portal.db
job:
  - name: "gov:notices"
    seeds: ["%s/gov/"]
    allow: ['/gov/']
    delay: 0s
    warc_dir: out/warcs
    warc_size: 1MiB
`, base))
	db := filepath.Join(dir, "portal.db")
	warcDir := filepath.Join(dir, "out", "warcs")
	count := func() (files int, types map[string]int) {
		t.Helper()
		types = map[string]int{}
		names, err := filepath.Glob(filepath.Join(warcDir, "*.warc.gz"))
		if err != nil {
			t.Fatal(err)
		}
		for _, name := range names {
			if !strings.HasPrefix(filepath.Base(name), "gov_notices-") {
				t.Errorf("file %s is not named after the job", filepath.Base(name))
			}
			f, err := os.Open(name)
			if err != nil {
				t.Fatal(err)
			}
			r := warc.NewReader(f, warc.ReaderOptions{})
			for {
				rec, err := r.Next()
				if errors.Is(err, io.EOF) {
					break
				}
				if err != nil {
					t.Fatalf("%s: %v", name, err)
				}
				types[rec.Type]++
			}
			f.Close()
		}
		return len(names), types
	}

	for run := int64(1); run <= 2; run++ {
		out, errOut, code := pipeRun(t, ctx, "run", jobs)
		if code != 0 {
			t.Fatalf("run %d: exit %d\n%s\n%s", run, code, out, errOut)
		}
		if !strings.Contains(errOut, "WARC files written") {
			t.Errorf("run %d does not log its WARC files:\n%s", run, errOut)
		}
		files, types := count()
		fetched := readRun(t, db, 1).Summary.Fetched
		if run == 2 {
			fetched += readRun(t, db, 2).Summary.Fetched
		}
		t.Logf("after run %d: %d files, records %v, %d captures recorded", run, files, types, fetched)
		if files != int(run) || types["warcinfo"] != int(run) {
			t.Errorf("after run %d: %d files, %d warcinfo records; want one of each per run", run, files, types["warcinfo"])
		}
		if got := types["response"] + types["revisit"] + types["resource"] + types["metadata"]; got < fetched || types["response"] == 0 {
			t.Errorf("after run %d: %d capture records (%v) for %d captures", run, got, types, fetched)
		}
		if run == 2 && types["revisit"] == 0 {
			t.Errorf("the second run wrote no revisit records: %v", types)
		}
	}
}
