package extract

import (
	"bytes"
	"errors"
	"mime"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/encoding"
	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/htmlindex"
	"golang.org/x/text/encoding/japanese"
	"golang.org/x/text/encoding/korean"
	"golang.org/x/text/encoding/simplifiedchinese"
	"golang.org/x/text/encoding/traditionalchinese"
	xunicode "golang.org/x/text/encoding/unicode"
)

// ErrBinary is returned for input that is not text in any encoding: NUL
// bytes and control characters throughout.
var ErrBinary = errors.New("input is binary, not an HTML page")

// metaScanLimit bounds how far into the page Decode looks for a <meta>
// charset declaration when </head> does not come first. Browsers stop at
// 1 KiB; legacy Chinese pages often declare it much later.
const metaScanLimit = 64 << 10

// Decode turns raw page bytes into UTF-8 text. It decides the charset in
// this order: a byte-order mark; the Content-Type header; a <meta charset>
// or http-equiv declaration anywhere in <head>; sniffing the bytes. A
// declaration the bytes contradict (declared UTF-8 but invalid; declared GBK
// but the bytes are UTF-8) is not trusted: the bytes are sniffed instead, so
// the text never carries mojibake. GB2312 and GBK labels are decoded with
// GB18030, their superset.
//
// charset is a WHATWG name ("utf-8", "gbk", "big5", "shift_jis", …) and
// source one of the CharsetFrom… constants.
func Decode(raw []byte, contentType string) (text, charset, source string, err error) {
	if looksBinary(raw) {
		return "", "", "", ErrBinary
	}
	// 1. Byte-order mark.
	switch {
	case bytes.HasPrefix(raw, []byte{0xEF, 0xBB, 0xBF}):
		return toValidUTF8(raw[3:]), "utf-8", CharsetFromBOM, nil
	case bytes.HasPrefix(raw, []byte{0xFF, 0xFE}):
		t, err := decodeWith(xunicode.UTF16(xunicode.LittleEndian, xunicode.IgnoreBOM), raw[2:])
		return t, "utf-16le", CharsetFromBOM, err
	case bytes.HasPrefix(raw, []byte{0xFE, 0xFF}):
		t, err := decodeWith(xunicode.UTF16(xunicode.BigEndian, xunicode.IgnoreBOM), raw[2:])
		return t, "utf-16be", CharsetFromBOM, err
	}
	st := byteStats(raw)
	// 2. Header, 3. <meta>.
	if label := headerCharset(contentType); label != "" {
		if t, name, ok := tryDeclared(raw, label, st); ok {
			return t, name, CharsetFromHeader, nil
		}
	}
	if label := metaCharset(raw); label != "" {
		if t, name, ok := tryDeclared(raw, label, st); ok {
			return t, name, CharsetFromMeta, nil
		}
	}
	// 4. Sniff.
	if st.high == 0 {
		return string(raw), "utf-8", CharsetFromDefault, nil
	}
	t, name := sniff(raw, st)
	return t, name, CharsetFromSniffed, nil
}

// looksBinary reports whether the first bytes hold NULs or many control
// characters, as images, archives and executables do. UTF-16 text (which
// has NULs) is recognised by its BOM before this is asked. A page that
// starts as markup may carry stray NULs, as pages of some old publishing
// systems do (the parser drops them): it is binary only when they and the
// other control characters are more than a tenth of its first bytes.
func looksBinary(raw []byte) bool {
	head := raw[:min(len(raw), 4096)]
	if len(head) == 0 {
		return false
	}
	if bytes.HasPrefix(head, []byte{0xFF, 0xFE}) || bytes.HasPrefix(head, []byte{0xFE, 0xFF}) {
		return false
	}
	ctl, nul := 0, 0
	for _, b := range head {
		if b == 0 {
			nul++
		}
		if b < 0x20 && b != '\n' && b != '\r' && b != '\t' && b != '\f' && b != 0x1b {
			ctl++
		}
	}
	if nul > 0 {
		markup := bytes.TrimLeft(bytes.TrimPrefix(head, []byte{0xEF, 0xBB, 0xBF}), " \t\r\n\f")
		if len(markup) == 0 || markup[0] != '<' {
			return true
		}
	}
	return ctl*10 > len(head)
}

