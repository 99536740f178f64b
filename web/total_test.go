package web

import (
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"regexp"
	"strconv"
	"testing"
)

// TestServer_MaxTotal checks the bounded count of /api/search: past
// Options.MaxTotal the total is the bound and says so, pages past the
// bound are found with their own count, and the search page still shows
// the exact count (from its counts by state) and a link to the next page.
func TestServer_MaxTotal(t *testing.T) {
	f := buildFixture(t)
	db := openReadOnly(t, f.path)
	bounded, err := New(db, Options{MaxTotal: 5})
	if err != nil {
		t.Fatal(err)
	}
	exact, err := New(db, Options{})
	if err != nil {
		t.Fatal(err)
	}
	get := func(s *Server, path string) *httptest.ResponseRecorder {
		t.Helper()
		rec := httptest.NewRecorder()
		s.ServeHTTP(rec, httptest.NewRequest(http.MethodGet, "http://127.0.0.1"+path, nil))
		if rec.Code != http.StatusOK {
			t.Fatalf("GET %s: %d %s", path, rec.Code, rec.Body.String())
		}
		return rec
	}
	search := func(s *Server, query string) SearchResponse {
		t.Helper()
		var res SearchResponse
		if err := json.Unmarshal(get(s, "/api/search?"+query).Body.Bytes(), &res); err != nil {
			t.Fatal(err)
		}
		return res
	}
	tests := []struct {
		query      string
		total      int // -1: the exact total
		lowerBound bool
		hits       int
	}{
		{"site=gov.example.cn&limit=3", 5, true, 3},
		{"q=" + q("通知") + "&limit=3", 5, true, 3},
		{"q=" + q("通知") + "&state=live&limit=3", 5, true, 3},
		{"site=gov.example.cn&limit=3&offset=9", 12, true, 3}, // counted to the end of the page
		{"site=gov.example.cn&limit=10&offset=20", -1, false, 4},
		{"site=gov.example.cn&state=gone", -1, false, 0},
		{"q=council", -1, false, 1},
	}
	for _, tt := range tests {
		want := search(exact, tt.query)
		if want.TotalIsLowerBound {
			t.Fatalf("%s: the default bound applies to a small archive: %+v", tt.query, want)
		}
		if tt.total < 0 {
			tt.total = want.Total
		}
		got := search(bounded, tt.query)
		if got.Total != tt.total || got.TotalIsLowerBound != tt.lowerBound || len(got.Hits) != tt.hits {
			t.Errorf("%s: total %d (lower bound %v), %d hits; want %d (%v), %d", tt.query,
				got.Total, got.TotalIsLowerBound, len(got.Hits), tt.total, tt.lowerBound, tt.hits)
		}
		if tt.lowerBound && want.Total <= got.Total {
			t.Errorf("%s: %d hits in all, yet the total %d is a lower bound", tt.query, want.Total, got.Total)
		}
		for i := range min(len(got.Hits), len(want.Hits)) {
			if got.Hits[i].ID != want.Hits[i].ID {
				t.Errorf("%s: hit %d is %d, want %d", tt.query, i, got.Hits[i].ID, want.Hits[i].ID)
			}
		}
	}
	// The page counts exactly all the same.
	count := regexp.MustCompile(`id="result-count"><strong>(\d+)</strong>`)
	for _, query := range []string{"site=gov.example.cn&limit=3", "q=" + q("通知") + "&state=live&limit=3", "q=" + q("通知") + "&limit=3"} {
		body := get(bounded, "/?"+query).Body.String()
		m := count.FindStringSubmatch(body)
		want := search(exact, query).Total
		if m == nil || m[1] != strconv.Itoa(want) {
			t.Errorf("page %s: count %v, want %d", query, m, want)
		}
		if want > 3 && !regexp.MustCompile(`href="[^"]*offset=3`).MatchString(body) {
			t.Errorf("page %s: no link to the next page", query)
		}
	}
}
