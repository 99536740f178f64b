package e2e

import (
	"bytes"
	"compress/gzip"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"slices"
	"sort"
	"strconv"
	"strings"
	"syscall"
	"testing"
	"time"

	"github.com/annals/annals/portal"
	"github.com/annals/annals/warc"
)

// The WARC tests check annals against tools nobody here wrote: webrecorder's
// warcio.js (npm package warcio) reads and indexes what annals writes, and
// GNU wget writes what annals imports. .ci/run installs both; elsewhere the
// tests that need them skip, saying how to get them.

// warcioEnv names the directory where `npm install --prefix DIR warcio`
// ran.
const warcioEnv = "ANNALS_WARCIO"

// needTool skips the test when a tool is missing, except in CI, where it
// must be there.
func needTool(t *testing.T, what, howto string) {
	t.Helper()
	if os.Getenv("CI") != "" {
		t.Fatalf("%s is missing in CI: %s", what, howto)
	}
	t.Skipf("%s is missing: %s", what, howto)
}

// warcio returns the warcio.js command line and module, skipping the test
// when they are not installed.
func warcio(t *testing.T) (cli, module string) {
	t.Helper()
	howto := fmt.Sprintf("npm install --prefix DIR warcio@2.4.11 and set %s=DIR", warcioEnv)
	dir := os.Getenv(warcioEnv)
	if dir == "" {
		needTool(t, "warcio.js ($"+warcioEnv+" unset)", howto)
	}
	if _, err := exec.LookPath("node"); err != nil {
		needTool(t, "node", "install Node.js")
	}
	cli = filepath.Join(dir, "node_modules", "warcio", "dist", "cli.js")
	module = filepath.Join(dir, "node_modules", "warcio", "dist", "index.js")
	for _, f := range []string{cli, module} {
		if _, err := os.Stat(f); err != nil {
			needTool(t, "warcio.js ("+f+")", howto)
		}
	}
	return cli, module
}

// node runs a Node.js script and returns its standard output.
func node(t *testing.T, args ...string) string {
	t.Helper()
	cmd := exec.Command("node", args...)
	var stdout, stderr bytes.Buffer
	cmd.Stdout, cmd.Stderr = &stdout, &stderr
	if err := cmd.Run(); err != nil {
		t.Fatalf("node %v: %v\n%s", args, err, stderr.String())
	}
	return stdout.String()
}

// records reads a WARC file with annals' reader, failing on any damage.
func records(t *testing.T, path string) []*warc.Record {
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

// exportSorted is export() as one list, by URL then version, without the
// fields that name archive rows: capture_id and run_id number captures and
// runs in the order each archive made them, which an import cannot keep
// (the import is one run; the crawl was several).
func exportSorted(t *testing.T, dir, db string) []string {
	t.Helper()
	out := mustRun(t, dir, "export", "--db", db, "--format", "jsonl", "--versions", "all")
	var recs []string
	for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
		var r map[string]any
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatal(err)
		}
		delete(r, "capture_id")
		delete(r, "run_id")
		b, _ := json.Marshal(r)
		recs = append(recs, fmt.Sprintf("%s %03v %s", r["url"], r["version"], b))
	}
	sort.Strings(recs)
	return recs
}

