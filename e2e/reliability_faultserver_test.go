package e2e

import (
	"bufio"
	"bytes"
	"compress/gzip"
	"fmt"
	"io"
	"net"
	"net/http"
	"strings"
	"sync"
	"testing"
	"time"

	"golang.org/x/text/encoding/simplifiedchinese"
)

// faultServer is a loopback HTTP/1.1 server that misbehaves on purpose.
// It writes its responses byte by byte on the raw TCP connection, so that
// it can break the protocol in ways net/http's server never would: cut a
// body short, reset the connection, lie about Content-Length, send broken
// chunked encoding, drip a byte a second, send a megabyte of headers.
//
// Every path it answers is in faults (see faultPaths); anything else is a
// 404. It counts the requests it answered for each path, so that a test
// can check the archive recorded every one.
type faultServer struct {
	ln   net.Listener
	URL  string // http://127.0.0.1:port
	bomb []byte // one gzip member inflating to bombMember bytes of HTML
	// xmlBomb is one gzip member inflating to bombMember bytes of XML
	// comments; xmlHead one holding the start of a sitemap.
	xmlBomb, xmlHead []byte

	// robots is the robots.txt it serves ("" for a 404); "{base}" in it
	// stands for URL.
	robots string

	mu    sync.Mutex
	hits  map[string]int
	conns map[net.Conn]bool
	wg    sync.WaitGroup
	done  chan struct{}
}

// bombMember is what one gzip member of the bombs inflates to; the bombs
// repeat it bombMembers times (concatenated members are one gzip stream).
const (
	bombMember  = 16 << 20
	bombMembers = 64 // 1 GiB inflated, about 1 MiB on the wire
)

// newFaultServer starts a fault server on loopback; it stops when the test
// ends.
func newFaultServer(t *testing.T, robots string) *faultServer {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	url := "http://" + ln.Addr().String()
	s := &faultServer{ln: ln, URL: url, robots: strings.ReplaceAll(robots, "{base}", url),
		hits: map[string]int{}, conns: map[net.Conn]bool{}, done: make(chan struct{})}
	s.bomb = gzipMember(bombMember, "<p>bomb</p>\n")
	s.xmlBomb = gzipMember(bombMember, "<!-- bomb -->\n")
	s.xmlHead = gzipMember(0, `<?xml version="1.0" encoding="UTF-8"?><urlset xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"><url><loc>`+url+`/ok</loc></url>`)
	s.wg.Add(1)
	go s.serve()
	t.Cleanup(s.Close)
	return s
}

// gzipMember compresses text repeated to size bytes (text once when size
// is 0) into one gzip member.
func gzipMember(size int, text string) []byte {
	var b bytes.Buffer
	zw, _ := gzip.NewWriterLevel(&b, gzip.BestCompression)
	if size == 0 {
		zw.Write([]byte(text))
	}
	chunk := bytes.Repeat([]byte(text), 64<<10/len(text))
	for n := 0; n < size; n += len(chunk) {
		zw.Write(chunk[:min(len(chunk), size-n)])
	}
	zw.Close()
	return b.Bytes()
}

// Close stops the server and ends every connection.
func (s *faultServer) Close() {
	select {
	case <-s.done:
		return
	default:
	}
	close(s.done)
	s.ln.Close()
	s.mu.Lock()
	for c := range s.conns {
		c.Close()
	}
	s.mu.Unlock()
	s.wg.Wait()
}

// Hits returns how many requests for path (with its query) were answered.
func (s *faultServer) Hits(path string) int {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.hits[path]
}

func (s *faultServer) serve() {
	defer s.wg.Done()
	for {
		c, err := s.ln.Accept()
		if err != nil {
			return
		}
		s.mu.Lock()
		s.conns[c] = true
		s.mu.Unlock()
		s.wg.Add(1)
		go func() {
			defer s.wg.Done()
			defer func() {
				s.mu.Lock()
				delete(s.conns, c)
				s.mu.Unlock()
				c.Close()
			}()
			s.conn(c)
		}()
	}
}

// conn answers the requests of one connection until a fault ends it.
func (s *faultServer) conn(c net.Conn) {
	br := bufio.NewReader(c)
	for {
		req, err := http.ReadRequest(br)
		if err != nil {
			return
		}
		io.Copy(io.Discard, req.Body)
		target := req.URL.RequestURI()
		s.mu.Lock()
		s.hits[target]++
		s.mu.Unlock()
		f, ok := faultPaths[req.URL.Path]
		if !ok {
			f = notFound
			if req.URL.Path == "/robots.txt" && s.robots != "" {
				f = func(s *faultServer, c net.Conn, _ *http.Request) bool {
					return s.send(c, "200 OK", "Content-Type: text/plain\r\n", []byte(s.robots))
				}
			}
		}
		if !f(s, c, req) {
			return
		}
	}
}

