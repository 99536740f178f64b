package main

import (
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha1"
	"encoding/base32"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/http/httputil"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/extract"
	"github.com/annals/annals/portal"
	"github.com/annals/annals/warc"
)

// foreignWARC builds WARC/1.0 records the way other tools write them:
// target URIs in < >, second-precision dates, sha1 digests or none.
type foreignWARC struct {
	bytes.Buffer
	n int
}

// record appends one record and returns its ID.
func (w *foreignWARC) record(typ, uri, date string, fields []string, block string) string {
	w.n++
	id := fmt.Sprintf("urn:uuid:00000000-0000-0000-0000-%012d", w.n)
	fmt.Fprintf(w, "WARC/1.0\r\nWARC-Type: %s\r\nWARC-Record-ID: <%s>\r\nWARC-Date: %s\r\n", typ, id, date)
	if uri != "" {
		fmt.Fprintf(w, "WARC-Target-URI: <%s>\r\n", uri)
	}
	for _, f := range fields {
		w.WriteString(f + "\r\n")
	}
	fmt.Fprintf(w, "Content-Length: %d\r\n\r\n%s\r\n\r\n", len(block), block)
	return id
}

// sha1Digest is a WARC payload digest as wget and Heritrix write it.
func sha1Digest(b []byte) string {
	s := sha1.Sum(b)
	return "sha1:" + base32.StdEncoding.EncodeToString(s[:])
}

func gzipped(b []byte) []byte {
	var buf bytes.Buffer
	zw := gzip.NewWriter(&buf)
	zw.Write(b)
	zw.Close()
	return buf.Bytes()
}

func chunked(b []byte) []byte {
	var buf bytes.Buffer
	cw := httputil.NewChunkedWriter(&buf)
	cw.Write(b[:len(b)/3])
	cw.Write(b[len(b)/3:])
	cw.Close()
	buf.WriteString("\r\n")
	return buf.Bytes()
}

// portalPage returns an article page of the sample portal and its ground truth.
func portalPage(t *testing.T) ([]byte, portal.Article) {
	t.Helper()
	p, err := portal.New(portal.Options{})
	if err != nil {
		t.Fatal(err)
	}
	for _, a := range p.Articles() {
		if a.Encoding != "utf-8" || a.Language != "zh" {
			continue
		}
		rec := httptest.NewRecorder()
		p.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://h.example"+a.Path, nil))
		return rec.Body.Bytes(), a
	}
	t.Fatal("no UTF-8 Chinese article on the portal")
	return nil, portal.Article{}
}

// newTestImporter returns an importer into db, its problems going to the
// returned buffer.
func newTestImporter(t *testing.T, db *archive.DB) (*importer, *bytes.Buffer) {
	t.Helper()
	run, err := db.StartRun(context.Background(), archive.RunInfo{Job: importJob})
	if err != nil {
		t.Fatal(err)
	}
	var problems bytes.Buffer
	log := slog.New(slog.DiscardHandler)
	pipe := &Pipeline{DB: db, Extractor: extract.New(extract.Options{}), RunID: run, Logger: log}
	return newImporter(pipe, 1<<20, &problems, log), &problems
}

