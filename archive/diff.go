package archive

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/sergi/go-diff/diffmatchpatch"

	"github.com/annals/annals/extract"
)

// DiffOp says whether a piece of text is kept, added or removed.
type DiffOp string

// The diff operations.
const (
	OpEqual  DiffOp = "equal"
	OpInsert DiffOp = "insert"
	OpDelete DiffOp = "delete"
)

// TextOp is one piece of a character-level diff.
type TextOp struct {
	Op   DiffOp `json:"op"`
	Text string `json:"text"`
}

// FieldDiff compares one versioned field. Bylines are compared as
// "name (role); name (role)". Inline is the character-level diff of a
// changed field other than the body.
type FieldDiff struct {
	Field   string   `json:"field"`
	Old     string   `json:"old"`
	New     string   `json:"new"`
	Changed bool     `json:"changed"` // after normalisation, as versions are made
	Inline  []TextOp `json:"inline,omitempty"`
}

// ParagraphDiff is one paragraph of the body: kept, added or removed. A
// removed paragraph directly followed by an added one is a rewrite; the
// added one's Inline shows what changed inside it.
type ParagraphDiff struct {
	Op     DiffOp   `json:"op"`
	Text   string   `json:"text"`
	Inline []TextOp `json:"inline,omitempty"`
}

// Diff compares two versions of an article.
type Diff struct {
	ArticleID  int64           `json:"article_id"`
	From       int             `json:"from"`
	To         int             `json:"to"`
	FromTime   time.Time       `json:"from_captured_at"`
	ToTime     time.Time       `json:"to_captured_at"`
	Fields     []FieldDiff     `json:"fields"`
	Paragraphs []ParagraphDiff `json:"paragraphs"`
}

// Diff compares version from with version to of an article, field by field
// and the body paragraph by paragraph.
func (db *DB) Diff(ctx context.Context, articleID int64, from, to int) (Diff, error) {
	a, err := db.Version(ctx, articleID, from)
	if err != nil {
		return Diff{}, fmt.Errorf("diff: %w", err)
	}
	b, err := db.Version(ctx, articleID, to)
	if err != nil {
		return Diff{}, fmt.Errorf("diff: %w", err)
	}
	d := DiffContent(&a.Content, &b.Content)
	d.ArticleID, d.From, d.To, d.FromTime, d.ToTime = articleID, a.Version, b.Version, a.CapturedAt, b.CapturedAt
	return d, nil
}

// FormatBylines renders bylines for people: "赵彦臻 (reporter); 张启民
// (photographer)". CSV export and diffs use it.
func FormatBylines(bs []extract.Byline) string {
	parts := make([]string, 0, len(bs))
	for _, b := range bs {
		if b.Role == "" {
			parts = append(parts, b.Name)
			continue
		}
		parts = append(parts, b.Name+" ("+string(b.Role)+")")
	}
	return strings.Join(parts, "; ")
}

// DiffContent compares two extracted articles.
func DiffContent(a, b *extract.Article) Diff {
	na, nb := normalize(a), normalize(b)
	old := []string{a.Title, a.Kicker, a.Subtitle, a.Published, FormatBylines(a.Bylines), a.Source, a.Body}
	nw := []string{b.Title, b.Kicker, b.Subtitle, b.Published, FormatBylines(b.Bylines), b.Source, b.Body}
	dmp := diffmatchpatch.New()
	var d Diff
	for i, f := range ContentFields {
		fd := FieldDiff{Field: f, Old: old[i], New: nw[i], Changed: na[i] != nb[i]}
		if fd.Changed && f != FieldBody {
			fd.Inline = inlineDiff(dmp, old[i], nw[i])
		}
		d.Fields = append(d.Fields, fd)
	}
	d.Paragraphs = paragraphDiff(dmp, splitParagraphs(a.Body), splitParagraphs(b.Body))
	return d
}

func inlineDiff(dmp *diffmatchpatch.DiffMatchPatch, a, b string) []TextOp {
	ds := dmp.DiffCleanupSemantic(dmp.DiffMain(a, b, false))
	out := make([]TextOp, 0, len(ds))
	for _, x := range ds {
		out = append(out, TextOp{Op: opOf(x.Type), Text: x.Text})
	}
	return out
}

func opOf(t diffmatchpatch.Operation) DiffOp {
	switch t {
	case diffmatchpatch.DiffInsert:
		return OpInsert
	case diffmatchpatch.DiffDelete:
		return OpDelete
	}
	return OpEqual
}

// paragraphDiff diffs two lists of paragraphs, each paragraph standing
// for one symbol (compared after normalisation), and diffs a rewritten
// paragraph character by character.
func paragraphDiff(dmp *diffmatchpatch.DiffMatchPatch, a, b []string) []ParagraphDiff {
	ids := map[string]rune{}
	sym := func(ps []string) []rune {
		rs := make([]rune, len(ps))
		for i, p := range ps {
			k := normalizeText(p)
			id, ok := ids[k]
			if !ok {
				id = rune(0xF0000 + len(ids)) // a plane of private use code points
				ids[k] = id
			}
			rs[i] = id
		}
		return rs
	}
	ra, rb := sym(a), sym(b)
	var out []ParagraphDiff
	ia, ib := 0, 0
	for _, x := range dmp.DiffMainRunes(ra, rb, false) {
		n := len([]rune(x.Text))
		for range n {
			switch x.Type {
			case diffmatchpatch.DiffEqual:
				out = append(out, ParagraphDiff{Op: OpEqual, Text: b[ib]})
				ia++
				ib++
			case diffmatchpatch.DiffDelete:
				out = append(out, ParagraphDiff{Op: OpDelete, Text: a[ia]})
				ia++
			case diffmatchpatch.DiffInsert:
				out = append(out, ParagraphDiff{Op: OpInsert, Text: b[ib]})
				ib++
			}
		}
	}
	// Pair each run of deletions with the insertions that follow it.
	for i := 0; i < len(out); {
		if out[i].Op != OpDelete {
			i++
			continue
		}
		j := i
		for j < len(out) && out[j].Op == OpDelete {
			j++
		}
		k := j
		for k < len(out) && out[k].Op == OpInsert {
			k++
		}
		for n := 0; n < j-i && n < k-j; n++ {
			out[j+n].Inline = inlineDiff(dmp, out[i+n].Text, out[j+n].Text)
		}
		i = k
	}
	return out
}
