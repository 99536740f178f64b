package main

import (
	"fmt"
	"io"
	"strings"
)

// column describes one column of a table.
type column struct {
	title string
	min   int  // narrowest it may be squeezed to (at least its title's width when 0)
	max   int  // widest it may grow to; 0: no bound
	flex  bool // shrinks first, and takes the width others leave
	right bool // right-aligned (numbers): never squeezed below their widest cell
	// optional columns are left out when the others cannot fit otherwise.
	optional bool
}

// table is a terminal table whose columns fit a given width and stay
// aligned whatever mix of narrow and wide (CJK) characters the cells
// hold. A row may carry notes: lines printed under it, indented to the
// column noteCol, wrapped to the width left.
type table struct {
	cols    []column
	rows    [][]string
	styles  [][]string // per cell ANSI style, parallel to rows (optional)
	notes   [][][]span // per row, lines of styled text
	noteCol int
}

const colGap = 2

// add appends a row; cells are folded onto one line.
func (t *table) add(cells ...string) {
	for i := range cells {
		cells[i] = oneLine(cells[i])
	}
	t.rows = append(t.rows, cells)
	t.styles = append(t.styles, make([]string, len(cells)))
	t.notes = append(t.notes, nil)
}

// style sets the style of the last row's cell i.
func (t *table) style(i int, style string) {
	t.styles[len(t.styles)-1][i] = style
}

// note adds a line of styled text under the last row.
func (t *table) note(spans ...span) {
	for i := range spans {
		spans[i].text = foldSpaces(spans[i].text)
	}
	n := len(t.notes) - 1
	t.notes[n] = append(t.notes[n], spans)
}

// widths decides each column's width for a line of at most total
// columns; a hidden column has width -1.
func (t *table) widths(total int) []int {
	ws := make([]int, len(t.cols))
	mins := make([]int, len(t.cols))
	for i, c := range t.cols {
		ws[i] = cellWidth.StringWidth(c.title)
		for _, r := range t.rows {
			if i < len(r) {
				ws[i] = max(ws[i], cellWidth.StringWidth(r[i]))
			}
		}
		if c.max > 0 {
			ws[i] = min(ws[i], c.max)
		}
		mins[i] = c.min
		if mins[i] == 0 {
			mins[i] = cellWidth.StringWidth(c.title)
		}
		if c.right {
			mins[i] = ws[i]
		}
		mins[i] = min(mins[i], ws[i])
	}
	sum := func() int {
		s, n := 0, 0
		for _, w := range ws {
			if w >= 0 {
				s += w
				n++
			}
		}
		return s + colGap*max(0, n-1)
	}
	// squeeze narrows columns one column at a time from the widest, never
	// below floor(i).
	squeeze := func(which func(i int) bool, floor func(i int) int) {
		for sum() > total {
			widest := -1
			for i := range ws {
				if ws[i] > floor(i) && which(i) && (widest < 0 || ws[i] > ws[widest]) {
					widest = i
				}
			}
			if widest < 0 {
				return
			}
			ws[widest]--
		}
	}
	atMin := func(i int) int { return mins[i] }
	squeeze(func(i int) bool { return t.cols[i].flex }, atMin)
	squeeze(func(int) bool { return true }, atMin)
	// Still too wide: leave out optional columns, rightmost first.
	for i := len(ws) - 1; i >= 0 && sum() > total; i-- {
		if t.cols[i].optional {
			ws[i] = -1
		}
	}
	// A very narrow terminal: cut whatever is left.
	squeeze(func(int) bool { return true }, func(int) int { return 1 })
	return ws
}

// render writes the table for terminal t.
func (t *table) render(w io.Writer, term terminal) error {
	ws := t.widths(term.width)
	last := len(ws) - 1
	for last > 0 && ws[last] < 0 {
		last--
	}
	line := func(cells []string, styles []string) string {
		var b strings.Builder
		for i, width := range ws {
			if width < 0 {
				continue
			}
			cell := ""
			if i < len(cells) {
				cell = cells[i]
			}
			s := fit(cell, width, t.cols[i].right)
			if i == last {
				s = strings.TrimRight(s, " ")
			}
			if styles != nil && styles[i] != "" {
				s = term.paint(styles[i], s)
			}
			b.WriteString(s)
			if i < last {
				b.WriteString(strings.Repeat(" ", colGap))
			}
		}
		return strings.TrimRight(b.String(), " ")
	}
	titles := make([]string, len(t.cols))
	for i, c := range t.cols {
		titles[i] = c.title
	}
	head := line(titles, nil)
	if _, err := fmt.Fprintln(w, term.paint(ansiBold, head)); err != nil {
		return err
	}
	indent := 0
	for i := 0; i < t.noteCol && i < len(ws); i++ {
		if ws[i] >= 0 {
			indent += ws[i] + colGap
		}
	}
	indent = min(indent, term.width/3)
	for r, row := range t.rows {
		if _, err := fmt.Fprintln(w, line(row, t.styles[r])); err != nil {
			return err
		}
		for _, n := range t.notes[r] {
			for _, l := range term.wrapSpans(n, term.width-indent, 2) {
				if _, err := fmt.Fprintln(w, strings.Repeat(" ", indent)+l); err != nil {
					return err
				}
			}
		}
	}
	return nil
}
