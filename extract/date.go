package extract

import (
	"regexp"
	"strconv"
	"strings"
	"time"
)

// stamp is a point in time as a page states it: a date, perhaps a time of
// day, perhaps a zone.
type stamp struct {
	year, month, day int
	hour, min, sec   int
	hasTime, hasZone bool
	offset           int // seconds east of UTC, when hasZone
	raw              string
	pos              int // byte offset of the match in the searched text
}

var monthNames = map[string]int{}

func init() {
	for i, names := range [][]string{
		{"january", "jan", "januar", "janvier", "enero", "gennaio", "januari", "janeiro", "jänner", "янв"},
		{"february", "feb", "februar", "février", "fevrier", "febrero", "febbraio", "februari", "fevereiro", "fév", "fevr", "févr"},
		{"march", "mar", "märz", "maerz", "mars", "marzo", "maart", "março", "marco", "mär"},
		{"april", "apr", "avril", "abril", "aprile"},
		{"may", "mai", "mayo", "maggio", "mei", "maio"},
		{"june", "jun", "juni", "juin", "junio", "giugno", "junho"},
		{"july", "jul", "juli", "juillet", "julio", "luglio", "julho", "juil"},
		{"august", "aug", "août", "aout", "agosto", "augustus", "ago"},
		{"september", "sep", "sept", "septembre", "septiembre", "settembre", "setembro", "set"},
		{"october", "oct", "oktober", "okt", "octobre", "octubre", "ottobre", "outubro", "out"},
		{"november", "nov", "novembre", "noviembre", "novembro"},
		{"december", "dec", "dezember", "dez", "décembre", "decembre", "diciembre", "dicembre", "dezembro", "déc", "dic"},
	} {
		for _, n := range names {
			monthNames[n] = i + 1
		}
	}
}

const monthAlt = `((?i:january|february|march|april|may|june|july|august|september|october|november|december|januar|februar|märz|maerz|juni|juli|oktober|dezember|janvier|février|fevrier|mars|avril|mai|juin|juillet|août|aout|septembre|octobre|novembre|décembre|decembre|enero|febrero|marzo|abril|mayo|junio|julio|agosto|septiembre|octubre|noviembre|diciembre|gennaio|febbraio|aprile|maggio|giugno|luglio|settembre|ottobre|dicembre|jänner|januari|februari|maart|mei|augustus|janeiro|fevereiro|março|maio|junho|julho|setembro|outubro|novembro|dezembro|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|okt|nov|dec|dez|dic|fév|févr|déc|juil))`

const timeRe = `(?:(?:\s*[T ,]\s*|,?\s+at\s+|\s*[|·-]\s*|\s*)(\d{1,2})\s*[:：時时]\s*(\d{2})(?:\s*[:：分]\s*(\d{2}))?(?:\.\d+)?\s*(?:秒)?\s*(?i:(am|pm|a\.m\.|p\.m\.))?)?` +
	`\s*(Z|[+-]\d{2}:?\d{2}|(?:GMT|UTC)(?:\s*[+-]\d{1,2}(?::?\d{2})?)?|MEZ|MESZ|CET|CEST|BST|EST|EDT|CST|PST|PDT|[（(]?北京时间[)）]?)?`

