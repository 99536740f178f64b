package warc

import (
	"bytes"
	"fmt"
	"io"
	"net"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	gowarc "github.com/nlnwa/gowarc/v3"
)

// The revisit profiles of WARC/1.1.
const (
	ProfileIdenticalPayload = gowarc.ProfileIdenticalPayloadDigestV1_1
	ProfileNotModified      = gowarc.ProfileServerNotModifiedV1_1
)

// The reasons of WARC-Truncated.
const (
	TruncatedLength      = "length"      // cut at a size limit
	TruncatedTime        = "time"        // cut at a time limit
	TruncatedDisconnect  = "disconnect"  // the connection broke off
	TruncatedUnspecified = "unspecified" // cut for another reason
)

// DigestAlgorithm is the algorithm of every WARC-Block-Digest and
// WARC-Payload-Digest written: SHA-256, in lower-case hex ("sha256:…"), which
// needs no padding (base32 of 32 bytes would, and '=' is not allowed in a
// digest token) and is the annals archive's own payload key.
const DigestAlgorithm = "sha256"

// Capture is one HTTP exchange as WARC keeps it: a request record and a
// response record.
type Capture struct {
	URL  string
	Date time.Time // when the request went out; WARC-Date of both records
	// Method is the request's method; "GET" when empty.
	Method string
	// RequestHeader is the request's header as sent, without Host (the
	// request line and Host are made from URL).
	RequestHeader http.Header
	// Proto is the protocol of the response; "HTTP/1.1" when empty.
	Proto   string
	Status  int
	Header  http.Header
	Payload []byte // the response body exactly as kept
	// Truncated is the WARC-Truncated reason when Payload is not the whole
	// body (one of the Truncated constants), "" when it is.
	Truncated string
	// IP is the server's address (an IP, with or without a port).
	IP string
}

// Revisit is a recapture written as a revisit record: the response's status
// line and headers, and a reference to the record that holds its payload.
type Revisit struct {
	// Capture is the recapture; its Payload is not written.
	Capture
	// Profile is ProfileIdenticalPayload (PayloadDigest is the original's)
	// or ProfileNotModified.
	Profile       string
	PayloadDigest string
	// RefersToURI and RefersToDate name the original response record;
	// RefersToID is its WARC-Record-ID when known.
	RefersToURI  string
	RefersToDate time.Time
	RefersToID   string
}

// Failure is a fetch attempt that got no response. It is written as a
// metadata record (application/warc-fields) holding the error, so that the
// attempt is on record.
type Failure struct {
	URL    string
	Date   time.Time
	Method string
	Err    string
}

// Field is one line of an application/warc-fields block.
type Field struct{ Name, Value string }

// FieldFetchError is the warc-fields name under which a Failure's error is
// written in its metadata record.
const FieldFetchError = "fetch-error"

// Info describes a WARC file in its warcinfo record.
type Info struct {
	// Software is written as "software"; e.g. "annals/1.2.0".
	Software string
	// Fields follow the standard ones (software, format, conformsTo).
	Fields []Field
}

// FormatDate formats a WARC-Date: UTC, with as many fractional digits as
// needed (WARC/1.1 allows sub-second precision).
func FormatDate(t time.Time) string { return t.UTC().Format(time.RFC3339Nano) }

// recordOptions are the options of every record annals builds.
func recordOptions() []gowarc.WarcRecordOption {
	return []gowarc.WarcRecordOption{
		gowarc.WithVersion(gowarc.V1_1),
		gowarc.WithDefaultDigestAlgorithm(DigestAlgorithm),
		gowarc.WithDefaultDigestEncoding(gowarc.Base16),
		gowarc.WithAddMissingDigest(true),
	}
}

// build finishes a record builder, closing it on failure. Findings that
// are not fatal (a target URI a strict parser frowns on) do not stop it: the
// record is still well-formed and its digests right.
func build(rb gowarc.WarcRecordBuilder, what string) (gowarc.WarcRecord, error) {
	rec, _, err := rb.Build()
	if err != nil {
		return nil, fmt.Errorf("build %s record: %w", what, err)
	}
	return rec, nil
}

