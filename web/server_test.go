package web

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
)

// testServer serves the fixture read-only through a loopback httptest
// server.
type testServer struct {
	*fixture
	srv  *Server
	http *httptest.Server
	logs *syncBuffer
}

type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func newTestServer(t *testing.T, token string) *testServer {
	t.Helper()
	return newWrappedServer(t, token, nil)
}

// newWrappedServer is newTestServer with a handler around the app's.
func newWrappedServer(t *testing.T, token string, wrap func(http.Handler) http.Handler) *testServer {
	t.Helper()
	f := buildFixture(t)
	db := openReadOnly(t, f.path)
	logs := &syncBuffer{}
	s, err := New(db, Options{Token: token, Logger: slog.New(slog.NewTextHandler(logs, nil)), Name: "annals.db"})
	if err != nil {
		t.Fatal(err)
	}
	var h http.Handler = s
	if wrap != nil {
		h = wrap(s)
	}
	ts := httptest.NewServer(h)
	t.Cleanup(ts.Close)
	return &testServer{fixture: f, srv: s, http: ts, logs: logs}
}

type response struct {
	status int
	header http.Header
	body   string
}

func (ts *testServer) do(t *testing.T, method, path string, header http.Header) response {
	t.Helper()
	req, err := http.NewRequest(method, ts.http.URL+path, nil)
	if err != nil {
		t.Fatal(err)
	}
	for k, v := range header {
		req.Header[k] = v
	}
	client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	resp, err := client.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, err := io.ReadAll(resp.Body)
	if err != nil {
		t.Fatal(err)
	}
	return response{resp.StatusCode, resp.Header, string(b)}
}

func (ts *testServer) get(t *testing.T, path string) response {
	t.Helper()
	return ts.do(t, http.MethodGet, path, nil)
}

func (ts *testServer) getJSON(t *testing.T, path string, v any) response {
	t.Helper()
	r := ts.get(t, path)
	if r.status != http.StatusOK {
		t.Fatalf("GET %s: %d %s", path, r.status, r.body)
	}
	if ct := r.header.Get("Content-Type"); ct != "application/json; charset=utf-8" {
		t.Errorf("GET %s: Content-Type %q", path, ct)
	}
	if err := json.Unmarshal([]byte(r.body), v); err != nil {
		t.Fatalf("GET %s: %v in %s", path, err, r.body)
	}
	return r
}

func q(s string) string { return url.QueryEscape(s) }

