package warc

import (
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"net/http"
	"net/http/httputil"
	"strings"
	"testing"

	"github.com/andybalholm/brotli"
)

func TestHTTPMessage_Body(t *testing.T) {
	html := strings.Repeat("<p>正文 text</p>", 100)
	chunked := func(b []byte) []byte {
		var buf bytes.Buffer
		w := httputil.NewChunkedWriter(&buf)
		w.Write(b[:len(b)/2])
		w.Write(b[len(b)/2:])
		w.Close()
		buf.WriteString("\r\n")
		return buf.Bytes()
	}
	gz := func(b []byte) []byte {
		var buf bytes.Buffer
		w := gzip.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	zl := func(b []byte) []byte {
		var buf bytes.Buffer
		w := zlib.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	raw := func(b []byte) []byte {
		var buf bytes.Buffer
		w, _ := flate.NewWriter(&buf, flate.DefaultCompression)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	br := func(b []byte) []byte {
		var buf bytes.Buffer
		w := brotli.NewWriter(&buf)
		w.Write(b)
		w.Close()
		return buf.Bytes()
	}
	for _, tc := range []struct {
		name    string
		header  http.Header
		payload []byte
		max     int64
		want    string
		cut     bool
		left    []string // header keys left
	}{
		{"Plain", http.Header{"Content-Length": {"1700"}}, []byte(html), 1 << 20, html, false, []string{"Content-Length"}},
		{"Chunked", http.Header{"Transfer-Encoding": {"chunked"}}, chunked([]byte(html)), 1 << 20, html, false, nil},
		{"ChunkedHeaderButDechunked", http.Header{"Transfer-Encoding": {"chunked"}}, []byte(html), 1 << 20, html, false, nil},
		{"Gzip", http.Header{"Content-Encoding": {"gzip"}, "Content-Length": {"99"}}, gz([]byte(html)), 1 << 20, html, false, nil},
		{"ChunkedGzip", http.Header{"Transfer-Encoding": {"chunked"}, "Content-Encoding": {"gzip"}}, chunked(gz([]byte(html))), 1 << 20, html, false, nil},
		{"DeflateZlib", http.Header{"Content-Encoding": {"deflate"}}, zl([]byte(html)), 1 << 20, html, false, nil},
		{"DeflateRaw", http.Header{"Content-Encoding": {"deflate"}}, raw([]byte(html)), 1 << 20, html, false, nil},
		{"Brotli", http.Header{"Content-Encoding": {"br"}}, br([]byte(html)), 1 << 20, html, false, nil},
		{"GzipHeaderButPlain", http.Header{"Content-Encoding": {"gzip"}}, []byte(html), 1 << 20, html, false, []string{"Content-Encoding"}},
		{"UnknownCoding", http.Header{"Content-Encoding": {"zstd"}}, []byte("xyz"), 1 << 20, "xyz", false, []string{"Content-Encoding"}},
		{"GzipBomb", http.Header{"Content-Encoding": {"gzip"}}, gz(bytes.Repeat([]byte{0}, 1<<20)), 1000, string(make([]byte, 1000)), true, nil},
		{"Cut", nil, []byte(html), 10, html[:10], true, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			m := &HTTPMessage{Status: 200, Header: tc.header, Payload: tc.payload}
			before := len(tc.header)
			body, h, cut := m.Body(tc.max)
			if string(body) != tc.want || cut != tc.cut {
				t.Errorf("body %q (cut %v), want %q (cut %v)", trim(body), cut, trim([]byte(tc.want)), tc.cut)
			}
			var keys []string
			for k := range h {
				keys = append(keys, k)
			}
			if strings.Join(keys, ",") != strings.Join(tc.left, ",") {
				t.Errorf("header keys %v, want %v", keys, tc.left)
			}
			if len(tc.header) != before {
				t.Error("the message's header was changed")
			}
		})
	}
}

func trim(b []byte) []byte {
	if len(b) > 40 {
		return b[:40]
	}
	return b
}

func TestParseHeads(t *testing.T) {
	m, err := parseResponseHead([]byte("HTTP/1.1 301 Moved Permanently\r\nLocation: /b\r\nTransfer-Encoding: chunked\r\n"))
	if err != nil || m.Status != 301 || m.Proto != "HTTP/1.1" || m.Header.Get("Location") != "/b" || m.Header.Get("Transfer-Encoding") != "chunked" {
		t.Errorf("%+v %v", m, err)
	}
	if _, err := parseResponseHead([]byte("HTTX 200\r\n\r\n")); err == nil {
		t.Error("bad status line parsed")
	}
	r, err := parseRequestHead([]byte("GET /a?b=1 HTTP/1.0\r\nHost: example.com\r\nUser-Agent: wget\r\n\r\n"))
	if err != nil || r.Method != "GET" || r.RequestURI != "/a?b=1" || r.Header.Get("Host") != "example.com" || r.Proto != "HTTP/1.0" {
		t.Errorf("%+v %v", r, err)
	}
}