var (
	// 2021-09-28, 2021/9/28, 2021.09.28, 2021年9月28日 and a time.
	reYMD = regexp.MustCompile(`(?:^|[^\d])((?:19|20)\d{2})\s*([-/.年])\s*(\d{1,2})\s*[-/.月]\s*(\d{1,2})\s*[日号]?` + timeRe)
	// 28.09.2021, 28/09/2021 and a time.
	reDMY = regexp.MustCompile(`(?:^|[^\d.])(\d{1,2})([./])\s?(\d{1,2})[./]\s?((?:19|20)\d{2})(?:[^\d]|$)` + timeRe)
	// 28.09.21
	reDMY2 = regexp.MustCompile(`(?:^|[^\d.])(\d{1,2})\.(\d{1,2})\.(\d{2})(?:[^\d.]|$)`)
	// 28 September 2021, 28. Sep. 2021
	reDMonY = regexp.MustCompile(`(?:^|[^\d])(\d{1,2})(?:\.|st|nd|rd|th|er)?\s*(?:de\s+)?` + monthAlt + `\.?,?\s+(?:de\s+)?((?:19|20)\d{2})` + timeRe)
	// September 28, 2021
	reMonDY = regexp.MustCompile(`(?:^|[^\p{L}])` + monthAlt + `\.?\s+(\d{1,2})(?:st|nd|rd|th)?,?\s+((?:19|20)\d{2})` + timeRe)
	// 20210928 in URLs: /2021-09/28/, t20210928_, /20210928/
	reURLDate = regexp.MustCompile(`(?:^|[^\d])((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])[-/_]?(0[1-9]|[12]\d|3[01])(?:[^\d]|$)`)
	reURLYM   = regexp.MustCompile(`/((?:19|20)\d{2})[-/_]?(0[1-9]|1[0-2])/(0[1-9]|[12]\d|3[01])/`)
	// /2017/7/12/ and /29-10-2021 in URLs.
	reURLLoose = regexp.MustCompile(`/((?:19|20)\d{2})/(\d{1,2})/(\d{1,2})/`)
	reURLDMY   = regexp.MustCompile(`/(\d{1,2})-(\d{1,2})-((?:19|20)\d{2})(?:[/_.?#-]|$)`)
)

// findStamp returns the first date in free text, with its time and zone
// where the text states them. usFirst reads a slashed date month first
// (9/28/2021) when its first number can be a month.
func findStamp(s string, usFirst bool) (stamp, bool) {
	if len(s) > 4000 {
		s = s[:4000]
	}
	if !strings.ContainsAny(s, "0123456789") {
		return stamp{}, false // every date form has digits
	}
	best := stamp{pos: -1}
	try := func(st stamp, ok bool) {
		if ok && (best.pos < 0 || st.pos < best.pos) {
			best = st
		}
	}
	try(matchYMD(s))
	try(matchDMY(s, usFirst))
	try(matchNamed(s))
	if best.pos < 0 {
		for _, m := range reDMY2.FindAllStringSubmatchIndex(s, 2) {
			st := stamp{year: 2000 + num(s, m[6], m[7]), month: num(s, m[4], m[5]), day: num(s, m[2], m[3]), pos: m[2], raw: strings.TrimSpace(s[m[2]:m[7]])}
			if st.valid() {
				return st, true
			}
		}
	}
	return best, best.pos >= 0
}

func matchYMD(s string) (stamp, bool) {
	for _, m := range reYMD.FindAllStringSubmatchIndex(s, 4) {
		sep := s[m[4]:m[5]]
		y, mo, d := num(s, m[2], m[3]), num(s, m[6], m[7]), num(s, m[8], m[9])
		st := stamp{year: y, month: mo, day: d, pos: m[2], raw: strings.TrimSpace(s[m[2]:m[1]])}
		if sep == "." && d > 12 && mo > 12 {
			continue
		}
		if !setTime(&st, s, m[10:]) || !st.valid() {
			continue
		}
		return st, true
	}
	return stamp{}, false
}

func matchDMY(s string, usFirst bool) (stamp, bool) {
	for _, m := range reDMY.FindAllStringSubmatchIndex(s, 4) {
		a, b, y := num(s, m[2], m[3]), num(s, m[6], m[7]), num(s, m[8], m[9])
		d, mo := a, b
		if s[m[4]:m[5]] == "/" && (usFirst && a <= 12 || b > 12) {
			d, mo = b, a
		}
		st := stamp{year: y, month: mo, day: d, pos: m[2], raw: strings.TrimSpace(s[m[2]:m[1]])}
		if !setTime(&st, s, m[10:]) || !st.valid() {
			continue
		}
		return st, true
	}
	return stamp{}, false
}