// TestWARC_Export crawls the portal twice with --warc, exports the
// archive as WARC with a CDXJ index, has warcio.js validate and index the
// files, and imports the export into a fresh archive: the same articles and
// versions must come out.
func TestWARC_Export(t *testing.T) {
	t.Parallel()
	cli, module := warcio(t)
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	crawlDir := filepath.Join(dir, "crawl-warcs")
	os.Mkdir(crawlDir, 0o755)
	for range 2 {
		mustRun(t, dir, crawlArgs(db, base+"/", "--delay", "0", "--warc", crawlDir, "--warc-size", "100KiB")...)
	}
	out, cdxj := filepath.Join(dir, "portal.warc.gz"), filepath.Join(dir, "portal.cdxj")
	mustRun(t, dir, "export", "--db", db, "--format", "warc", "--out", out, "--cdxj", cdxj)
	st, _ := os.Stat(out)

	// Our reader and warcio.js see the same records.
	ours := records(t, out)
	counts := map[string]int{}
	for _, r := range ours {
		counts[r.Type]++
	}
	var check struct {
		Records int
		Types   map[string]int
		Bad     []string
	}
	checkScript, _ := filepath.Abs(filepath.Join("testdata", "warc-check.mjs"))
	if err := json.Unmarshal([]byte(node(t, checkScript, module, out)), &check); err != nil {
		t.Fatal(err)
	}
	if len(check.Bad) > 0 {
		t.Errorf("warcio.js finds bad digests:\n%s", strings.Join(check.Bad, "\n"))
	}
	if check.Records != len(ours) || !maps(check.Types, counts) {
		t.Errorf("warcio.js reads %d records %v; annals wrote %d %v", check.Records, check.Types, len(ours), counts)
	}
	if counts["warcinfo"] != 1 || counts["response"] < len(p.Articles()) || counts["revisit"] < len(p.Articles()) || counts["request"] != counts["response"]+counts["revisit"] {
		t.Errorf("records: %v", counts)
	}
	t.Logf("export: %d records (%v) in %d bytes", len(ours), counts, st.Size())

	// warcio.js's index: the same records, URLs and offsets as ours; its
	// CDXJ, sorted, is byte for byte the one annals wrote.
	var offsets []string
	for _, r := range ours {
		offsets = append(offsets, fmt.Sprintf("%d %s %s", r.Offset, r.Type, r.URL))
	}
	var theirs []string
	for _, line := range strings.Split(strings.TrimSpace(node(t, cli, "index", out, "--fields", "offset,warc-type,warc-target-uri")), "\n") {
		var r struct {
			Offset int64  `json:"offset"`
			Type   string `json:"warc-type"`
			URI    string `json:"warc-target-uri"`
		}
		if err := json.Unmarshal([]byte(line), &r); err != nil {
			t.Fatalf("warcio index line %q: %v", line, err)
		}
		theirs = append(theirs, fmt.Sprintf("%d %s %s", r.Offset, r.Type, r.URI))
	}
	if !slices.Equal(theirs, offsets) {
		t.Errorf("warcio.js index differs from annals' reading:\n%s", firstDiff(theirs, offsets))
	}
	ix := strings.Split(strings.TrimSpace(node(t, cli, "cdx-index", out)), "\n")
	slices.Sort(ix)
	b, _ := os.ReadFile(cdxj)
	mine := strings.Split(strings.TrimSpace(string(b)), "\n")
	if !slices.Equal(ix, mine) {
		t.Errorf("CDXJ of warcio.js and of annals differ:\n%s", firstDiff(ix, mine))
	}
	if len(mine) != counts["response"]+counts["revisit"] {
		t.Errorf("%d CDXJ lines for %d responses and revisits", len(mine), counts["response"]+counts["revisit"])
	}

	// The files the crawl wrote are valid too.
	files, _ := filepath.Glob(filepath.Join(crawlDir, "*"))
	for _, f := range files {
		if !strings.HasSuffix(f, ".warc.gz") {
			t.Errorf("left in the crawl's WARC directory: %s", f)
			continue
		}
		var c struct{ Bad []string }
		json.Unmarshal([]byte(node(t, checkScript, module, f)), &c)
		if len(c.Bad) > 0 {
			t.Errorf("%s: %v", f, c.Bad)
		}
	}

	// Round trip: import the export into a fresh archive.
	fresh := filepath.Join(dir, "fresh.db")
	stdout := mustRun(t, dir, "import", "--db", fresh, out)
	if !strings.Contains(stdout, "0 damaged stretches") || !strings.Contains(stdout, "0 revisits without original") {
		t.Errorf("import:\n%s", stdout)
	}
	want, got := exportSorted(t, dir, db), exportSorted(t, dir, fresh)
	if !slices.Equal(got, want) {
		t.Errorf("articles and versions differ after export and import:\n%s", firstDiff(got, want))
	}
	// And again: nothing is added.
	mustRun(t, dir, "import", "--db", fresh, out)
	if again := exportSorted(t, dir, fresh); !slices.Equal(again, want) {
		t.Errorf("importing twice changed the archive:\n%s", firstDiff(again, want))
	}
}

func maps(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if b[k] != v {
			return false
		}
	}
	return true
}

// firstDiff shows where two lists of lines part.
func firstDiff(got, want []string) string {
	for i := range min(len(got), len(want)) {
		if got[i] != want[i] {
			return fmt.Sprintf("line %d:\n got %s\nwant %s", i+1, got[i], want[i])
		}
	}
	return fmt.Sprintf("%d lines, want %d", len(got), len(want))
}

