package crawler

import (
	"errors"
	"fmt"
	"net/url"
	"slices"
	"strings"

	"golang.org/x/net/idna"
)

// Canonicalize returns the canonical form of an absolute http or https URL,
// the form the frontier dedupes on:
//   - the scheme and host are lower case (an international host in
//     Punycode), a trailing dot and the default port are dropped;
//   - the path is never empty, "." and ".." segments are resolved,
//     percent-encodings use upper-case hex, unreserved characters are not
//     encoded, and characters that must be encoded are;
//   - the fragment is dropped;
//   - tracking parameters (utm_*, spm, from, gclid, fbclid, …) and session
//     ids (jsessionid, PHPSESSID, sessionid, a token-like sid, …, also as a
//     ";jsessionid=" path parameter) are removed;
//   - the remaining query parameters are sorted by name, keeping the order
//     of repeated names; an empty query is dropped.
func Canonicalize(raw string) (string, error) {
	u, err := parseAbsolute(raw)
	if err != nil {
		return "", err
	}
	s, _, err := canonical(u)
	return s, err
}

// parseAbsolute parses an absolute http(s) URL.
func parseAbsolute(raw string) (*url.URL, error) {
	u, err := url.Parse(strings.TrimSpace(raw))
	if err != nil {
		return nil, err
	}
	if u.Scheme != "http" && u.Scheme != "https" {
		return nil, fmt.Errorf("URL %q: not http or https", raw)
	}
	if u.Host == "" || u.Opaque != "" {
		return nil, fmt.Errorf("URL %q: no host", raw)
	}
	return u, nil
}

var errNoHost = errors.New("no host")

// canonical returns the canonical string of an absolute URL and its host
// (lower case, with the port when not the default).
func canonical(u *url.URL) (s, host string, err error) {
	scheme := strings.ToLower(u.Scheme)
	if scheme != "http" && scheme != "https" {
		return "", "", fmt.Errorf("not http or https: %q", u.Scheme)
	}
	host, err = canonicalHost(scheme, u.Host)
	if err != nil {
		return "", "", err
	}
	path := canonicalPath(u.EscapedPath())
	query := canonicalQuery(u.RawQuery)

	var b strings.Builder
	b.Grow(len(scheme) + 3 + len(host) + len(path) + len(query) + 1 + 32)
	b.WriteString(scheme)
	b.WriteString("://")
	if u.User != nil {
		b.WriteString(u.User.String())
		b.WriteByte('@')
	}
	b.WriteString(host)
	b.WriteString(path)
	if query != "" {
		b.WriteByte('?')
		b.WriteString(query)
	}
	return b.String(), host, nil
}

func canonicalHost(scheme, hostport string) (string, error) {
	host, port := hostport, ""
	if i := strings.LastIndexByte(hostport, ':'); i >= 0 && !strings.Contains(hostport[i:], "]") {
		host, port = hostport[:i], hostport[i+1:]
	}
	if (scheme == "http" && port == "80") || (scheme == "https" && port == "443") {
		port = ""
	}
	if strings.HasPrefix(host, "[") {
		host = strings.ToLower(host) // IPv6 literal
	} else {
		host = strings.TrimRight(host, ".")
		if !isASCII(host) {
			h, err := idna.Lookup.ToASCII(host)
			if err != nil {
				return "", fmt.Errorf("host %q: %w", host, err)
			}
			host = h
		}
		host = strings.ToLower(host)
	}
	if host == "" {
		return "", errNoHost
	}
	if port != "" {
		return host + ":" + port, nil
	}
	return host, nil
}