// targetURI checks that u is an absolute URL.
func targetURI(u string) (*url.URL, error) {
	pu, err := url.Parse(u)
	if err != nil || !pu.IsAbs() || pu.Host == "" {
		return nil, fmt.Errorf("target URI %q is not an absolute URL", u)
	}
	return pu, nil
}

// ipOf returns the IP of a host or host:port, "" when it is not an IP.
func ipOf(addr string) string {
	if h, _, err := net.SplitHostPort(addr); err == nil {
		addr = h
	}
	addr = strings.Trim(addr, "[]")
	if net.ParseIP(addr) == nil {
		return ""
	}
	return addr
}

// requestBlock is the HTTP request as sent: request line, Host, headers.
func requestBlock(c *Capture, u *url.URL) []byte {
	var b bytes.Buffer
	method := c.Method
	if method == "" {
		method = http.MethodGet
	}
	fmt.Fprintf(&b, "%s %s %s\r\n", method, u.RequestURI(), requestProto(c.Proto))
	fmt.Fprintf(&b, "Host: %s\r\n", u.Host)
	h := c.RequestHeader.Clone()
	if h != nil {
		h.Del("Host")
		_ = h.Write(&b) // a bytes.Buffer does not fail
	}
	b.WriteString("\r\n")
	return b.Bytes()
}

// requestProto is the protocol written in a request line: the response's,
// when it is an HTTP version.
func requestProto(p string) string {
	if strings.HasPrefix(p, "HTTP/") {
		return p
	}
	return "HTTP/1.1"
}

// responseHead is the status line and headers of a response, ending with the
// empty line.
func responseHead(c *Capture) []byte {
	var b bytes.Buffer
	b.WriteString(requestProto(c.Proto))
	b.WriteString(" ")
	b.WriteString(strconv.Itoa(c.Status))
	if text := http.StatusText(c.Status); text != "" {
		b.WriteString(" " + text)
	}
	b.WriteString("\r\n")
	_ = c.Header.Write(&b)
	b.WriteString("\r\n")
	return b.Bytes()
}

// newBuilder starts a record of type t with the headers every record of a
// capture has.
func newBuilder(t gowarc.RecordType, target string, date time.Time, ip string) gowarc.WarcRecordBuilder {
	rb := gowarc.NewRecordBuilder(t, recordOptions()...)
	if target != "" {
		rb.AddWarcHeader(gowarc.WarcTargetURI, target)
	}
	rb.AddWarcHeader(gowarc.WarcDate, FormatDate(date))
	if ip := ipOf(ip); ip != "" {
		rb.AddWarcHeader(gowarc.WarcIPAddress, ip)
	}
	return rb
}

// buildExchange builds the request record and the response record of c,
// each naming the other in WARC-Concurrent-To.
func buildExchange(c *Capture) (req, resp gowarc.WarcRecord, err error) {
	u, err := checkExchange(c, "response to")
	if err != nil {
		return nil, nil, err
	}
	if req, err = buildRequest(c, u); err != nil {
		return nil, nil, err
	}
	rb := newBuilder(gowarc.Response, c.URL, c.Date, c.IP)
	rb.AddWarcHeader(gowarc.ContentType, "application/http; msgtype=response")
	if c.Truncated != "" {
		rb.AddWarcHeader(gowarc.WarcTruncated, c.Truncated)
	}
	_, _ = rb.Write(responseHead(c))
	_, _ = rb.Write(c.Payload)
	return finishPair(req, rb, "response")
}

// checkExchange checks what the records of an exchange need: an absolute
// target URI, which it returns parsed, and an HTTP status. what names the
// exchange in errors ("response to", "revisit of").
func checkExchange(c *Capture, what string) (*url.URL, error) {
	u, err := targetURI(c.URL)
	if err != nil {
		return nil, err
	}
	if c.Status < 100 || c.Status > 999 {
		return nil, fmt.Errorf("%s %s: status %d is not an HTTP status", what, c.URL, c.Status)
	}
	return u, nil
}

func buildRequest(c *Capture, u *url.URL) (gowarc.WarcRecord, error) {
	rb := newBuilder(gowarc.Request, c.URL, c.Date, c.IP)
	rb.AddWarcHeader(gowarc.ContentType, "application/http; msgtype=request")
	_, _ = rb.Write(requestBlock(c, u))
	return build(rb, "request")
}

