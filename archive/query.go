package archive

import (
	"errors"
	"fmt"
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// ErrBadQuery is wrapped by Search's error when the search text cannot be
// understood; the message says where and why.
var ErrBadQuery = errors.New("bad search query")

// Limits on search text, so that no input makes a pathological query.
const (
	maxQueryBytes = 2000
	maxQueryTerms = 64
	maxQueryDepth = 16
)

// qop is the kind of a query node.
type qop int

const (
	qTerm qop = iota
	qAnd
	qOr
	qNot // kids[0] NOT kids[1]
)

// qnode is one node of a parsed search query.
type qnode struct {
	op     qop
	text   string // qTerm: the word or phrase
	phrase bool   // written in double quotes
	prefix bool   // followed by *
	column string // "title", "body" or "" for both
	kids   []*qnode
}

// The search syntax is FTS5's, checked here so that a mistake gets a clear
// message instead of an SQL error:
//
//	word  "a phrase"  word*  a AND b  a b (AND)  a OR b  a NOT b  (a OR b) c
//	title:word  body:"a phrase"  title:(a OR b)
//
// AND, OR and NOT are operators only in capitals.
func parseQuery(s string) (*qnode, error) {
	if len(s) > maxQueryBytes {
		return nil, fmt.Errorf("%w: longer than %d bytes", ErrBadQuery, maxQueryBytes)
	}
	if !utf8.ValidString(s) {
		return nil, fmt.Errorf("%w: not valid UTF-8", ErrBadQuery)
	}
	// Control characters (NUL ends an SQLite string) are no search text;
	// text is compared in NFC, as pages almost always are.
	s = strings.Map(func(r rune) rune {
		if unicode.IsControl(r) {
			return ' '
		}
		return r
	}, norm.NFC.String(s))
	toks, err := lexQuery(s)
	if err != nil {
		return nil, err
	}
	if len(toks) == 0 {
		return nil, fmt.Errorf("%w: nothing to search for", ErrBadQuery)
	}
	p := &qparser{toks: toks}
	n, err := p.or(0)
	if err != nil {
		return nil, err
	}
	if p.pos < len(p.toks) {
		t := p.toks[p.pos]
		if t.kind == tokClose {
			return nil, fmt.Errorf("%w: unbalanced ')' at character %d", ErrBadQuery, t.at+1)
		}
		return nil, fmt.Errorf("%w: unexpected %q at character %d", ErrBadQuery, t.text, t.at+1)
	}
	if p.terms > maxQueryTerms {
		return nil, fmt.Errorf("%w: more than %d terms", ErrBadQuery, maxQueryTerms)
	}
	return n, nil
}

type tokKind int

const (
	tokWord tokKind = iota
	tokPhrase
	tokOpen
	tokClose
	tokAnd
	tokOr
	tokNot
	tokColumn // "title:" or "body:" before a term, phrase or group
)

type qtok struct {
	kind   tokKind
	text   string
	prefix bool
	at     int // byte offset in the query
}

func lexQuery(s string) ([]qtok, error) {
	var toks []qtok
	i := 0
	for i < len(s) {
		r, n := utf8.DecodeRuneInString(s[i:])
		switch {
		case unicode.IsSpace(r):
			i += n
		case r == '(':
			toks = append(toks, qtok{kind: tokOpen, text: "(", at: i})
			i++
		case r == ')':
			toks = append(toks, qtok{kind: tokClose, text: ")", at: i})
			i++
		case r == '"':
			end := strings.IndexByte(s[i+1:], '"')
			if end < 0 {
				return nil, fmt.Errorf("%w: unclosed quote at character %d", ErrBadQuery, i+1)
			}
			t := qtok{kind: tokPhrase, text: s[i+1 : i+1+end], at: i}
			i += end + 2
			if i < len(s) && s[i] == '*' {
				t.prefix = true
				i++
			}
			toks = append(toks, t)
		default:
			start := i
			for i < len(s) {
				r, n := utf8.DecodeRuneInString(s[i:])
				if unicode.IsSpace(r) || r == '(' || r == ')' || r == '"' {
					break
				}
				i += n
				if r == ':' {
					if col := strings.ToLower(s[start : i-1]); col == "title" || col == "body" {
						toks = append(toks, qtok{kind: tokColumn, text: col, at: start})
						start = i
					}
				}
			}
			w := s[start:i]
			switch {
			case w == "":
			case w == "AND":
				toks = append(toks, qtok{kind: tokAnd, text: w, at: start})
			case w == "OR":
				toks = append(toks, qtok{kind: tokOr, text: w, at: start})
			case w == "NOT":
				toks = append(toks, qtok{kind: tokNot, text: w, at: start})
			default:
				t := qtok{kind: tokWord, text: w, at: start}
				if strings.HasSuffix(w, "*") {
					t.text, t.prefix = strings.TrimRight(w, "*"), true
				}
				if t.text == "" {
					return nil, fmt.Errorf("%w: '*' at character %d follows nothing", ErrBadQuery, start+1)
				}
				toks = append(toks, t)
			}
		}
	}
	return toks, nil
}

type qparser struct {
	toks  []qtok
	pos   int
	terms int
}

func (p *qparser) peek() (qtok, bool) {
	if p.pos < len(p.toks) {
		return p.toks[p.pos], true
	}
	return qtok{}, false
}

func (p *qparser) or(depth int) (*qnode, error) {
	left, err := p.and(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokOr {
			return left, nil
		}
		p.pos++
		right, err := p.and(depth)
		if err != nil {
			return nil, err
		}
		left = &qnode{op: qOr, kids: []*qnode{left, right}}
	}
}

func (p *qparser) and(depth int) (*qnode, error) {
	left, err := p.not(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind == tokOr || t.kind == tokClose || t.kind == tokNot {
			return left, nil
		}
		if t.kind == tokAnd {
			p.pos++
		}
		right, err := p.not(depth)
		if err != nil {
			return nil, err
		}
		left = &qnode{op: qAnd, kids: []*qnode{left, right}}
	}
}

func (p *qparser) not(depth int) (*qnode, error) {
	left, err := p.unary(depth)
	if err != nil {
		return nil, err
	}
	for {
		t, ok := p.peek()
		if !ok || t.kind != tokNot {
			return left, nil
		}
		p.pos++
		right, err := p.unary(depth)
		if err != nil {
			return nil, err
		}
		left = &qnode{op: qNot, kids: []*qnode{left, right}}
	}
}

func (p *qparser) unary(depth int) (*qnode, error) {
	if depth > maxQueryDepth {
		return nil, fmt.Errorf("%w: parentheses nested deeper than %d", ErrBadQuery, maxQueryDepth)
	}
	t, ok := p.peek()
	if !ok {
		return nil, fmt.Errorf("%w: the query ends where a word was expected", ErrBadQuery)
	}
	p.pos++
	switch t.kind {
	case tokColumn:
		n, err := p.unary(depth + 1)
		if err != nil {
			return nil, err
		}
		setColumn(n, t.text)
		return n, nil
	case tokWord, tokPhrase:
		p.terms++
		text := strings.TrimSpace(t.text)
		if text == "" {
			return nil, fmt.Errorf("%w: empty phrase at character %d", ErrBadQuery, t.at+1)
		}
		// Terms are compared folded (NFKC), the syntax around them is not:
		// a full-width parenthesis stays a character to search for.
		return &qnode{op: qTerm, text: fold(text), phrase: t.kind == tokPhrase, prefix: t.prefix}, nil
	case tokOpen:
		n, err := p.or(depth + 1)
		if err != nil {
			return nil, err
		}
		c, ok := p.peek()
		if !ok || c.kind != tokClose {
			return nil, fmt.Errorf("%w: '(' at character %d is not closed", ErrBadQuery, t.at+1)
		}
		p.pos++
		return n, nil
	case tokClose:
		return nil, fmt.Errorf("%w: unexpected ')' at character %d", ErrBadQuery, t.at+1)
	default:
		return nil, fmt.Errorf("%w: %s at character %d needs a word before and after it", ErrBadQuery, t.text, t.at+1)
	}
}

func setColumn(n *qnode, col string) {
	if n.op == qTerm {
		if n.column == "" {
			n.column = col
		}
		return
	}
	for _, k := range n.kids {
		setColumn(k, col)
	}
}

// leaves returns the query's terms, skipping those after NOT when positive
// (the terms a hit contains, for highlighting).
func (n *qnode) leaves(positive bool) []*qnode {
	switch n.op {
	case qTerm:
		return []*qnode{n}
	case qNot:
		if positive {
			return n.kids[0].leaves(true)
		}
	}
	var out []*qnode
	for _, k := range n.kids {
		out = append(out, k.leaves(positive)...)
	}
	return out
}

// Which full-text index answers a query.
const (
	IndexTrigram = "trigram"
	IndexTokens  = "tokens"
)

// route picks the index: trigram when every term is Chinese characters
// only, three or more, so that substring search is exact; tokens
// otherwise (short Chinese terms, words, and any term with Latin letters,
// digits, punctuation or kana, which only fts_tokens compares folded:
// fts_trigram holds the text as the page wrote it, and no ideograph has a
// full-width or half-width form).
func route(n *qnode) string {
	for _, l := range n.leaves(false) {
		if l.prefix || utf8.RuneCountInString(l.text) < 3 || strings.ContainsFunc(l.text, notHan) {
			return IndexTokens
		}
	}
	return IndexTrigram
}

func notHan(r rune) bool { return !unicode.Is(unicode.Han, r) }

// ftsString quotes s as an FTS5 string.
func ftsString(s string) string {
	return `"` + strings.ReplaceAll(s, `"`, `""`) + `"`
}

// render writes the query as an FTS5 MATCH expression for the index.
func render(n *qnode, index string) (string, error) {
	var b strings.Builder
	if err := renderTo(&b, n, index); err != nil {
		return "", err
	}
	return b.String(), nil
}

func renderTo(b *strings.Builder, n *qnode, index string) error {
	switch n.op {
	case qTerm:
		if n.column != "" {
			b.WriteString("{" + n.column + "} : ")
		}
		if index == IndexTrigram {
			b.WriteString(ftsString(n.text))
			return nil
		}
		toks := queryTokens(n.text)
		if len(toks) == 0 {
			return fmt.Errorf("%w: %q has no letters or digits to search for", ErrBadQuery, n.text)
		}
		for i, t := range toks {
			if i > 0 {
				b.WriteString(" + ")
			}
			b.WriteString(ftsString(t.text))
			if t.prefix || (n.prefix && i == len(toks)-1) {
				b.WriteString(" *")
			}
		}
		return nil
	default:
		op := map[qop]string{qAnd: " AND ", qOr: " OR ", qNot: " NOT "}[n.op]
		b.WriteByte('(')
		for i, k := range n.kids {
			if i > 0 {
				b.WriteString(op)
			}
			if err := renderTo(b, k, index); err != nil {
				return err
			}
		}
		b.WriteByte(')')
		return nil
	}
}