func TestImporter_ForeignRecords(t *testing.T) {
	ctx := context.Background()
	db := openTestArchive(t)
	html, art := portalPage(t)
	const a, img = "http://h.example/a.html", "http://h.example/i.jpg"
	encoded := gzipped(html)
	raw := chunked(encoded)

	var w foreignWARC
	w.record("warcinfo", "", "2024-01-01T00:00:00Z", []string{"Content-Type: application/warc-fields"}, "software: test\r\n")
	// Heritrix writes the response first, then its request.
	resp := w.record("response", a, "2024-01-01T00:00:01Z", []string{"Content-Type: application/http; msgtype=response",
		"WARC-Payload-Digest: " + sha1Digest(raw), "WARC-IP-Address: 192.0.2.7"},
		"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nTransfer-Encoding: chunked\r\nContent-Encoding: gzip\r\n\r\n"+string(raw))
	w.record("request", a, "2024-01-01T00:00:01Z", []string{"Content-Type: application/http; msgtype=request", "WARC-Concurrent-To: <" + resp + ">"},
		"GET /a.html HTTP/1.1\r\nHost: h.example\r\nUser-Agent: Heritrix/3.4\r\n\r\n")
	// wget writes the request first.
	req := w.record("request", img, "2024-01-01T00:00:02Z", []string{"Content-Type: application/http;msgtype=request"},
		"GET /i.jpg HTTP/1.1\r\nHost: h.example\r\nUser-Agent: Wget/1.21\r\n\r\n")
	w.record("response", img, "2024-01-01T00:00:02Z", []string{"Content-Type: application/http;msgtype=response", "WARC-Concurrent-To: <" + req + ">"},
		"HTTP/1.1 200 OK\r\nContent-Type: image/jpeg\r\nContent-Length: 4\r\n\r\n\xff\xd8\xff\xe0")
	// An unchanged recapture, by the sha1 payload digest of the original.
	w.record("revisit", a, "2024-01-02T00:00:00Z", []string{"Content-Type: application/http; msgtype=response",
		"WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest", "WARC-Payload-Digest: " + sha1Digest(raw)},
		"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\nContent-Encoding: gzip\r\n\r\n")
	// A 304: nothing to resolve.
	w.record("revisit", a, "2024-01-03T00:00:00Z", []string{"Content-Type: application/http; msgtype=response",
		"WARC-Profile: http://netpreserve.org/warc/1.0/revisit/server-not-modified"},
		"HTTP/1.1 304 Not Modified\r\nEtag: \"x\"\r\n\r\n")
	// A revisit of a payload nobody has.
	unresolved := int64(w.Len())
	w.record("revisit", "http://h.example/c.html", "2024-01-03T00:00:00Z", []string{"Content-Type: application/http; msgtype=response",
		"WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest", "WARC-Payload-Digest: sha1:AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"},
		"HTTP/1.1 200 OK\r\n\r\n")
	// Records that make no capture.
	dns := int64(w.Len())
	w.record("response", "dns:h.example", "2024-01-03T00:00:00Z", []string{"Content-Type: text/dns"}, "20240103000000\r\nh.example. 300 IN A 192.0.2.7\r\n")
	w.record("metadata", a, "2024-01-03T00:00:00Z", []string{"Content-Type: application/warc-fields"}, "outlinks: http://h.example/b.html\r\n")
	// A capture older than the archive's latest of its URL.
	w.record("response", a, "2023-06-01T00:00:00Z", []string{"Content-Type: application/http; msgtype=response"},
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\n\r\n<p>old</p>")

	im, problems := newTestImporter(t, db)
	if err := im.importReader(ctx, bytes.NewReader(w.Bytes())); err != nil {
		t.Fatal(err)
	}
	st := im.stats
	if st.Records != 11 || st.Captures != 4 || st.Responses != 2 || st.Revisits != 2 || st.Unresolved != 1 || st.Older != 1 || st.Skipped != 4 {
		t.Errorf("stats %+v", st)
	}
	for _, want := range []string{fmt.Sprintf("offset %d: revisit record of \"http://h.example/c.html\" skipped: revisit (payload sha1:", unresolved),
		fmt.Sprintf("offset %d: response record of \"dns:h.example\" skipped", dns)} {
		if !strings.Contains(problems.String(), want) {
			t.Errorf("problems lack %q:\n%s", want, problems)
		}
	}

	cs, err := db.CapturesOf(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	var statuses []int
	for _, c := range cs {
		statuses = append(statuses, c.Status)
	}
	if !slices.Equal(statuses, []int{200, 200, 304}) {
		t.Fatalf("captures of %s: statuses %v, want 200 200 304", a, statuses)
	}
	first := cs[0]
	if first.RequestHeader.Get("User-Agent") != "Heritrix/3.4" || first.RequestHeader.Get("Host") != "" {
		t.Errorf("request headers %v", first.RequestHeader)
	}
	if first.Header.Get("Transfer-Encoding") != "" || first.Header.Get("Content-Encoding") != "" || first.RemoteAddr != "192.0.2.7" {
		t.Errorf("response headers %v, remote %q", first.Header, first.RemoteAddr)
	}
	body, err := db.CapturePayload(ctx, first.ID)
	if err != nil || !bytes.Equal(body, html) {
		t.Errorf("body stored: %d bytes (%v), want the decoded page (%d bytes)", len(body), err, len(html))
	}
	if cs[1].PayloadSHA256 != first.PayloadSHA256 || cs[1].Event != archive.EventUnchanged || cs[2].Event != archive.EventUnchanged {
		t.Errorf("revisits: %+v / %+v", cs[1], cs[2])
	}
	ar, err := db.ArticleByURL(ctx, a)
	if err != nil {
		t.Fatal(err)
	}
	v, err := db.Version(ctx, ar.ID, 0)
	if err != nil || v.Version != 1 || v.Content.Title != art.Title {
		t.Errorf("article: version %d titled %q (%v), want 1 titled %q", v.Version, v.Content.Title, err, art.Title)
	}
	if ics, err := db.CapturesOf(ctx, img); err != nil || len(ics) != 1 || ics[0].RequestHeader.Get("User-Agent") != "Wget/1.21" || ics[0].Size != 4 {
		t.Errorf("image captures %+v, %v", ics, err)
	}

	t.Run("RevisitOfArchivedCapture", func(t *testing.T) {
		// Another file, another import: the original is found in the
		// archive by the URI and date the revisit names.
		var w2 foreignWARC
		w2.record("revisit", a, "2024-02-01T00:00:00Z", []string{"Content-Type: application/http; msgtype=response",
			"WARC-Profile: http://netpreserve.org/warc/1.0/revisit/identical-payload-digest", "WARC-Payload-Digest: " + sha1Digest(raw),
			"WARC-Refers-To-Target-URI: " + a, "WARC-Refers-To-Date: 2024-01-01T00:00:01Z"},
			"HTTP/1.1 200 OK\r\nContent-Type: text/html; charset=utf-8\r\n\r\n")
		im2, problems := newTestImporter(t, db)
		if err := im2.importReader(ctx, bytes.NewReader(gzipped(w2.Bytes()))); err != nil {
			t.Fatal(err)
		}
		if im2.stats.Revisits != 1 || problems.Len() > 0 {
			t.Errorf("stats %+v, problems %s", im2.stats, problems)
		}
	})
	t.Run("Again", func(t *testing.T) {
		im3, _ := newTestImporter(t, db)
		if err := im3.importReader(ctx, bytes.NewReader(w.Bytes())); err != nil {
			t.Fatal(err)
		}
		if im3.stats.Captures != 0 || im3.stats.Already != 4 || im3.stats.Older != 1 {
			t.Errorf("importing again: %+v", im3.stats)
		}
	})
}

func TestImportCommand(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	var b bytes.Buffer
	w := warc.NewWriter(&b, "a.warc.gz", true)
	html, _ := portalPage(t)
	c := &warc.Capture{URL: "http://h.example/a.html", Status: 200, Header: http.Header{"Content-Type": {"text/html; charset=utf-8"}}, Payload: html}
	c.Date = mustTime(t, "2024-01-01T00:00:00.123Z")
	if _, err := w.WriteCapture(c); err != nil {
		t.Fatal(err)
	}
	good := filepath.Join(dir, "a.warc.gz")
	notWARC := filepath.Join(dir, "notes.txt")
	os.WriteFile(good, b.Bytes(), 0o644)
	os.WriteFile(notWARC, []byte("these are notes, not a WARC file\n"), 0o644)

	out, errOut, code := pipeRun(t, ctx, "import", "--db", db, good)
	if code != 0 || !strings.Contains(out, "import run 1: completed, 1 file, 2 records") || !strings.Contains(out, "1 imported (1 responses") {
		t.Fatalf("exit %d\n%s\n%s", code, out, errOut)
	}
	run := readRun(t, db, 1)
	var settings importSettings
	if err := json.Unmarshal(run.Settings, &settings); err != nil {
		t.Fatal(err)
	}
	if run.Job != importJob || run.Status != archive.RunCompleted || run.Summary.NewArticles != 1 || len(settings.Files) != 1 ||
		settings.Files[0].Path != good || settings.Files[0].Size != int64(b.Len()) || !strings.HasPrefix(run.Command, "annals import ") {
		t.Errorf("run %+v, settings %+v", run, settings)
	}

	// A file that is not WARC: reported with its offset, the others
	// imported, exit status 1.
	out, errOut, code = pipeRun(t, ctx, "import", "--db", db, notWARC, good)
	if code != exitFailure || !strings.Contains(errOut, "notes.txt: offset 0: 33 bytes that are not WARC records") ||
		!strings.Contains(errOut, "no WARC record could be read in "+notWARC) || !strings.Contains(out, "1 already archived") {
		t.Errorf("exit %d\n%s\n%s", code, out, errOut)
	}

	for _, tc := range []struct {
		args []string
		want string
	}{
		{nil, "import needs at least one WARC file"},
		{[]string{filepath.Join(dir, "missing.warc")}, "no such file"},
		{[]string{dir}, "is a directory"},
		{[]string{"--zone", "Mars/Olympus", good}, "--zone"},
		{[]string{"--max-body", "0", good}, "must be positive"},
	} {
		_, errOut, code := pipeRun(t, ctx, append([]string{"import", "--db", db}, tc.args...)...)
		if code != exitUsage || !strings.Contains(errOut, tc.want) {
			t.Errorf("import %v: exit %d, stderr %q; want 2 and %q", tc.args, code, errOut, tc.want)
		}
	}
}

// FuzzImport imports arbitrary bytes as a WARC file: the import must never
// panic, and must not fail (bad records are skipped and reported), whatever
// the bytes.
func FuzzImport(f *testing.F) {
	var w foreignWARC
	w.record("response", "http://h.example/a.html", "2024-01-01T00:00:01Z", []string{"Content-Type: application/http; msgtype=response"},
		"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nTransfer-Encoding: chunked\r\n\r\n"+string(chunked([]byte("<html><title>T</title><p>正文</p></html>"))))
	w.record("revisit", "http://h.example/a.html", "2024-01-02T00:00:01Z", []string{"Content-Type: application/http; msgtype=response",
		"WARC-Payload-Digest: sha1:AAAA", "WARC-Refers-To-Target-URI: http://h.example/a.html", "WARC-Refers-To-Date: 2024-01-01T00:00:01Z"},
		"HTTP/1.1 200 OK\r\n\r\n")
	w.record("metadata", "http://h.example/b", "2024-01-02T00:00:01Z", []string{"Content-Type: application/warc-fields"}, "fetch-error: timeout\r\n")
	f.Add(w.Bytes())
	f.Add(gzipped(w.Bytes()))
	f.Add([]byte("WARC/1.1\r\nWARC-Type: response\r\nWARC-Target-URI: http://[::1]:80/\r\nWARC-Date: 2024-01-01T00:00:00Z\r\nContent-Length: 20\r\n\r\nHTTP/1.1 301 x\r\n\r\n\r\n\r\n"))
	dir := f.TempDir()
	db := archive.NewDB(filepath.Join(dir, "fuzz.db"))
	if err := db.Open(context.Background()); err != nil {
		f.Fatal(err)
	}
	defer db.Close()
	log := slog.New(slog.DiscardHandler)
	pipe := &Pipeline{DB: db, Extractor: extract.New(extract.Options{}), Logger: log}
	f.Fuzz(func(t *testing.T, b []byte) {
		im := newImporter(pipe, 1<<16, io.Discard, log)
		if err := im.importReader(context.Background(), bytes.NewReader(b)); err != nil {
			t.Fatalf("import failed: %v", err)
		}
	})
}

func mustTime(t *testing.T, s string) time.Time {
	t.Helper()
	at, err := time.Parse(time.RFC3339Nano, s)
	if err != nil {
		t.Fatal(err)
	}
	return at
}
