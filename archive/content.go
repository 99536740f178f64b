package archive

import (
	"bytes"
	"crypto/sha256"
	"encoding/json"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/annals/annals/extract"
)

// The fields of an article whose normalised content makes a version. Any
// other difference (images, tags, a changed sidebar or footer) does not.
const (
	FieldTitle     = "title"
	FieldKicker    = "kicker"
	FieldSubtitle  = "subtitle"
	FieldPublished = "published"
	FieldBylines   = "bylines"
	FieldSource    = "source"
	FieldBody      = "body"
)

// ContentFields lists the versioned fields in the order they are hashed,
// compared and diffed.
var ContentFields = []string{FieldTitle, FieldKicker, FieldSubtitle, FieldPublished, FieldBylines, FieldSource, FieldBody}

// content is the normalised form of an article's versioned fields.
type content [7]string

// normalizeText applies Unicode NFC and collapses every run of white space
// (including U+3000 and non-breaking spaces) to one space, trimming both
// ends.
func normalizeText(s string) string {
	s = norm.NFC.String(s)
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		if unicode.IsSpace(r) || r == '\u200b' || r == '\ufeff' {
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// splitParagraphs splits a body into its non-empty paragraphs (separated by
// blank lines in extract's convention; a single newline also separates, as
// some pages give one paragraph per line).
func splitParagraphs(body string) []string {
	lines := strings.FieldsFunc(body, func(r rune) bool { return r == '\n' || r == '\r' })
	out := lines[:0]
	for _, l := range lines {
		if strings.TrimSpace(l) != "" {
			out = append(out, l)
		}
	}
	return out
}

// normalizeBody normalises each paragraph and joins them with a blank line.
func normalizeBody(body string) string {
	ps := splitParagraphs(body)
	for i, p := range ps {
		ps[i] = normalizeText(p)
	}
	return strings.Join(ps, "\n\n")
}

func normalizeBylines(bs []extract.Byline) string {
	var b strings.Builder
	for _, x := range bs {
		name := normalizeText(x.Name)
		if name == "" {
			continue
		}
		b.WriteString(name)
		b.WriteByte('|')
		b.WriteString(string(x.Role))
		b.WriteByte('\n')
	}
	return b.String()
}

// normalize returns the normalised versioned fields of a.
func normalize(a *extract.Article) content {
	return content{
		normalizeText(a.Title),
		normalizeText(a.Kicker),
		normalizeText(a.Subtitle),
		normalizeText(a.Published),
		normalizeBylines(a.Bylines),
		normalizeText(a.Source),
		normalizeBody(a.Body),
	}
}

// hash is the SHA-256 of the normalised fields, each preceded by its name
// and terminated by a record separator, so that no two different contents
// hash alike by shifting text between fields.
func (c content) hash() []byte {
	h := sha256.New()
	for i, f := range ContentFields {
		h.Write([]byte(f))
		h.Write([]byte{0})
		h.Write([]byte(c[i]))
		h.Write([]byte{0x1e})
	}
	return h.Sum(nil)
}

// fieldHashLen is how many bytes of each field's SHA-256 fieldHashes keeps.
const fieldHashLen = 8

// fieldHashes returns the first fieldHashLen bytes of the SHA-256 of each
// field, concatenated in ContentFields order (versions.field_hashes).
// They only tell which fields changed; whether the content changed at all
// is decided by the full hash.
func (c content) fieldHashes() []byte {
	out := make([]byte, 0, len(c)*fieldHashLen)
	for _, f := range c {
		sum := sha256.Sum256([]byte(f))
		out = append(out, sum[:fieldHashLen]...)
	}
	return out
}

// changedFieldHashes names the fields whose hashes differ; ok is false
// when either is not a set of field hashes (a version recorded before
// schema 3).
func changedFieldHashes(old, new []byte) (changed []string, ok bool) {
	if len(old) != len(ContentFields)*fieldHashLen || len(new) != len(old) {
		return nil, false
	}
	for i, f := range ContentFields {
		if !bytes.Equal(old[i*fieldHashLen:(i+1)*fieldHashLen], new[i*fieldHashLen:(i+1)*fieldHashLen]) {
			changed = append(changed, f)
		}
	}
	return changed, true
}

// changedFields names the fields that differ between two contents.
func changedFields(old, new content) []string {
	var out []string
	for i, f := range ContentFields {
		if old[i] != new[i] {
			out = append(out, f)
		}
	}
	return out
}

// bylinesJSON encodes bylines as stored in versions.bylines; never null.
func bylinesJSON(bs []extract.Byline) string {
	if bs == nil {
		bs = []extract.Byline{}
	}
	b, _ := json.Marshal(bs)
	return string(b)
}

// extraJSON encodes the fields of a that are not versioned columns, so
// that the whole extracted article can be given back.
func extraJSON(a *extract.Article) string {
	x := *a
	x.Title, x.Kicker, x.Subtitle, x.Published, x.Source, x.Body, x.Language = "", "", "", "", "", "", ""
	x.Bylines = nil
	b, err := json.Marshal(x)
	if err != nil {
		return "{}"
	}
	return string(b)
}

// publishedMS turns extract's Published (RFC 3339 or a bare date, read as
// midnight UTC) into milliseconds; ok is false when it is neither.
func publishedMS(s string) (int64, bool) {
	if s == "" {
		return 0, false
	}
	if t, err := time.Parse(time.RFC3339Nano, s); err == nil {
		return t.UnixMilli(), true
	}
	if t, err := time.Parse("2006-01-02", s); err == nil {
		return t.UnixMilli(), true
	}
	return 0, false
}
