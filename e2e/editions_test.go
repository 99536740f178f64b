package e2e

import (
	"path/filepath"
	"reflect"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/annals/annals/portal"
)

// TestCrawl_Editions is the pipeline's acceptance test: the real binary
// crawls the sample portal, re-crawls it unchanged, then crawls it again
// after the site changed (edition 2), and the export must show versions
// and changed fields exactly where content changed, gone and moved
// articles as such, the new article, and nothing spurious.
func TestCrawl_Editions(t *testing.T) {
	t.Parallel()
	p, base := servePortal(t, portal.Options{})
	dir := t.TempDir()
	db := filepath.Join(dir, "annals.db")
	crawl := crawlArgs(db, base+"/", "--delay", "0")
	edition1 := p.Articles()

	// Run 1: edition 1.
	mustRun(t, dir, crawl...)
	first := export(t, dir, db)
	for _, a := range edition1 {
		vs := first[base+a.Path]
		if len(vs) != 1 {
			t.Errorf("%s: %d versions after the first crawl, want 1", a.Path, len(vs))
			continue
		}
		if vs[0].Title != a.Title {
			t.Errorf("%s: title %q, want %q", a.Path, vs[0].Title, a.Title)
		}
		if vs[0].State != "live" || len(vs[0].Changed) != 0 || vs[0].RunID != 1 {
			t.Errorf("%s: %+v", a.Path, vs[0])
		}
	}
	checkOnly(t, "first crawl", first, base, paths(edition1))

	// Run 2: the same site again costs little and adds nothing.
	p.Reset()
	mustRun(t, dir, crawl...)
	second := export(t, dir, db)
	if !reflect.DeepEqual(first, second) {
		t.Errorf("re-crawling the unchanged site changed the export:\n%s", diffRecords(first, second))
	}
	articles := map[string]bool{}
	for _, a := range edition1 {
		articles[a.Path] = true
	}
	ok, full := 0, 0
	for _, r := range p.Requests() {
		switch {
		case articles[r.Target] && r.Status != 304:
			t.Errorf("re-crawl: %s answered %d, want 304 (conditional GET)", r.Target, r.Status)
		case r.Status == 304:
			ok++
		case r.Status == 200:
			full++
		}
	}
	if full > ok/4 {
		t.Errorf("re-crawl of an unchanged site: %d full answers and %d 304s; want almost all 304", full, ok)
	}
	r1, r2 := readRun(t, db, 1), readRun(t, db, 2)
	if r2.Summary.NewArticles != 0 || r2.Summary.Changed != 0 || r2.Summary.Bytes*10 > r1.Summary.Bytes {
		t.Errorf("re-crawl: %+v (first crawl: %+v)", r2.Summary, r1.Summary)
	}
	t.Logf("re-crawl: %d requests answered 304, %d in full; %d bytes against %d the first time", ok, full, r2.Summary.Bytes, r1.Summary.Bytes)

	// Run 3: edition 2.
	if err := p.SetEdition(2); err != nil {
		t.Fatal(err)
	}
	mustRun(t, dir, crawl...)
	third := export(t, dir, db)

	want := paths(edition1)
	touched := map[string]bool{}
	for _, ch := range p.Changes() {
		url := base + ch.Path
		vs := third[url]
		touched[ch.Path] = true
		switch ch.Kind {
		case portal.ChangeEdited, portal.ChangeRetitled:
			if len(vs) != 2 {
				t.Errorf("%s %s: %d versions, want 2", ch.Kind, ch.Path, len(vs))
				continue
			}
			if len(vs[0].Changed) != 0 || !slices.Equal(vs[1].Changed, ch.Fields) || vs[1].State != "live" || vs[1].RunID != 3 {
				t.Errorf("%s %s: changed %v then %v (run %d), want none then %v (run 3)", ch.Kind, ch.Path, vs[0].Changed, vs[1].Changed, vs[1].RunID, ch.Fields)
			}
			if ch.Kind == portal.ChangeRetitled && vs[1].Title != ch.After {
				t.Errorf("retitled %s: title %q, want %q", ch.Path, vs[1].Title, ch.After)
			}
			if ch.Kind == portal.ChangeEdited && !strings.Contains(norm(vs[1].Body), norm(ch.After)) {
				t.Errorf("edited %s: the new body lacks %q", ch.Path, ch.After)
			}
		case portal.ChangeDeleted, portal.ChangeGone:
			if len(vs) != 1 || vs[0].State != "gone" {
				t.Errorf("%s %s (%d): %+v, want one version, gone", ch.Kind, ch.Path, ch.Status, vs)
			}
		case portal.ChangeMoved:
			if len(vs) != 1 || vs[0].State != "moved" || vs[0].MovedTo != base+ch.To {
				t.Errorf("moved %s: %+v, want one version, moved to %s", ch.Path, vs, base+ch.To)
			}
			to := third[base+ch.To]
			if len(to) != 1 || to[0].State != "live" || to[0].ContentSHA256 != vs[0].ContentSHA256 {
				t.Errorf("moved %s: its new URL %s has %+v, want the same content, live", ch.Path, ch.To, to)
			}
			want = append(want, ch.To)
		case portal.ChangeAdded:
			a, ok := p.Article(ch.Path)
			if !ok {
				t.Fatalf("portal has no article %s", ch.Path)
			}
			if len(vs) != 1 || vs[0].State != "live" || vs[0].Title != a.Title || vs[0].RunID != 3 {
				t.Errorf("added %s: %+v, want one version titled %q from run 3", ch.Path, vs, a.Title)
			}
			want = append(want, ch.Path)
		case portal.ChangeTemplate:
			// Checked below: every other article is as it was.
		default:
			t.Errorf("unexpected change %+v", ch)
		}
	}
	for _, a := range edition1 {
		if touched[a.Path] {
			continue
		}
		if got, was := third[base+a.Path], first[base+a.Path]; !reflect.DeepEqual(got, was) {
			t.Errorf("%s only had its template changed, yet its record changed:\n was %+v\n now %+v", a.Path, was, got)
		}
	}
	checkOnly(t, "third crawl", third, base, want)
	if r3 := readRun(t, db, 3); r3.Summary.Gone != 2 || r3.Summary.Moved != 1 || r3.Summary.Changed != 2 {
		t.Errorf("run 3 summary = %+v, want 2 changed, 2 gone, 1 moved", r3.Summary)
	}
	mustRun(t, dir, "verify", "--db", db, "-q")
}

// checkOnly reports exported URLs that are not articles of the portal.
func checkOnly(t *testing.T, when string, recs map[string][]record, base string, want []string) {
	t.Helper()
	ok := map[string]bool{}
	for _, p := range want {
		ok[base+p] = true
	}
	var extra []string
	for url, vs := range recs {
		if !ok[url] {
			extra = append(extra, url+" ("+vs[0].Title+")")
		}
	}
	sort.Strings(extra)
	for _, e := range extra {
		t.Errorf("%s: exported a page that is no article of the portal: %s", when, e)
	}
}

func paths(as []portal.Article) []string {
	var out []string
	for _, a := range as {
		out = append(out, a.Path)
	}
	return out
}

// norm drops whitespace, for comparing text across extraction's
// whitespace handling.
func norm(s string) string { return strings.Join(strings.Fields(s), "") }

// diffRecords lists URLs whose records differ.
func diffRecords(a, b map[string][]record) string {
	var out []string
	for url := range a {
		if !reflect.DeepEqual(a[url], b[url]) {
			out = append(out, url)
		}
	}
	for url := range b {
		if _, ok := a[url]; !ok {
			out = append(out, url+" (new)")
		}
	}
	sort.Strings(out)
	return strings.Join(out, "\n")
}
