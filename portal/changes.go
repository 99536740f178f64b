package portal

import (
	"fmt"
	"net/http"
)

// changes lists edition 2's differences from edition 1, from the content:
// its edits, retitles, removals and moves, the articles it adds, and the
// template change every HTML page gets.
func (p *Portal) changes() []Change {
	if len(p.content.site.Editions) < 2 {
		return nil
	}
	e := p.content.site.Editions[1]
	var out []Change
	for _, ed := range e.Edits {
		out = append(out, Change{
			Kind: ChangeEdited, Path: ed.Path, Status: http.StatusOK, Fields: []string{"body"},
			Paragraph: ed.Paragraph - 1, Before: ed.Before, After: ed.After,
			Note: fmt.Sprintf("paragraph %d of the body rewritten", ed.Paragraph),
		})
	}
	for _, rt := range e.Retitles {
		before := ""
		for _, a := range p.content.articles {
			if a.Path == rt.Path {
				before = a.Title
			}
		}
		out = append(out, Change{
			Kind: ChangeRetitled, Path: rt.Path, Status: http.StatusOK, Fields: []string{"title"},
			Before: before, After: rt.Title, Note: "headline changed",
		})
	}
	for _, rm := range e.Removes {
		c := Change{Kind: ChangeDeleted, Path: rm.Path, Status: rm.Status, Note: "article deleted: 404"}
		if rm.Status == http.StatusGone {
			c.Kind, c.Note = ChangeGone, "article withdrawn: 410"
		}
		out = append(out, c)
	}
	for _, mv := range e.Moves {
		out = append(out, Change{
			Kind: ChangeMoved, Path: mv.Path, To: mv.To, Status: http.StatusMovedPermanently,
			Note: "article moved: 301 to its new URL, same content",
		})
	}
	for _, a := range p.content.articles {
		if a.Edition == 2 {
			out = append(out, Change{
				Kind: ChangeAdded, Path: a.Path, Status: http.StatusOK,
				Note: "new article, linked from the home page, the sitemap and the RSS feed",
			})
		}
	}
	out = append(out, Change{
		Kind: ChangeTemplate, Status: http.StatusOK,
		Note: "every HTML page: sidebar lists and a topics box, view and visitor counters, footer timestamp, ad blocks; no extracted field changes",
	})
	return out
}
