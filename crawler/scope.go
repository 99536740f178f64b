package crawler

import (
	"hash/maphash"
	"regexp"
	"strconv"
	"strings"
	"sync"
	"time"
)

// scope decides which URLs a crawl may queue.
//
// By default a URL is in scope when its host is a root host: the host of a
// seed, or of where a seed redirected to when that host differs only by a
// "www." prefix. When Allow is set, a URL is in scope when it matches an
// Allow pattern instead (robots.txt and sitemaps of root hosts stay in
// scope). Deny takes precedence over everything; seeds are in scope unless
// denied.
type scope struct {
	allow, deny []*regexp.Regexp

	mu    sync.RWMutex
	roots map[string]bool
}

func newScope(allow, deny []*regexp.Regexp) *scope {
	return &scope{allow: allow, deny: deny, roots: map[string]bool{}}
}

func (s *scope) addRoot(host string) {
	s.mu.Lock()
	s.roots[host] = true
	s.mu.Unlock()
}

func (s *scope) isRoot(host string) bool {
	s.mu.RLock()
	defer s.mu.RUnlock()
	return s.roots[host]
}

// denied tells whether a Deny pattern matches u.
func (s *scope) denied(u string) bool {
	for _, r := range s.deny {
		if r.MatchString(u) {
			return true
		}
	}
	return false
}

// contains tells whether u (on host, of kind) is in scope.
func (s *scope) contains(u, host string, kind Kind) bool {
	if s.denied(u) {
		return false
	}
	if len(s.allow) == 0 {
		return s.isRoot(host)
	}
	for _, r := range s.allow {
		if r.MatchString(u) {
			return true
		}
	}
	return (kind == KindRobots || kind == KindSitemap) && s.isRoot(host)
}

// sameSite tells whether two hosts differ at most by a "www." prefix.
func sameSite(a, b string) bool {
	return strings.TrimPrefix(a, "www.") == strings.TrimPrefix(b, "www.")
}

// seenSet remembers, in bounded memory, URLs the run has already decided
// on (queued in the frontier, or dropped for good), so that the links
// repeated on every page do not go to the frontier again. It holds 64-bit
// hashes in two generations; when the current one is full the older is
// forgotten. A forgotten URL only costs a frontier lookup.
type seenSet struct {
	mu        sync.Mutex
	seed      maphash.Seed
	cur, prev map[uint64]struct{}
	limit     int
}

func newSeenSet(limit int) *seenSet {
	return &seenSet{seed: maphash.MakeSeed(), cur: make(map[uint64]struct{}), limit: limit}
}

func (s *seenSet) hash(u string) uint64 { return maphash.String(s.seed, u) }

// rawHash is the key of a link as written on a page in directory dir.
func (s *seenSet) rawHash(dir, href string) uint64 {
	var h maphash.Hash
	h.SetSeed(s.seed)
	h.WriteString(dir)
	h.WriteByte(0)
	h.WriteString(href)
	return h.Sum64()
}

// hasAll tells, for each hash, whether it is in the set, under one lock;
// the answers are appended to out.
func (s *seenSet) hasAll(hs []uint64, out []bool) []bool {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		_, ok := s.cur[h]
		if !ok {
			_, ok = s.prev[h]
		}
		out = append(out, ok)
	}
	return out
}

func (s *seenSet) add(hs ...uint64) {
	s.mu.Lock()
	defer s.mu.Unlock()
	for _, h := range hs {
		if len(s.cur) >= s.limit {
			s.prev, s.cur = s.cur, make(map[uint64]struct{}, s.limit/4)
		}
		s.cur[h] = struct{}{}
	}
}

// Trap patterns. A URL's "shape" is the URL with its calendar dates and
// page numbers replaced by placeholders; Config.PatternCap bounds how many
// URLs of one shape a run queues. Everything else in the URL is kept, so
// that articles whose URLs merely contain their date have shapes of their
// own.
var (
	// A year and month, maybe a day: 2021-09-28, 2021/09/28, 20210928, 2021_09.
	pathDate = regexp.MustCompile(`(^|[^0-9])((?:19|20|21)[0-9]{2})([-/_.]?)(0[1-9]|1[0-2])(?:([-/_.]?)(0[1-9]|[12][0-9]|3[01]))?([^0-9]|$)`)
	// A page number at the end of a path segment: index_2.html, list-3.htm, /page/4.
	pathPage = regexp.MustCompile(`(?i)((?:^|/)(?:index|list|page|more|default|node)[_-]|/page/)([0-9]+)((?:\.[a-z]+)?(?:/|$))`)
)

