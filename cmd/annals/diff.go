package main

import (
	"context"
	"flag"
	"fmt"
	"io"
	"strings"

	"github.com/annals/annals/archive"
	"github.com/annals/annals/web"
)

// DiffCommand compares two versions of an article.
type DiffCommand struct {
	Stdout io.Writer
	Stderr io.Writer
	Getenv func(string) string
	Term   termDetector // nil: inspect Stdout
}

// Run implements command.
func (c *DiffCommand) Run(ctx context.Context, args []string) error {
	fs := flag.NewFlagSet("annals diff", flag.ContinueOnError)
	fs.SetOutput(c.Stderr)
	dbPath := fs.String("db", defaultDB, "archive `file`")
	from := fs.Int("from", 0, "the older version `n` (default: the one before --to)")
	to := fs.Int("to", 0, "the newer version `m` (default: the latest)")
	contextParas := fs.Int("context", 1, "unchanged paragraphs shown around each change (`n`; -1 shows them all)")
	format := fs.String("format", formatText, "output: text or json (the API's diff object)")
	fs.Usage = func() {
		fmt.Fprint(fs.Output(), `Usage: annals diff [flags] URL|ID

Compares two versions of an article field by field (title, kicker,
subtitle, published, bylines, source) and its body paragraph by
paragraph. Removed lines start with "-", added ones with "+", kept ones
with two spaces. On a terminal, removed text is red and added text green,
and the words changed inside an edited line are highlighted; elsewhere
the output is plain text (for files, mail, other tools).

Examples:
  annals diff http://tl.example.cn/2021/09/28/congress.html
  annals diff 42 --from 1 --to 3
  annals diff 42 --context -1 | less -R
  annals diff 42 --format json

Exit status: 0 (whether or not the versions differ), 1 on failure (no
such article or version, damaged archive), 2 for bad flags.

Flags:
`)
		fs.PrintDefaults()
	}
	ref, err := articleArgs(fs, args, format, formatText, formatJSON)
	if err != nil {
		return err
	}
	if *from < 0 || *to < 0 {
		return usageError("versions count from 1")
	}
	db, a, err := openArticle(ctx, *dbPath, ref)
	if err != nil {
		return err
	}
	defer db.Close()
	m := *to
	if m == 0 {
		m = a.Version
	}
	n := *from
	if n == 0 {
		n = max(1, m-1)
	}
	if n > a.Version || m > a.Version {
		return fmt.Errorf("article %d has %d version(s): see 'annals history %d'", a.ID, a.Version, a.ID)
	}
	d, err := db.Diff(ctx, a.ID, n, m)
	if err != nil {
		return err
	}
	if *format == formatJSON {
		return writeJSON(c.Stdout, formatJSON, d)
	}
	return c.text(a, d, *contextParas)
}

func (c *DiffCommand) text(a archive.Article, d archive.Diff, ctxParas int) error {
	t := c.Term.detect(c.Stdout, c.Getenv)
	var b strings.Builder
	fmt.Fprintf(&b, "%s\n", t.paint(ansiBold, fmt.Sprintf("article %d · %s", a.ID, oneLine(a.URL))))
	fmt.Fprintf(&b, "%s\n", t.paint(ansiRed, fmt.Sprintf("--- version %d · captured %s UTC", d.From, stamp(d.FromTime))))
	fmt.Fprintf(&b, "%s\n", t.paint(ansiGreen, fmt.Sprintf("+++ version %d · captured %s UTC", d.To, stamp(d.ToTime))))
	w := &diffWriter{b: &b, t: t}
	same := true
	for _, f := range d.Fields {
		if !f.Changed || f.Field == archive.FieldBody {
			continue
		}
		same = false
		fmt.Fprintf(&b, "\n%s\n", t.paint(ansiBold, f.Field))
		if len(f.Inline) > 0 {
			w.rewrite(f.Inline)
		} else {
			w.line("-", oneLine(f.Old), ansiRed)
			w.line("+", oneLine(f.New), ansiGreen)
		}
	}
	rows := web.DiffRows(d)
	changed := make([]bool, len(rows))
	bodyChanged := false
	for i, r := range rows {
		changed[i] = r.Kind != web.RowEqual
		bodyChanged = bodyChanged || changed[i]
	}
	if bodyChanged {
		same = false
		fmt.Fprintf(&b, "\n%s\n", t.paint(ansiBold, "body"))
		skipped := 0
		flush := func() {
			if skipped > 0 {
				b.WriteString(t.paint(ansiDim, fmt.Sprintf("  … %d unchanged paragraph(s) …", skipped)) + "\n")
				skipped = 0
			}
		}
		for i, r := range rows {
			switch r.Kind {
			case web.RowEqual:
				if ctxParas >= 0 && !near(changed, i, ctxParas) {
					skipped++
					continue
				}
				flush()
				w.line(" ", r.New, "")
			case web.RowDelete:
				flush()
				w.line("-", r.Old, ansiRed)
			case web.RowInsert:
				flush()
				w.line("+", r.New, ansiGreen)
			case web.RowRewrite:
				flush()
				w.rewrite(r.Inline)
			}
		}
		flush()
	}
	if same {
		fmt.Fprintf(&b, "\nno differences between version %d and version %d\n", d.From, d.To)
	}
	_, err := io.WriteString(c.Stdout, b.String())
	return err
}

// near reports whether row i is within n rows of a changed one.
func near(changed []bool, i, n int) bool {
	for j := max(0, i-n); j <= min(len(changed)-1, i+n); j++ {
		if changed[j] {
			return true
		}
	}
	return false
}

// diffWriter writes diff lines: wrapped and coloured on a terminal, one
// line per paragraph otherwise.
type diffWriter struct {
	b *strings.Builder
	t terminal
}

func (w *diffWriter) line(mark, text, style string) {
	w.spans(mark, []span{{text: stripControls(text), style: style}})
}

func (w *diffWriter) spans(mark string, spans []span) {
	style := ""
	switch mark {
	case "-":
		style = ansiRed
	case "+":
		style = ansiGreen
	}
	if !w.t.color {
		var s strings.Builder
		for _, sp := range spans {
			s.WriteString(sp.text)
		}
		w.b.WriteString(strings.TrimRight(mark+" "+oneLine(s.String()), " ") + "\n")
		return
	}
	for i, l := range w.t.wrapSpans(spans, w.t.width-2, 0) {
		m := "  "
		if i == 0 {
			m = w.t.paint(style, mark+" ")
		}
		w.b.WriteString(m + l + "\n")
	}
}

// rewrite writes an edited line as its old and new forms, the changed
// words highlighted on a terminal.
func (w *diffWriter) rewrite(ops []archive.TextOp) {
	var old, nw []span
	for _, op := range ops {
		text := stripControls(op.Text)
		switch op.Op {
		case archive.OpEqual:
			old = append(old, span{text: text, style: ansiRed})
			nw = append(nw, span{text: text, style: ansiGreen})
		case archive.OpDelete:
			old = append(old, span{text: text, style: ansiRevRed})
		case archive.OpInsert:
			nw = append(nw, span{text: text, style: ansiRevGrn})
		}
	}
	w.spans("-", old)
	w.spans("+", nw)
}
