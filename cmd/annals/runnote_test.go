package main

import (
	"testing"

	"github.com/annals/annals/crawler"
)

func TestRunNote(t *testing.T) {
	for _, tc := range []struct {
		st   crawler.Stats
		want string
	}{
		{crawler.Stats{}, ""},
		{crawler.Stats{Limited: true, Queued: 7}, "stopped at max_pages with 7 URLs queued; the next run resumes"},
		{crawler.Stats{Requeued: 1}, "1 page re-checked before their time: a sitemap or feed said they changed"},
		{crawler.Stats{Requeued: 3, RedirectsStopped: 2, HostsDown: 1},
			"3 pages re-checked before their time: a sitemap or feed said they changed; " +
				"2 redirect chains stopped at the redirect limit (their last redirect is captured, its target not fetched); " +
				"1 hosts given up after failing again and again; their URLs stay queued"},
	} {
		if got := runNote(tc.st); got != tc.want {
			t.Errorf("runNote(%+v) =\n%q, want\n%q", tc.st, got, tc.want)
		}
	}
}
