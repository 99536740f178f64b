package main

import (
	"io"
	"os"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/mattn/go-runewidth"
	"golang.org/x/term"
)

// defaultWidth is the width of tables written anywhere but a terminal.
const defaultWidth = 100

// terminal says how output to one writer should look: how wide tables
// may be and whether to colour them.
type terminal struct {
	width int
	color bool
}

// detectTerminal inspects w: a terminal gets its own width and colour
// (unless NO_COLOR is set, to anything); anything else gets 100 columns
// and no colour.
func detectTerminal(w io.Writer, getenv func(string) string) terminal {
	f, ok := w.(*os.File)
	if !ok || !term.IsTerminal(int(f.Fd())) {
		return newTerminal(false, 0, getenv)
	}
	width, _, err := term.GetSize(int(f.Fd()))
	if err != nil {
		width = 0
	}
	return newTerminal(true, width, getenv)
}

// newTerminal decides the look of output to a terminal of the given
// width (0: unknown) or to anything else.
func newTerminal(isTerm bool, width int, getenv func(string) string) terminal {
	if !isTerm {
		return terminal{width: defaultWidth}
	}
	t := terminal{width: defaultWidth, color: getenv == nil || getenv("NO_COLOR") == ""}
	if width > 20 {
		t.width = width
	}
	return t
}

// termDetector is how a command learns about its output; tests replace
// it to see terminal output.
type termDetector func(w io.Writer, getenv func(string) string) terminal

func (d termDetector) detect(w io.Writer, getenv func(string) string) terminal {
	if d == nil {
		return detectTerminal(w, getenv)
	}
	return d(w, getenv)
}

// ANSI styles used on terminals.
const (
	ansiReset  = "\x1b[0m"
	ansiBold   = "\x1b[1m"
	ansiDim    = "\x1b[2m"
	ansiRed    = "\x1b[31m"
	ansiGreen  = "\x1b[32m"
	ansiYellow = "\x1b[33m"
	ansiCyan   = "\x1b[36m"
	ansiRevRed = "\x1b[7;31m" // removed text inside a line
	ansiRevGrn = "\x1b[7;32m" // added text inside a line
)

// paint wraps s in an ANSI style when colour is on.
func (t terminal) paint(style, s string) string {
	if !t.color || s == "" || style == "" {
		return s
	}
	return style + s + ansiReset
}

// cellWidth measures text as a terminal shows it: East Asian wide
// characters take two columns, ambiguous ones one (whatever the locale,
// so that output does not depend on the environment).
var cellWidth = &runewidth.Condition{EastAsianWidth: false}

// oneLine folds whitespace (newlines, tabs, runs of spaces) into single
// spaces and drops control characters, so that a cell stays one line and
// archived text cannot move the cursor.
func oneLine(s string) string {
	s = strings.Map(func(r rune) rune {
		switch {
		case r == '\n' || r == '\t' || r == '\r':
			return ' '
		case unicode.IsControl(r):
			return -1
		}
		return r
	}, s)
	return strings.Join(strings.Fields(s), " ")
}

// foldSpaces is oneLine for a piece of a line: it keeps a single space
// at either end.
func foldSpaces(s string) string {
	if s == "" {
		return s
	}
	f := oneLine(s)
	first, _ := utf8.DecodeRuneInString(s)
	last, _ := utf8.DecodeLastRuneInString(s)
	if unicode.IsSpace(first) && f != "" {
		f = " " + f
	}
	if unicode.IsSpace(last) {
		f += " "
	}
	if f == "" && strings.TrimSpace(s) == "" {
		return " "
	}
	return f
}

