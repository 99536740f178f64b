package warc

import (
	"fmt"
	"io"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// Entry locates one written record, for indexes (CDXJ).
type Entry struct {
	Type     string // "response", "revisit", "request", "metadata", "warcinfo"
	ID       string // WARC-Record-ID, without < >
	URL      string
	Date     time.Time
	Status   int
	Mime     string // the response's media type; "warc/revisit" for revisits
	Digest   string // WARC-Payload-Digest ("sha256:…")
	Offset   int64  // where the record (its gzip member) starts in the file
	Length   int64  // its length in the file
	Filename string
}

// Writer writes WARC records to one stream, each record in a gzip member of
// its own (unless Gzip is off), and tells where each went.
// It is not safe for concurrent use. The stream is never closed by it.
type Writer struct {
	w        *countingWriter
	gz       *gzip.Writer // nil: plain WARC
	m        gowarc.Marshaler
	filename string
	infoID   string
}

// NewWriter returns a Writer onto w. filename is the name the stream will
// have (for WARC-Filename and index entries; may be ""); gz compresses each
// record on its own, as .warc.gz files hold them.
func NewWriter(w io.Writer, filename string, gz bool) *Writer {
	wr := &Writer{w: &countingWriter{w: w}, m: gowarc.NewMarshaler(), filename: filename}
	if gz {
		wr.gz, _ = gzip.NewWriterLevel(nil, gzip.DefaultCompression) // the level is valid
	}
	return wr
}

// Size is the number of bytes written so far.
func (w *Writer) Size() int64 { return w.w.n }

// WriteInfo writes a warcinfo record; the records written after it name it
// in WARC-Warcinfo-ID. It belongs first in the file.
func (w *Writer) WriteInfo(info *Info, now time.Time) (Entry, error) {
	rec, err := buildInfo(info, w.filename, now)
	if err != nil {
		return Entry{}, err
	}
	w.infoID = "" // a warcinfo record does not name itself
	e, err := w.write(rec)
	if err != nil {
		return e, err
	}
	w.infoID = e.ID
	return e, nil
}

// WriteCapture writes the request and response records of c and returns
// the response's entry.
func (w *Writer) WriteCapture(c *Capture) (Entry, error) {
	req, resp, err := buildExchange(c)
	if err != nil {
		return Entry{}, err
	}
	return w.writePair(req, resp)
}

// WriteRevisit writes the request and revisit records of r and returns the
// revisit's entry.
func (w *Writer) WriteRevisit(r *Revisit) (Entry, error) {
	req, rev, err := buildRevisit(r)
	if err != nil {
		return Entry{}, err
	}
	return w.writePair(req, rev)
}

// WriteFailure writes the metadata record of a fetch that got no response.
func (w *Writer) WriteFailure(f *Failure) (Entry, error) {
	rec, err := buildFailure(f)
	if err != nil {
		return Entry{}, err
	}
	return w.write(rec)
}

func (w *Writer) writePair(req, resp gowarc.WarcRecord) (Entry, error) {
	if _, err := w.write(req); err != nil {
		resp.Close()
		return Entry{}, err
	}
	return w.write(resp)
}

// write marshals one record (closing it) and returns its entry.
func (w *Writer) write(rec gowarc.WarcRecord) (e Entry, err error) {
	defer func() {
		if cerr := rec.Close(); err == nil && cerr != nil {
			err = fmt.Errorf("write %s record: %w", rec.Type(), cerr)
		}
	}()
	if w.infoID != "" {
		rec.WarcHeader().SetId(gowarc.WarcWarcinfoID, w.infoID)
	}
	e = entryOf(rec)
	e.Offset, e.Filename = w.w.n, w.filename
	var out io.Writer = w.w
	if w.gz != nil {
		w.gz.Reset(w.w)
		out = w.gz
	}
	if _, _, err := w.m.Marshal(out, rec, 0); err != nil {
		return e, fmt.Errorf("write %s record of %s: %w", rec.Type(), e.URL, err)
	}
	if w.gz != nil {
		if err := w.gz.Close(); err != nil {
			return e, fmt.Errorf("write %s record of %s: %w", rec.Type(), e.URL, err)
		}
	}
	e.Length = w.w.n - e.Offset
	return e, nil
}

// entryOf reads the index fields of a record built here.
func entryOf(rec gowarc.WarcRecord) Entry {
	h := rec.WarcHeader()
	e := Entry{Type: rec.Type().String(), ID: rec.RecordId(), URL: h.Get(gowarc.WarcTargetURI), Digest: h.Get(gowarc.WarcPayloadDigest)}
	e.Date, _ = time.Parse(time.RFC3339Nano, h.Get(gowarc.WarcDate))
	switch b := rec.Block().(type) {
	case gowarc.HttpResponseBlock:
		e.Status = b.HttpStatusCode()
		if hh := b.HttpHeader(); hh != nil {
			e.Mime = mediaType(hh.Get("Content-Type"))
		}
		if e.Digest == "" {
			e.Digest = b.PayloadDigest()
		}
	case gowarc.ProtocolHeaderBlock:
		if rec.Type() == gowarc.Revisit {
			e.Mime = "warc/revisit"
			if m, err := parseResponseHead(b.ProtocolHeaderBytes()); err == nil {
				e.Status = m.Status
			}
		}
	}
	if e.Mime == "" && rec.Type() != gowarc.Revisit {
		e.Mime = mediaType(h.Get(gowarc.ContentType))
	}
	return e
}

// mediaType is a Content-Type without its parameters, lower case.
func mediaType(ct string) string {
	mt, _, _ := strings.Cut(ct, ";")
	return strings.ToLower(strings.TrimSpace(mt))
}

// countingWriter counts the bytes written through it.
type countingWriter struct {
	w io.Writer
	n int64
}

func (c *countingWriter) Write(p []byte) (int, error) {
	n, err := c.w.Write(p)
	c.n += int64(n)
	if err == nil && n < len(p) {
		err = io.ErrShortWrite
	}
	return n, err
}