func matchNamed(s string) (stamp, bool) {
	var best stamp
	found := false
	for _, m := range reDMonY.FindAllStringSubmatchIndex(s, 4) {
		mo := monthNames[strings.ToLower(s[m[4]:m[5]])]
		st := stamp{year: num(s, m[6], m[7]), month: mo, day: num(s, m[2], m[3]), pos: m[2], raw: strings.TrimSpace(s[m[2]:m[1]])}
		if setTime(&st, s, m[8:]) && st.valid() {
			best, found = st, true
			break
		}
	}
	for _, m := range reMonDY.FindAllStringSubmatchIndex(s, 4) {
		mo := monthNames[strings.ToLower(s[m[2]:m[3]])]
		st := stamp{year: num(s, m[6], m[7]), month: mo, day: num(s, m[4], m[5]), pos: m[2], raw: strings.TrimSpace(s[m[2]:m[1]])}
		if setTime(&st, s, m[8:]) && st.valid() {
			if !found || st.pos < best.pos {
				best, found = st, true
			}
			break
		}
	}
	return best, found
}

// setTime reads the time-of-day groups (hour, minute, second, am/pm, zone).
func setTime(st *stamp, s string, g []int) bool {
	if len(g) < 10 {
		return true
	}
	if g[0] >= 0 {
		st.hour, st.min = num(s, g[0], g[1]), num(s, g[2], g[3])
		if g[4] >= 0 {
			st.sec = num(s, g[4], g[5])
		}
		if g[6] >= 0 {
			ap := strings.ToLower(s[g[6]:g[7]])
			if st.hour > 12 || st.hour == 0 {
				return false
			}
			if strings.HasPrefix(ap, "p") && st.hour < 12 {
				st.hour += 12
			} else if strings.HasPrefix(ap, "a") && st.hour == 12 {
				st.hour = 0
			}
		}
		if st.hour > 23 || st.min > 59 || st.sec > 60 {
			return false
		}
		st.hasTime = true
	}
	if g[8] >= 0 && st.hasTime {
		if off, ok := zoneOffset(s[g[8]:g[9]]); ok {
			st.offset, st.hasZone = off, true
		}
	}
	return true
}

func zoneOffset(z string) (int, bool) {
	z = strings.TrimSpace(z)
	switch strings.ToUpper(z) {
	case "Z", "GMT", "UTC":
		return 0, true
	case "MEZ", "CET":
		return 3600, true
	case "MESZ", "CEST":
		return 7200, true
	case "BST":
		return 3600, true
	case "EST":
		return -5 * 3600, true
	case "EDT":
		return -4 * 3600, true
	case "PST":
		return -8 * 3600, true
	case "PDT":
		return -7 * 3600, true
	case "CST":
		return 0, false // China or US Central: let the page's zone decide
	}
	if strings.Contains(z, "北京时间") {
		return 8 * 3600, true
	}
	z = strings.TrimPrefix(strings.TrimPrefix(strings.ToUpper(z), "GMT"), "UTC")
	z = strings.TrimSpace(z)
	if len(z) < 2 || z[0] != '+' && z[0] != '-' {
		return 0, false
	}
	sign := 1
	if z[0] == '-' {
		sign = -1
	}
	digits := strings.ReplaceAll(z[1:], ":", "")
	var h, m int
	switch len(digits) {
	case 1, 2:
		h, _ = strconv.Atoi(digits)
	case 3:
		h, _ = strconv.Atoi(digits[:1])
		m, _ = strconv.Atoi(digits[1:])
	case 4:
		h, _ = strconv.Atoi(digits[:2])
		m, _ = strconv.Atoi(digits[2:])
	default:
		return 0, false
	}
	if h > 14 || m > 59 {
		return 0, false
	}
	return sign * (h*3600 + m*60), true
}

func num(s string, a, b int) int {
	if a < 0 {
		return 0
	}
	n, _ := strconv.Atoi(s[a:b])
	return n
}