type stats struct {
	high      int  // bytes ≥ 0x80
	validUTF8 bool // the whole input is valid UTF-8
	badUTF8   int  // invalid UTF-8 sequences
	multiUTF8 int  // valid multi-byte UTF-8 sequences
}

func byteStats(raw []byte) stats {
	var st stats
	if utf8.Valid(raw) {
		st.validUTF8 = true
		for _, b := range raw {
			if b >= 0x80 {
				st.high++
				if b >= 0xC0 {
					st.multiUTF8++
				}
			}
		}
		return st
	}
	for i := 0; i < len(raw); {
		b := raw[i]
		if b < utf8.RuneSelf {
			i++
			continue
		}
		st.high++
		r, n := utf8.DecodeRune(raw[i:])
		if r == utf8.RuneError && n == 1 {
			st.badUTF8++
			i++
			continue
		}
		st.high += n - 1
		st.multiUTF8++
		i += n
	}
	st.validUTF8 = st.badUTF8 == 0
	return st
}

// headerCharset returns the charset parameter of a Content-Type.
func headerCharset(ct string) string {
	if ct == "" {
		return ""
	}
	_, params, err := mime.ParseMediaType(ct)
	if err != nil {
		// Be lenient with malformed headers such as "text/html;charset=gbk;".
		if i := indexFold(ct, "charset="); i >= 0 {
			v := ct[i+len("charset="):]
			if j := strings.IndexAny(v, "; "); j >= 0 {
				v = v[:j]
			}
			return strings.Trim(v, `"' `)
		}
		return ""
	}
	return strings.TrimSpace(params["charset"])
}

// metaCharset finds a charset declared in a <meta> tag (or an XML
// declaration) before </head>, within metaScanLimit bytes.
func metaCharset(raw []byte) string {
	head := raw[:min(len(raw), metaScanLimit)]
	if bytes.HasPrefix(head, []byte("<?xml")) {
		if end := bytes.Index(head, []byte("?>")); end > 0 {
			if v := attrValue(head[:end], "encoding"); v != "" {
				return v
			}
		}
	}
	lower := bytes.ToLower(head)
	if end := bytes.Index(lower, []byte("</head")); end >= 0 {
		lower = lower[:end]
	}
	for i := 0; ; {
		j := bytes.Index(lower[i:], []byte("<meta"))
		if j < 0 {
			return ""
		}
		start := i + j
		end := bytes.IndexByte(lower[start:], '>')
		if end < 0 {
			return ""
		}
		tag := lower[start : start+end]
		i = start + end
		if v := attrValue(tag, "charset"); v != "" {
			return v
		}
		// <meta http-equiv="Content-Type" content="text/html; charset=gbk">
		if bytes.Contains(tag, []byte("http-equiv")) {
			if c := attrValue(tag, "content"); c != "" {
				if k := strings.Index(c, "charset="); k >= 0 {
					return strings.Trim(c[k+len("charset="):], `"' ;`)
				}
			}
		}
	}
}

// attrValue returns the value of attribute name in a lower-cased tag.
func attrValue(tag []byte, name string) string {
	for i := 0; ; {
		j := bytes.Index(tag[i:], []byte(name))
		if j < 0 {
			return ""
		}
		k := i + j + len(name)
		i = k
		if j > 0 && isAttrByte(tag[i-len(name)-1]) {
			continue // part of another name, e.g. "data-charset"
		}
		for k < len(tag) && tag[k] == ' ' {
			k++
		}
		if k >= len(tag) || tag[k] != '=' {
			continue
		}
		k++
		for k < len(tag) && tag[k] == ' ' {
			k++
		}
		if k >= len(tag) {
			return ""
		}
		q := tag[k]
		if q == '"' || q == '\'' {
			e := bytes.IndexByte(tag[k+1:], q)
			if e < 0 {
				return string(tag[k+1:])
			}
			return strings.TrimSpace(string(tag[k+1 : k+1+e]))
		}
		e := k
		for e < len(tag) && tag[e] != ' ' && tag[e] != '/' && tag[e] != ';' && tag[e] != '"' && tag[e] != '\'' {
			e++
		}
		return string(tag[k:e])
	}
}

func isAttrByte(b byte) bool {
	return b == '-' || b == '_' || b >= 'a' && b <= 'z' || b >= '0' && b <= '9'
}

