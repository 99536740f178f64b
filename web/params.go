package web

import (
	"errors"
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/annals/annals/archive"
)

// Bounds on query-string values.
const (
	DefaultLimit = 20
	MaxLimit     = 100
	MaxOffset    = 100000
	// MaxTotal is how many hits a search counts at most, by default (see
	// Options.MaxTotal).
	MaxTotal    = 10000
	maxParamLen = 2000 // bytes of one parameter
)

// errParam marks a bad query-string value: the request gets a 400.
var errParam = errors.New("bad parameter")

func paramError(name, format string, args ...any) error {
	return fmt.Errorf("%w %s: %s", errParam, name, fmt.Sprintf(format, args...))
}

// SearchParams is a search as the query string gives it, checked. Its
// fields are the query-string parameters (see the README): q, site,
// since, until (publish dates), captured_since, captured_until, as_of,
// state, limit and offset.
type SearchParams struct {
	Q             string `json:"q"`
	Site          string `json:"site,omitempty"`
	Since         string `json:"since,omitempty"`
	Until         string `json:"until,omitempty"`
	CapturedSince string `json:"captured_since,omitempty"`
	CapturedUntil string `json:"captured_until,omitempty"`
	AsOf          string `json:"as_of,omitempty"`
	State         string `json:"state,omitempty"`
	Limit         int    `json:"limit"`
	Offset        int    `json:"offset"`

	query archive.Query
}

// Query is the archive query the parameters ask for.
func (p SearchParams) Query() archive.Query { return p.query }

// Values gives the parameters back as a query string (without limit and
// offset when they are the defaults), for links to the same search.
func (p SearchParams) Values() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", p.Q)
	set("site", p.Site)
	set("since", p.Since)
	set("until", p.Until)
	set("captured_since", p.CapturedSince)
	set("captured_until", p.CapturedUntil)
	set("as_of", p.AsOf)
	set("state", p.State)
	if p.Limit != DefaultLimit && p.Limit != 0 {
		v.Set("limit", strconv.Itoa(p.Limit))
	}
	if p.Offset != 0 {
		v.Set("offset", strconv.Itoa(p.Offset))
	}
	return v
}

// ParseSearch reads a search from a query string. Every value is
// checked; the error (wrapping errParam) names the parameter and says
// what is accepted. The search text itself is checked by the archive.
func ParseSearch(v url.Values) (SearchParams, error) {
	var p SearchParams
	var err error
	str := func(name string) (string, error) {
		s := strings.TrimSpace(v.Get(name))
		if len(s) > maxParamLen {
			return "", paramError(name, "longer than %d bytes", maxParamLen)
		}
		if !utf8.ValidString(s) {
			return "", paramError(name, "not valid UTF-8")
		}
		return s, nil
	}
	if p.Q, err = str("q"); err != nil {
		return p, err
	}
	if p.Site, err = str("site"); err != nil {
		return p, err
	}
	if p.Site != "" {
		site, err := ParseSite(p.Site)
		if err != nil {
			return p, err
		}
		p.Site = site
	}
	dates := []struct {
		name     string
		dst      *string
		t        *time.Time
		endOfDay bool
	}{
		{"since", &p.Since, &p.query.PublishedFrom, false},
		{"until", &p.Until, &p.query.PublishedTo, true},
		{"captured_since", &p.CapturedSince, &p.query.CapturedFrom, false},
		{"captured_until", &p.CapturedUntil, &p.query.CapturedTo, true},
		{"as_of", &p.AsOf, &p.query.AsOf, true},
	}
	for _, d := range dates {
		s, err := str(d.name)
		if err != nil {
			return p, err
		}
		if *d.t, err = ParseDate(s, d.endOfDay); err != nil {
			return p, paramError(d.name, "%v", err)
		}
		*d.dst = s
	}
	if after(p.query.PublishedFrom, p.query.PublishedTo) {
		return p, paramError("until", "%s is not after since %s", p.Until, p.Since)
	}
	if after(p.query.CapturedFrom, p.query.CapturedTo) {
		return p, paramError("captured_until", "%s is not after captured_since %s", p.CapturedUntil, p.CapturedSince)
	}
	if p.State, err = str("state"); err != nil {
		return p, err
	}
	switch archive.State(p.State) {
	case "", archive.StateLive, archive.StateGone, archive.StateMoved:
	default:
		return p, paramError("state", "%q: use live, gone or moved", p.State)
	}
	if p.Limit, err = intParam(v, "limit", DefaultLimit, 1, MaxLimit); err != nil {
		return p, err
	}
	if p.Offset, err = intParam(v, "offset", 0, 0, MaxOffset); err != nil {
		return p, err
	}
	p.query.Text, p.query.Site, p.query.State = p.Q, p.Site, archive.State(p.State)
	p.query.Limit, p.query.Offset = p.Limit, p.Offset
	p.query.HighlightStart, p.query.HighlightEnd = HighlightStart, HighlightEnd
	return p, nil
}