// stripControls removes control characters except newlines and tabs
// from archived text before it reaches a terminal.
func stripControls(s string) string {
	return strings.Map(func(r rune) rune {
		if r != '\n' && r != '\t' && unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// span is a piece of text with one ANSI style ("" for none).
type span struct {
	text  string
	style string
}

// styledRune is one character of styled text.
type styledRune struct {
	r     rune
	style string
}

// wrapSpans breaks styled text into lines of at most width columns, at
// spaces between words and between any two wide (CJK) characters, and
// renders each line with its styles (colour only when t.color). A
// newline in the text starts a new line. maxLines > 0 keeps that many
// lines, the last ending in "…" when text was cut.
func (t terminal) wrapSpans(spans []span, width, maxLines int) []string {
	if width < 2 {
		width = 2
	}
	var lines [][]styledRune
	var line []styledRune
	w := 0
	flush := func() {
		for len(line) > 0 && line[len(line)-1].r == ' ' {
			line = line[:len(line)-1]
		}
		lines = append(lines, line)
		line, w = nil, 0
	}
	for _, unit := range wrapUnits(spans) {
		if unit[0].r == '\n' {
			flush()
			continue
		}
		uw := runesWidth(unit)
		if w > 0 && w+uw > width {
			flush()
			if unit[0].r == ' ' {
				continue
			}
		}
		for uw > width { // a word longer than a line: cut it
			n, cw := 0, 0
			for n < len(unit) && cw+cellWidth.RuneWidth(unit[n].r) <= width-w {
				cw += cellWidth.RuneWidth(unit[n].r)
				n++
			}
			if n == 0 {
				break
			}
			line = append(line, unit[:n]...)
			flush()
			unit = unit[n:]
			uw = runesWidth(unit)
		}
		line = append(line, unit...)
		w += uw
	}
	if len(line) > 0 || len(lines) == 0 {
		flush()
	}
	if maxLines > 0 && len(lines) > maxLines {
		last := lines[maxLines-1]
		for len(last) > 0 && runesWidth(last)+1 > width {
			last = last[:len(last)-1]
		}
		style := ""
		if len(last) > 0 {
			style = last[len(last)-1].style
		}
		lines = append(lines[:maxLines-1], append(last, styledRune{'…', style}))
	}
	out := make([]string, len(lines))
	for i, l := range lines {
		out[i] = t.renderRunes(l)
	}
	return out
}

// wrapText wraps plain text.
func (t terminal) wrapText(s string, width int) []string {
	return t.wrapSpans([]span{{text: s}}, width, 0)
}

// renderRunes writes styled runes, switching styles only when they
// change.
func (t terminal) renderRunes(rs []styledRune) string {
	var b strings.Builder
	cur := ""
	for _, r := range rs {
		if t.color && r.style != cur {
			if cur != "" {
				b.WriteString(ansiReset)
			}
			b.WriteString(r.style)
			cur = r.style
		}
		b.WriteRune(r.r)
	}
	if t.color && cur != "" {
		b.WriteString(ansiReset)
	}
	return b.String()
}

func runesWidth(rs []styledRune) int {
	w := 0
	for _, r := range rs {
		w += cellWidth.RuneWidth(r.r)
	}
	return w
}

// wrapUnits cuts styled text into the pieces a line may break between:
// runs of narrow non-space characters (a word, whatever its styles),
// single spaces, single wide characters, and newlines.
func wrapUnits(spans []span) [][]styledRune {
	var units [][]styledRune
	var word []styledRune
	for _, s := range spans {
		for _, r := range s.text {
			if r == '\t' {
				r = ' '
			}
			if r == ' ' || r == '\n' || cellWidth.RuneWidth(r) == 2 {
				if len(word) > 0 {
					units = append(units, word)
					word = nil
				}
				units = append(units, []styledRune{{r, s.style}})
				continue
			}
			word = append(word, styledRune{r, s.style})
		}
	}
	if len(word) > 0 {
		units = append(units, word)
	}
	return units
}

// fit truncates s to width columns, ending in "…" when cut, and pads it
// with spaces to exactly width (on the left when right is set).
func fit(s string, width int, right bool) string {
	if cellWidth.StringWidth(s) > width {
		s = cellWidth.Truncate(s, width, "…")
	}
	pad := strings.Repeat(" ", max(0, width-cellWidth.StringWidth(s)))
	if right {
		return pad + s
	}
	return s + pad
}