func isASCII(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// canonicalPath normalises an escaped path.
func canonicalPath(p string) string {
	if p == "" {
		return "/"
	}
	if strings.IndexByte(p, ';') >= 0 {
		p = dropPathSession(p)
	}
	p = normalizePercent(p)
	if strings.Contains(p, "/.") || strings.HasPrefix(p, ".") {
		p = removeDotSegments(p)
	}
	if p == "" || p[0] != '/' {
		p = "/" + p
	}
	return p
}

// pathSessionParams are ";name=value" path parameters that carry session
// ids (Java, PHP, ASP).
var pathSessionParams = []string{";jsessionid=", ";phpsessid=", ";sid=", ";aspsessionid"}

func dropPathSession(p string) string {
	lower := strings.ToLower(p)
	for _, param := range pathSessionParams {
		for {
			i := strings.Index(lower, param)
			if i < 0 {
				break
			}
			j := i + 1
			for j < len(p) && p[j] != '/' && p[j] != ';' {
				j++
			}
			p, lower = p[:i]+p[j:], lower[:i]+lower[j:]
		}
	}
	return p
}

// removeDotSegments is RFC 3986 section 5.2.4.
func removeDotSegments(p string) string {
	var out []string
	segs := strings.Split(p, "/")
	for i, s := range segs {
		last := i == len(segs)-1
		switch s {
		case ".":
			if last {
				out = append(out, "")
			}
		case "..":
			if len(out) > 1 {
				out = out[:len(out)-1]
			}
			if last {
				out = append(out, "")
			}
		default:
			out = append(out, s)
		}
	}
	r := strings.Join(out, "/")
	if !strings.HasPrefix(r, "/") {
		r = "/" + r
	}
	return r
}

const upperHex = "0123456789ABCDEF"

func unhex(c byte) (byte, bool) {
	switch {
	case '0' <= c && c <= '9':
		return c - '0', true
	case 'a' <= c && c <= 'f':
		return c - 'a' + 10, true
	case 'A' <= c && c <= 'F':
		return c - 'A' + 10, true
	}
	return 0, false
}

func unreserved(c byte) bool {
	return 'a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' ||
		c == '-' || c == '.' || c == '_' || c == '~'
}

// mustEscape tells the bytes that never appear literally in a canonical
// URL: controls, space, non-ASCII and the characters RFC 3986 excludes.
func mustEscape(c byte) bool {
	if c <= ' ' || c >= 0x7f {
		return true
	}
	switch c {
	case '"', '<', '>', '\\', '^', '`', '{', '|', '}':
		return true
	}
	return false
}

// normalizePercent decodes percent-encoded unreserved characters, writes
// the other encodings in upper case, encodes a stray '%' and the bytes that
// must be encoded. It returns s itself when nothing changes.
func normalizePercent(s string) string {
	i := 0
	for ; i < len(s); i++ {
		c := s[i]
		if c == '%' || mustEscape(c) {
			break
		}
	}
	if i == len(s) {
		return s
	}
	var b strings.Builder
	b.Grow(len(s) + 8)
	b.WriteString(s[:i])
	for ; i < len(s); i++ {
		c := s[i]
		switch {
		case c == '%':
			if i+2 < len(s) {
				hi, ok1 := unhex(s[i+1])
				lo, ok2 := unhex(s[i+2])
				if ok1 && ok2 {
					d := hi<<4 | lo
					if unreserved(d) {
						b.WriteByte(d)
					} else {
						b.WriteByte('%')
						b.WriteByte(upperHex[d>>4])
						b.WriteByte(upperHex[d&15])
					}
					i += 2
					continue
				}
			}
			b.WriteString("%25")
		case mustEscape(c):
			b.WriteByte('%')
			b.WriteByte(upperHex[c>>4])
			b.WriteByte(upperHex[c&15])
		default:
			b.WriteByte(c)
		}
	}
	return b.String()
}

// trackingParams are query parameters that only say where a visitor came
// from; they never change the document.
var trackingParams = map[string]bool{
	"spm": true, "scm": true, "from": true, "gclid": true, "dclid": true, "fbclid": true,
	"msclkid": true, "yclid": true, "mc_cid": true, "mc_eid": true, "_hsenc": true,
	"_hsmi": true, "igshid": true, "_ga": true, "_gl": true, "share_source": true,
	"share_medium": true, "isappinstalled": true, "vd_source": true,
}

// sessionParams are query parameters that carry session ids.
var sessionParams = map[string]bool{
	"jsessionid": true, "phpsessid": true, "sessionid": true, "session_id": true,
	"sessid": true, "cfid": true, "cftoken": true, "oscsid": true, "zenid": true,
}

// dropParam tells whether a query parameter is tracking or a session id.
func dropParam(key, value string) bool {
	k := strings.ToLower(key)
	if strings.HasPrefix(k, "utm_") || strings.HasPrefix(k, "aspsessionid") || trackingParams[k] || sessionParams[k] {
		return true
	}
	// "sid" is a session id on some sites and a section id on others: drop
	// it only when its value looks like a token.
	return k == "sid" && looksLikeToken(value)
}

func looksLikeToken(v string) bool {
	if len(v) < 16 {
		return false
	}
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('a' <= c && c <= 'z' || 'A' <= c && c <= 'Z' || '0' <= c && c <= '9' || c == '-' || c == '_') {
			return false
		}
	}
	return true
}

// canonicalQuery drops tracking and session parameters and sorts the rest
// by name, keeping the order of repeated names.
func canonicalQuery(q string) string {
	if q == "" {
		return ""
	}
	parts := strings.Split(q, "&")
	kept := parts[:0]
	for _, p := range parts {
		if p == "" {
			continue
		}
		k, v, _ := strings.Cut(p, "=")
		if dropParam(k, v) {
			continue
		}
		kept = append(kept, normalizePercent(p))
	}
	slices.SortStableFunc(kept, func(a, b string) int {
		ka, _, _ := strings.Cut(a, "=")
		kb, _, _ := strings.Cut(b, "=")
		return strings.Compare(ka, kb)
	})
	return strings.Join(kept, "&")
}