// lookup maps a label to an encoding and its canonical name; GB2312 and GBK
// decode with GB18030 (a superset) but keep the name "gbk".
func lookup(label string) (encoding.Encoding, string, bool) {
	enc, err := htmlindex.Get(strings.ToLower(strings.TrimSpace(label)))
	if err != nil {
		return nil, "", false
	}
	name, err := htmlindex.Name(enc)
	if err != nil {
		return nil, "", false
	}
	switch name {
	case "gbk", "gb18030":
		return simplifiedchinese.GB18030, name, true
	case "utf-16le", "utf-16be":
		// A page declaring UTF-16 without a BOM is nearly always ASCII-
		// compatible bytes mislabelled; WHATWG says treat it as UTF-8.
		return encoding.Nop, "utf-8", true
	case "replacement":
		return nil, "", false
	}
	if enc == xunicode.UTF8 {
		return encoding.Nop, "utf-8", true
	}
	return enc, name, true
}

// tryDeclared decodes raw with a declared charset and verifies that the
// bytes agree with it.
func tryDeclared(raw []byte, label string, st stats) (string, string, bool) {
	enc, name, ok := lookup(label)
	if !ok {
		return "", "", false
	}
	if name == "utf-8" {
		if st.validUTF8 || st.badUTF8*200 < st.multiUTF8 {
			return toValidUTF8(raw), name, true
		}
		return "", "", false
	}
	if st.high == 0 {
		// Pure ASCII decodes the same in every ASCII-compatible charset.
		return string(raw), name, true
	}
	// UTF-8 multi-byte sequences are very unlikely by chance in legacy
	// encodings: bytes that are valid UTF-8 are UTF-8, whatever the label.
	if st.validUTF8 && st.multiUTF8 >= 3 {
		return "", "", false
	}
	text, err := decodeWith(enc, raw)
	if err != nil {
		return "", "", false
	}
	q := judge(text)
	if q.bad*50 > q.nonASCII+10 {
		return "", "", false // too many undecodable bytes
	}
	if isSingleByte(name) && q.nonASCII > 20 {
		// A Latin label (often a server default) over CJK bytes: believe the
		// bytes when a CJK decoding of them is clearly plausible.
		if _, n := sniff(raw, st); n != name && !isSingleByte(n) {
			return "", "", false
		}
	}
	if name == "gbk" && q.gb18030Only {
		name = "gb18030"
	}
	return text, name, true
}

func isSingleByte(name string) bool {
	return strings.HasPrefix(name, "windows-") || strings.HasPrefix(name, "iso-8859") ||
		strings.HasPrefix(name, "koi8") || name == "macintosh" || name == "ibm866"
}

func decodeWith(enc encoding.Encoding, raw []byte) (string, error) {
	if enc == encoding.Nop {
		return toValidUTF8(raw), nil
	}
	b, err := enc.NewDecoder().Bytes(raw)
	if err != nil {
		return "", err
	}
	return string(b), nil
}

func toValidUTF8(raw []byte) string {
	if utf8.Valid(raw) {
		return string(raw)
	}
	return strings.ToValidUTF8(string(raw), "\uFFFD")
}

// quality describes a decoding of non-ASCII text.
type quality struct {
	nonASCII    int
	bad         int // U+FFFD, C1 controls, private use
	commonHans  int // frequent simplified Chinese characters
	commonHant  int // frequent traditional Chinese characters
	han         int
	kana        int
	hangul      int
	commonHang  int
	latin       int // letters of Latin-1 Supplement and Latin Extended-A
	symbols     int // other symbols and odd punctuation
	gb18030Only bool
}

func judge(text string) quality {
	var q quality
	for _, r := range text {
		if r < utf8.RuneSelf {
			continue
		}
		q.nonASCII++
		switch {
		case r == utf8.RuneError || r >= 0x80 && r < 0xA0 || r >= 0xE000 && r <= 0xF8FF:
			q.bad++
		case r >= 0x3040 && r <= 0x30FF:
			q.kana++
		case r >= 0xAC00 && r <= 0xD7A3:
			q.hangul++
			if strings.ContainsRune(commonHangul, r) {
				q.commonHang++
			}
		case unicode.Is(unicode.Han, r):
			q.han++
			if strings.ContainsRune(commonHans, r) {
				q.commonHans++
			}
			if strings.ContainsRune(commonHant, r) {
				q.commonHant++
			}
			if r >= 0x3400 && r <= 0x4DBF || r > 0xFFFF {
				q.gb18030Only = true
			}
		case r >= 0xC0 && r <= 0x17F && unicode.IsLetter(r):
			q.latin++
		case r >= 0x3000 && r <= 0x303F || r >= 0xFF00 && r <= 0xFFEF || r == 0xA0 || r >= 0x2010 && r <= 0x2027:
			// CJK and general punctuation: neutral
		default:
			q.symbols++
		}
	}
	return q
}

