package main

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/annals/annals/warc"
)

// readWARC reads every record of a WARC file, failing on damage.
func readWARC(t *testing.T, path string) []*warc.Record {
	t.Helper()
	f, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := warc.NewReader(f, warc.ReaderOptions{})
	var recs []*warc.Record
	for {
		rec, err := r.Next()
		if errors.Is(err, io.EOF) {
			return recs
		}
		if err != nil {
			t.Fatalf("%s: %v", path, err)
		}
		recs = append(recs, rec)
	}
}

func TestExportCommand_WARC(t *testing.T) {
	ctx := context.Background()
	db := exportArchive(t)
	dir := t.TempDir()
	out, cdxj := filepath.Join(dir, "tl.warc.gz"), filepath.Join(dir, "tl.cdxj")
	_, errOut, code := pipeRun(t, ctx, "export", "--db", db, "--format", "warc", "--out", out, "--cdxj", cdxj)
	if code != 0 {
		t.Fatalf("exit %d: %s", code, errOut)
	}
	if !strings.Contains(errOut, "exported 4 captures to "+out+": 9 records (4 responses, 0 revisits, 0 failures as metadata)") {
		t.Errorf("stderr: %s", errOut)
	}
	recs := readWARC(t, out)
	var types []string
	for _, r := range recs {
		types = append(types, r.Type)
	}
	if want := "warcinfo request response request response request response request response"; strings.Join(types, " ") != want {
		t.Fatalf("records %v", types)
	}
	info := ""
	for _, f := range recs[0].Fields {
		info += f.Name + ": " + f.Value + "\n"
	}
	for _, want := range []string{"Software: annals/", "Annals-Run: 1; job tongliao; started ", "; completed", "Description: annals export of every capture"} {
		if !strings.Contains(info, want) {
			t.Errorf("warcinfo lacks %q:\n%s", want, info)
		}
	}
	if r := recs[8]; r.HTTP.Status != 404 || len(r.HTTP.Payload) != 0 || r.URL != "http://news.example.com/a.html" {
		t.Errorf("last response: %+v %+v", r, r.HTTP)
	}
	b, err := os.ReadFile(cdxj)
	if err != nil {
		t.Fatal(err)
	}
	lines := strings.Split(strings.TrimSpace(string(b)), "\n")
	if len(lines) != 4 || !slices.IsSorted(lines) {
		t.Fatalf("CDXJ:\n%s", b)
	}
	offsets := map[int64]*warc.Record{}
	for _, r := range recs {
		offsets[r.Offset] = r
	}
	for _, l := range lines {
		parts := strings.SplitN(l, " ", 3)
		var j struct{ URL, Status, Offset, Length, Filename, Digest string }
		if err := json.Unmarshal([]byte(parts[2]), &j); err != nil {
			t.Fatal(err)
		}
		var off int64
		json.Unmarshal([]byte(j.Offset), &off)
		r := offsets[off]
		if r == nil || r.Type != "response" || r.URL != j.URL || j.Filename != "tl.warc.gz" || "sha256:"+j.Digest != r.PayloadDigest || parts[0] != warc.SURT(j.URL) {
			t.Errorf("CDXJ line %s does not match the record at %s", l, j.Offset)
		}
	}

	// The selection filters apply; --since/--until/--site as for the
	// other formats.
	_, errOut, code = pipeRun(t, ctx, "export", "--db", db, "--format", "warc", "--out", out, "--site", "news.example.com")
	if code != 0 || len(readWARC(t, out)) != 5 || !strings.Contains(readWARC(t, out)[0].Fields[len(readWARC(t, out)[0].Fields)-2].Value, "site news.example.com") {
		t.Errorf("--site: exit %d, %s", code, errOut)
	}

	// Standard output (not a terminal here).
	stdout, errOut, code := pipeRun(t, ctx, "export", "--db", db, "--format", "warc")
	if code != 0 || !bytes.HasPrefix([]byte(stdout), []byte{0x1f, 0x8b}) {
		t.Errorf("to standard output: exit %d, %q…, %s", code, stdout[:min(len(stdout), 8)], errOut)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{[]string{"--format", "warc", "--versions", "all"}, "--versions cannot be used with --format warc"},
		{[]string{"--format", "warc", "--query", "x", "--versions", "latest"}, "--query and --versions cannot be used"},
		{[]string{"--format", "warc", "--cdxj", cdxj}, "--cdxj needs --out"},
		{[]string{"--format", "csv", "--cdxj", cdxj}, "--cdxj applies to --format warc only"},
	} {
		_, errOut, code := pipeRun(t, ctx, append([]string{"export", "--db", db}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("export %v: exit %d, %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// exportRecords runs export --format jsonl --versions all and returns the
// records without the fields that name archive rows (capture_id, run_id),
// sorted by URL and version.
func exportRecords(t *testing.T, db string) []map[string]any {
	t.Helper()
	out, errOut, code := pipeRun(t, context.Background(), "export", "--db", db, "--format", "jsonl", "--versions", "all")
	if code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	var recs []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(l), &r); err != nil {
			t.Fatal(err)
		}
		delete(r, "capture_id")
		delete(r, "run_id")
		recs = append(recs, r)
	}
	slices.SortFunc(recs, func(a, b map[string]any) int {
		if c := strings.Compare(a["url"].(string), b["url"].(string)); c != 0 {
			return c
		}
		return int(a["version"].(float64) - b["version"].(float64))
	})
	return recs
}

// TestWARC_RoundTrip crawls the sample portal through both its editions
// (edits, a retitle, a deletion, a withdrawal, a move, a new article), exports
// the archive as WARC, imports that into a fresh archive, and requires the
// same articles and versions from both.
func TestWARC_RoundTrip(t *testing.T) {
	ctx := context.Background()
	p, base := testPortal(t)
	dir := t.TempDir()
	src, dst := filepath.Join(dir, "src.db"), filepath.Join(dir, "dst.db")
	crawl := []string{"crawl", "--db", src, "--delay", "0", base + "/"}
	for edition := 1; edition <= 2; edition++ {
		if err := p.SetEdition(edition); err != nil {
			t.Fatal(err)
		}
		for range 2 {
			if out, errOut, code := pipeRun(t, ctx, crawl...); code != 0 {
				t.Fatalf("crawl: exit %d\n%s\n%s", code, out, errOut)
			}
		}
	}
	w := filepath.Join(dir, "portal.warc.gz")
	if _, errOut, code := pipeRun(t, ctx, "export", "--db", src, "--format", "warc", "--out", w); code != 0 {
		t.Fatalf("export: exit %d: %s", code, errOut)
	}
	out, errOut, code := pipeRun(t, ctx, "import", "--db", dst, w)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	want, got := exportRecords(t, src), exportRecords(t, dst)
	if len(want) < len(p.Articles()) {
		t.Fatalf("%d records exported from the crawl", len(want))
	}
	if !reflect.DeepEqual(got, want) {
		for i := range min(len(got), len(want)) {
			if !reflect.DeepEqual(got[i], want[i]) {
				t.Fatalf("record %d differs after the round trip:\n got %v\nwant %v", i, got[i], want[i])
			}
		}
		t.Fatalf("%d records after the round trip, want %d", len(got), len(want))
	}
	states := map[any]int{}
	for _, r := range want {
		states[r["state"]]++
	}
	if states["gone"] == 0 || states["moved"] == 0 {
		t.Errorf("the editions made no gone or moved article: %v", states)
	}

	// Importing the same file again adds nothing.
	out, _, code = pipeRun(t, ctx, "import", "--db", dst, w)
	if code != 0 || !strings.Contains(out, "captures: 0 imported") || !reflect.DeepEqual(exportRecords(t, dst), want) {
		t.Errorf("second import: exit %d\n%s", code, out)
	}
}

// TestCrawlCommand_WARC crawls with --warc: files rotated by size, none
// left open, every capture in them, and they import into the same
// articles.
func TestCrawlCommand_WARC(t *testing.T) {
	ctx := context.Background()
	p, base := testPortal(t)
	dir := t.TempDir()
	warcs := filepath.Join(dir, "warcs")
	os.Mkdir(warcs, 0o755)
	db := filepath.Join(dir, "annals.db")
	args := []string{"crawl", "--db", db, "--delay", "0", "--warc", warcs, "--warc-size", "64KiB", "--warc-prefix", "portal", base + "/"}
	for range 2 {
		out, errOut, code := pipeRun(t, ctx, args...)
		if code != 0 || !strings.Contains(out, "  warc:     ") {
			t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
		}
	}
	files, _ := filepath.Glob(filepath.Join(warcs, "*"))
	if len(files) < 3 {
		t.Fatalf("files %v: want several (64KiB each)", files)
	}
	responses, revisits := 0, 0
	for _, f := range files {
		if !strings.HasPrefix(filepath.Base(f), "portal-") || !strings.HasSuffix(f, ".warc.gz") {
			t.Errorf("file %s", f)
		}
		for _, r := range readWARC(t, f) {
			switch r.Type {
			case "response":
				responses++
			case "revisit":
				revisits++
			}
		}
	}
	r1, r2 := readRun(t, db, 1), readRun(t, db, 2)
	if responses+revisits != r1.Summary.Fetched+r2.Summary.Fetched || revisits < len(p.Articles()) {
		t.Errorf("%d responses and %d revisits for %d+%d captures", responses, revisits, r1.Summary.Fetched, r2.Summary.Fetched)
	}
	dst := filepath.Join(dir, "imported.db")
	slices.Sort(files)
	if out, errOut, code := pipeRun(t, ctx, append([]string{"import", "--db", dst}, files...)...); code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, out, errOut)
	}
	if !reflect.DeepEqual(exportRecords(t, dst), exportRecords(t, db)) {
		t.Error("the crawl's WARC files import into other articles than the crawl made")
	}

	_, errOut, code := pipeRun(t, ctx, "crawl", "--db", db, "--warc", filepath.Join(dir, "missing"), base+"/")
	if code != exitUsage || !strings.Contains(errOut, "create the directory first") {
		t.Errorf("missing --warc directory: exit %d, %s", code, errOut)
	}
}
