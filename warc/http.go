package warc

import (
	"bufio"
	"bytes"
	"compress/flate"
	"compress/gzip"
	"compress/zlib"
	"errors"
	"fmt"
	"io"
	"net/http"
	"net/http/httputil"
	"strings"

	"github.com/andybalholm/brotli"
)

// parseResponseHead reads an HTTP status line and headers.
func parseResponseHead(head []byte) (*HTTPMessage, error) {
	head = endHead(head)
	resp, err := http.ReadResponse(bufio.NewReader(bytes.NewReader(head)), nil)
	if err != nil {
		return nil, err
	}
	resp.Body.Close()
	return &HTTPMessage{Proto: resp.Proto, Status: resp.StatusCode, Header: keepTransfer(resp.Header, resp.TransferEncoding)}, nil
}

// parseRequestHead reads an HTTP request line and headers.
func parseRequestHead(head []byte) (*HTTPMessage, error) {
	head = endHead(head)
	req, err := http.ReadRequest(bufio.NewReader(bytes.NewReader(head)))
	if err != nil {
		return nil, err
	}
	req.Body.Close()
	h := keepTransfer(req.Header, req.TransferEncoding)
	if req.Host != "" {
		h.Set("Host", req.Host)
	}
	return &HTTPMessage{Method: req.Method, RequestURI: req.RequestURI, Proto: req.Proto, Header: h}, nil
}

// endHead makes sure a header block ends with its empty line.
func endHead(head []byte) []byte {
	if bytes.HasSuffix(head, []byte("\r\n\r\n")) || bytes.HasSuffix(head, []byte("\n\n")) {
		return head
	}
	return append(bytes.TrimRight(head, "\r\n"), "\r\n\r\n"...)
}

// keepTransfer puts back the Transfer-Encoding net/http moves out of the
// header, so that the header is as the record holds it.
func keepTransfer(h http.Header, te []string) http.Header {
	if h == nil {
		h = http.Header{}
	}
	if len(te) > 0 && h.Get("Transfer-Encoding") == "" {
		h["Transfer-Encoding"] = []string{strings.Join(te, ", ")}
	}
	return h
}

// Body returns a response's body as an HTTP client hands it over, at most
// max bytes: the chunked transfer coding undone, and a gzip, deflate or br
// content coding decoded. The header returned is a copy without
// Transfer-Encoding and, when the content was decoded, without
// Content-Encoding and Content-Length (as Go's client leaves a body it
// decoded). Codings that do not decode (many tools store a payload already
// de-chunked but keep the header) leave the bytes as they are.
// cut tells that the body was longer than max.
func (m *HTTPMessage) Body(max int64) (body []byte, header http.Header, cut bool) {
	header = m.Header.Clone()
	if header == nil {
		header = http.Header{}
	}
	body = m.Payload
	if te := strings.ToLower(header.Get("Transfer-Encoding")); strings.Contains(te, "chunked") {
		if b, c, err := readMax(httputil.NewChunkedReader(bytes.NewReader(body)), max); err == nil {
			body, cut = b, c
		}
	}
	header.Del("Transfer-Encoding")
	if ce := strings.ToLower(strings.TrimSpace(header.Get("Content-Encoding"))); ce != "" && ce != "identity" {
		if b, c, err := decodeContent(ce, body, max); err == nil {
			body, cut = b, cut || c
			header.Del("Content-Encoding")
			header.Del("Content-Length")
		}
	}
	if int64(len(body)) > max {
		body, cut = body[:max], true
	}
	return body, header, cut
}

// errUnknownCoding is returned for a content coding Body does not decode.
var errUnknownCoding = errors.New("unknown content coding")

// decodeContent undoes one content coding.
func decodeContent(coding string, b []byte, max int64) ([]byte, bool, error) {
	var r io.Reader
	var err error
	switch coding {
	case "gzip", "x-gzip":
		r, err = gzip.NewReader(bytes.NewReader(b))
	case "deflate":
		// Servers send zlib-wrapped or raw deflate under this name.
		if r, err = zlib.NewReader(bytes.NewReader(b)); err != nil {
			r, err = flate.NewReader(bytes.NewReader(b)), nil
		}
	case "br":
		r = brotli.NewReader(bytes.NewReader(b))
	default:
		return nil, false, fmt.Errorf("%w %q", errUnknownCoding, coding)
	}
	if err != nil {
		return nil, false, err
	}
	return readMax(r, max)
}

// readMax reads at most max bytes of r, and one more to tell (cut)
// whether r held more; it does not read on to the end, so that a
// decompression bomb costs no more than max bytes.
func readMax(r io.Reader, max int64) ([]byte, bool, error) {
	var buf bytes.Buffer
	n, err := io.Copy(&buf, io.LimitReader(r, max+1))
	if err != nil {
		return nil, false, err
	}
	if n > max {
		buf.Truncate(int(max))
		return buf.Bytes(), true, nil
	}
	return buf.Bytes(), false, nil
}
