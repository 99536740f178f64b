package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"net/http/httptest"
	"net/url"
	"reflect"
	"strings"
	"testing"
	"time"
	"unicode/utf8"

	"github.com/annals/annals/archive"
)

func TestParseSearch(t *testing.T) {
	day := func(s string) time.Time { d, _ := time.Parse("2006-01-02", s); return d }
	for _, tc := range []struct {
		query string
		want  func(archive.Query) bool
		err   string
	}{
		{"", func(q archive.Query) bool { return q.Limit == DefaultLimit && q.Text == "" }, ""},
		{"q=+人大+&limit=5&offset=10", func(q archive.Query) bool { return q.Text == "人大" && q.Limit == 5 && q.Offset == 10 }, ""},
		{"since=2021-09-01&until=2021-09-30", func(q archive.Query) bool {
			return q.PublishedFrom.Equal(day("2021-09-01")) && q.PublishedTo.Equal(day("2021-10-01"))
		}, ""},
		{"as_of=2021-09-28T12:00:00%2B08:00", func(q archive.Query) bool { return q.AsOf.Equal(time.Date(2021, 9, 28, 4, 0, 0, 0, time.UTC)) }, ""},
		{"as_of=2021-09-28", func(q archive.Query) bool { return q.AsOf.Equal(day("2021-09-29")) }, ""},
		{"captured_since=2021-09-01&captured_until=2021-09-01", func(q archive.Query) bool {
			return q.CapturedFrom.Equal(day("2021-09-01")) && q.CapturedTo.Equal(day("2021-09-02"))
		}, ""},
		{"site=WWW.Example.CN", func(q archive.Query) bool { return q.Site == "www.example.cn" }, ""},
		{"site=https%3A%2F%2Fnews.example.com%2Fa%2Fb.html", func(q archive.Query) bool { return q.Site == "news.example.com" }, ""},
		{"state=gone", func(q archive.Query) bool { return q.State == archive.StateGone }, ""},
		{"limit=100", func(q archive.Query) bool { return q.Limit == 100 }, ""},
		{"limit=101", nil, "limit"},
		{"limit=-5", nil, "limit"},
		{"limit=1e2", nil, "limit"},
		{"offset=100001", nil, "offset"},
		{"offset=99999999999999999999", nil, "offset"},
		{"since=2021-02-30", nil, "since"},
		{"since=0000-01-01T00:00:00Z", nil, "out of range"},
		{"until=9999-12-31", nil, "out of range"},
		{"until=10000-01-01", nil, "until"},
		{"since=2021-09-02&until=2021-09-01", nil, "not after"},
		{"state=LIVE", nil, "state"},
		{"site=a%2Fb", nil, "site"},
		{"q=" + strings.Repeat("长", 700), nil, "longer than"},
		{"q=%ff%fe", nil, "UTF-8"},
	} {
		v, err := url.ParseQuery(tc.query)
		if err != nil {
			t.Fatal(err)
		}
		p, err := ParseSearch(v)
		switch {
		case tc.err != "" && (err == nil || !strings.Contains(err.Error(), tc.err) || !errors.Is(err, errParam)):
			t.Errorf("%s: err %v, want one about %q", tc.query, err, tc.err)
		case tc.err == "" && tc.want != nil && (err != nil || !tc.want(p.Query())):
			t.Errorf("%s: %+v, %v", tc.query, p.Query(), err)
		}
	}
}

func TestParseID(t *testing.T) {
	for s, ok := range map[string]bool{"1": true, "9223372036854775807": true, "0": false, "-1": false, "+1": false,
		"01": true, "1.0": false, "": false, "9223372036854775808": false, "0x10": false, " 1": false, "١": false} {
		id, err := ParseID("id", s)
		if (err == nil) != ok || (ok && id <= 0) {
			t.Errorf("ParseID(%q) = %d, %v", s, id, err)
		}
	}
}

