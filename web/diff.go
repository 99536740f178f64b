package web

import "github.com/annals/annals/archive"

// RowKind says how a row of a laid-out diff changed.
type RowKind string

// The kinds of diff rows.
const (
	RowEqual   RowKind = "equal"   // the paragraph is in both versions
	RowDelete  RowKind = "delete"  // only in the old version
	RowInsert  RowKind = "insert"  // only in the new version
	RowRewrite RowKind = "rewrite" // a paragraph edited in place: Inline says how
)

// DiffRow is one row of a body diff laid out for reading, inline or side
// by side: a removed paragraph and the added one that replaced it share a
// row.
type DiffRow struct {
	Kind   RowKind
	Old    string           // the old paragraph (equal, delete, rewrite)
	New    string           // the new paragraph (equal, insert, rewrite)
	Inline []archive.TextOp // for rewrites: character-level changes
}

// DiffRows lays out a diff's paragraphs: each run of removed paragraphs
// is paired, in order, with the run of added ones after it (the archive
// diffs such pairs character by character); the rest stay removed or
// added.
func DiffRows(d archive.Diff) []DiffRow {
	ps := d.Paragraphs
	var rows []DiffRow
	for i := 0; i < len(ps); {
		switch ps[i].Op {
		case archive.OpEqual:
			rows = append(rows, DiffRow{Kind: RowEqual, Old: ps[i].Text, New: ps[i].Text})
			i++
			continue
		case archive.OpInsert:
			rows = append(rows, DiffRow{Kind: RowInsert, New: ps[i].Text})
			i++
			continue
		}
		j := i
		for j < len(ps) && ps[j].Op == archive.OpDelete {
			j++
		}
		k := j
		for k < len(ps) && ps[k].Op == archive.OpInsert {
			k++
		}
		for n := 0; n < max(j-i, k-j); n++ {
			switch {
			case n < j-i && n < k-j && len(ps[j+n].Inline) > 0:
				rows = append(rows, DiffRow{Kind: RowRewrite, Old: ps[i+n].Text, New: ps[j+n].Text, Inline: ps[j+n].Inline})
			case n < j-i && n < k-j:
				rows = append(rows, DiffRow{Kind: RowDelete, Old: ps[i+n].Text}, DiffRow{Kind: RowInsert, New: ps[j+n].Text})
			case n < j-i:
				rows = append(rows, DiffRow{Kind: RowDelete, Old: ps[i+n].Text})
			default:
				rows = append(rows, DiffRow{Kind: RowInsert, New: ps[j+n].Text})
			}
		}
		i = k
	}
	return rows
}
