package archive

import (
	"net/http"
	"sort"
	"strings"
)

// formatHeader serialises h as stored in headers.block: one "Key: value\r\n"
// line per value, keys canonical and sorted, each key's values in the order
// received. CR and LF inside a value (which net/http never delivers) are
// replaced by spaces so that the block stays parseable.
func formatHeader(h http.Header) string {
	if len(h) == 0 {
		return ""
	}
	keys := make([]string, 0, len(h))
	for k := range h {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		ck := http.CanonicalHeaderKey(k)
		for _, v := range h[k] {
			b.WriteString(ck)
			b.WriteString(": ")
			b.WriteString(strings.NewReplacer("\r", " ", "\n", " ").Replace(v))
			b.WriteString("\r\n")
		}
	}
	return b.String()
}

// parseHeader is the inverse of formatHeader.
func parseHeader(block string) http.Header {
	h := http.Header{}
	for line := range strings.SplitSeq(block, "\r\n") {
		if line == "" {
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		h[k] = append(h[k], v)
	}
	return h
}

// headerPatch returns the lines that turn block base into block next:
// every line of a key whose values differ, and "-Key" for a key that is
// gone. It is "" when the blocks hold the same headers.
func headerPatch(base, next string) string {
	bh, nh := parseHeader(base), parseHeader(next)
	keys := make([]string, 0, len(nh))
	for k := range nh {
		keys = append(keys, k)
	}
	for k := range bh {
		if _, ok := nh[k]; !ok {
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	var b strings.Builder
	for _, k := range keys {
		nv, ok := nh[k]
		if !ok {
			b.WriteString("-" + k + "\r\n")
			continue
		}
		if equalStrings(bh[k], nv) {
			continue
		}
		for _, v := range nv {
			b.WriteString(k + ": " + v + "\r\n")
		}
	}
	return b.String()
}

// applyHeaderPatch rebuilds the headers from a base block and a patch.
func applyHeaderPatch(base, patch string) http.Header {
	h := parseHeader(base)
	replaced := map[string]bool{}
	for line := range strings.SplitSeq(patch, "\r\n") {
		if line == "" {
			continue
		}
		if strings.HasPrefix(line, "-") {
			delete(h, line[1:])
			continue
		}
		k, v, _ := strings.Cut(line, ": ")
		if !replaced[k] {
			h[k] = nil
			replaced[k] = true
		}
		h[k] = append(h[k], v)
	}
	return h
}

func equalStrings(a, b []string) bool {
	if len(a) != len(b) {
		return false
	}
	for i := range a {
		if a[i] != b[i] {
			return false
		}
	}
	return true
}
