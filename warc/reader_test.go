package warc

import (
	"bytes"
	"compress/gzip"
	"errors"
	"fmt"
	"io"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"
)

// sample writes a small WARC: warcinfo, then three captures (request and
// response each) and returns it with its records as read.
func sample(t *testing.T, gz bool) ([]byte, []*Record) {
	t.Helper()
	var buf bytes.Buffer
	w := NewWriter(&buf, "sample.warc", gz)
	if _, err := w.WriteInfo(&Info{Software: "annals/test"}, t0); err != nil {
		t.Fatal(err)
	}
	for i := range 3 {
		body := fmt.Sprintf("<html><body><p>第%d页 %s</p></body></html>", i, strings.Repeat("内容", 50*(i+1)))
		if _, err := w.WriteCapture(page(fmt.Sprintf("http://127.0.0.1:8080/%d.html", i), body, t0.Add(time.Duration(i)*time.Second))); err != nil {
			t.Fatal(err)
		}
	}
	return buf.Bytes(), readAll(t, buf.Bytes())
}

// outcome is what reading a damaged file gave: the records read (by
// offset) and the damage reported.
type outcome struct {
	offsets []int64
	bad     []*MalformedError
}

func read(t *testing.T, b []byte) outcome {
	t.Helper()
	r := NewReader(bytes.NewReader(b), ReaderOptions{})
	var o outcome
	for i := 0; ; i++ {
		if i > 1000 {
			t.Fatal("reader does not end")
		}
		rec, err := r.Next()
		var bad *MalformedError
		switch {
		case err == io.EOF:
			return o
		case errors.As(err, &bad):
			o.bad = append(o.bad, bad)
		case err != nil:
			t.Fatalf("fatal error: %v", err)
		default:
			o.offsets = append(o.offsets, rec.Offset)
		}
	}
}

func offsetsOf(recs []*Record) []int64 {
	var o []int64
	for _, r := range recs {
		o = append(o, r.Offset)
	}
	return o
}

// without returns offsets without those at the given indexes.
func without(offs []int64, skip ...int) []int64 {
	var o []int64
	for i, off := range offs {
		if !contains(skip, i) {
			o = append(o, off)
		}
	}
	return o
}

func contains(xs []int, x int) bool {
	for _, y := range xs {
		if x == y {
			return true
		}
	}
	return false
}

// setContentLength rewrites the Content-Length of the plain record at off.
func setContentLength(b []byte, off int64, delta int) []byte {
	re := regexp.MustCompile(`Content-Length: (\d+)\r\n`)
	loc := re.FindSubmatchIndex(b[off:])
	n, _ := strconv.Atoi(string(b[off+int64(loc[2]) : off+int64(loc[3])]))
	out := append([]byte{}, b[:off+int64(loc[0])]...)
	out = append(out, fmt.Sprintf("Content-Length: %d\r\n", n+delta)...)
	return append(out, b[off+int64(loc[1]):]...)
}