// TestWARC_ImportWget imports what GNU wget wrote when it mirrored the
// portal: the articles annals extracts from it are the portal's.
func TestWARC_ImportWget(t *testing.T) {
	t.Parallel()
	wget, err := exec.LookPath("wget")
	if err != nil {
		needTool(t, "wget", "apt-get install wget")
	}
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	cmd := exec.Command(wget, "--warc-file="+filepath.Join(dir, "portal"), "--recursive", "--level", "3", "--no-verbose",
		"-e", "robots=off", "--no-proxy", "--directory-prefix", filepath.Join(dir, "mirror"), base+"/")
	cmd.Env = append(os.Environ(), "HOME="+dir) // no ~/.wgetrc
	if out, err := cmd.CombinedOutput(); err != nil {
		// wget exits 8 when some page answered an error (the portal has
		// dead links on purpose); the WARC is complete all the same.
		if ee, ok := err.(*exec.ExitError); !ok || ee.ExitCode() != 8 {
			t.Fatalf("wget: %v\n%s", err, out)
		}
	}
	file := filepath.Join(dir, "portal.warc.gz")
	db := filepath.Join(dir, "annals.db")
	stdout, stderr, code := run(t, dir, "import", "--db", db, file)
	if code != 0 {
		t.Fatalf("import: exit %d\n%s\n%s", code, stdout, stderr)
	}
	t.Logf("import of wget's WARC:\n%s", stdout)
	if !strings.Contains(stdout, "0 damaged stretches") || !strings.Contains(stdout, "0 revisits without original") {
		t.Errorf("import:\n%s", stdout)
	}

	got := map[string]record{}
	for url, vs := range export(t, dir, db) {
		got[url] = vs[len(vs)-1]
	}
	type full struct {
		record
		Published string `json:"published"`
		Bylines   []struct {
			Name string `json:"name"`
			Role string `json:"role"`
		} `json:"bylines"`
	}
	found := 0
	for _, a := range p.Articles() {
		r, ok := got[base+a.Path]
		if !ok {
			continue
		}
		found++
		if r.Title != a.Title {
			t.Errorf("%s: title %q, want %q", a.Path, r.Title, a.Title)
		}
	}
	if found < len(p.Articles())*3/4 {
		t.Errorf("%d of the portal's %d articles imported from wget's WARC", found, len(p.Articles()))
	}

	// The seed page (the Tongliao party congress report), field by field.
	out := mustRun(t, dir, "export", "--db", db, "--format", "jsonl")
	checked := 0
	for _, a := range p.Articles() {
		if !strings.Contains(a.Title, "第六次代表大会") {
			continue
		}
		for _, line := range strings.Split(strings.TrimSpace(out), "\n") {
			var r full
			json.Unmarshal([]byte(line), &r)
			if r.URL != base+a.Path {
				continue
			}
			checked++
			var names []string
			for _, b := range r.Bylines {
				names = append(names, b.Name+"/"+b.Role)
			}
			var want []string
			for _, b := range a.Bylines {
				want = append(want, b.Name+"/"+string(b.Role))
			}
			// Extraction folds no-break spaces and runs of white space.
			if r.Published != a.Published || !slices.Equal(names, want) || !strings.HasPrefix(words(r.Body), words(a.Body[0])) {
				t.Errorf("seed page %s (%s):\n got %s, %v, %.60q\nwant %s, %v, %.60q", a.Path, a.Encoding, r.Published, names, r.Body, a.Published, want, a.Body[0])
			}
		}
	}
	if checked == 0 {
		t.Error("wget's WARC holds no copy of the seed page")
	}
}

// words folds white space (no-break spaces too) to single spaces.
func words(s string) string { return strings.Join(strings.Fields(s), " ") }