func after(from, to time.Time) bool {
	return !from.IsZero() && !to.IsZero() && !to.After(from)
}

// ParseSite checks a host name given as a site filter: a host, with or
// without a port, lower-cased; a pasted URL gives its host.
func ParseSite(s string) (string, error) {
	s = strings.ToLower(strings.TrimSpace(s))
	if strings.Contains(s, "://") {
		u, err := url.Parse(s)
		if err != nil || u.Host == "" {
			return "", paramError("site", "%q is neither a host name nor a URL", s)
		}
		s = u.Host
	}
	if s == "" || len(s) > 253 || strings.ContainsAny(s, "/?#@ \t\\") {
		return "", paramError("site", "%q is not a host name: give one like news.example.cn", s)
	}
	return s, nil
}

// ParseDate reads YYYY-MM-DD (a day in UTC) or an RFC 3339 time. A bare
// date read as an upper bound (endOfDay) means the end of that day, so
// that "until 2021-09-28" includes the 28th.
func ParseDate(s string, endOfDay bool) (time.Time, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return time.Time{}, nil
	}
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		if t, err = time.Parse("2006-01-02", s); err != nil {
			return time.Time{}, fmt.Errorf("%q is not a date: use YYYY-MM-DD or 2006-01-02T15:04:05Z07:00", truncate(s, 60))
		} else if endOfDay {
			t = t.AddDate(0, 0, 1)
		}
	}
	if t = t.UTC(); t.Year() < 1 || t.Year() > 9999 {
		return time.Time{}, fmt.Errorf("%q is out of range: give a year from 1 to 9999", truncate(s, 60))
	}
	return t, nil
}

// ParseID reads an article or capture id: a positive decimal integer.
func ParseID(name, s string) (int64, error) {
	id, err := strconv.ParseInt(s, 10, 64)
	if err != nil || id <= 0 || len(s) > 19 || strings.HasPrefix(s, "+") {
		return 0, paramError(name, "%q is not an id (a positive whole number)", truncate(s, 40))
	}
	return id, nil
}

// intParam reads an optional integer in [lo, hi].
func intParam(v url.Values, name string, def, lo, hi int) (int, error) {
	s := strings.TrimSpace(v.Get(name))
	if s == "" {
		return def, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil || n < lo || n > hi || len(s) > 10 {
		return 0, paramError(name, "%q: give a whole number from %d to %d", truncate(s, 40), lo, hi)
	}
	return n, nil
}

// versionParam reads an optional version number (0 when absent).
func versionParam(v url.Values, name string) (int, error) {
	return intParam(v, name, 0, 1, 1<<30)
}

// truncate cuts s to at most n bytes on a rune boundary, for messages.
func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	for n > 0 && !utf8.RuneStart(s[n]) {
		n--
	}
	return s[:n] + "…"
}