// FuzzParseSearch: any query string either fails with errParam or gives
// parameters within bounds that survive a round trip through Values.
func FuzzParseSearch(f *testing.F) {
	for _, s := range []string{"", "q=人大&limit=5", "since=2021-09-01&until=2021-09-30&as_of=2021-09-28T12:00:00Z",
		"offset=100000&limit=100", "state=moved&site=news.example.com", "captured_since=2021-01-01T00:00:00%2B08:00",
		"limit=0x10", "since=9999-12-31", "q=%22a&q=b", "site=http://[::1]:80/x", "until=2021-09-28T24:00:00Z"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, raw string) {
		v, err := url.ParseQuery(raw)
		if err != nil {
			return
		}
		p, err := ParseSearch(v)
		if err != nil {
			if !errors.Is(err, errParam) {
				t.Fatalf("%q: error %v does not wrap errParam", raw, err)
			}
			if !utf8.ValidString(err.Error()) && utf8.ValidString(raw) {
				t.Fatalf("%q: message is not UTF-8", raw)
			}
			return
		}
		q := p.Query()
		if q.Limit < 1 || q.Limit > MaxLimit || q.Offset < 0 || q.Offset > MaxOffset {
			t.Fatalf("%q: limit %d offset %d out of bounds", raw, q.Limit, q.Offset)
		}
		if !q.PublishedFrom.IsZero() && !q.PublishedTo.IsZero() && !q.PublishedTo.After(q.PublishedFrom) {
			t.Fatalf("%q: empty publish range accepted", raw)
		}
		switch q.State {
		case "", archive.StateLive, archive.StateGone, archive.StateMoved:
		default:
			t.Fatalf("%q: state %q", raw, q.State)
		}
		again, err := ParseSearch(p.Values())
		if err != nil {
			t.Fatalf("%q: its own Values %q fail: %v", raw, p.Values().Encode(), err)
		}
		if !reflect.DeepEqual(again.Query(), q) {
			t.Fatalf("%q: round trip changed the query:\n%+v\n%+v", raw, q, again.Query())
		}
	})
}

func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"2021-09-28", "2021-09-28T09:47:03+08:00", "2021-02-29", "0001-01-01T00:00:00Z", "9999-12-31", "2021-9-28", ""} {
		f.Add(s, false)
	}
	f.Fuzz(func(t *testing.T, s string, endOfDay bool) {
		d, err := ParseDate(s, endOfDay)
		if err != nil {
			return
		}
		if strings.TrimSpace(s) == "" {
			if !d.IsZero() {
				t.Fatalf("%q: empty gives %v", s, d)
			}
			return
		}
		if d.Location() != time.UTC || d.Year() < 1 || d.Year() > 9999 {
			t.Fatalf("%q: %v", s, d)
		}
		// It must be usable as an archive bound.
		_ = d.UnixMilli()
	})
}

// FuzzAPI sends arbitrary paths and query strings to the JSON API of a
// real archive: every answer is JSON with a 200, 400 or 404, never a 500.
func FuzzAPI(f *testing.F) {
	fx := buildFixture(f)
	db := openReadOnly(f, fx.path)
	srv, err := New(db, Options{})
	if err != nil {
		f.Fatal(err)
	}
	for _, s := range []string{"search?q=人大&limit=3", "search?q=%22党代会&as_of=2021-09-28", "articles/1?version=2",
		"articles/1?as_of=2021-09-29", "articles/1/versions?content=1", "articles/1/diff?from=1&to=3", "articles/99/diff",
		"articles/1?version=0", "search?q=(a OR (b AND c))&state=gone", "search?q=title:开幕&site=tl.example.cn&offset=5",
		"search?q=elect*", "articles/-0/diff?from=2&to=1", "search?since=2021-01-01&until=2021-01-01"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, pathQuery string) {
		u, err := url.Parse("/api/" + pathQuery)
		if err != nil || strings.Contains(pathQuery, "#") {
			return
		}
		req := httptest.NewRequest(http.MethodGet, "http://127.0.0.1/", nil)
		req.URL, req.RequestURI = u, u.RequestURI()
		rec := httptest.NewRecorder()
		srv.ServeHTTP(rec, req)
		switch rec.Code {
		case http.StatusOK, http.StatusBadRequest, http.StatusNotFound, http.StatusMovedPermanently, http.StatusTemporaryRedirect:
		default:
			t.Fatalf("%s: status %d: %s", pathQuery, rec.Code, rec.Body.String())
		}
		if (rec.Code < 300 || rec.Code >= 400) && !json.Valid(rec.Body.Bytes()) {
			t.Fatalf("%s: not JSON: %s", pathQuery, rec.Body.String())
		}
	})
}
