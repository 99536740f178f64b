package crawler

import (
	"strings"
	"time"
)

// MaxModifiedSkew is how far ahead of the clock a Modified hint may be and
// still count: a sitemap's <lastmod> or a feed's update time further in
// the future (a wrong clock, a bogus value) is ignored.
const MaxModifiedSkew = 24 * time.Hour

// parseModified reads the time a sitemap <lastmod> or a feed entry's
// <updated>, <published>, <pubDate> or <dc:date> gives. It takes W3C
// datetimes (the sitemaps protocol's and Atom's: "2024-03-01",
// "2024-03-01T09:00+08:00", "2024-03-01T09:00:00.5Z", and the year or
// month alone), RFC 1123 and RFC 822 dates as RSS writes them (with or
// without the weekday, seconds, or a four-digit year; numeric zones or
// the RFC 822 zone names) and "2024-03-01 09:00:00". A value with no zone
// is read as UTC. A value that names a date without a time of day stands
// for its last moment, so that an edit later that day is not missed. ok is
// false for anything else: a malformed value is no hint, never an error.
func parseModified(s string) (t time.Time, ok bool) {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) < 4 || len(s) > 64 {
		return time.Time{}, false
	}
	if s[0] >= '0' && s[0] <= '9' {
		if t, ok := parseW3C(s); ok {
			return t, true
		}
	}
	return parseRFC822(s)
}

// w3cLayouts are the W3C datetime profile's forms (and common variants
// with a space for the T or no zone), each with how long a period it
// names when it has no time of day.
var w3cLayouts = []struct {
	layout string
	years  int
	months int
	days   int
}{
	{layout: time.RFC3339Nano},
	{layout: "2006-01-02T15:04:05.999999999-0700"},
	{layout: "2006-01-02T15:04Z07:00"},
	{layout: "2006-01-02T15:04:05.999999999"},
	{layout: "2006-01-02T15:04"},
	{layout: "2006-01-02 15:04:05.999999999Z07:00"},
	{layout: "2006-01-02 15:04:05.999999999 -0700"},
	{layout: "2006-01-02 15:04:05.999999999"},
	{layout: "2006-01-02 15:04"},
	{layout: "2006-01-02", days: 1},
	{layout: "2006-01", months: 1},
	{layout: "2006", years: 1},
}

// parseW3C tries only the layouts that can match: those with a time of day
// (all hold "15:04") when s has a colon, the date-only ones when it has
// none. A failed time.Parse costs an error's allocations, and sitemaps
// often give plain dates, once per entry.
func parseW3C(s string) (time.Time, bool) {
	clock := strings.IndexByte(s, ':') >= 0
	for _, l := range w3cLayouts {
		dateOnly := l.years+l.months+l.days > 0
		if dateOnly == clock {
			continue
		}
		t, err := time.Parse(l.layout, s)
		if err != nil {
			continue
		}
		if dateOnly {
			t = t.AddDate(l.years, l.months, l.days).Add(-time.Millisecond)
		}
		return t, true
	}
	return time.Time{}, false
}

// rfc822Layouts are the forms RSS <pubDate> takes, after the weekday and
// the zone are cut off (see parseRFC822).
var rfc822Layouts = []string{
	"2 Jan 2006 15:04:05",
	"2 Jan 2006 15:04",
	"2 Jan 06 15:04:05",
	"2 Jan 06 15:04",
	"2 January 2006 15:04:05",
	"2 January 2006 15:04",
	"Jan 2 2006 15:04:05",
	"Jan 2 2006 15:04",
}

// rfc822Zones are the zone names of RFC 822, and a few more that feeds
// use, in hours east of UTC. CST is the US one, as the RFC says, not
// China's: read as the later of the two, an edit is not missed. Other
// names are no hint.
var rfc822Zones = map[string]int{
	"UT": 0, "UTC": 0, "GMT": 0, "Z": 0,
	"EST": -5, "EDT": -4, "CST": -6, "CDT": -5, "MST": -7, "MDT": -6, "PST": -8, "PDT": -7,
	"CET": 1, "CEST": 2, "HKT": 8, "SGT": 8, "JST": 9, "KST": 9,
}

func parseRFC822(s string) (time.Time, bool) {
	// The weekday is redundant, and often wrong or in another language.
	if i := strings.IndexByte(s, ','); i > 0 && strings.IndexFunc(s[:i], notLetter) < 0 {
		s = strings.TrimSpace(s[i+1:])
	}
	s = strings.ReplaceAll(s, ",", "")
	f := strings.Fields(s)
	if len(f) < 4 {
		return time.Time{}, false
	}
	// A trailing comment, as in "+0800 (CST)".
	if last := f[len(f)-1]; strings.HasPrefix(last, "(") && strings.HasSuffix(last, ")") {
		f = f[:len(f)-1]
	}
	loc := time.UTC
	if z := f[len(f)-1]; !strings.Contains(z, ":") || strings.HasPrefix(z, "+") || strings.HasPrefix(z, "-") {
		if off, ok := zoneOffset(z); ok {
			loc = time.FixedZone("", off)
			f = f[:len(f)-1]
		} else if !strings.Contains(z, ":") {
			return time.Time{}, false // an unknown zone, or no time of day
		}
	}
	rest := strings.Join(f, " ")
	for _, l := range rfc822Layouts {
		if t, err := time.ParseInLocation(l, rest, loc); err == nil {
			return t, true
		}
	}
	return time.Time{}, false
}

// zoneOffset reads a numeric zone ("+0800", "-05:00") or an RFC 822 zone
// name, in seconds east of UTC.
func zoneOffset(z string) (int, bool) {
	if h, ok := rfc822Zones[strings.ToUpper(z)]; ok {
		return h * 3600, true
	}
	if len(z) < 5 || (z[0] != '+' && z[0] != '-') {
		return 0, false
	}
	d := strings.ReplaceAll(z[1:], ":", "")
	if len(d) != 4 {
		return 0, false
	}
	n := 0
	for _, c := range d {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	hh, mm := n/100, n%100
	if hh > 14 || mm > 59 {
		return 0, false
	}
	off := hh*3600 + mm*60
	if z[0] == '-' {
		off = -off
	}
	return off, true
}

func notLetter(r rune) bool { return (r < 'a' || r > 'z') && (r < 'A' || r > 'Z') }
