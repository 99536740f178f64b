package warc

import (
	"bufio"
	"bytes"
	"errors"
	"fmt"
	"io"
	"net/http"
	"strings"
	"time"

	"github.com/klauspost/compress/gzip"
	gowarc "github.com/nlnwa/gowarc/v3"
)

// DefaultMaxPayload bounds the payload bytes a Reader keeps of one record.
const DefaultMaxPayload = 64 << 20

// Record is one WARC record as read.
type Record struct {
	Type string // WARC-Type, lower case: "response", "revisit", "request", …
	ID   string // WARC-Record-ID without < >
	// Offset is where the record starts in the file: the start of its gzip
	// member in a .warc.gz. Length is its length there (the member's), 0
	// when the member holds more records than this one.
	Offset, Length int64
	URL            string // WARC-Target-URI
	Date           time.Time
	IP             string
	ConcurrentTo   []string
	ContentType    string
	PayloadDigest  string
	Truncated      string // WARC-Truncated
	// Revisits: the profile and the original.
	Profile      string
	RefersTo     string
	RefersToURI  string
	RefersToDate time.Time
	// HTTP is the HTTP message of response, request and revisit records
	// holding one (nil otherwise, or when it cannot be parsed: see
	// Warnings).
	HTTP *HTTPMessage
	// Fields is the block of warcinfo and metadata records of type
	// application/warc-fields.
	Fields []Field
	// Warnings are the findings that did not stop the record from being
	// read (a field the standard frowns on, a digest of the payload that
	// does not match).
	Warnings []string
}

// HTTPMessage is the HTTP request or response a record holds.
type HTTPMessage struct {
	// Method and RequestURI are those of a request.
	Method, RequestURI string
	Proto              string
	Status             int // of a response
	Header             http.Header
	// Payload is the entity exactly as the record holds it (transfer and
	// content codings not undone: see Body); at most the Reader's
	// MaxPayload bytes, PayloadCut telling that there were more.
	Payload    []byte
	PayloadCut bool
}

// MalformedError reports a part of a file that holds no readable record: a
// record that is cut short or fails its block digest, a corrupt gzip
// member, bytes that are not WARC. The Reader has skipped it: Next goes on
// with the record after it.
type MalformedError struct {
	Offset int64 // where the unreadable part starts
	End    int64 // where the next readable record starts (or the file ends)
	Err    error // what was wrong with its first record
}

func (e *MalformedError) Error() string {
	return fmt.Sprintf("offset %d: %v (bytes %d to %d skipped)", e.Offset, e.Err, e.Offset, e.End)
}

func (e *MalformedError) Unwrap() error { return e.Err }

// Reader reads the records of a WARC file, plain or gzipped (a member per
// record, or a whole file in one member), and steps over damage: Next
// reports each unreadable part once, with its offset, and carries on after
// it. Parsing and validating records is gowarc's; the Reader frames them
// (gzip members, offsets) and finds the next record after a bad one.
//
// The source must be seekable: after a bad record, reading starts again
// one byte after its start. It is not closed by the Reader.
type Reader struct {
	src        io.ReadSeeker
	cr         countingReader
	base       int64 // file offset where cr started
	br         *bufio.Reader
	u          gowarc.Unmarshaler
	maxPayload int64

	// The gzip member being read, when it holds several records.
	gz          *gzip.Reader
	gzBuf       *bufio.Reader
	memberStart int64

	pending *Record // a good record found while skipping damage
	err     error   // a fatal read error, returned from then on
}

// ReaderOptions configure a Reader.
type ReaderOptions struct {
	// MaxPayload is the most payload bytes kept of a record (0:
	// DefaultMaxPayload); the rest is skipped and HTTPMessage.PayloadCut
	// set.
	MaxPayload int64
}

// NewReader returns a Reader of src, from its current start (offset 0).
func NewReader(src io.ReadSeeker, o ReaderOptions) *Reader {
	if o.MaxPayload <= 0 {
		o.MaxPayload = DefaultMaxPayload
	}
	r := &Reader{
		src:        src,
		maxPayload: o.MaxPayload,
		u: gowarc.NewUnmarshaler(
			gowarc.WithSyntaxErrorPolicy(gowarc.ErrWarn),
			gowarc.WithSpecViolationPolicy(gowarc.ErrWarn),
			gowarc.WithUnknownRecordTypePolicy(gowarc.ErrWarn),
			gowarc.WithBlockErrorPolicy(gowarc.ErrWarn),
		),
	}
	r.cr.r = src
	r.br = bufio.NewReaderSize(&r.cr, 64<<10)
	return r
}