func TestReader_Damage(t *testing.T) {
	plain, precs := sample(t, false)
	gz, grecs := sample(t, true)
	poffs, goffs := offsetsOf(precs), offsetsOf(grecs)
	last := len(precs) - 1

	t.Run("TruncatedLastRecordPlain", func(t *testing.T) {
		cut := plain[:poffs[last]+200]
		o := read(t, cut)
		if !slices.Equal(o.offsets, poffs[:last]) || len(o.bad) != 1 || o.bad[0].Offset != poffs[last] || o.bad[0].End != int64(len(cut)) {
			t.Errorf("read %v, damage %v; want %v and one report at %d", o.offsets, o.bad, poffs[:last], poffs[last])
		}
	})
	t.Run("TruncatedLastRecordGzip", func(t *testing.T) {
		cut := gz[:goffs[last]+(int64(len(gz))-goffs[last])/2]
		o := read(t, cut)
		if !slices.Equal(o.offsets, goffs[:last]) || len(o.bad) != 1 || o.bad[0].Offset != goffs[last] || o.bad[0].End != int64(len(cut)) {
			t.Errorf("read %v, damage %v; want %v and one report at %d", o.offsets, o.bad, goffs[:last], goffs[last])
		}
	})
	// Without digests (some tools write none), only the end of the record
	// shows that its length is wrong.
	noDigests := regexp.MustCompile(`WARC-(Block|Payload)-Digest: [^\r]*\r\n`).ReplaceAll(plain, nil)
	nrecs := readAll(t, noDigests)
	for _, tc := range []struct {
		name  string
		plain []byte
		offs  []int64
		delta int
	}{
		{"ContentLength-40", plain, poffs, -40},
		{"ContentLength+40", plain, poffs, +40},
		{"ContentLength+100000", plain, poffs, +100000},
		{"ContentLength-40NoDigest", noDigests, offsetsOf(nrecs), -40},
		{"ContentLength+40NoDigest", noDigests, offsetsOf(nrecs), +40},
	} {
		plain, poffs, delta := tc.plain, tc.offs, tc.delta
		t.Run(tc.name, func(t *testing.T) {
			const bad = 4 // the second response
			b := setContentLength(plain, poffs[bad], delta)
			o := read(t, b)
			t.Logf("read %v, damage %v", o.offsets, o.bad)
			want := append(append([]int64{}, poffs[:bad]...), poffs[bad+1:]...)
			// Offsets after the damaged record moved by the length of
			// the rewritten number.
			shift := int64(len(b) - len(plain))
			for i := bad; i < len(want); i++ {
				want[i] += shift
			}
			if !slices.Equal(o.offsets, want) || len(o.bad) != 1 || o.bad[0].Offset != poffs[bad] {
				t.Errorf("read %v, damage %v; want %v and one report at %d", o.offsets, o.bad, want, poffs[bad])
			}
		})
	}
	t.Run("ContentLengthGzipMember", func(t *testing.T) {
		// Recompress the plain record with a wrong length into the gzip file.
		const bad = 4
		rec := setContentLength(plain[poffs[bad]:poffs[bad+1]], 0, -40)
		var member bytes.Buffer
		zw := gzip.NewWriter(&member)
		zw.Write(rec)
		zw.Close()
		b := append(append(append([]byte{}, gz[:goffs[bad]]...), member.Bytes()...), gz[goffs[bad+1]:]...)
		o := read(t, b)
		if len(o.offsets) != len(goffs)-1 || len(o.bad) != 1 || o.bad[0].Offset != goffs[bad] || o.bad[0].End != goffs[bad]+int64(member.Len()) {
			t.Errorf("read %v, damage %v", o.offsets, o.bad)
		}
	})
	t.Run("CorruptGzipMember", func(t *testing.T) {
		const bad = 2
		b := append([]byte{}, gz...)
		mid := (goffs[bad] + goffs[bad+1]) / 2
		for i := mid; i < mid+8; i++ {
			b[i] ^= 0x5a
		}
		o := read(t, b)
		t.Logf("read %v, damage %v", o.offsets, o.bad)
		if !slices.Equal(o.offsets, without(goffs, bad)) || len(o.bad) != 1 || o.bad[0].Offset != goffs[bad] || o.bad[0].End != goffs[bad+1] {
			t.Errorf("read %v, damage %v; want %v and one report %d–%d", o.offsets, o.bad, without(goffs, bad), goffs[bad], goffs[bad+1])
		}
	})
	t.Run("NotWARC", func(t *testing.T) {
		for name, b := range map[string][]byte{
			"Text":   []byte(strings.Repeat("<html>这不是WARC文件 Wrong WARC-ish\n", 300)),
			"Binary": bytes.Repeat([]byte{0x1f, 0x8b, 0x08, 0, 0xff, 'W', 'A', 'R', 0x1f}, 500),
		} {
			o := read(t, b)
			if len(o.offsets) != 0 || len(o.bad) != 1 || o.bad[0].Offset != 0 || o.bad[0].End != int64(len(b)) {
				t.Errorf("%s: read %v, damage %v", name, o.offsets, o.bad)
			}
		}
	})
	t.Run("Empty", func(t *testing.T) {
		if o := read(t, nil); len(o.offsets)+len(o.bad) != 0 {
			t.Errorf("%+v", o)
		}
	})
	t.Run("GarbageBetweenRecords", func(t *testing.T) {
		junk := []byte("this is not a record\r\n")
		b := append(append(append([]byte{}, gz[:goffs[3]]...), junk...), gz[goffs[3]:]...)
		o := read(t, b)
		if len(o.offsets) != len(goffs) || len(o.bad) != 1 || o.bad[0].Offset != goffs[3] || o.bad[0].End != goffs[3]+int64(len(junk)) {
			t.Errorf("read %v, damage %v", o.offsets, o.bad)
		}
	})
	t.Run("BlankLinesBetweenRecords", func(t *testing.T) {
		b := append(append(append([]byte{}, plain[:poffs[3]]...), "\r\n\r\n"...), plain[poffs[3]:]...)
		if o := read(t, b); len(o.offsets) != len(poffs) || len(o.bad) != 0 {
			t.Errorf("read %v, damage %v", o.offsets, o.bad)
		}
	})
	t.Run("WholeFileGzip", func(t *testing.T) {
		var one bytes.Buffer
		zw := gzip.NewWriter(&one)
		zw.Write(plain)
		zw.Close()
		recs := readAll(t, one.Bytes())
		if len(recs) != len(precs) {
			t.Fatalf("%d records, want %d", len(recs), len(precs))
		}
		for i, r := range recs {
			if r.Offset != 0 || r.ID != precs[i].ID || (r.HTTP == nil) != (precs[i].HTTP == nil) {
				t.Errorf("record %d: %+v", i, r)
			}
		}
	})
}
