package warc

import (
	"bytes"
	"errors"
	"io"
	"testing"
)

// FuzzReader reads arbitrary bytes as a WARC file: it must never panic nor
// loop, must end with io.EOF, and must report damage with offsets inside
// the file.
func FuzzReader(f *testing.F) {
	plain, _ := sample(&testing.T{}, false)
	gz, _ := sample(&testing.T{}, true)
	f.Add(plain)
	f.Add(gz)
	f.Add(plain[:len(plain)/2])
	f.Add(gz[:len(gz)-30])
	f.Add([]byte("WARC/1.1\r\nContent-Length: 5\r\n\r\nabc"))
	f.Add([]byte("WARC/1.0\r\nWARC-Type: response\r\nContent-Type: application/http; msgtype=response\r\nContent-Length: 30\r\n\r\nHTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n\r\n\r\n"))
	f.Add([]byte{0x1f, 0x8b, 0x08, 0, 0, 0, 0, 0, 0, 0xff})
	f.Fuzz(func(t *testing.T, b []byte) {
		r := NewReader(bytes.NewReader(b), ReaderOptions{MaxPayload: 1 << 16})
		for i := 0; ; i++ {
			if i > len(b)+10 {
				t.Fatalf("more than %d results from %d bytes", i, len(b))
			}
			rec, err := r.Next()
			if err == io.EOF {
				return
			}
			var bad *MalformedError
			if errors.As(err, &bad) {
				if bad.Offset < 0 || bad.End > int64(len(b)) || bad.End < bad.Offset {
					t.Fatalf("damage reported at %d–%d in %d bytes", bad.Offset, bad.End, len(b))
				}
				continue
			}
			if err != nil {
				t.Fatalf("fatal error on bytes in memory: %v", err)
			}
			if rec.Offset < 0 || rec.Offset >= int64(len(b)) {
				t.Fatalf("record at %d in %d bytes", rec.Offset, len(b))
			}
			if rec.HTTP != nil {
				rec.HTTP.Body(1 << 16)
			}
		}
	})
}
