package archive

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"
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

// fold is the form in which fts_tokens and queries compare text: Unicode
// NFKC, which makes full-width Latin letters, digits and punctuation
// (ＧＤＰ，２０２１) their ASCII forms and half-width katakana (ｶﾀｶﾅ)
// full-width, as pages mix both. Case is folded by the index.
func fold(s string) string { return norm.NFKC.String(s) }

// tokenize turns text, folded, into the space-separated tokens fed to fts_tokens:
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
	segment(fold(s), func(run []rune) {
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
// fts_tokens, in order, as a phrase: a CJK run becomes its bigrams, a run
// of one character a prefix token, a word itself. A run that other text
// follows in the term also keeps the document side's trailing character,
// so that the phrase lines up with what tokenize wrote ("第7篇": 第, 7,
// 篇*).
func queryTokens(term string) []qtoken {
	type seg struct {
		run  []rune
		word string
	}
	var segs []seg
	segment(term, func(run []rune) { segs = append(segs, seg{run: append([]rune(nil), run...)}) },
		func(w string) { segs = append(segs, seg{word: w}) })
	var toks []qtoken
	for i, s := range segs {
		last := i == len(segs)-1
		switch {
		case s.run == nil:
			toks = append(toks, qtoken{s.word, false})
		case len(s.run) == 1:
			toks = append(toks, qtoken{string(s.run), last})
		default:
			for j := 0; j+1 < len(s.run); j++ {
				toks = append(toks, qtoken{string(s.run[j : j+2]), false})
			}
			if !last {
				toks = append(toks, qtoken{string(s.run[len(s.run)-1]), false})
			}
		}
	}
	return toks
}
