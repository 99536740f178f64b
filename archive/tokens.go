package archive

import (
	"strings"
	"unicode"
)

// isCJK reports whether r belongs to a script written without spaces
// between words: Han, Hiragana, Katakana, Hangul (and the CJK iteration
// marks). Runs of such characters are indexed as bigrams.
func isCJK(r rune) bool {
	return unicode.Is(unicode.Han, r) || unicode.Is(unicode.Hiragana, r) ||
		unicode.Is(unicode.Katakana, r) || unicode.Is(unicode.Hangul, r) ||
		r == '々' || r == '〆' || r == 'ー'
}

// isWordRune reports whether r is part of a word of a spaced script.
func isWordRune(r rune) bool {
	return unicode.IsLetter(r) || unicode.IsDigit(r) || unicode.Is(unicode.Mn, r)
}

// segment walks s and hands each maximal CJK run to cjk and each word of
// another script to word, in order; everything else separates them.
func segment(s string, cjk func([]rune), word func(string)) {
	var run []rune
	flush := func() {
		if len(run) > 0 {
			cjk(run)
			run = run[:0]
		}
	}
	start := -1
	for i, r := range s {
		switch {
		case isCJK(r):
			if start >= 0 {
				word(s[start:i])
				start = -1
			}
			run = append(run, r)
		case isWordRune(r):
			flush()
			if start < 0 {
				start = i
			}
		default:
			flush()
			if start >= 0 {
				word(s[start:i])
				start = -1
			}
		}
	}
	flush()
	if start >= 0 {
		word(s[start:])
	}
}

// tokenize turns text into the space-separated tokens fed to fts_tokens:
// every CJK run c1…cn becomes its overlapping bigrams c1c2 … cn-1cn followed
// by its last character cn alone; words of other scripts are kept as they
// are (fts_tokens lower-cases and stems them). Every occurrence of a
// character thus begins some token, so one character is found with a
// prefix query, two with a token query, and n with a phrase of bigrams.
func tokenize(s string) string {
	var b strings.Builder
	b.Grow(len(s) * 2)
	emit := func(tok string) {
		if b.Len() > 0 {
			b.WriteByte(' ')
		}
		b.WriteString(tok)
	}
	segment(s, func(run []rune) {
		for i := 0; i+1 < len(run); i++ {
			emit(string(run[i : i+2]))
		}
		emit(string(run[len(run)-1]))
	}, emit)
	return b.String()
}

// qtoken is one token of a query term; prefix marks a one-character CJK
// run, which must match as a token prefix.
type qtoken struct {
	text   string
	prefix bool
}

// queryTokens turns one query term into the tokens to look for in
// fts_tokens, in order: a CJK run of two or more characters becomes its
// bigrams (without the document side's trailing character), a run of one
// character a prefix token, a word itself.
func queryTokens(term string) []qtoken {
	var toks []qtoken
	segment(term, func(run []rune) {
		if len(run) == 1 {
			toks = append(toks, qtoken{string(run), true})
			return
		}
		for i := 0; i+1 < len(run); i++ {
			toks = append(toks, qtoken{string(run[i : i+2]), false})
		}
	}, func(w string) { toks = append(toks, qtoken{w, false}) })
	return toks
}
