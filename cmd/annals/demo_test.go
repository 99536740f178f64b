package main

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func TestDemoCommand(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	out, errOut, code := pipeRun(t, ctx, "demo", "--db", db, "--out-dir", dir, "--delay", "0")
	if code != 0 {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	for _, w := range []string{
		"Archive: " + db + " (new)",
		"run 1 of job demo: completed", "run 2 of job demo: completed",
		"edited ", "retitled ", "moved ", "added ",
		`search "党代会"`, `search "供热"`, `search "heating"`, "[党代会]", "[Heating]",
		"changed    v2 (body)", "\n    - ", "\n    + ",
		"annals-export.csv", "Done in",
	} {
		if !strings.Contains(out, w) {
			t.Errorf("the demo's output lacks %q", w)
		}
	}
	if errOut != "" {
		t.Errorf("the demo logged at its default level:\n%s", errOut)
	}
	csv, err := os.ReadFile(filepath.Join(dir, "annals-export.csv"))
	if err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(csv, []byte("\xef\xbb\xbfurl,version,state")) {
		t.Errorf("CSV does not start with a BOM and the header: %q", csv[:min(40, len(csv))])
	}
	f, err := os.Open(filepath.Join(dir, "annals-export.jsonl"))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	states := map[string]int{}
	sc := bufio.NewScanner(f)
	sc.Buffer(nil, 1<<20)
	for sc.Scan() {
		var r struct {
			State   string   `json:"state"`
			Changed []string `json:"changed"`
			Title   string   `json:"title"`
		}
		if err := json.Unmarshal(sc.Bytes(), &r); err != nil {
			t.Fatal(err)
		}
		states[r.State]++
	}
	if states["live"] < 20 || states["gone"] != 2 || states["moved"] != 1 {
		t.Errorf("exported states = %v", states)
	}

	// The next demo may replace this archive, and says so.
	replaced, err := prepareDemoArchive(ctx, db)
	if err != nil || !replaced {
		t.Fatalf("prepareDemoArchive = %v, %v: a demo archive must be replaceable", replaced, err)
	}
	if _, err := os.Stat(db); !os.IsNotExist(err) {
		t.Errorf("the earlier demo archive is still there: %v", err)
	}
}

func TestDemoCommand_KeepsOtherArchives(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	_, base := testPortal(t)
	dir := t.TempDir()
	// A user's archive, made by a crawl.
	db := filepath.Join(dir, "annals.db")
	if _, errOut, code := pipeRun(t, ctx, "crawl", "--db", db, "--delay", "0", "--depth", "1", base+"/en/"); code != 0 {
		t.Fatal(errOut)
	}
	before, _ := os.ReadFile(db)
	// And a file that is no archive at all.
	notes := writeFile(t, dir, "notes.db", "my notes")
	for _, path := range []string{db, notes} {
		out, errOut, code := pipeRun(t, ctx, "demo", "--db", path, "--out-dir", dir)
		if code != exitFailure || !strings.Contains(errOut, "is not an archive made by annals demo") || !strings.Contains(errOut, "--db demo.db") {
			t.Errorf("%s: exit %d\n%s\n%s", path, code, out, errOut)
		}
	}
	if after, _ := os.ReadFile(db); !bytes.Equal(before, after) {
		t.Error("the demo touched a user's archive")
	}
	if b, _ := os.ReadFile(notes); string(b) != "my notes" {
		t.Error("the demo touched a user's file")
	}
	if _, _, code := pipeRun(t, ctx, "demo", "--out-dir", filepath.Join(dir, "nope")); code != exitUsage {
		t.Errorf("missing --out-dir: exit %d", code)
	}
}
