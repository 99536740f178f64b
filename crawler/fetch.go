package crawler

import (
	"bytes"
	"context"
	"crypto/tls"
	"crypto/x509"
	"errors"
	"io"
	"net"
	"net/http"
	"net/http/httptrace"
	"strconv"
	"strings"
	"sync"
	"time"

	"github.com/gocolly/colly/v2"
)

// fetcher makes single requests through colly. colly builds the request
// (headers, cookie jar) and drives the http.Client; the crawler's own
// transport, captureTransport, reads the response and keeps its bytes
// exactly as received, then hands colly an empty body and colly's
// OnResponseHeaders callback stops it there. So colly never re-encodes a
// body, never gunzips one by its URL, and never follows a redirect.
//
// The Collector is set up by hand rather than by colly.NewCollector so that
// COLLY_* environment variables cannot change it; robots.txt is handled by
// the crawler itself (so that its fetch reaches the Handler and obeys the
// host's delay), not by colly, whose check is turned off.
type fetcher struct {
	base      *colly.Collector
	transport *http.Transport
	pool      chan *colly.Collector
	ua        string
}

// accept is the Accept header sent with every request.
const accept = "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"

func newFetcher(cfg *Config) *fetcher {
	tr := &http.Transport{
		Proxy:                 http.ProxyFromEnvironment,
		DialContext:           (&net.Dialer{Timeout: 30 * time.Second, KeepAlive: 30 * time.Second}).DialContext,
		ForceAttemptHTTP2:     true,
		MaxIdleConns:          100,
		MaxIdleConnsPerHost:   max(cfg.Parallel, 2),
		IdleConnTimeout:       90 * time.Second,
		TLSHandshakeTimeout:   10 * time.Second,
		ExpectContinueTimeout: time.Second,
	}
	c := &colly.Collector{}
	c.Init() // not colly.NewCollector: that one reads COLLY_* from the environment
	c.UserAgent = cfg.userAgent()
	c.IgnoreRobotsTxt = true // the crawler checks robots.txt itself, before colly sees a URL
	c.AllowURLRevisit = true // deduplication is the frontier's
	c.ParseHTTPErrorResponse = true
	c.DetectCharset = false
	c.MaxBodySize = 0 // captureTransport bounds the body
	c.CacheDir = ""
	// No http.Client timeout: each request's context carries the deadline
	// (a client timeout would also cost a goroutine per request, as the
	// transport is not an *http.Transport).
	c.SetRequestTimeout(0)
	c.SetRedirectHandler(func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse })
	c.WithTransport(&captureTransport{next: tr, maxBody: cfg.MaxBody})
	return &fetcher{base: c, transport: tr, pool: make(chan *colly.Collector, cfg.Workers), ua: c.UserAgent}
}

// close releases idle connections.
func (f *fetcher) close() { f.transport.CloseIdleConnections() }

func (f *fetcher) collector() *colly.Collector {
	select {
	case c := <-f.pool:
		return c
	default:
	}
	c := f.base.Clone()
	c.OnResponseHeaders(func(r *colly.Response) {
		// captureTransport has read the body already; stop colly here.
		r.Request.Abort()
	})
	return c
}

func (f *fetcher) release(c *colly.Collector) {
	c.Context = context.Background()
	select {
	case f.pool <- c:
	default:
	}
}

type captureKey struct{}

// capture is filled by captureTransport for one request.
type capture struct {
	mu         sync.Mutex
	done       bool
	reqHeader  http.Header
	proto      string
	status     int
	header     http.Header
	body       []byte
	truncated  bool
	err        error
	remoteAddr string
	location   string
	// onWire is told when the request goes out on its connection (after
	// dialling, which may take a while).
	onWire func(time.Time)
}

// captureTransport reads each response whole (up to maxBody) into the
// capture found in the request's context.
type captureTransport struct {
	next    http.RoundTripper
	maxBody int64
}

func (t *captureTransport) RoundTrip(req *http.Request) (*http.Response, error) {
	c, _ := req.Context().Value(captureKey{}).(*capture)
	if c == nil {
		return t.next.RoundTrip(req)
	}
	var remote string
	trace := &httptrace.ClientTrace{GotConn: func(info httptrace.GotConnInfo) {
		if info.Conn != nil {
			remote = info.Conn.RemoteAddr().String()
		}
		if c.onWire != nil {
			c.onWire(time.Now())
		}
	}}
	// The request's header is the map fetch built: nobody changes it.
	resp, err := t.next.RoundTrip(req.WithContext(httptrace.WithClientTrace(req.Context(), trace)))
	c.mu.Lock()
	defer c.mu.Unlock()
	c.done, c.reqHeader, c.remoteAddr = true, req.Header, remote
	if err != nil {
		c.err = err
		return nil, err
	}
	// colly keeps a pointer to resp.Header but is stopped before it reads
	// it again, so the map is ours.
	c.proto, c.status, c.header = resp.Proto, resp.StatusCode, resp.Header
	if loc, err := resp.Location(); err == nil {
		c.location = loc.String()
	}
	c.body, c.truncated, c.err = readBody(resp.Body, resp.ContentLength, t.maxBody)
	resp.Body.Close()
	resp.Body = http.NoBody
	resp.ContentLength = 0
	return resp, nil
}