// finishPair builds the record answering req (closing req on failure) and
// makes the two name each other in WARC-Concurrent-To.
func finishPair(req gowarc.WarcRecord, rb gowarc.WarcRecordBuilder, what string) (gowarc.WarcRecord, gowarc.WarcRecord, error) {
	rec, err := build(rb, what)
	if err != nil {
		req.Close()
		return nil, nil, err
	}
	req.WarcHeader().AddId(gowarc.WarcConcurrentTo, rec.RecordId())
	rec.WarcHeader().AddId(gowarc.WarcConcurrentTo, req.RecordId())
	return req, rec, nil
}

// buildRevisit builds the request record and the revisit record of r.
func buildRevisit(r *Revisit) (req, rev gowarc.WarcRecord, err error) {
	u, err := checkExchange(&r.Capture, "revisit of")
	if err != nil {
		return nil, nil, err
	}
	switch r.Profile {
	case ProfileIdenticalPayload:
		if r.PayloadDigest == "" {
			return nil, nil, fmt.Errorf("revisit of %s: identical-payload-digest needs the payload digest", r.URL)
		}
	case ProfileNotModified:
	default:
		return nil, nil, fmt.Errorf("revisit of %s: unknown profile %q", r.URL, r.Profile)
	}
	if req, err = buildRequest(&r.Capture, u); err != nil {
		return nil, nil, err
	}
	rb := newBuilder(gowarc.Revisit, r.URL, r.Date, r.IP)
	rb.AddWarcHeader(gowarc.ContentType, "application/http; msgtype=response")
	rb.AddWarcHeader(gowarc.WarcProfile, r.Profile)
	if r.PayloadDigest != "" {
		rb.AddWarcHeader(gowarc.WarcPayloadDigest, r.PayloadDigest)
	}
	if r.RefersToID != "" {
		rb.AddWarcHeader(gowarc.WarcRefersTo, "<"+strings.Trim(r.RefersToID, "<>")+">")
	}
	if r.RefersToURI != "" {
		rb.AddWarcHeader(gowarc.WarcRefersToTargetURI, r.RefersToURI)
	}
	if !r.RefersToDate.IsZero() {
		rb.AddWarcHeader(gowarc.WarcRefersToDate, FormatDate(r.RefersToDate))
	}
	_, _ = rb.Write(responseHead(&r.Capture))
	return finishPair(req, rb, "revisit")
}

// buildFailure builds the metadata record of a fetch that got no response.
func buildFailure(f *Failure) (gowarc.WarcRecord, error) {
	if _, err := targetURI(f.URL); err != nil {
		return nil, err
	}
	rb := newBuilder(gowarc.Metadata, f.URL, f.Date, "")
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	method := f.Method
	if method == "" {
		method = http.MethodGet
	}
	writeFields(rb, []Field{{"method", method}, {FieldFetchError, f.Err}})
	return build(rb, "metadata")
}

// buildInfo builds a warcinfo record.
func buildInfo(info *Info, filename string, date time.Time) (gowarc.WarcRecord, error) {
	rb := newBuilder(gowarc.Warcinfo, "", date, "")
	if filename != "" {
		rb.AddWarcHeader(gowarc.WarcFilename, filename)
	}
	rb.AddWarcHeader(gowarc.ContentType, gowarc.ApplicationWarcFields)
	var fields []Field
	if info.Software != "" {
		fields = append(fields, Field{"software", info.Software})
	}
	fields = append(fields, Field{"format", "WARC File Format 1.1"},
		Field{"conformsTo", "http://iipc.github.io/warc-specifications/specifications/warc-format/warc-1.1/"})
	writeFields(rb, append(fields, info.Fields...))
	return build(rb, "warcinfo")
}

// writeFields writes an application/warc-fields block: "name: value" lines
// with the names as given (gowarc's WarcFields would capitalise them, and
// the standard's warcinfo names are camel case: conformsTo, isPartOf).
func writeFields(w io.Writer, fields []Field) {
	for _, f := range fields {
		fmt.Fprintf(w, "%s: %s\r\n", oneLine(f.Name), oneLine(f.Value))
	}
}

// oneLine keeps a field value on one line.
func oneLine(s string) string {
	return strings.NewReplacer("\r\n", " ", "\r", " ", "\n", " ").Replace(s)
}
