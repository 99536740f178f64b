package web

import (
	"fmt"
	"net/http"
	"strings"
	"testing"
)

func TestServer_SearchPage(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, "/?q="+q("人大"))
	if r.status != http.StatusOK || r.header.Get("Content-Type") != "text/html; charset=utf-8" {
		t.Fatalf("search page: %d %s", r.status, r.header.Get("Content-Type"))
	}
	for _, want := range []string{
		`<strong>2</strong> results`,
		`<mark>人大</mark>`,
		fmt.Sprintf(`href="/articles/%d?v=3"`, ts.congress),
		`id="export-csv" href="/export?format=csv&amp;q=%E4%BA%BA%E5%A4%A7"`,
		`id="export-json" href="/export?format=json&amp;q=%E4%BA%BA%E5%A4%A7"`,
		`live <span class="n">2</span>`,
		`tl.example.cn <span class="n">1</span>`,
		`<option value="gov.example.cn">gov.example.cn (24)</option>`,
		// The hostile title is shown as text.
		`&lt;script&gt;window.__pwned=1;fetch(&#34;/pwned-script&#34;)&lt;/script&gt;`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("search page lacks %s", want)
		}
	}
	assertNoActiveArchivedMarkup(t, r.body)

	// A bad query: a 400 with the reason and a hint, not an SQL error.
	r = ts.get(t, "/?q="+q(`人大 AND (通辽`))
	if r.status != http.StatusBadRequest || !strings.Contains(r.body, "is not closed") || !strings.Contains(r.body, "double quotes") || strings.Contains(r.body, "fts5") {
		t.Errorf("bad query: %d\n%s", r.status, r.body)
	}
	// Paging through the notices.
	r = ts.get(t, "/?site=gov.example.cn")
	if !strings.Contains(r.body, "showing 1–20") || !strings.Contains(r.body, `rel="next"`) || strings.Contains(r.body, `rel="prev"`) {
		t.Errorf("first page lacks its pager")
	}
	r = ts.get(t, "/?site=gov.example.cn&offset=20")
	if !strings.Contains(r.body, "showing 21–24") || strings.Contains(r.body, `rel="next"`) || !strings.Contains(r.body, `rel="prev"`) {
		t.Errorf("last page lacks its pager")
	}
	if r := ts.get(t, "/?limit=abc"); r.status != http.StatusBadRequest || !strings.Contains(r.body, "limit") {
		t.Errorf("bad limit: %d", r.status)
	}
}

// assertNoActiveArchivedMarkup fails when archived payloads appear as
// markup rather than text.
func assertNoActiveArchivedMarkup(t *testing.T, body string) {
	t.Helper()
	for _, bad := range []string{"<script>window", "<img src=x", `onerror="window`, "<script>"} {
		if strings.Contains(body, bad) {
			t.Errorf("page carries archived markup %q", bad)
		}
	}
}

func TestServer_ArticlePage(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, fmt.Sprintf("/articles/%d", ts.congress))
	if r.status != http.StatusOK {
		t.Fatalf("article page: %d %s", r.status, r.body)
	}
	for _, want := range []string{
		`<h1 id="title">通辽市第五次党代会隆重开幕</h1>`,
		`<p class="kicker">凝心聚力</p>`,
		`<span class="name">赵彦臻</span> <span class="role">reporter</span>`,
		`<span class="name">宋悦</span> <span class="role">photographer</span>`,
		`3 of 3`,
		fmt.Sprintf(`href="/articles/%d?v=1" data-version="1"`, ts.congress),
		fmt.Sprintf(`href="/articles/%d?v=2" data-version="2"`, ts.congress),
		`<span class="kind">gone</span>`, `<span class="kind">restored</span>`, `×2 until`,
		`<ins>大会期间，代表们将分组讨论报告。</ins>`, // the default diff: 2 → 3
		`<td>gbk</td>`, `<td class="status">404</td>`,
		`/captures/`, `view as captured`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("article page lacks %s", want)
		}
	}
	// Version 1, compared side by side with version 2.
	r = ts.get(t, fmt.Sprintf("/articles/%d?v=1&from=1&to=2&view=side", ts.congress))
	for _, want := range []string{
		`<h1 id="title">通辽市第五次党代会开幕</h1>`, `1 of 3`, `<table class="side" id="diff-body">`,
		`<td class="new">通辽市第五次党代会<ins>隆重</ins>开幕</td>`,
		`<tr class="rewrite">`, `<ins>上午</ins>`, `<ins>在通辽</ins>`,
	} {
		if !strings.Contains(r.body, want) {
			t.Errorf("version 1 side by side lacks %s", want)
		}
	}
	// The hostile article's fields are text.
	r = ts.get(t, fmt.Sprintf("/articles/%d?from=1&to=2", ts.xss))
	if r.status != http.StatusOK || !strings.Contains(r.body, "&lt;img src=x onerror=") {
		t.Errorf("xss article: %d", r.status)
	}
	assertNoActiveArchivedMarkup(t, r.body)
	for path, want := range map[string]int{
		fmt.Sprintf("/articles/%d?v=4", ts.congress):         http.StatusNotFound,
		fmt.Sprintf("/articles/%d?from=1&to=7", ts.congress): http.StatusNotFound,
		"/articles/77777": http.StatusNotFound,
		"/articles/x":     http.StatusBadRequest,
	} {
		if r := ts.get(t, path); r.status != want {
			t.Errorf("%s: %d, want %d", path, r.status, want)
		}
	}
}

func TestServer_CapturePage(t *testing.T) {
	ts := newTestServer(t, "")
	r := ts.get(t, fmt.Sprintf("/captures/%d", ts.xssCap))
	if r.status != http.StatusOK {
		t.Fatalf("capture page: %d", r.status)
	}
	frame := fmt.Sprintf(`<iframe class="archived" id="archived-frame" title="archived page" src="/captures/%d/archived" sandbox referrerpolicy="no-referrer"`, ts.xssCap)
	if !strings.Contains(r.body, frame) {
		t.Errorf("capture page lacks the sandboxed frame %s", frame)
	}
	if strings.Contains(r.body, "allow-scripts") || strings.Contains(r.body, "allow-same-origin") {
		t.Errorf("the frame's sandbox is loosened")
	}
	assertNoActiveArchivedMarkup(t, r.body)
	r = ts.get(t, fmt.Sprintf("/captures/%d", ts.movedCap))
	if !strings.Contains(r.body, "HTTP 301") || !strings.Contains(r.body, "council-elections.html") || strings.Contains(r.body, "<iframe") {
		t.Errorf("redirect capture page:\n%s", r.body)
	}
}