func TestServer_SecurityHeaders(t *testing.T) {
	ts := newTestServer(t, "")
	paths := []string{
		"/", "/?q=" + q("人大"), "/?q=" + q(`"unclosed`), fmt.Sprintf("/articles/%d", ts.congress), "/articles/999999", "/articles/abc",
		fmt.Sprintf("/captures/%d", ts.xssCap), fmt.Sprintf("/captures/%d/archived", ts.xssCap), fmt.Sprintf("/captures/%d/raw", ts.gbkCap),
		"/api/search?q=" + q("人大"), "/api/search?limit=0", fmt.Sprintf("/api/articles/%d", ts.congress),
		fmt.Sprintf("/api/articles/%d/versions", ts.congress), fmt.Sprintf("/api/articles/%d/diff", ts.congress),
		"/export?format=csv", "/static/style.css", "/static/app.js", "/nowhere", "/login",
	}
	for _, p := range paths {
		r := ts.get(t, p)
		csp := r.header.Get("Content-Security-Policy")
		if csp == "" || !strings.Contains(csp, "default-src 'none'") || !strings.Contains(csp, "frame-ancestors") {
			t.Errorf("%s (%d): CSP %q", p, r.status, csp)
		}
		if strings.Contains(csp, "unsafe-eval") || strings.Contains(csp, "script-src 'unsafe-inline'") {
			t.Errorf("%s: CSP allows inline script or eval: %q", p, csp)
		}
		if r.header.Get("X-Content-Type-Options") != "nosniff" {
			t.Errorf("%s: no X-Content-Type-Options: nosniff", p)
		}
		if xfo := r.header.Get("X-Frame-Options"); xfo == "" {
			t.Errorf("%s: no X-Frame-Options", p)
		}
		if r.header.Get("Referrer-Policy") != "no-referrer" {
			t.Errorf("%s: Referrer-Policy %q", p, r.header.Get("Referrer-Policy"))
		}
	}
	// The archived page may be framed by the app only, runs nothing and
	// loads nothing but inline images.
	r := ts.get(t, fmt.Sprintf("/captures/%d/archived", ts.xssCap))
	csp := r.header.Get("Content-Security-Policy")
	for _, want := range []string{"default-src 'none'", "img-src data:", "frame-ancestors 'self'", "sandbox"} {
		if !strings.Contains(csp, want) {
			t.Errorf("archived page CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "script-src") || strings.Contains(csp, "'self' data:") {
		t.Errorf("archived page CSP %q allows more than inline images", csp)
	}
}

func TestServer_Methods(t *testing.T) {
	ts := newTestServer(t, "")
	for _, m := range []string{http.MethodPost, http.MethodPut, http.MethodDelete, http.MethodPatch} {
		r := ts.do(t, m, "/api/search?q=x", nil)
		if r.status != http.StatusMethodNotAllowed || r.header.Get("Allow") == "" {
			t.Errorf("%s /api/search: %d, Allow %q", m, r.status, r.header.Get("Allow"))
		}
	}
	if r := ts.do(t, http.MethodHead, "/api/search?q=x", nil); r.status != http.StatusOK || r.body != "" {
		t.Errorf("HEAD: %d %q", r.status, r.body)
	}
}

func TestServer_LoopbackOnlyWithoutToken(t *testing.T) {
	ts := newTestServer(t, "")
	for host, want := range map[string]int{
		"evil.example":         http.StatusMisdirectedRequest, // DNS rebinding
		"10.0.0.1:8080":        http.StatusMisdirectedRequest,
		"localhost:8080":       http.StatusOK,
		"127.0.0.1":            http.StatusOK,
		"[::1]:8080":           http.StatusOK,
		"app.localhost":        http.StatusOK,
		"127.0.0.1.evil.test":  http.StatusMisdirectedRequest,
		"localhost.evil.test.": http.StatusMisdirectedRequest,
	} {
		req := httptest.NewRequest(http.MethodGet, "/api/search", nil)
		req.Host = host
		rec := httptest.NewRecorder()
		ts.srv.ServeHTTP(rec, req)
		if rec.Code != want {
			t.Errorf("Host %s: %d, want %d", host, rec.Code, want)
		}
	}
}

func TestServer_Token(t *testing.T) {
	const token = "s3cret-Token-Value-9f8e"
	ts := newTestServer(t, token)
	// No token: the API says how to send one, pages show the login form.
	if r := ts.get(t, "/api/search"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, "Bearer") {
		t.Errorf("API without token: %d %s", r.status, r.body)
	}
	if r := ts.get(t, "/?q=x"); r.status != http.StatusUnauthorized || !strings.Contains(r.body, `name="token"`) {
		t.Errorf("page without token: %d", r.status)
	}
	for _, h := range []string{"Bearer wrong", "Bearer " + token + "x", "Basic " + token, token, "Bearer "} {
		if r := ts.do(t, http.MethodGet, "/api/search", http.Header{"Authorization": {h}}); r.status != http.StatusUnauthorized {
			t.Errorf("Authorization %q: %d", h, r.status)
		}
	}
	if r := ts.do(t, http.MethodGet, "/api/search", http.Header{"Authorization": {"Bearer " + token}}); r.status != http.StatusOK {
		t.Errorf("with the token: %d %s", r.status, r.body)
	}
	// Any host is fine once the token is required.
	req := httptest.NewRequest(http.MethodGet, "/api/search", nil)
	req.Host = "archive.example.org"
	req.Header.Set("Authorization", "Bearer "+token)
	rec := httptest.NewRecorder()
	ts.srv.ServeHTTP(rec, req)
	if rec.Code != http.StatusOK {
		t.Errorf("token from another host name: %d", rec.Code)
	}

	// The login form: a wrong token fails, the right one sets a session
	// cookie that is not the token and opens the pages.
	post := func(form url.Values, origin string) *http.Response {
		req, _ := http.NewRequest(http.MethodPost, ts.http.URL+"/login", strings.NewReader(form.Encode()))
		req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		if origin != "" {
			req.Header.Set("Origin", origin)
		}
		client := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
		resp, err := client.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		resp.Body.Close()
		return resp
	}
	if resp := post(url.Values{"token": {"nope"}}, ""); resp.StatusCode != http.StatusUnauthorized || len(resp.Cookies()) != 0 {
		t.Errorf("wrong token: %d, cookies %v", resp.StatusCode, resp.Cookies())
	}
	if resp := post(url.Values{"token": {token}}, "http://evil.example"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("login from another origin: %d", resp.StatusCode)
	}
	resp := post(url.Values{"token": {token}, "next": {"//evil.example/x"}}, ts.http.URL)
	if resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/" {
		t.Fatalf("login: %d, Location %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	cookies := resp.Cookies()
	if len(cookies) != 1 || !cookies[0].HttpOnly || cookies[0].SameSite != http.SameSiteStrictMode || strings.Contains(cookies[0].Value, token) {
		t.Fatalf("session cookie: %+v", cookies)
	}
	r := ts.do(t, http.MethodGet, "/?q="+q("人大"), http.Header{"Cookie": {cookies[0].Name + "=" + cookies[0].Value}})
	if r.status != http.StatusOK || !strings.Contains(r.body, "result") {
		t.Errorf("with the session cookie: %d", r.status)
	}
	if r := ts.do(t, http.MethodGet, "/", http.Header{"Cookie": {cookies[0].Name + "=" + token}}); r.status != http.StatusUnauthorized {
		t.Errorf("the token as a cookie value: %d", r.status)
	}
	if strings.Contains(ts.logs.String(), token) {
		t.Errorf("the token is in the logs:\n%s", ts.logs.String())
	}
	if !strings.Contains(ts.logs.String(), "path=/api/search") {
		t.Errorf("requests are not logged:\n%s", ts.logs.String())
	}
}

func TestServer_APISearch(t *testing.T) {
	ts := newTestServer(t, "")
	var res SearchResponse
	ts.getJSON(t, "/api/search?q="+q("人大"), &res)
	if res.Total != 2 || len(res.Hits) != 2 || res.Index != "tokens" || res.Query.Q != "人大" || res.Query.Limit != DefaultLimit {
		t.Fatalf("search 人大: %+v", res)
	}
	ids := map[int64]bool{}
	for _, h := range res.Hits {
		ids[h.ID] = true
		if !strings.Contains(h.SnippetHTML, "<mark>人大</mark>") || strings.Contains(h.Snippet, "<mark>") || strings.ContainsAny(h.Snippet, HighlightStart+HighlightEnd) {
			t.Errorf("snippet %q / %q", h.Snippet, h.SnippetHTML)
		}
		if h.URL == "" || h.Site == "" || h.CapturedAt.IsZero() || h.State == "" || h.Version == 0 {
			t.Errorf("hit lacks fields: %+v", h)
		}
	}
	if !ids[ts.congress] || !ids[ts.xss] {
		t.Errorf("hits %v, want congress %d and xss %d", ids, ts.congress, ts.xss)
	}
	// Hostile text is escaped in snippet_html.
	ts.getJSON(t, "/api/search?q="+q("正文第一段"), &res)
	if res.Total != 1 || strings.Contains(res.Hits[0].SnippetHTML, "<script") || strings.Contains(res.Hits[0].SnippetHTML, "<img") {
		t.Errorf("xss snippet: %+v", res.Hits)
	}

	tests := []struct {
		query string
		total int
	}{
		{"q=" + q("通辽市第五次"), 1},
		{"q=" + q(`"党代会"`) + "&as_of=2021-09-28", 1},
		{"q=" + q("隆重") + "&as_of=2021-09-28", 1}, // v1 said 隆重开幕 in its body
		{"q=" + q("在通辽隆重开幕") + "&as_of=2021-09-28", 0},
		{"q=" + q("在通辽隆重开幕"), 1},
		{"q=council", 1},
		{"q=council&state=moved", 1},
		{"q=council&state=live", 0},
		{"q=" + q("election OR 通知"), 25},
		{"site=gov.example.cn", 24},
		{"site=" + q("http://gov.example.cn/notice/1.html"), 24},
		{"since=2021-09-20&until=2021-09-25&site=gov.example.cn", 6},
		{"captured_since=" + q("2021-09-28T02:00:00Z") + "&site=xss.example.org", 1},
		{"state=gone", 0},
	}
	for _, tt := range tests {
		ts.getJSON(t, "/api/search?"+tt.query, &res)
		if res.Total != tt.total {
			t.Errorf("%s: total %d, want %d", tt.query, res.Total, tt.total)
		}
	}
	// Paging.
	ts.getJSON(t, "/api/search?site=gov.example.cn&limit=10&offset=20", &res)
	if res.Total != 24 || len(res.Hits) != 4 || res.Query.Offset != 20 {
		t.Errorf("page 3: total %d, %d hits", res.Total, len(res.Hits))
	}
	// Newest published first without search text.
	ts.getJSON(t, "/api/search?site=gov.example.cn&limit=3", &res)
	if res.Hits[0].Published != "2021-09-28" || res.Hits[2].Published != "2021-09-26" {
		t.Errorf("order: %v %v", res.Hits[0].Published, res.Hits[2].Published)
	}
}

func TestServer_APIErrors(t *testing.T) {
	ts := newTestServer(t, "")
	for path, want := range map[string]string{
		"/api/search?q=" + q(`"unclosed`):               "unclosed quote",
		"/api/search?q=" + q("(a OR b"):                 "not closed",
		"/api/search?q=" + q("AND"):                     "needs a word",
		"/api/search?limit=0":                           "limit",
		"/api/search?limit=101":                         "limit",
		"/api/search?offset=-1":                         "offset",
		"/api/search?since=2021-13-01":                  "since",
		"/api/search?since=2022-01-01&until=2021-01-01": "not after",
		"/api/search?state=deleted":                     "state",
		"/api/search?as_of=yesterday":                   "as_of",
		"/api/articles/0":                               "not an id",
		"/api/articles/-1":                              "not an id",
		"/api/articles/1e3":                             "not an id",
		"/api/articles/99999999999999999999":            "not an id",
		"/api/articles/1?version=x":                     "version",
		"/api/articles/1/diff?from=0":                   "from",
	} {
		r := ts.get(t, path)
		var e apiError
		if err := json.Unmarshal([]byte(r.body), &e); err != nil || r.status != http.StatusBadRequest || !strings.Contains(e.Error, want) || e.Status != 400 {
			t.Errorf("%s: %d %s, want 400 mentioning %q", path, r.status, r.body, want)
		}
	}
	for _, path := range []string{"/api/articles/424242", fmt.Sprintf("/api/articles/%d?version=9", ts.congress),
		fmt.Sprintf("/api/articles/%d/diff?to=9", ts.congress), "/api/articles/424242/versions", "/api/nothing"} {
		if r := ts.get(t, path); r.status != http.StatusNotFound || !strings.HasPrefix(r.header.Get("Content-Type"), "application/json") {
			t.Errorf("%s: %d %s", path, r.status, r.body)
		}
	}
}

func TestServer_APIArticle(t *testing.T) {
	ts := newTestServer(t, "")
	var a Article
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d", ts.congress), &a)
	if a.ID != ts.congress || a.LatestVersion != 3 || a.Version.Version != 3 || a.State != "live" || a.Site != "tl.example.cn" {
		t.Errorf("article: %+v", a)
	}
	c := a.Version.Content
	if c == nil || c.Title != "通辽市第五次党代会隆重开幕" || len(c.Bylines) != 3 || c.Bylines[1].Role != "photographer" || c.Kicker != "凝心聚力" {
		t.Fatalf("content: %+v", c)
	}
	var kinds []string
	for _, e := range a.Events {
		kinds = append(kinds, e.Kind)
	}
	if got := strings.Join(kinds, " "); got != "first_seen unchanged unchanged changed changed gone restored" {
		t.Errorf("events: %s", got)
	}
	if len(a.Captures) != 7 || a.Captures[0].PayloadSHA256 == "" || a.Captures[0].Charset != "gbk" || a.Captures[5].Status != 404 {
		t.Errorf("captures: %+v", a.Captures)
	}
	if a.ArchivedURL == "" || a.RawCaptureURL == "" || a.DiffURL == "" {
		t.Errorf("links: %+v", a)
	}
	a = Article{}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d?version=1&history=0", ts.congress), &a)
	if a.Version.Version != 1 || a.Version.Content.Title != "通辽市第五次党代会开幕" || a.Events != nil || a.Version.SupersededAt == nil {
		t.Errorf("version 1: %+v", a.Version)
	}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d?as_of=2021-09-29", ts.congress), &a)
	if a.Version.Version != 2 {
		t.Errorf("as of 2021-09-29: version %d, want 2", a.Version.Version)
	}
	if r := ts.get(t, fmt.Sprintf("/api/articles/%d?as_of=2020-01-01", ts.congress)); r.status != http.StatusNotFound {
		t.Errorf("as of before it was seen: %d", r.status)
	}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d", ts.council), &a)
	if a.State != "moved" || a.MovedTo != "http://news.example.com/2022/03/council-elections.html" {
		t.Errorf("moved: %q %q", a.State, a.MovedTo)
	}

	var vs Versions
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d/versions", ts.congress), &vs)
	if len(vs.Versions) != 3 || vs.Versions[0].Content != nil || vs.Versions[1].Title != "通辽市第五次党代会隆重开幕" ||
		strings.Join(vs.Versions[1].Changed, ",") != "title,body" || len(vs.Versions[0].Changed) != 0 {
		t.Errorf("versions: %+v", vs)
	}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d/versions?content=1", ts.congress), &vs)
	if vs.Versions[2].Content == nil || !strings.Contains(vs.Versions[2].Content.Body, "分组讨论") {
		t.Errorf("versions with content: %+v", vs.Versions[2])
	}
}

func TestServer_APIDiff(t *testing.T) {
	ts := newTestServer(t, "")
	var d struct {
		From, To int
		Fields   []struct {
			Field    string
			Changed  bool
			Old, New string
		}
		Paragraphs []struct{ Op, Text string }
	}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d/diff", ts.congress), &d)
	if d.From != 2 || d.To != 3 {
		t.Errorf("default range %d..%d, want 2..3", d.From, d.To)
	}
	last := d.Paragraphs[len(d.Paragraphs)-1]
	if last.Op != "insert" || last.Text != "大会期间，代表们将分组讨论报告。" {
		t.Errorf("added paragraph: %+v", d.Paragraphs)
	}
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d/diff?from=1&to=2", ts.congress), &d)
	changed := map[string]bool{}
	for _, f := range d.Fields {
		changed[f.Field] = f.Changed
	}
	if !changed["title"] || !changed["body"] || changed["bylines"] || changed["published"] {
		t.Errorf("changed fields: %v", changed)
	}
	// A one-version article diffs against itself.
	ts.getJSON(t, fmt.Sprintf("/api/articles/%d/diff", ts.filler[0]), &d)
	if d.From != 1 || d.To != 1 || len(d.Fields) == 0 {
		t.Errorf("one version: %+v", d)
	}
}
