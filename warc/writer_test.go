package warc

import (
	"bytes"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"io"
	"net/http"
	"reflect"
	"strings"
	"testing"
	"time"
)

// t0 is the time of the first capture in tests.
var t0 = time.Date(2021, 9, 28, 1, 47, 3, 123e6, time.UTC)

// page is a capture of an HTML page.
func page(url, body string, at time.Time) *Capture {
	return &Capture{
		URL: url, Date: at, Method: "GET",
		RequestHeader: http.Header{"User-Agent": {"annals/test"}, "Accept": {"text/html"}},
		Proto:         "HTTP/1.1", Status: 200,
		Header:  http.Header{"Content-Type": {"text/html; charset=utf-8"}, "Etag": {`"v1"`}},
		Payload: []byte(body), IP: "127.0.0.1:8080",
	}
}

func sha(b []byte) string {
	s := sha256.Sum256(b)
	return "sha256:" + hex.EncodeToString(s[:])
}

// readAll reads every record of a WARC, failing on any damage.
func readAll(t *testing.T, b []byte) []*Record {
	t.Helper()
	r := NewReader(bytes.NewReader(b), ReaderOptions{})
	var recs []*Record
	for {
		rec, err := r.Next()
		if err == io.EOF {
			return recs
		}
		if err != nil {
			t.Fatalf("after %d records: %v", len(recs), err)
		}
		recs = append(recs, rec)
	}
}

func TestWriter_RoundTrip(t *testing.T) {
	for _, gz := range []bool{true, false} {
		name := map[bool]string{true: "Gzip", false: "Plain"}[gz]
		t.Run(name, func(t *testing.T) {
			var buf bytes.Buffer
			w := NewWriter(&buf, "test.warc.gz", gz)
			info, err := w.WriteInfo(&Info{Software: "annals/test", Fields: []Field{{"annals-run", "1 job=portal"}}}, t0)
			if err != nil {
				t.Fatal(err)
			}
			html := "<html><head><title>通辽</title></head><body>正文</body></html>"
			c := page("http://127.0.0.1:8080/a.html?b=2&a=1", html, t0)
			resp, err := w.WriteCapture(c)
			if err != nil {
				t.Fatal(err)
			}
			img := page("http://127.0.0.1:8080/i.jpg", "\xff\xd8\xff\xe0\x00\x10JFIF\x00\r\n\r\nWARC/1.1\r\n", t0.Add(time.Second))
			img.Header = http.Header{"Content-Type": {"image/jpeg"}}
			img.Truncated = TruncatedLength
			if _, err := w.WriteCapture(img); err != nil {
				t.Fatal(err)
			}
			rv := &Revisit{Capture: *page(c.URL, "", t0.Add(time.Hour)), Profile: ProfileIdenticalPayload,
				PayloadDigest: resp.Digest, RefersToURI: c.URL, RefersToDate: c.Date, RefersToID: resp.ID}
			rv.Status = 304
			revisit, err := w.WriteRevisit(rv)
			if err != nil {
				t.Fatal(err)
			}
			if _, err := w.WriteFailure(&Failure{URL: "http://127.0.0.1:8080/down", Date: t0, Err: "dial tcp: connection refused\nretry"}); err != nil {
				t.Fatal(err)
			}
			if resp.Digest != sha([]byte(html)) || resp.Status != 200 || resp.Mime != "text/html" || resp.Type != "response" {
				t.Errorf("response entry %+v", resp)
			}
			if revisit.Mime != "warc/revisit" || revisit.Status != 304 || revisit.Digest != resp.Digest {
				t.Errorf("revisit entry %+v", revisit)
			}

			recs := readAll(t, buf.Bytes())
			var types []string
			for _, r := range recs {
				types = append(types, r.Type)
			}
			if want := "warcinfo request response request response request revisit metadata"; strings.Join(types, " ") != want {
				t.Fatalf("records %v, want %s", types, want)
			}
			if recs[0].ID != info.ID || recs[0].Offset != 0 {
				t.Errorf("warcinfo %+v", recs[0])
			}
			var software, format string
			for _, f := range recs[0].Fields {
				switch strings.ToLower(f.Name) {
				case "software":
					software = f.Value
				case "format":
					format = f.Value
				}
			}
			if software != "annals/test" || format != "WARC File Format 1.1" {
				t.Errorf("warcinfo fields %+v", recs[0].Fields)
			}
			req, got := recs[1], recs[2]
			if req.HTTP == nil || req.HTTP.Method != "GET" || req.HTTP.RequestURI != "/a.html?b=2&a=1" ||
				req.HTTP.Header.Get("Host") != "127.0.0.1:8080" || req.HTTP.Header.Get("User-Agent") != "annals/test" {
				t.Errorf("request %+v %+v", req, req.HTTP)
			}
			if !reflect.DeepEqual(req.ConcurrentTo, []string{got.ID}) || !reflect.DeepEqual(got.ConcurrentTo, []string{req.ID}) {
				t.Errorf("not linked: request %s → %v, response %s → %v", req.ID, req.ConcurrentTo, got.ID, got.ConcurrentTo)
			}
			if got.URL != c.URL || !got.Date.Equal(t0) || got.IP != "127.0.0.1" || got.PayloadDigest != resp.Digest {
				t.Errorf("response %+v", got)
			}
			if got.HTTP == nil || got.HTTP.Status != 200 || string(got.HTTP.Payload) != html || got.HTTP.Header.Get("Etag") != `"v1"` {
				t.Errorf("response HTTP %+v", got.HTTP)
			}
			if got.Offset != resp.Offset || got.Length != resp.Length {
				t.Errorf("response at %d+%d, entry says %d+%d", got.Offset, got.Length, resp.Offset, resp.Length)
			}
			if bin := recs[4]; bin.Truncated != TruncatedLength || string(bin.HTTP.Payload) != string(img.Payload) {
				t.Errorf("binary payload %q (truncated %q)", bin.HTTP.Payload, bin.Truncated)
			}
			rec := recs[6]
			if rec.Profile != ProfileIdenticalPayload || rec.RefersTo != resp.ID || rec.RefersToURI != c.URL ||
				!rec.RefersToDate.Equal(t0) || rec.PayloadDigest != resp.Digest || rec.HTTP == nil || rec.HTTP.Status != 304 {
				t.Errorf("revisit %+v %+v", rec, rec.HTTP)
			}
			if rec.Offset != revisit.Offset || rec.Length != revisit.Length {
				t.Errorf("revisit at %d+%d, entry says %d+%d", rec.Offset, rec.Length, revisit.Offset, revisit.Length)
			}
			meta := recs[7]
			if len(meta.Fields) != 2 || !strings.EqualFold(meta.Fields[1].Name, FieldFetchError) || meta.Fields[1].Value != "dial tcp: connection refused retry" {
				t.Errorf("metadata %+v", meta.Fields)
			}
			for _, r := range recs {
				if len(r.Warnings) > 0 {
					t.Errorf("%s record: %v", r.Type, r.Warnings)
				}
			}
		})
	}
}