// TestWARC_ImportDamaged imports damaged WARC files: a truncated last
// record, a record with a wrong Content-Length, a file that is not WARC,
// a corrupt gzip member. Each is reported with its offset; the rest is
// imported.
func TestWARC_ImportDamaged(t *testing.T) {
	t.Parallel()
	_, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	mustRun(t, dir, crawlArgs(db, base+"/", "--delay", "0")...)
	gz, plain := filepath.Join(dir, "portal.warc.gz"), filepath.Join(dir, "portal.warc")
	mustRun(t, dir, "export", "--db", db, "--format", "warc", "--out", gz)
	mustRun(t, dir, "export", "--db", db, "--format", "warc", "--out", plain)
	gzRecs, plainRecs := records(t, gz), records(t, plain)
	gzBytes, _ := os.ReadFile(gz)
	plainBytes, _ := os.ReadFile(plain)
	responses := 0
	for _, r := range gzRecs {
		if r.Type == "response" {
			responses++
		}
	}
	// nthResponse is the index of the n-th response record.
	nthResponse := func(recs []*warc.Record, n int) int {
		for i, r := range recs {
			if r.Type == "response" {
				if n == 0 {
					return i
				}
				n--
			}
		}
		t.Fatal("too few responses")
		return 0
	}

	last := gzRecs[len(gzRecs)-1]
	cl := plainRecs[nthResponse(plainRecs, 5)]
	member := gzRecs[nthResponse(gzRecs, 7)]
	for _, tc := range []struct {
		name    string
		data    []byte
		offset  int64
		lost    int // captures not imported
		noWARC  bool
		gzipped bool
	}{
		{"truncated.warc.gz", gzBytes[:last.Offset+last.Length/2], last.Offset, 1, false, true},
		{"content-length.warc", setLength(t, plainBytes, cl.Offset, -100), cl.Offset, 1, false, false},
		{"corrupt-member.warc.gz", flip(gzBytes, member.Offset+member.Length/2), member.Offset, 1, false, true},
		{"not-a-warc.warc.gz", gzipBytes([]byte(strings.Repeat("这不是WARC文件。\n", 100))), 0, 0, true, true},
	} {
		t.Run(tc.name, func(t *testing.T) {
			path := filepath.Join(dir, tc.name)
			os.WriteFile(path, tc.data, 0o644)
			fresh := filepath.Join(dir, tc.name+".db")
			stdout, stderr, code := run(t, dir, "import", "--db", fresh, path)
			want := fmt.Sprintf("%s: offset %d: ", path, tc.offset)
			if !strings.Contains(stderr, want) {
				t.Errorf("stderr lacks %q:\n%s", want, stderr)
			}
			if strings.Count(stderr, ": offset ") != 1 {
				t.Errorf("damage reported %d times, want once:\n%s", strings.Count(stderr, ": offset "), stderr)
			}
			if tc.noWARC {
				if code != 1 || !strings.Contains(stderr, "no WARC record could be read") {
					t.Errorf("exit %d\n%s", code, stderr)
				}
				return
			}
			if code != 0 {
				t.Fatalf("exit %d\n%s\n%s", code, stdout, stderr)
			}
			m := regexp.MustCompile(`captures: (\d+) imported \((\d+) responses`).FindStringSubmatch(stdout)
			if m == nil {
				t.Fatalf("summary:\n%s", stdout)
			}
			if n, _ := strconv.Atoi(m[2]); n != responses-tc.lost {
				t.Errorf("%d responses imported, want %d of %d\n%s", n, responses-tc.lost, responses, stdout)
			}
		})
	}
}

// setLength changes the Content-Length of the record at off by delta.
func setLength(t *testing.T, b []byte, off int64, delta int) []byte {
	t.Helper()
	re := regexp.MustCompile(`Content-Length: (\d+)\r\n`)
	loc := re.FindSubmatchIndex(b[off:])
	n, _ := strconv.Atoi(string(b[off+int64(loc[2]) : off+int64(loc[3])]))
	out := append([]byte{}, b[:off+int64(loc[0])]...)
	out = append(out, fmt.Sprintf("Content-Length: %d\r\n", n+delta)...)
	return append(out, b[off+int64(loc[1]):]...)
}

// flip corrupts 16 bytes from off.
func flip(b []byte, off int64) []byte {
	out := bytes.Clone(b)
	for i := off; i < off+16; i++ {
		out[i] ^= 0xa5
	}
	return out
}

func gzipBytes(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

// TestWARC_CrawlInterrupted stops a crawl writing WARC files with SIGINT:
// the file being written is closed and renamed, and every record in it is
// whole.
func TestWARC_CrawlInterrupted(t *testing.T) {
	t.Parallel()
	_, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	warcs := filepath.Join(dir, "warcs")
	os.Mkdir(warcs, 0o755)
	db := filepath.Join(dir, "annals.db")
	p := start(t, dir, crawlArgs(db, base+"/", "--delay", "150ms", "--warc", warcs)...)
	waitFor(t, 30*time.Second, "a WARC file being written", func() bool {
		open, _ := filepath.Glob(filepath.Join(warcs, "*.open"))
		return len(open) == 1
	})
	time.Sleep(500 * time.Millisecond)
	p.signal(t, syscall.SIGINT)
	if code := p.wait(t, 30*time.Second); code != 130 {
		t.Fatalf("exit %d, want 130\n%s\n%s", code, p.stdout.String(), p.stderr.String())
	}
	open, _ := filepath.Glob(filepath.Join(warcs, "*.open"))
	files, _ := filepath.Glob(filepath.Join(warcs, "*.warc.gz"))
	if len(open) != 0 || len(files) != 1 {
		t.Fatalf("after the interrupt: open %v, closed %v", open, files)
	}
	recs := records(t, files[0])
	captures := 0
	for _, r := range recs {
		if r.Type == "response" || r.Type == "revisit" || r.Type == "metadata" {
			captures++
		}
	}
	run := readRun(t, db, 1)
	if run.Status != "interrupted" || captures != run.Summary.Fetched || captures == 0 {
		t.Errorf("%d captures in the WARC file, run %s with %d", captures, run.Status, run.Summary.Fetched)
	}
	if !strings.Contains(p.stdout.String(), "  warc:     ") {
		t.Errorf("summary:\n%s", p.stdout.String())
	}
}
