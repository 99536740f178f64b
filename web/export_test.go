package web

import (
	"encoding/csv"
	"encoding/json"
	"net/http"
	"slices"
	"strings"
	"testing"

	"github.com/annals/annals/archive"
)

func TestServer_Export(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, "/export?format=csv&q="+q("人大"))
	if r.status != http.StatusOK || !strings.HasPrefix(r.header.Get("Content-Type"), "text/csv") ||
		!strings.Contains(r.header.Get("Content-Disposition"), `.csv"`) {
		t.Fatalf("csv export: %d %v", r.status, r.header)
	}
	body, ok := strings.CutPrefix(r.body, "\ufeff")
	if !ok {
		t.Errorf("csv export lacks the byte order mark")
	}
	rows, err := csv.NewReader(strings.NewReader(body)).ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], archive.ExportFields) || len(rows) != 3 {
		t.Fatalf("csv export: %d rows, header %v", len(rows), rows[0])
	}
	var urls []string
	for _, row := range rows[1:] {
		urls = append(urls, row[0])
	}
	slices.Sort(urls)
	if !slices.Equal(urls, []string{"http://tl.example.cn/2021/09/28/congress.html", "http://xss.example.org/news/1.html"}) {
		t.Errorf("csv urls %v", urls)
	}

	// Every hit, not just a page of them, and the filters apply.
	r = ts.get(t, "/export?format=json&site=gov.example.cn&limit=5")
	var recs []map[string]any
	if err := json.Unmarshal([]byte(r.body), &recs); err != nil || len(recs) != 24 {
		t.Fatalf("json export: %v, %d records", err, len(recs))
	}
	r = ts.get(t, "/export?format=json&q="+q("隆重")+"&as_of=2021-09-28")
	if err := json.Unmarshal([]byte(r.body), &recs); err != nil || len(recs) != 1 || recs[0]["version"] != float64(1) {
		t.Fatalf("as-of export: %v %v", err, recs)
	}
	r = ts.get(t, "/export?format=jsonl&q=council&state=moved")
	if lines := strings.Split(strings.TrimSpace(r.body), "\n"); len(lines) != 1 || !strings.Contains(lines[0], `"state":"moved"`) {
		t.Errorf("jsonl export: %q", r.body)
	}
	for path, want := range map[string]int{
		"/export":                             http.StatusBadRequest,
		"/export?format=xml":                  http.StatusBadRequest,
		"/export?format=csv&q=" + q(`"open`):  http.StatusBadRequest,
		"/export?format=csv&since=not-a-date": http.StatusBadRequest,
		"/export?format=csv&q=" + q("无此内容的查询文字"): http.StatusOK,
	} {
		if r := ts.get(t, path); r.status != want {
			t.Errorf("%s: %d, want %d", path, r.status, want)
		}
	}
}