func (st stamp) valid() bool {
	if st.year < 1990 || st.year > 2100 || st.month < 1 || st.month > 12 || st.day < 1 {
		return false
	}
	return st.day <= daysIn(st.year, st.month)
}

func daysIn(y, m int) int {
	return time.Date(y, time.Month(m)+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

// parseStamp reads a structured value (meta content, datetime attribute,
// JSON-LD): ISO 8601 and RFC 1123 forms, Unix seconds, or any free form
// findStamp knows.
func parseStamp(v string) (stamp, bool) {
	v = strings.TrimSpace(v)
	if v == "" {
		return stamp{}, false
	}
	if len(v) >= 10 && len(v) <= 13 && allDigits(v) {
		sec, _ := strconv.ParseInt(v, 10, 64)
		if len(v) == 13 {
			sec /= 1000
		}
		t := time.Unix(sec, 0).UTC()
		st := stamp{year: t.Year(), month: int(t.Month()), day: t.Day(), hour: t.Hour(), min: t.Minute(), sec: t.Second(), hasTime: true, hasZone: true, raw: v}
		return st, st.valid()
	}
	for _, layout := range []string{time.RFC3339Nano, "2006-01-02T15:04:05Z0700", "2006-01-02T15:04Z07:00", time.RFC1123Z, time.RFC1123, time.RFC850, "Mon, 2 Jan 2006 15:04:05 -0700", "Mon, 2 Jan 2006 15:04:05 MST"} {
		if t, err := time.Parse(layout, v); err == nil {
			_, off := t.Zone()
			st := stamp{year: t.Year(), month: int(t.Month()), day: t.Day(), hour: t.Hour(), min: t.Minute(), sec: t.Second(), hasTime: true, hasZone: true, offset: off, raw: v}
			if strings.HasSuffix(layout, "MST") || layout == time.RFC1123 || layout == time.RFC850 {
				o, ok := zoneOffset(t.Location().String())
				st.offset, st.hasZone = o, ok
			}
			return st, st.valid()
		}
	}
	st, ok := findStamp(v, true)
	if ok {
		st.raw = v
	}
	return st, ok
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return s != ""
}

// format renders the stamp as RFC 3339 in its own offset, or in zone when
// the page gave none (assumed reports that); a bare date when no time of
// day is known. A nil zone with no stated offset keeps the time as written
// with a Z, and says the zone was assumed.
func (st stamp) format(zone *time.Location) (s string, assumed bool) {
	if !st.hasTime {
		return time.Date(st.year, time.Month(st.month), st.day, 0, 0, 0, 0, time.UTC).Format("2006-01-02"), false
	}
	var loc *time.Location
	switch {
	case st.hasZone:
		loc = time.FixedZone("", st.offset)
	case zone != nil:
		loc, assumed = zone, true
	default:
		loc, assumed = time.UTC, true
	}
	t := time.Date(st.year, time.Month(st.month), st.day, st.hour, st.min, st.sec, 0, loc)
	return t.Format(time.RFC3339), assumed
}

// urlStamp finds a date in a URL path: /2021-09/28/, t20210928_, /20210928/.
func urlStamp(u string) (stamp, bool) {
	if i := strings.Index(u, "://"); i >= 0 {
		u = u[i+3:]
	}
	if i := strings.IndexByte(u, '/'); i >= 0 {
		u = u[i:]
	} else {
		return stamp{}, false
	}
	for _, re := range []*regexp.Regexp{reURLYM, reURLLoose, reURLDate, reURLDMY} {
		if m := re.FindStringSubmatch(u); m != nil {
			y, _ := strconv.Atoi(m[1])
			mo, _ := strconv.Atoi(m[2])
			d, _ := strconv.Atoi(m[3])
			if re == reURLDMY {
				y, _ = strconv.Atoi(m[3])
				d, _ = strconv.Atoi(m[1])
			}
			st := stamp{year: y, month: mo, day: d, raw: m[0]}
			if st.valid() {
				return st, true
			}
		}
	}
	return stamp{}, false
}