// calendarParams and pageParams are query parameters whose numeric values
// are dates or page numbers.
var (
	calendarParams = map[string]bool{"year": true, "month": true, "day": true, "date": true,
		"ym": true, "ymd": true, "calendar": true}
	pageParams = map[string]bool{"page": true, "pg": true, "pageno": true, "page_no": true, "pagenum": true,
		"pageindex": true, "pn": true, "start": true, "offset": true, "currentpage": true, "cur_page": true,
		"curpage": true, "pagenumber": true, "paged": true}
)

// shape returns the trap shape of a canonical URL, "" when it has no date
// or page number, and whether it holds a date too far ahead (or before
// 1970) to be anything but a calendar running on.
func shape(u string, now time.Time) (key string, absurd bool) {
	path, query, _ := strings.Cut(u, "?")
	origin := ""
	if i := strings.Index(path, "://"); i >= 0 {
		if j := strings.IndexByte(path[i+3:], '/'); j >= 0 {
			origin, path = path[:i+3+j], path[i+3+j:]
		}
	}
	changed := false
	maxYear := now.Year() + 1
	if m := pathDate.FindAllStringSubmatchIndex(path, -1); m != nil {
		for _, loc := range m {
			if y, _ := strconv.Atoi(path[loc[4]:loc[5]]); y > maxYear || y < 1970 {
				return "", true
			}
		}
		path = pathDate.ReplaceAllString(path, "${1}{date}${7}")
		changed = true
	}
	if pathPage.MatchString(path) {
		path = pathPage.ReplaceAllString(path, "${1}{n}${3}")
		changed = true
	}
	if query != "" {
		parts := strings.Split(query, "&")
		for i, p := range parts {
			k, v, _ := strings.Cut(p, "=")
			lk := strings.ToLower(k)
			if v == "" || !(calendarParams[lk] || pageParams[lk]) || !numericish(v) {
				continue
			}
			if calendarParams[lk] {
				for _, y := range yearsIn(v) {
					if y > maxYear || (y < 1970 && y >= 1000) {
						return "", true
					}
				}
			}
			parts[i] = k + "={n}"
			changed = true
		}
		if changed {
			query = strings.Join(parts, "&")
		}
	}
	if !changed {
		return "", false
	}
	if query == "" {
		return origin + path, false
	}
	return origin + path + "?" + query, false
}

// numericish tells values made of digits and date separators.
func numericish(v string) bool {
	for i := 0; i < len(v); i++ {
		c := v[i]
		if !('0' <= c && c <= '9' || c == '-' || c == '/' || c == '.' || c == '_' || c == '%') {
			return false
		}
	}
	return true
}

// yearsIn returns the four-digit numbers in v.
func yearsIn(v string) []int {
	var ys []int
	for i := 0; i < len(v); {
		j := i
		for j < len(v) && '0' <= v[j] && v[j] <= '9' {
			j++
		}
		if j-i == 4 || (j-i == 8 && i == 0) {
			y, _ := strconv.Atoi(v[i : i+4])
			ys = append(ys, y)
		}
		if j == i {
			j++
		}
		i = j
	}
	return ys
}

// repeatsSegments tells a path whose segments repeat like a link loop:
// one segment more than three times (/a/b/a/b/a/b/a/b).
func repeatsSegments(u string) bool {
	path, _, _ := strings.Cut(u, "?")
	if i := strings.Index(path, "://"); i >= 0 {
		path = path[i+3:]
	}
	segs := strings.Split(path, "/")
	if len(segs) < 5 {
		return false
	}
	count := map[string]int{}
	for _, s := range segs[1:] {
		if s == "" {
			continue
		}
		count[s]++
		if count[s] > 3 {
			return true
		}
	}
	return false
}

// trapCounter counts queued URLs per shape, in bounded memory: when it
// holds too many shapes it forgets those seen once (an article whose URL
// has its date), keeping the ones that repeat (a calendar, a pager).
type trapCounter struct {
	mu     sync.Mutex
	seed   maphash.Seed
	counts map[uint64]int32
	limit  int
}

func newTrapCounter(limit int) *trapCounter {
	return &trapCounter{seed: maphash.MakeSeed(), counts: map[uint64]int32{}, limit: limit}
}

// admit counts one more URL of shape key and tells whether it is within
// the cap.
func (t *trapCounter) admit(key string, cap int) bool {
	h := maphash.String(t.seed, key)
	t.mu.Lock()
	defer t.mu.Unlock()
	n := t.counts[h]
	if int(n) >= cap {
		return false
	}
	if len(t.counts) >= t.limit {
		for k, v := range t.counts {
			if v <= 1 {
				delete(t.counts, k)
			}
		}
	}
	t.counts[h] = n + 1
	return true
}