// Next returns the next record. At the end of the file it returns io.EOF.
// A *MalformedError reports a part it skipped; call Next again to go on.
// Any other error is a failure to read the file, and final.
func (r *Reader) Next() (*Record, error) {
	if r.pending != nil {
		rec := r.pending
		r.pending = nil
		return rec, nil
	}
	if r.err != nil {
		return nil, r.err
	}
	rec, err := r.next()
	var bad *MalformedError
	if !errors.As(err, &bad) {
		if err != nil && err != io.EOF {
			r.err = err
		}
		return rec, err
	}
	// Skip on to the next good record, reporting the damage once.
	for {
		rec, err := r.next()
		var more *MalformedError
		switch {
		case errors.As(err, &more):
			continue
		case err == io.EOF:
			bad.End = r.pos()
		case err != nil:
			r.err = err
			bad.End = r.pos()
		default:
			r.pending = rec
			bad.End = rec.Offset
		}
		return nil, bad
	}
}

// pos is the file offset of the next unread byte of the file.
func (r *Reader) pos() int64 { return r.base + r.cr.n - int64(r.br.Buffered()) }

// restart reads on from file offset off.
func (r *Reader) restart(off int64) error {
	r.endMember()
	if _, err := r.src.Seek(off, io.SeekStart); err != nil {
		return fmt.Errorf("read WARC: %w", err)
	}
	r.base, r.cr.n = off, 0
	r.br.Reset(&r.cr)
	return nil
}

func (r *Reader) endMember() {
	if r.gz != nil {
		r.gz.Close()
	}
	r.gzBuf = nil
}

// malformed reports a bad record starting at off and restarts after it.
func (r *Reader) malformed(off int64, err error) error {
	if rerr := r.restart(off + 1); rerr != nil {
		return rerr
	}
	return &MalformedError{Offset: off, End: off + 1, Err: err}
}

var (
	warcMagic = []byte("WARC/")
	gzipMagic = []byte{0x1f, 0x8b, 0x08}
)

// next reads one record, or reports one bad stretch.
func (r *Reader) next() (*Record, error) {
	if r.gzBuf != nil {
		// The member being read may hold more records.
		switch err := skipSpace(r.gzBuf); {
		case err == io.EOF:
			r.endMember()
		case err != nil:
			return nil, r.malformed(r.memberStart, fmt.Errorf("gzip member: %w", err))
		default:
			return r.record(r.gzBuf, r.memberStart, true)
		}
	}
	start := r.pos()
	skipped, blank, err := r.scan()
	if err == io.EOF {
		if skipped > 0 && !blank {
			return nil, &MalformedError{Offset: start, End: r.pos(), Err: fmt.Errorf("%d bytes that are not WARC records", skipped)}
		}
		return nil, io.EOF
	}
	if err != nil {
		return nil, fmt.Errorf("read WARC: %w", err)
	}
	at := r.pos()
	if skipped > 0 && !blank {
		return nil, &MalformedError{Offset: start, End: at, Err: fmt.Errorf("%d bytes that are not WARC records", skipped)}
	}
	head, _ := r.br.Peek(len(gzipMagic))
	if !bytes.Equal(head, gzipMagic) {
		return r.record(r.br, at, false)
	}
	if r.gz == nil {
		r.gz, err = gzip.NewReader(r.br)
	} else {
		err = r.gz.Reset(r.br)
	}
	if err != nil {
		return nil, r.malformed(at, fmt.Errorf("gzip member: %w", err))
	}
	r.gz.Multistream(false)
	if r.gzBuf == nil {
		r.gzBuf = bufio.NewReaderSize(r.gz, 64<<10)
	} else {
		r.gzBuf.Reset(r.gz)
	}
	r.memberStart = at
	rec, err := r.record(r.gzBuf, at, true)
	if err != nil || r.gzBuf == nil {
		return rec, err
	}
	// A member holding one record ends here: its checksum is checked
	// before the record is handed out.
	switch err := skipSpace(r.gzBuf); {
	case err == io.EOF:
		r.endMember()
		rec.Length = r.pos() - at
	case err != nil:
		return nil, r.malformed(at, fmt.Errorf("gzip member: %w", err))
	}
	return rec, nil
}