// Frequent characters, used to tell a right decoding from a wrong one.
const (
	commonHans   = "的一是不了人我在有他这为之大来以个中上们到说国和地也子时道出而要于就下得可你年生自会那后能对着事其里所去行过家十用发天如然作方成者多日都三小军二无同么经法当起与好看学进种将还分此心前面又定见只主没公从知使全新工业关政府市区县省部委会议发展建设经济社会服务管理工作企业项目文化教育技术资源环境活动开展实施推进加强提高组织单位情况问题重要进一步按照要求通知规定安全生产质量标准信息网络系统平台中心机构人员干部群众党员领导书记主任副长局处科"
	commonHant   = "的一是不了人我在有他這為之大來以個中上們到說國和地也子時道出而要於就下得可你年生自會那後能對著事其裡所去行過家十用發天如然作方成者多日都三小軍二無同麼經法當起與好看學進種將還分此心前面又定見只主沒公從知使全新工業關政府市區縣省部委會議發展建設經濟社會服務管理工作企業項目文化教育技術資源環境活動開展實施推進加強提高組織單位情況問題重要"
	commonHangul = "이다는의에가를을하고지서기한로사리도자어으니대수인일정시아나주해전게보있요제것들만내상부국여적구성러거라년장경우소동관위문방과화신원비공회생면연마터무모진선물안유개계교학중합결용실할었습"
)

// sniff decodes bytes that are not (all) UTF-8 with the most plausible of
// the common legacy encodings.
func sniff(raw []byte, st stats) (string, string) {
	if st.validUTF8 || st.badUTF8*200 < st.multiUTF8 {
		return toValidUTF8(raw), "utf-8"
	}
	type cand struct {
		name string
		enc  encoding.Encoding
	}
	cands := []cand{
		{"gbk", simplifiedchinese.GB18030},
		{"big5", traditionalchinese.Big5},
		{"shift_jis", japanese.ShiftJIS},
		{"euc-jp", japanese.EUCJP},
		{"euc-kr", korean.EUCKR},
		{"windows-1252", charmap.Windows1252},
	}
	bestScore := -1e18
	var bestText, bestName string
	for _, c := range cands {
		text, err := decodeWith(c.enc, raw)
		if err != nil {
			continue
		}
		q := judge(text)
		n := float64(max(q.nonASCII, 1))
		var s float64
		switch c.name {
		case "gbk":
			s = 3*float64(q.commonHans) + 0.5*float64(q.han) + 0.3*float64(q.hangul+q.kana)
		case "big5":
			s = 3*float64(q.commonHant) + 0.5*float64(q.han)
		case "shift_jis", "euc-jp":
			s = 1.5*float64(q.kana) + 1.5*float64(q.commonHans+q.commonHant)/2 + 0.3*float64(q.han)
		case "euc-kr":
			s = 3*float64(q.commonHang) + 0.3*float64(q.hangul)
		case "windows-1252":
			// Every byte decodes; plausible only for sparse accented letters.
			s = 0.8*float64(q.latin) - 0.5*float64(q.symbols)
			if q.latin*4 < q.nonASCII {
				s -= n
			}
		}
		s -= 4 * float64(q.bad)
		s -= 0.5 * float64(q.symbols)
		if s > bestScore {
			bestScore, bestText, bestName = s, text, c.name
			if c.name == "gbk" && q.gb18030Only {
				bestName = "gb18030"
			}
		}
	}
	if bestName == "" {
		return toValidUTF8(raw), "utf-8"
	}
	return bestText, bestName
}

// indexFold is strings.Index ignoring ASCII case; unlike lowering the
// string first, it keeps byte offsets valid.
func indexFold(s, sub string) int {
	for i := 0; i+len(sub) <= len(s); i++ {
		if strings.EqualFold(s[i:i+len(sub)], sub) {
			return i
		}
	}
	return -1
}