// readBufs holds the buffers bodies of unknown length are read into.
var readBufs = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// readBody reads at most max bytes of r; truncated tells there was more.
// The body is returned in a slice of its own size: a body of known length
// is read straight into it, one of unknown length (chunked) through a
// pooled buffer, so that growing it costs no garbage.
func readBody(r io.Reader, length, max int64) (body []byte, truncated bool, err error) {
	lr := io.LimitReader(r, max+1)
	if length >= 0 && length <= max {
		// net/http never reads past the announced length.
		buf := make([]byte, length)
		n, err := io.ReadFull(lr, buf)
		if err == io.EOF {
			err = io.ErrUnexpectedEOF
		}
		return buf[:n], false, err
	}
	b := readBufs.Get().(*bytes.Buffer)
	defer func() {
		if b.Cap() <= 4<<20 {
			b.Reset()
			readBufs.Put(b)
		}
	}()
	_, err = b.ReadFrom(lr)
	n := min(int64(b.Len()), max)
	body = make([]byte, n)
	copy(body, b.Bytes())
	return body, int64(b.Len()) > max, err
}

// fetch makes one GET request of rawURL and returns it as a Response
// (without Depth, Kind and Attempt, which the caller knows). The request
// ends at ctx's deadline or cancellation.
func (f *fetcher) fetch(ctx context.Context, rawURL string, validators *Item, onWire func(time.Time)) *Response {
	hdr := http.Header{}
	hdr.Set("User-Agent", f.ua)
	hdr.Set("Accept", accept)
	if validators != nil {
		if validators.ETag != "" {
			hdr.Set("If-None-Match", validators.ETag)
		}
		if validators.LastModified != "" {
			hdr.Set("If-Modified-Since", validators.LastModified)
		}
	}
	capt := &capture{onWire: onWire}
	col := f.collector()
	col.Context = context.WithValue(ctx, captureKey{}, capt)
	r := &Response{URL: rawURL, Method: http.MethodGet, StartedAt: time.Now()}
	err := col.Request(http.MethodGet, rawURL, nil, nil, hdr)
	r.Duration = time.Since(r.StartedAt)
	f.release(col)

	capt.mu.Lock()
	defer capt.mu.Unlock()
	if !capt.done {
		// colly refused the URL before any request was made.
		r.RequestHeader = hdr
		r.Err = err
		if r.Err == nil {
			r.Err = errors.New("no request was made")
		}
		return r
	}
	r.RequestHeader, r.RemoteAddr = capt.reqHeader, capt.remoteAddr
	r.Proto, r.Status, r.Header = capt.proto, capt.status, capt.header
	r.Body, r.Truncated, r.Err = capt.body, capt.truncated, capt.err
	if r.Status >= 300 && r.Status < 400 {
		r.RedirectTo = capt.location
	}
	return r
}

// retryAfter parses a Retry-After header: seconds or an HTTP date.
func retryAfter(h http.Header, now time.Time) (time.Duration, bool) {
	v := strings.TrimSpace(h.Get("Retry-After"))
	if v == "" {
		return 0, false
	}
	if n, err := strconv.ParseInt(v, 10, 64); err == nil {
		if n < 0 {
			return 0, false
		}
		if n > 1<<31 {
			n = 1 << 31
		}
		return time.Duration(n) * time.Second, true
	}
	if t, err := http.ParseTime(v); err == nil {
		return max(t.Sub(now), 0), true
	}
	return 0, false
}

// retryable tells whether an attempt failed in a way worth trying again:
// a timeout, a connection error, 408, 429 or a 5xx other than 501 and 505.
// A host that does not exist, a certificate that is not trusted and a URL
// the client cannot fetch are not.
func retryable(r *Response) bool {
	if r.Err != nil {
		var dnsErr *net.DNSError
		var certErr *tls.CertificateVerificationError
		var unknownCA x509.UnknownAuthorityError
		var hostErr x509.HostnameError
		switch {
		case errors.As(r.Err, &dnsErr) && dnsErr.IsNotFound,
			errors.As(r.Err, &certErr), errors.As(r.Err, &unknownCA), errors.As(r.Err, &hostErr),
			strings.Contains(r.Err.Error(), "unsupported protocol scheme"):
			return false
		}
		return true
	}
	switch s := r.Status; {
	case s == 408 || s == 429:
		return true
	case s >= 500 && s != 501 && s != 505:
		return true
	}
	return false
}