func TestWriter_Refuses(t *testing.T) {
	w := NewWriter(io.Discard, "", true)
	for name, c := range map[string]*Capture{
		"RelativeURL": page("/a.html", "x", t0),
		"NoStatus":    {URL: "http://127.0.0.1/", Date: t0},
	} {
		if _, err := w.WriteCapture(c); err == nil {
			t.Errorf("%s: written", name)
		}
	}
	if _, err := w.WriteRevisit(&Revisit{Capture: *page("http://127.0.0.1/", "", t0), Profile: ProfileIdenticalPayload}); err == nil {
		t.Error("identical-payload-digest revisit without a digest: written")
	}
	if _, err := w.WriteRevisit(&Revisit{Capture: *page("http://127.0.0.1/", "", t0), Profile: "x"}); err == nil {
		t.Error("revisit of unknown profile: written")
	}
}

// failingWriter fails after n bytes.
type failingWriter struct{ n int }

func (f *failingWriter) Write(p []byte) (int, error) {
	if len(p) > f.n {
		k := f.n
		f.n = 0
		return k, errors.New("disk full")
	}
	f.n -= len(p)
	return len(p), nil
}

func TestWriter_WriteError(t *testing.T) {
	w := NewWriter(&failingWriter{n: 100}, "", true)
	if _, err := w.WriteCapture(page("http://127.0.0.1/", strings.Repeat("x", 10000), t0)); err == nil || !strings.Contains(err.Error(), "disk full") {
		t.Errorf("err %v", err)
	}
}