// scan advances to the next byte that may start a record ("WARC/" or a gzip
// header). blank tells whether all the skipped bytes were white space
// (which writers leave between records).
func (r *Reader) scan() (skipped int64, blank bool, err error) {
	blank = true
	for {
		b, err := r.br.Peek(len(warcMagic))
		if len(b) == 0 {
			if err == nil {
				err = io.EOF
			}
			return skipped, blank, err
		}
		if bytes.HasPrefix(b, warcMagic) || bytes.HasPrefix(b, gzipMagic) {
			return skipped, blank, nil
		}
		if len(b) < len(warcMagic) && err != nil {
			// Fewer bytes left than a record's start.
			for _, c := range b {
				blank = blank && isSpace(c)
			}
			r.br.Discard(len(b))
			return skipped + int64(len(b)), blank, io.EOF
		}
		// Skip up to the next byte that may start a record.
		i := bytes.IndexAny(b[1:], "W\x1f") + 1
		if i == 0 {
			i = len(b)
		}
		for _, c := range b[:i] {
			blank = blank && isSpace(c)
		}
		r.br.Discard(i)
		skipped += int64(i)
	}
}

func isSpace(c byte) bool { return c == '\r' || c == '\n' || c == ' ' || c == '\t' }

// skipSpace discards white space; io.EOF tells that nothing else follows.
func skipSpace(br *bufio.Reader) error {
	for {
		b, err := br.Peek(1)
		if len(b) == 0 {
			if err == nil {
				err = io.EOF
			}
			return err
		}
		if !isSpace(b[0]) {
			return nil
		}
		br.Discard(1)
	}
}

// record parses one record from src (the file, or a gzip member starting
// at off) with gowarc.
func (r *Reader) record(src *bufio.Reader, off int64, inMember bool) (*Record, error) {
	start := r.pos()
	// gowarc empties a header value it finds invalid (WARC/1.0 writers
	// such as wget put the target URI in < >): keep the raw header to
	// recover such values from.
	head, _ := src.Peek(src.Size())
	if i := bytes.Index(head, []byte("\r\n\r\n")); i >= 0 {
		head = head[:i]
	}
	head = bytes.Clone(head)
	wr, _, validation, err := r.u.Unmarshal(src)
	if wr != nil {
		defer wr.Close()
	}
	if err == nil {
		err = fatal(validation)
	}
	if err == nil && !boundaryOK(src, inMember) {
		// gowarc checks the end-of-record marker only partly: a record
		// whose Content-Length is wrong and that has no block digest
		// shows it by what follows it.
		err = errors.New("record does not end where its Content-Length says")
	}
	if err != nil {
		if errors.Is(err, io.EOF) || errors.Is(err, io.ErrUnexpectedEOF) {
			err = fmt.Errorf("record cut short: %w", io.ErrUnexpectedEOF)
		}
		if inMember {
			err = fmt.Errorf("record in the gzip member: %w", err)
		}
		return nil, r.malformed(off, err)
	}
	rec, err := r.convert(wr, validation, head)
	if err != nil {
		return nil, r.malformed(off, err)
	}
	rec.Offset = off
	if !inMember {
		rec.Length = r.pos() - start
	}
	return rec, nil
}

// boundaryOK tells whether what follows a record may follow one: nothing,
// white space, or the start of a record.
func boundaryOK(br *bufio.Reader, inMember bool) bool {
	b, _ := br.Peek(64)
	b = bytes.TrimLeft(b, " \t\r\n")
	switch {
	case len(b) == 0:
		return true
	case bytes.HasPrefix(b, warcMagic) || bytes.HasPrefix(warcMagic, b):
		return true
	case !inMember && (bytes.HasPrefix(b, gzipMagic) || bytes.HasPrefix(gzipMagic, b)):
		return true
	}
	return false
}

// fatal returns the first finding that makes a record unreadable: a block
// shorter or longer than its Content-Length, a block digest that does not
// match, a record that does not end where it should.
func fatal(validation []error) error {
	for _, v := range validation {
		var cl *gowarc.ContentLengthError
		var dg *gowarc.DigestError
		switch {
		case errors.As(v, &cl):
			return fmt.Errorf("record cut short or Content-Length wrong: %d bytes, Content-Length says %d", cl.Actual, cl.Expected)
		case errors.As(v, &dg) && strings.HasPrefix(v.Error(), "block"):
			return fmt.Errorf("block digest does not match (%s:%s recorded, %s computed)", dg.Algorithm, dg.Expected, dg.Computed)
		case strings.Contains(v.Error(), "end of record"):
			return fmt.Errorf("record does not end where its Content-Length says: %v", v)
		}
	}
	return nil
}

