package portal_test

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/encoding/simplifiedchinese"

	"github.com/annals/annals/portal"
)

var charsetDecl = regexp.MustCompile(`(?i)charset\s*=`)

// Legacy pages are byte-exact in their encoding: they decode cleanly,
// re-encode to the same bytes, carry their text, and declare their charset
// exactly where the ground truth says.
func TestEncodings_LegacyPages(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	var legacy int
	for _, a := range s.p.Articles() {
		if a.Encoding == "utf-8" {
			continue
		}
		legacy++
		t.Run(a.Path, func(t *testing.T) {
			resp, body := s.get(a.Path)
			if utf8.Valid(body) {
				t.Fatalf("a %s page is valid UTF-8: it was not encoded", a.Encoding)
			}
			text := decode(t, body, a.Encoding)
			again, err := encodingOf(t, a.Encoding).NewEncoder().Bytes([]byte(text))
			if err != nil || !bytes.Equal(again, body) {
				t.Fatalf("decoding and re-encoding as %s does not give the served bytes back (err %v)", a.Encoding, err)
			}
			unescaped := html.UnescapeString(text)
			for _, para := range a.Body {
				if !strings.Contains(unescaped, para) {
					t.Errorf("decoded page lacks paragraph %.40q", para)
				}
			}

			headerCharset := strings.Contains(resp.Header.Get("Content-Type"), "charset")
			if headerCharset != (a.CharsetHeader != "") {
				t.Errorf("Content-Type %q; ground truth header charset %q", resp.Header.Get("Content-Type"), a.CharsetHeader)
			}
			loc := charsetDecl.FindIndex(body)
			switch {
			case a.CharsetMeta == "":
				if loc != nil {
					t.Errorf("page declares a charset at byte %d; ground truth says it declares none", loc[0])
				}
			case loc == nil:
				t.Errorf("page declares no charset; ground truth says <meta> %s", a.CharsetMeta)
			case a.MetaLate && loc[0] < 1024:
				t.Errorf("<meta> charset at byte %d: want it after the first 1024 bytes", loc[0])
			case !a.MetaLate && loc[0] >= 1024:
				t.Errorf("<meta> charset at byte %d: want it in the first 1024 bytes", loc[0])
			}
			if a.CharsetMeta != "" && !bytes.Contains(body, []byte("charset="+a.CharsetMeta+`"`)) {
				t.Errorf("no <meta> naming charset=%s", a.CharsetMeta)
			}
		})
	}
	if legacy < 5 {
		t.Errorf("%d legacy-encoded articles, want at least 5", legacy)
	}
}

// The GB18030 page needs GB18030: it has four-byte sequences, and GBK
// cannot read it.
func TestEncodings_GB18030NeedsFourBytes(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	found := false
	for _, a := range s.p.Articles() {
		if a.Encoding != "gb18030" {
			continue
		}
		found = true
		_, body := s.get(a.Path)
		if !hasFourByteGB18030(body) {
			t.Errorf("%s: no four-byte GB18030 sequence", a.Path)
		}
		gbk, _ := simplifiedchinese.GBK.NewDecoder().Bytes(body)
		if text := decode(t, body, "gb18030"); string(gbk) == text {
			t.Errorf("%s: GBK reads the page as GB18030 does; it does not need GB18030", a.Path)
		}
	}
	if !found {
		t.Fatal("no GB18030 page")
	}
}

// UTF-8 pages say so in the header and in an early <meta>.
func TestEncodings_ModernPages(t *testing.T) {
	s := newTestSite(t, portal.Options{})
	for _, a := range s.p.Articles() {
		if a.Encoding != "utf-8" {
			continue
		}
		resp, body := s.get(a.Path)
		if ct := resp.Header.Get("Content-Type"); ct != "text/html; charset=utf-8" {
			t.Errorf("%s: Content-Type %q", a.Path, ct)
		}
		if loc := charsetDecl.FindIndex(body); loc == nil || loc[0] > 1024 {
			t.Errorf("%s: no <meta charset> in the first KiB", a.Path)
		}
		if !utf8.Valid(body) {
			t.Errorf("%s: not valid UTF-8", a.Path)
		}
	}
}

// hasFourByteGB18030 reports whether b holds a GB18030 four-byte sequence
// (81–FE, 30–39, 81–FE, 30–39) on a character boundary.
func hasFourByteGB18030(b []byte) bool {
	in := func(c, lo, hi byte) bool { return c >= lo && c <= hi }
	for i := 0; i < len(b); {
		switch {
		case b[i] < 0x80:
			i++
		case i+3 < len(b) && in(b[i], 0x81, 0xfe) && in(b[i+1], 0x30, 0x39) && in(b[i+2], 0x81, 0xfe) && in(b[i+3], 0x30, 0x39):
			return true
		default:
			i += 2 // a two-byte character
		}
	}
	return false
}