// send writes a whole response with a correct Content-Length; it tells
// whether the connection may be reused.
func (s *faultServer) send(c net.Conn, status, header string, body []byte) bool {
	_, err := fmt.Fprintf(c, "HTTP/1.1 %s\r\n%sContent-Length: %d\r\n\r\n%s", status, header, len(body), body)
	return err == nil
}

// sleep waits d unless the server is closing; it tells whether to go on.
func (s *faultServer) sleep(d time.Duration) bool {
	select {
	case <-s.done:
		return false
	case <-time.After(d):
		return true
	}
}

const htmlType = "Content-Type: text/html; charset=utf-8\r\n"

// page is a small valid article page.
func page(title, body string) []byte {
	return fmt.Appendf(nil, "<!DOCTYPE html><html><head><meta charset=\"utf-8\"><title>%s</title></head><body><article><h1>%s</h1>%s</article></body></html>", title, title, body)
}

// gbkTitle and gbkPage are a GBK-encoded page whose <meta> says gbk.
const gbkTitle = "通辽市第六次党代会隆重开幕"

func gbkPage() []byte {
	text := `<html><head><meta http-equiv="Content-Type" content="text/html; charset=gbk"><title>` + gbkTitle + `</title></head><body><h1>` + gbkTitle + `</h1>` +
		strings.Repeat("<p>本报讯(记者 赵彦臻)9月27日，中国共产党通辽市第六次代表大会隆重开幕。大会听取并审议了市委工作报告。</p>", 6) + `</body></html>`
	b, err := simplifiedchinese.GBK.NewEncoder().Bytes([]byte(text))
	if err != nil {
		panic(err)
	}
	return b
}

// paragraphs is n paragraphs of plain English text.
func paragraphs(n int) string {
	return strings.Repeat("<p>The council met on Tuesday and agreed the budget for the coming year after a long debate about the roads.</p>", n)
}