// convert copies what annals reads of a record out of gowarc's.
func (r *Reader) convert(wr gowarc.WarcRecord, validation []error, head []byte) (*Record, error) {
	h := wr.WarcHeader()
	recovered := map[string]bool{}
	get := func(name string) string {
		if v := h.Get(name); v != "" {
			return v
		}
		v := rawField(head, name)
		if v != "" {
			recovered[strings.ToLower(name)] = true
		}
		return v
	}
	rec := &Record{
		Type:          strings.ToLower(h.Get(gowarc.WarcType)),
		ID:            strings.Trim(get(gowarc.WarcRecordID), "<>"),
		URL:           strings.Trim(get(gowarc.WarcTargetURI), "<>"),
		IP:            h.Get(gowarc.WarcIPAddress),
		ContentType:   h.Get(gowarc.ContentType),
		PayloadDigest: h.Get(gowarc.WarcPayloadDigest),
		Truncated:     strings.ToLower(h.Get(gowarc.WarcTruncated)),
		Profile:       h.Get(gowarc.WarcProfile),
		RefersTo:      strings.Trim(get(gowarc.WarcRefersTo), "<>"),
		RefersToURI:   strings.Trim(get(gowarc.WarcRefersToTargetURI), "<>"),
	}
	for _, id := range h.GetAll(gowarc.WarcConcurrentTo) {
		rec.ConcurrentTo = append(rec.ConcurrentTo, strings.Trim(id, "<>"))
	}
	var err error
	if rec.Date, err = parseDate(get(gowarc.WarcDate)); err != nil {
		return nil, fmt.Errorf("WARC-Date: %w", err)
	}
	if s := get(gowarc.WarcRefersToDate); s != "" {
		if rec.RefersToDate, err = parseDate(s); err != nil {
			rec.Warnings = append(rec.Warnings, "WARC-Refers-To-Date: "+err.Error())
		}
	}
	for _, v := range validation {
		// A value recovered from the raw header (a WARC/1.0 URI in < >)
		// is no longer a problem.
		var hf *gowarc.HeaderFieldError
		if errors.As(v, &hf) && recovered[strings.ToLower(hf.FieldName)] {
			continue
		}
		rec.Warnings = append(rec.Warnings, v.Error())
	}
	switch b := wr.Block().(type) {
	case gowarc.HttpResponseBlock:
		m, err := parseResponseHead(b.ProtocolHeaderBytes())
		if err != nil {
			rec.Warnings = append(rec.Warnings, "HTTP response: "+err.Error())
			break
		}
		if m.Payload, m.PayloadCut, err = readPayload(b, r.maxPayload); err != nil {
			return nil, fmt.Errorf("read payload: %w", err)
		}
		rec.HTTP = m
	case gowarc.HttpRequestBlock:
		m, err := parseRequestHead(b.ProtocolHeaderBytes())
		if err != nil {
			rec.Warnings = append(rec.Warnings, "HTTP request: "+err.Error())
			break
		}
		rec.HTTP = m
	case gowarc.WarcFieldsBlock:
		for _, f := range *b.WarcFields() {
			rec.Fields = append(rec.Fields, Field{Name: f.Name, Value: f.Value})
		}
	case gowarc.ProtocolHeaderBlock: // a revisit
		if head := b.ProtocolHeaderBytes(); bytes.HasPrefix(head, []byte("HTTP/")) {
			m, err := parseResponseHead(head)
			if err != nil {
				rec.Warnings = append(rec.Warnings, "HTTP response: "+err.Error())
				break
			}
			rec.HTTP = m
		}
	}
	return rec, nil
}

// rawField returns the value of a field in a raw WARC header (the first
// occurrence, trimmed), for the values gowarc drops when they fail its
// validation.
func rawField(head []byte, name string) string {
	for _, line := range bytes.Split(head, []byte("\n")) {
		k, v, ok := bytes.Cut(line, []byte(":"))
		if ok && strings.EqualFold(string(bytes.TrimSpace(k)), name) {
			return string(bytes.TrimSpace(v))
		}
	}
	return ""
}

// readPayload reads at most max bytes of a block's payload.
func readPayload(b gowarc.PayloadBlock, max int64) ([]byte, bool, error) {
	pr, err := b.PayloadBytes()
	if err != nil {
		return nil, false, err
	}
	return readMax(pr, max)
}

// parseDate reads a WARC-Date (W3C ISO 8601, any fraction of a second).
func parseDate(s string) (time.Time, error) {
	t, err := time.Parse(time.RFC3339Nano, strings.TrimSpace(s))
	if err != nil {
		return time.Time{}, fmt.Errorf("%q is not a W3C date", s)
	}
	return t.UTC(), nil
}

// countingReader counts the bytes read through it.
type countingReader struct {
	r io.Reader
	n int64
}

func (c *countingReader) Read(p []byte) (int, error) {
	n, err := c.r.Read(p)
	c.n += int64(n)
	return n, err
}
