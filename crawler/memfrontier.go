package crawler

import (
	"context"
	"fmt"
	"sort"
	"sync"
	"time"
)

// MemoryFrontier is a Frontier kept in memory: for tests and throwaway
// crawls. It forgets everything when the process ends and holds every URL
// in memory; use the archive's frontier for real crawls.
type MemoryFrontier struct {
	mu   sync.Mutex
	jobs map[string]*memJob
}

type memJob struct {
	started, finished time.Time
	passes            int
	hosts             []Host
	hostIdx           map[string]int
	bySeq             []*memURL          // index Seq-1
	byURL             map[string]*memURL // every known URL
	hostSeqs          map[string][]int64 // each host's Seqs, ascending
	queued            int
}

type memURL struct {
	item    Item
	state   uint8 // memQueued, memDone, memAlias
	status  int
	note    string
	nextDue time.Time
}

const (
	memQueued uint8 = iota
	memDone
	memAlias
)

// NewMemoryFrontier returns an empty in-memory frontier.
func NewMemoryFrontier() *MemoryFrontier {
	return &MemoryFrontier{jobs: map[string]*memJob{}}
}

func (f *MemoryFrontier) job(name string) *memJob {
	j := f.jobs[name]
	if j == nil {
		j = &memJob{hostIdx: map[string]int{}, byURL: map[string]*memURL{}, hostSeqs: map[string][]int64{}}
		f.jobs[name] = j
	}
	return j
}

// Begin implements Frontier.
func (f *MemoryFrontier) Begin(ctx context.Context, job string, now, dueBy time.Time) (bool, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.job(job)
	if !j.started.IsZero() && j.finished.IsZero() && j.queued > 0 {
		return true, nil
	}
	for _, u := range j.bySeq {
		if u.state == memDone && (u.nextDue.IsZero() || !u.nextDue.After(dueBy)) {
			u.state = memQueued
			j.queued++
		}
	}
	j.passes++
	j.started, j.finished = now, time.Time{}
	return false, nil
}

// Finish implements Frontier.
func (f *MemoryFrontier) Finish(ctx context.Context, job string, now time.Time) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.job(job).finished = now
	return nil
}

// Hosts implements Frontier.
func (f *MemoryFrontier) Hosts(ctx context.Context, job string) ([]Host, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[job]
	if j == nil {
		return nil, nil
	}
	return append([]Host(nil), j.hosts...), nil
}

// Add implements Frontier.
func (f *MemoryFrontier) Add(ctx context.Context, job string, items []Item) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.job(job)
	for i := range items {
		items[i].Seq = 0
		if items[i].URL == "" {
			return fmt.Errorf("add URLs to the frontier of job %q: an item has no URL", job)
		}
	}
	for i := range items {
		j.add(&items[i], memQueued)
	}
	return nil
}

func (j *memJob) add(it *Item, state uint8) {
	if it.Host == "" {
		if u, err := parseAbsolute(it.URL); err == nil {
			it.Host = u.Host
		}
	}
	root := it.Depth == 0 && state == memQueued
	if hi, ok := j.hostIdx[it.Host]; !ok {
		j.hostIdx[it.Host] = len(j.hosts)
		j.hosts = append(j.hosts, Host{Name: it.Host, Root: root})
	} else if root {
		j.hosts[hi].Root = true
	}
	if u, ok := j.byURL[it.URL]; ok {
		if state == memQueued && u.state == memDone && j.changedSince(u, it.Modified) {
			u.state = memQueued
			j.queued++
			modified := it.Modified
			*it = u.item
			it.Modified = modified
		}
		return
	}
	stored := Item{URL: it.URL, Host: it.Host, Depth: it.Depth, Redirects: it.Redirects, Kind: it.Kind, FirstSeen: it.FirstSeen}
	if stored.FirstSeen.IsZero() {
		stored.FirstSeen = time.Now()
	}
	stored.Seq = int64(len(j.bySeq) + 1)
	u := &memURL{item: stored, state: state}
	j.bySeq = append(j.bySeq, u)
	j.byURL[it.URL] = u
	j.hostSeqs[it.Host] = append(j.hostSeqs[it.Host], stored.Seq)
	if state == memQueued {
		j.queued++
		it.Seq = stored.Seq
	}
}

// changedSince tells whether a hint that u changed at modified makes it due
// again in this pass (see Frontier.Add).
func (j *memJob) changedSince(u *memURL, modified time.Time) bool {
	last := u.item.LastFetch
	if modified.IsZero() || last.IsZero() || modified.After(time.Now().Add(MaxModifiedSkew)) {
		return false
	}
	// In milliseconds, as the archive's frontier keeps times.
	return last.UnixMilli() < j.started.UnixMilli() && modified.UnixMilli() > last.UnixMilli()
}

// Next implements Frontier.
func (f *MemoryFrontier) Next(ctx context.Context, job, host string, after int64, n int) ([]Item, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[job]
	if j == nil {
		return nil, nil
	}
	seqs := j.hostSeqs[host]
	i := sort.Search(len(seqs), func(i int) bool { return seqs[i] > after })
	var out []Item
	for ; i < len(seqs) && len(out) < n; i++ {
		if u := j.bySeq[seqs[i]-1]; u.state == memQueued {
			out = append(out, u.item)
		}
	}
	return out, nil
}

// Done implements Frontier.
func (f *MemoryFrontier) Done(ctx context.Context, job string, o Outcome, found []Item) error {
	f.mu.Lock()
	defer f.mu.Unlock()
	for i := range found {
		found[i].Seq = 0
		if found[i].URL == "" {
			return fmt.Errorf("record a fetch in the frontier of job %q: an item has no URL", job)
		}
	}
	j := f.jobs[job]
	if j == nil || o.Seq < 1 || o.Seq > int64(len(j.bySeq)) || j.bySeq[o.Seq-1].item.URL != o.URL {
		return fmt.Errorf("record a fetch in the frontier of job %q: URL #%d (%s) is not in the frontier", job, o.Seq, o.URL)
	}
	u := j.bySeq[o.Seq-1]
	if u.state == memQueued {
		j.queued--
	}
	u.state = memDone
	u.status, u.note, u.nextDue = o.Status, o.Note, o.NextDue
	it := &u.item
	it.Kind, it.Article, it.ETag, it.LastModified = o.Kind, o.Article, o.ETag, o.LastModified
	if o.Digest != 0 {
		it.Digest = o.Digest
	}
	if !o.Fetched.IsZero() {
		it.LastFetch = o.Fetched
	}
	if o.Alias.URL != "" {
		a := o.Alias
		j.add(&a, memAlias)
	}
	for i := range found {
		j.add(&found[i], memQueued)
	}
	return nil
}

// Count implements Frontier.
func (f *MemoryFrontier) Count(ctx context.Context, job string) (known, queued int, err error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	j := f.jobs[job]
	if j == nil {
		return 0, 0, nil
	}
	return len(j.bySeq), j.queued, nil
}