// faultPaths maps each path to its fault. A fault writes what it likes on
// the connection and tells whether the connection may carry another
// request.
var faultPaths = map[string]func(s *faultServer, c net.Conn, r *http.Request) bool{
	// A whole, valid page: the control, and the page linked after faults
	// that might poison a kept-alive connection.
	"/ok": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "200 OK", htmlType, page("A quiet page", paragraphs(5)))
	},
	// The connection is reset (RST) 2,000 bytes into a 100,000-byte body.
	"/reset": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sContent-Length: 100000\r\n\r\n", htmlType)
		c.Write(page("Reset", paragraphs(20))[:2000])
		time.Sleep(20 * time.Millisecond)
		if tc, ok := c.(*net.TCPConn); ok {
			tc.SetLinger(0) // Close sends RST
		}
		return false
	},
	// A chunked body that never ends, as fast as the client reads it.
	"/endless": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n", htmlType)
		chunk := []byte(paragraphs(300))
		for {
			if _, err := fmt.Fprintf(c, "%x\r\n%s\r\n", len(chunk), chunk); err != nil {
				return false
			}
		}
	},
	// One byte a second of a 2,000-byte body.
	"/drip": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		body := page("Drip", paragraphs(15))[:2000]
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sContent-Length: %d\r\n\r\n", htmlType, len(body))
		for _, b := range body {
			if _, err := c.Write([]byte{b}); err != nil || !s.sleep(time.Second) {
				return false
			}
		}
		return false
	},
	// The status line and headers at one byte a second.
	"/drip-headers": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		for _, b := range []byte("HTTP/1.1 200 OK\r\n" + htmlType + "X-Slow: " + strings.Repeat("s", 100) + "\r\n\r\n") {
			if _, err := c.Write([]byte{b}); err != nil || !s.sleep(time.Second) {
				return false
			}
		}
		return false
	},
	// Reads the request and says nothing, ever.
	"/silent": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		<-s.done
		return false
	},
	// Content-Encoding: gzip, 1 MiB on the wire, 1 GiB inflated.
	"/gzip-bomb": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sContent-Encoding: gzip\r\nContent-Length: %d\r\n\r\n", htmlType, bombMembers*len(s.bomb))
		for range bombMembers {
			if _, err := c.Write(s.bomb); err != nil {
				return false
			}
		}
		return true
	},
	// A gzipped sitemap (named in robots.txt) of 1 MiB inflating to 1 GiB:
	// it starts as a sitemap listing /ok, then comes a gigabyte of XML
	// comments.
	"/sitemap-bomb.xml.gz": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\nContent-Type: application/x-gzip\r\nContent-Length: %d\r\n\r\n", s.sitemapBombSize())
		c.Write(s.xmlHead)
		for range bombMembers {
			if _, err := c.Write(s.xmlBomb); err != nil {
				return false
			}
		}
		return true
	},
	// Content-Length says 5,000; 1,000 bytes come, then the connection
	// closes.
	"/length-long": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sContent-Length: 5000\r\n\r\n", htmlType)
		c.Write(page("Long", paragraphs(20))[:1000])
		return false
	},
	// Content-Length says 300; 3,000 bytes come on a kept-alive
	// connection, and the page links /ok, fetched next.
	"/length-short": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		body := page("Short", `<a href="/ok">next</a>`+paragraphs(30))[:3000]
		_, err := fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sContent-Length: 300\r\n\r\n%s", htmlType, body)
		return err == nil
	},
	// A chunk size that is not hexadecimal.
	"/bad-chunk": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n10\r\n<html><p>hello</\r\nzz\r\nnot a chunk\r\n0\r\n\r\n", htmlType)
		return false
	},
	// A chunk announced longer than what comes before the connection
	// closes, and no last chunk.
	"/short-chunk": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		fmt.Fprintf(c, "HTTP/1.1 200 OK\r\n%sTransfer-Encoding: chunked\r\n\r\n1000\r\n<html><p>hello", htmlType)
		return false
	},
	// Two pages that redirect to each other.
	"/loop/a": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "302 Found", "Location: /loop/b\r\n", nil)
	},
	"/loop/b": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "302 Found", "Location: /loop/a\r\n", nil)
	},
	// /chain?n=0 redirects to n=1, … up to n=50, which is a page.
	"/chain": func(s *faultServer, c net.Conn, r *http.Request) bool {
		var n int
		fmt.Sscan(r.URL.Query().Get("n"), &n)
		if n >= 50 {
			return s.send(c, "200 OK", htmlType, page("End of the chain", paragraphs(5)))
		}
		return s.send(c, "301 Moved Permanently", fmt.Sprintf("Location: /chain?n=%d\r\n", n+1), nil)
	},
	// A 200 whose page is a server error.
	"/error-200": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "200 OK", htmlType, []byte(`<html><head><title>500 Internal Server Error</title></head><body><h1>Internal Server Error</h1><p>The server encountered an internal error and was unable to complete your request.</p><hr><address>Apache/2.2.15 Server at 127.0.0.1 Port 80</address></body></html>`))
	},
	// 1 MiB of headers: a thousand headers of a kilobyte each.
	"/many-headers": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		var h strings.Builder
		for i := range 1024 {
			fmt.Fprintf(&h, "X-Pad-%d: %s\r\n", i, strings.Repeat("p", 1000))
		}
		return s.send(c, "200 OK", htmlType+h.String(), page("Many headers", paragraphs(5)))
	},
	// One header line of 1 MiB.
	"/long-header": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "200 OK", htmlType+"Set-Cookie: session="+strings.Repeat("c", 1<<20)+"\r\n", page("A long header", paragraphs(5)))
	},
	// The header says UTF-8, the <meta> says GBK, the bytes are GBK.
	"/charset-clash": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "200 OK", htmlType, gbkPage())
	},
	// The header says GBK, the <meta> UTF-8, and the bytes are UTF-8.
	"/charset-clash-utf8": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		return s.send(c, "200 OK", "Content-Type: text/html; charset=gbk\r\n", page(gbkTitle, strings.Repeat("<p>本报讯(记者 赵彦臻)9月27日，中国共产党通辽市第六次代表大会隆重开幕。</p>", 6)))
	},
	// UTF-8 declared, with invalid bytes: a lone continuation byte, an
	// overlong form, a surrogate, a truncated sequence and 0xFF.
	"/bad-utf8": func(s *faultServer, c net.Conn, _ *http.Request) bool {
		body := page("Broken \x80 bytes \xc0\xaf here", "<p>Valid text, then \xed\xa0\x80 a surrogate, \xe4\xb8 a cut character and \xff\xfe garbage.</p>"+paragraphs(5))
		return s.send(c, "200 OK", htmlType, body)
	},
}

// sitemapBombSize is the length of /sitemap-bomb.xml.gz.
func (s *faultServer) sitemapBombSize() int { return len(s.xmlHead) + bombMembers*len(s.xmlBomb) }

func notFound(s *faultServer, c net.Conn, _ *http.Request) bool {
	return s.send(c, "404 Not Found", "Content-Type: text/plain\r\n", []byte("not found"))
}
