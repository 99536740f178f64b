package crawler

import (
	"cmp"
	"context"
	"crypto/sha256"
	"encoding/binary"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net/http"
	"net/url"
	"strings"
	"sync"
	"time"

	"golang.org/x/text/encoding"
)

// Crawler crawls the sites of one job. Create it with New and call Run; a
// Crawler may be run again (each run is the next run of the same job).
type Crawler struct {
	cfg     Config
	front   Frontier
	handler Handler
	log     *slog.Logger
	seeds   []Item
}

// New checks cfg and returns a Crawler that keeps its frontier in f and
// hands every fetch attempt to h.
func New(cfg Config, f Frontier, h Handler) (*Crawler, error) {
	if err := cfg.validate(); err != nil {
		return nil, err
	}
	if f == nil || h == nil {
		return nil, errors.New("crawler: a frontier and a handler are needed")
	}
	c := &Crawler{cfg: cfg, front: f, handler: h, log: cfg.Logger}
	if c.log == nil {
		c.log = slog.New(slog.DiscardHandler)
	}
	for _, s := range cfg.Seeds {
		u, _ := parseAbsolute(s)
		cu, host, err := canonical(u)
		if err != nil {
			return nil, fmt.Errorf("crawler config: seed %q: %w", s, err)
		}
		c.seeds = append(c.seeds, Item{URL: cu, Host: host, Kind: KindPage})
	}
	return c, nil
}

// Log keys.
const (
	logJob     = "job"
	logURL     = "url"
	logHost    = "host"
	logStatus  = "status"
	logAttempt = "attempt"
	logErr     = "err"
	logDur     = "duration"
	logBytes   = "bytes"
)

// Dispatcher tuning: how many queued URLs of one host are held in memory,
// and when more are read from the frontier.
const (
	hostBatch    = 256
	hostLowWater = 64
	seenLimit    = 1 << 18
	trapLimit    = 1 << 16
	maxURLLength = 2048
	// hostPauseAfter is how many failures in a row pause a host.
	hostPauseAfter = 3
	// maxRobotsRedirects is how many redirects of robots.txt are followed.
	maxRobotsRedirects = 5
)

// run is the state of one Run.
type run struct {
	cfg     *Config
	log     *slog.Logger
	front   Frontier
	handler Handler
	fetcher *fetcher
	scope   *scope
	seen    *seenSet
	traps   *trapCounter

	ctx      context.Context // cancelled on interrupt or fatal error: stop taking URLs
	cancel   context.CancelCauseFunc
	fetchCtx context.Context // cancelled Grace after ctx: abandon in-flight requests
	bg       context.Context // never cancelled: handler and frontier writes

	kick chan struct{} // a report came: the loop looks again

	// hintMu keeps reads of the frontier (pull, shared) apart from
	// recording outcomes that may queue known URLs again (done, alone):
	// a URL queued again in its old place is then either returned by a
	// read that starts after, or behind the host's cursor and taken up
	// at once, never both (which would fetch it twice) nor neither.
	hintMu sync.RWMutex

	// Guarded by dmu: the dispatcher's state.
	dmu       sync.Mutex
	stopping  bool
	hosts     map[string]*hostState
	order     []*hostState
	next      int // round-robin start
	inFlight  int // tasks being worked on (fetched, handled or recorded)
	pulls     int // reads of the frontier under way
	reserved  int // URLs dispatched in this run, for MaxPages
	limitHit  bool
	hostsDown int

	mu    sync.Mutex
	stats Stats
	err   error
}

// task is one URL on its way through the dispatcher.
type task struct {
	item      Item
	attempt   int
	notBefore time.Time
	robots    bool // a robots.txt fetch, not a frontier URL
	released  bool // its host slot was given back (see run.release)
}

// hostState is the dispatcher's view of one host.
type hostState struct {
	name        string
	queue       []*task // read from the frontier, in order
	retry       []*task // waiting to be tried again
	cursor      int64
	exhausted   bool // the frontier had nothing more at the last read…
	pulling     bool // …a read is under way…
	touched     int  // …and reports of new URLs since (see pull)
	inFlight    int
	gate        gate
	robots      *robotsRules
	robotsBusy  bool
	pausedUntil time.Time
	failures    int
	down        bool
}

// event is a worker's report on one task.
type event struct {
	h          *hostState
	t          *task
	released   bool // only this: the task's request is over, the host's slot is free
	abandoned  bool // not finished: stays queued in the frontier
	retry      bool
	notBefore  time.Time
	pauseUntil time.Time
	success    bool // the host answered
	failure    bool // the host did not answer well (counts towards backing it off)
	robots     *robotsRules
	touched    []string // hosts that got new queued URLs
}

// gate keeps the starts of requests to one host at least delay apart.
type gate struct {
	mu    sync.Mutex
	delay time.Duration
	last  time.Time
}

func (g *gate) setDelay(d time.Duration) {
	g.mu.Lock()
	g.delay = d
	g.mu.Unlock()
}

// nextStart is the earliest time the next request may start.
func (g *gate) nextStart() time.Time {
	g.mu.Lock()
	defer g.mu.Unlock()
	if g.last.IsZero() {
		return time.Time{}
	}
	return g.last.Add(g.delay)
}

// sent moves the last start to when a request actually went out, if later
// (a new connection takes a while to dial): the delay is kept as the
// server sees it.
func (g *gate) sent(t time.Time) {
	g.mu.Lock()
	if t.After(g.last) {
		g.last = t
	}
	g.mu.Unlock()
}

// wait blocks until a request may start, and takes the slot.
func (g *gate) wait(ctx context.Context) error {
	for {
		g.mu.Lock()
		now := time.Now()
		next := g.last.Add(g.delay)
		if g.last.IsZero() || !now.Before(next) {
			g.last = now
			g.mu.Unlock()
			return nil
		}
		g.mu.Unlock()
		t := time.NewTimer(next.Sub(now))
		select {
		case <-ctx.Done():
			t.Stop()
			return ctx.Err()
		case <-t.C:
		}
	}
}

// Run crawls until the job's queue is empty, MaxPages is reached, or ctx is
// cancelled. On cancellation (SIGTERM, Ctrl-C) it stops taking URLs, lets
// in-flight requests finish for up to Config.Grace, abandons the rest
// (they stay queued for the next run) and returns with Stats.Interrupted
// set and a nil error. Failures of single URLs are recorded, not returned;
// the error is for what stops the crawl: the Handler's error, or the
// frontier's.
func (c *Crawler) Run(ctx context.Context) (Stats, error) {
	r := &run{
		cfg:     &c.cfg,
		log:     c.log.With(logJob, c.cfg.Job),
		front:   c.front,
		handler: c.handler,
		fetcher: newFetcher(&c.cfg),
		scope:   newScope(c.cfg.Allow, c.cfg.Deny),
		seen:    newSeenSet(seenLimit),
		traps:   newTrapCounter(trapLimit),
		kick:    make(chan struct{}, 1),
		hosts:   map[string]*hostState{},
	}
	defer r.fetcher.close()
	return r.run(ctx, c.seeds)
}

func (r *run) run(parent context.Context, seeds []Item) (Stats, error) {
	r.stats.Job, r.stats.Started = r.cfg.Job, time.Now()
	r.bg = context.WithoutCancel(parent)
	r.ctx, r.cancel = context.WithCancelCause(parent)
	defer r.cancel(nil)
	var cancelFetch context.CancelFunc
	r.fetchCtx, cancelFetch = context.WithCancel(r.bg)
	defer cancelFetch()
	var graceTimer *time.Timer
	var graceMu sync.Mutex
	stopAfter := context.AfterFunc(r.ctx, func() {
		if r.firstErr() != nil {
			cancelFetch()
			return
		}
		graceMu.Lock()
		graceTimer = time.AfterFunc(r.cfg.Grace, cancelFetch)
		graceMu.Unlock()
	})
	defer func() {
		stopAfter()
		graceMu.Lock()
		if graceTimer != nil {
			graceTimer.Stop()
		}
		graceMu.Unlock()
	}()

	if err := r.begin(seeds); err != nil {
		return r.snapshot(), err
	}
	stopProgress := r.startProgress()
	r.loop()
	stopProgress()

	if err := r.firstErr(); err != nil {
		r.log.Error("crawl stopped", logErr, err)
		return r.finalStats(false), err
	}
	interrupted := parent.Err() != nil
	finished := !interrupted && r.drained()
	if finished {
		if err := r.front.Finish(r.bg, r.cfg.Job, time.Now()); err != nil {
			return r.finalStats(false), err
		}
	}
	s := r.finalStats(finished)
	s.Interrupted = interrupted
	s.Limited = r.limitHit && !finished
	if r.cfg.Progress != nil {
		r.cfg.Progress(s)
	}
	r.log.Info("crawl ended", "fetches", s.Fetches, "fetched", s.Fetched, "new", s.New, "changed", s.Changed,
		"unchanged", s.Unchanged, "errors", s.Errors, "queued", s.Queued, "interrupted", s.Interrupted,
		"limited", s.Limited, "finished", s.Finished, logDur, s.Elapsed)
	return s, nil
}

func (r *run) finalStats(finished bool) Stats {
	if known, queued, err := r.front.Count(r.bg, r.cfg.Job); err == nil {
		r.mu.Lock()
		r.stats.Known, r.stats.Queued = known, queued
		r.mu.Unlock()
	}
	s := r.snapshot()
	s.Finished = finished
	s.HostsDown = r.hostsDown
	return s
}

// begin opens the run in the frontier and queues the seeds.
func (r *run) begin(seeds []Item) error {
	now := time.Now()
	dueBy := time.Unix(1<<40, 0)
	if r.cfg.Revisit == RevisitAging {
		dueBy = now.Add(agingSlack)
	}
	resumed, err := r.front.Begin(r.bg, r.cfg.Job, now, dueBy)
	if err != nil {
		return err
	}
	hosts, err := r.front.Hosts(r.bg, r.cfg.Job)
	if err != nil {
		return err
	}
	for _, h := range hosts {
		r.host(h.Name)
		if h.Root {
			r.scope.addRoot(h.Name)
		}
	}
	items := make([]Item, len(seeds))
	for i, s := range seeds {
		s.FirstSeen = now
		items[i] = s
		r.scope.addRoot(s.Host)
		r.host(s.Host)
	}
	if r.cfg.IgnoreRobots && !r.cfg.NoSitemapProbe {
		probed := map[string]bool{}
		for _, s := range seeds {
			if !probed[s.Host] {
				probed[s.Host] = true
				u, _ := url.Parse(s.URL)
				items = append(items, Item{URL: u.Scheme + "://" + s.Host + "/sitemap.xml", Host: s.Host, Kind: KindSitemap, FirstSeen: now})
			}
		}
	}
	if err := r.front.Add(r.bg, r.cfg.Job, items); err != nil {
		return err
	}
	known, queued, err := r.front.Count(r.bg, r.cfg.Job)
	if err != nil {
		return err
	}
	r.mu.Lock()
	r.stats.Resumed, r.stats.Known, r.stats.Queued = resumed, known, queued
	for _, it := range items {
		if it.Seq != 0 {
			r.stats.New++
		}
	}
	r.mu.Unlock()
	r.log.Info("crawl started", "resumed", resumed, "known", known, "queued", queued, "revisit", r.cfg.Revisit.String())
	return nil
}

func (r *run) host(name string) *hostState {
	h := r.hosts[name]
	if h == nil {
		h = &hostState{name: name}
		h.gate.delay = r.cfg.Delay
		r.hosts[name] = h
		r.order = append(r.order, h)
	}
	return h
}

func (r *run) fail(err error) {
	r.mu.Lock()
	if r.err == nil {
		r.err = err
	}
	r.mu.Unlock()
	r.cancel(err)
}

func (r *run) firstErr() error {
	r.mu.Lock()
	defer r.mu.Unlock()
	return r.err
}

func (r *run) snapshot() Stats {
	r.mu.Lock()
	defer r.mu.Unlock()
	s := r.stats
	s.Elapsed = time.Since(s.Started)
	return s
}

func (r *run) startProgress() func() {
	if r.cfg.Progress == nil {
		return func() {}
	}
	done := make(chan struct{})
	var wg sync.WaitGroup
	wg.Add(1)
	go func() {
		defer wg.Done()
		tick := time.NewTicker(500 * time.Millisecond)
		defer tick.Stop()
		for {
			select {
			case <-done:
				return
			case <-tick.C:
				r.cfg.Progress(r.snapshot())
			}
		}
	}()
	return func() { close(done); wg.Wait() }
}

// drained tells that the pass is over: nothing is left queued but on hosts
// given up in this run. Their URLs stay queued into the next pass, so that
// a host that is down for good does not hold back revisiting the others.
func (r *run) drained() bool {
	if r.limitHit {
		return false
	}
	for _, h := range r.order {
		if h.down {
			continue
		}
		if !h.exhausted || len(h.queue) > 0 || len(h.retry) > 0 {
			return false
		}
	}
	return true
}

// loop is the dispatcher: it reads each host's queue from the frontier in
// batches, starts requests when the host's politeness allows, and waits,
// until nothing is left to do. Workers report under the same lock and
// dispatch at once what their report allows (the next request to a host
// starts as soon as the previous one is over, without waiting for this
// goroutine); the loop looks again after each report, when a timer (a
// delay, a pause, a retry) is due, and when the context is cancelled.
func (r *run) loop() {
	var timer *time.Timer
	defer func() {
		if timer != nil {
			timer.Stop()
		}
	}()
	for {
		r.dmu.Lock()
		if !r.stopping && r.ctx.Err() != nil {
			r.stopping = true
		}
		var wake time.Time
		if !r.stopping {
			wake = r.dispatch()
		}
		stopping, idle := r.stopping, r.inFlight == 0 && r.pulls == 0
		finished := idle && (stopping || !r.pending())
		r.dmu.Unlock()
		if finished {
			return
		}
		var tc <-chan time.Time
		if !stopping && idle && wake.IsZero() {
			wake = time.Now().Add(100 * time.Millisecond) // cannot happen, but never hang
		}
		if !wake.IsZero() {
			d := max(time.Until(wake), time.Millisecond)
			if timer == nil {
				timer = time.NewTimer(d)
			} else {
				timer.Reset(d)
			}
			tc = timer.C
		}
		var done <-chan struct{}
		if !stopping {
			done = r.ctx.Done()
		}
		select {
		case <-r.kick:
		case <-tc:
		case <-done:
		}
		if timer != nil && !timer.Stop() {
			select {
			case <-timer.C:
			default:
			}
		}
	}
}

// report applies a worker's report and starts what it allows.
func (r *run) report(ev event) {
	r.dmu.Lock()
	r.handleEvent(ev)
	if !r.stopping && r.ctx.Err() == nil {
		r.dispatch()
	}
	r.dmu.Unlock()
	r.poke()
}

// poke makes the loop look again.
func (r *run) poke() {
	select {
	case r.kick <- struct{}{}:
	default:
	}
}

// pending tells whether any host may still have work in this run.
func (r *run) pending() bool {
	for _, h := range r.order {
		if h.down {
			continue
		}
		if len(h.retry) > 0 {
			return true
		}
		if r.limitHit {
			continue
		}
		if len(h.queue) > 0 || !h.exhausted {
			return true
		}
	}
	return false
}

// dispatch starts what may start now and returns when to look again (zero:
// when a report arrives).
func (r *run) dispatch() (wake time.Time) {
	now := time.Now()
	soon := func(t time.Time) {
		if wake.IsZero() || t.Before(wake) {
			wake = t
		}
	}
	n := len(r.order)
	for i := 0; i < n && r.inFlight < r.cfg.Workers; i++ {
		h := r.order[(r.next+i)%n]
		if h.down {
			continue
		}
		if now.Before(h.pausedUntil) {
			soon(h.pausedUntil)
			continue
		}
		if !h.exhausted && !h.pulling && len(h.queue) < hostLowWater && !r.limitHit {
			r.pull(h)
		}
		if len(h.queue) == 0 && len(h.retry) == 0 {
			continue
		}
		if !r.cfg.IgnoreRobots && h.robots == nil {
			if !h.robotsBusy && h.inFlight < r.cfg.Parallel {
				if ns := h.gate.nextStart(); ns.After(now) {
					soon(ns)
					continue
				}
				r.startRobots(h)
			}
			continue
		}
		for h.inFlight < r.cfg.Parallel && r.inFlight < r.cfg.Workers {
			if ns := h.gate.nextStart(); ns.After(now) {
				soon(ns)
				break
			}
			t, retryAt := r.pick(h, now)
			if t == nil {
				if !retryAt.IsZero() {
					soon(retryAt)
				}
				break
			}
			if t.attempt == 0 {
				if reason := r.skipReason(h, t); reason != "" {
					if err := r.skip(h, t, reason); err != nil {
						r.fail(err)
						return
					}
					continue
				}
				if r.cfg.MaxPages > 0 && r.reserved >= r.cfg.MaxPages {
					r.limitHit = true
					h.queue = append([]*task{t}, h.queue...)
					break
				}
				r.reserved++
			}
			r.start(h, t)
		}
	}
	if n > 0 {
		r.next = (r.next + 1) % n
	}
	return wake
}

// pull reads the next batch of host's queue from the frontier, in the
// background: dispatching goes on with the URLs still in memory meanwhile.
// Called with dmu held.
func (r *run) pull(h *hostState) {
	h.pulling = true
	r.pulls++
	after, touched := h.cursor, h.touched
	go func() {
		r.hintMu.RLock() // see run.hintMu
		items, err := r.front.Next(r.bg, r.cfg.Job, h.name, after, hostBatch)
		r.dmu.Lock()
		h.pulling = false
		r.pulls--
		if err != nil {
			r.fail(err)
		} else {
			for _, it := range items {
				h.queue = append(h.queue, &task{item: it})
				h.cursor = it.Seq
			}
			// New URLs reported while reading may be past what was read.
			h.exhausted = len(items) < hostBatch && h.touched == touched
			if !r.stopping && r.ctx.Err() == nil {
				r.dispatch()
			}
		}
		r.dmu.Unlock()
		r.hintMu.RUnlock()
		r.poke()
	}()
}

// pick takes the next task of h: a retry that is due, else the next queued
// URL (unless MaxPages is reached). retryAt is when the earliest retry is
// due when none is.
func (r *run) pick(h *hostState, now time.Time) (t *task, retryAt time.Time) {
	for i, rt := range h.retry {
		if !rt.notBefore.After(now) {
			h.retry = append(h.retry[:i], h.retry[i+1:]...)
			return rt, time.Time{}
		}
		if retryAt.IsZero() || rt.notBefore.Before(retryAt) {
			retryAt = rt.notBefore
		}
	}
	if len(h.queue) > 0 && !r.limitHit {
		t = h.queue[0]
		h.queue[0] = nil
		h.queue = h.queue[1:]
		return t, time.Time{}
	}
	return nil, retryAt
}

// skipReason tells why a queued URL must not be fetched now: robots.txt,
// or a scope or depth that changed since it was queued.
func (r *run) skipReason(h *hostState, t *task) string {
	it := &t.item
	if r.scope.denied(it.URL) || (it.Depth > 0 && !r.scope.contains(it.URL, it.Host, it.Kind)) {
		return "out of scope"
	}
	if r.cfg.Depth > 0 && it.Depth > r.cfg.Depth {
		return "too deep"
	}
	if h.robots != nil && !r.cfg.IgnoreRobots {
		u, err := url.Parse(it.URL)
		if err != nil {
			return "bad URL"
		}
		if !h.robots.allowed(u) {
			return "disallowed by robots.txt"
		}
	}
	return ""
}

// skip marks a queued URL done without fetching it.
func (r *run) skip(h *hostState, t *task, reason string) error {
	it := &t.item
	o := Outcome{Seq: it.Seq, URL: it.URL, Kind: it.Kind, Article: it.Article, ETag: it.ETag,
		LastModified: it.LastModified, Note: reason}
	if err := r.front.Done(r.bg, r.cfg.Job, o, nil); err != nil {
		return err
	}
	r.log.Debug("skipped", logURL, it.URL, "reason", reason)
	r.mu.Lock()
	r.stats.Queued--
	if reason == "disallowed by robots.txt" {
		r.stats.Blocked++
	} else {
		r.stats.Dropped++
	}
	r.mu.Unlock()
	return nil
}

func (r *run) start(h *hostState, t *task) {
	t.released = false
	h.inFlight++
	r.inFlight++
	r.mu.Lock()
	r.stats.InFlight = r.inFlight
	r.mu.Unlock()
	go r.work(h, t)
}

func (r *run) startRobots(h *hostState) {
	var first *task
	if len(h.queue) > 0 {
		first = h.queue[0]
	} else {
		first = h.retry[0]
	}
	u, err := url.Parse(first.item.URL)
	if err != nil {
		u = &url.URL{Scheme: "http"}
	}
	h.robotsBusy = true
	r.start(h, &task{item: Item{URL: u.Scheme + "://" + h.name + "/robots.txt", Host: h.name, Kind: KindRobots}, robots: true})
}

// handleEvent applies a worker's report.
func (r *run) handleEvent(ev event) {
	stopping := r.stopping
	h := ev.h
	if ev.released {
		h.inFlight--
		return
	}
	if !ev.t.released {
		h.inFlight--
	}
	r.inFlight--
	r.mu.Lock()
	r.stats.InFlight = r.inFlight
	r.mu.Unlock()
	if ev.t.robots {
		h.robotsBusy = false
		switch {
		case ev.robots != nil:
			h.robots = ev.robots
			h.gate.setDelay(max(r.cfg.Delay, ev.robots.delay))
			if ev.robots.delay > r.cfg.Delay {
				r.log.Info("robots.txt asks for a longer delay", logHost, h.name, "crawl_delay", ev.robots.delay)
			}
		case !ev.abandoned && !stopping:
			r.hostDown(h, "its robots.txt could not be read")
		}
	}
	if ev.success {
		h.failures = 0
	}
	if ev.failure {
		h.failures++
		if h.failures >= r.cfg.HostFailures && !h.down {
			r.hostDown(h, fmt.Sprintf("%d failures in a row", h.failures))
		} else if h.failures >= hostPauseAfter {
			ev.pauseUntil = maxTime(ev.pauseUntil, time.Now().Add(r.backoff(h.failures-hostPauseAfter+1)))
		}
	}
	if ev.pauseUntil.After(h.pausedUntil) {
		h.pausedUntil = ev.pauseUntil
		r.log.Info("host paused", logHost, h.name, "until", h.pausedUntil)
	}
	if ev.retry && !stopping && !h.down {
		ev.t.notBefore = ev.notBefore
		h.retry = append(h.retry, ev.t)
	}
	for _, name := range ev.touched {
		th := r.host(name)
		th.exhausted = false
		th.touched++
	}
}

// requeue takes up a known URL that the frontier queued again in its old
// place, behind the host's cursor or ahead of it, because a sitemap or feed
// said it changed since its last fetch. Called with dmu and hintMu held.
func (r *run) requeue(it Item) {
	h := r.host(it.Host)
	switch {
	case h.down:
		// It stays queued for the next run.
	case it.Seq <= h.cursor:
		// No read of the frontier will return it: take it from here.
		h.queue = append(h.queue, &task{item: it})
	default:
		// The next read returns it (none is under way: hintMu).
		h.exhausted = false
		h.touched++
	}
}

func (r *run) hostDown(h *hostState, why string) {
	h.down = true
	r.hostsDown++
	r.log.Warn("host given up for this run; its URLs stay queued for the next", logHost, h.name, "reason", why)
	h.queue, h.retry = nil, nil
}

func maxTime(a, b time.Time) time.Time {
	if a.After(b) {
		return a
	}
	return b
}

// backoff is the wait before retry n (1, 2, …): Backoff doubled n-1
// times, capped at MaxBackoff, with equal jitter.
func (r *run) backoff(n int) time.Duration {
	d := r.cfg.Backoff
	for i := 1; i < n && d < r.cfg.MaxBackoff; i++ {
		d *= 2
	}
	d = min(d, r.cfg.MaxBackoff)
	return d/2 + rand.N(d/2+1)
}

// release gives the host's slot back once a task's request is over, so
// that the next request to the host may start while this one's response
// is handed to the Handler and recorded: Parallel bounds requests, Workers
// bounds the tasks under way.
func (r *run) release(h *hostState, t *task) {
	if !t.released {
		t.released = true
		r.report(event{h: h, t: t, released: true})
	}
}

// work fetches one task and reports on it.
func (r *run) work(h *hostState, t *task) {
	ev := event{h: h, t: t}
	if t.robots {
		r.fetchRobots(h, t, &ev)
	} else {
		r.fetchItem(h, t, &ev)
	}
	r.report(ev)
}

// attempt makes one request of t (waiting for the host's gate first) and
// hands it to the Handler. ok is false when the run is stopping and the
// attempt was not made or was abandoned, or the Handler failed.
func (r *run) attempt(h *hostState, t *task, u string, validators *Item) (resp *Response, v Verdict, ok bool) {
	if err := h.gate.wait(r.ctx); err != nil {
		return nil, v, false
	}
	t.attempt++
	ctx, cancel := context.WithTimeout(r.fetchCtx, r.cfg.Timeout)
	resp = r.fetcher.fetch(ctx, u, validators, h.gate.sent)
	cancel()
	if !t.robots && !retryable(resp) {
		// A failure keeps the slot until its report, which may pause
		// the host.
		r.release(h, t)
	}
	resp.Depth, resp.Attempt = t.item.Depth, t.attempt
	resp.Kind = t.item.Kind
	if resp.Err == nil && resp.Status >= 200 && resp.Status < 300 {
		resp.Kind = classify(t.item.Kind, resp.Header, resp.Body)
	}
	abandoned := resp.Err != nil && r.fetchCtx.Err() != nil
	v, err := r.handler.Handle(r.bg, resp)
	r.mu.Lock()
	r.stats.Fetches++
	r.stats.Bytes += int64(len(resp.Body))
	if resp.Truncated {
		r.stats.Truncated++
	}
	if t.attempt > 1 {
		r.stats.Retries++
	}
	r.mu.Unlock()
	if r.log.Enabled(r.bg, slog.LevelDebug) {
		r.log.Debug("fetched", logURL, u, logStatus, resp.Status, logAttempt, t.attempt, logBytes, len(resp.Body),
			logDur, resp.Duration, logErr, resp.Err)
	}
	if err != nil {
		r.fail(fmt.Errorf("handle %s: %w", u, err))
		return resp, v, false
	}
	return resp, v, !abandoned
}

// retryWait tells whether a failed attempt should be tried again, after how
// long, and until when the host should rest.
func (r *run) retryWait(resp *Response, attempt int) (retry bool, wait time.Duration, pauseUntil time.Time) {
	wait = r.backoff(attempt)
	if ra, ok := retryAfter(resp.Header, time.Now()); ok && (resp.Status == 429 || resp.Status == 503) {
		pauseUntil = time.Now().Add(min(ra, r.cfg.MaxBackoff))
		if ra > r.cfg.MaxBackoff {
			return false, 0, pauseUntil
		}
		wait = max(wait, ra)
	}
	return attempt <= r.cfg.Retries, wait, pauseUntil
}

func (r *run) fetchItem(h *hostState, t *task, ev *event) {
	it := &t.item
	var validators *Item
	if it.ETag != "" || it.LastModified != "" {
		validators = it
	}
	resp, verdict, ok := r.attempt(h, t, it.URL, validators)
	if !ok {
		ev.abandoned = true
		return
	}
	if retryable(resp) {
		ev.failure = true
		retry, wait, pause := r.retryWait(resp, t.attempt)
		ev.pauseUntil = pause
		if retry && r.ctx.Err() == nil {
			ev.retry, ev.notBefore = true, time.Now().Add(wait)
			return
		}
	} else if resp.Err == nil {
		ev.success = true
	}
	r.complete(t, resp, verdict, ev)
}

// complete records the final attempt of a URL in the frontier, with the
// URLs it led to.
func (r *run) complete(t *task, resp *Response, verdict Verdict, ev *event) {
	it := &t.item
	ok2xx := resp.Err == nil && resp.Status >= 200 && resp.Status < 300
	o := Outcome{Seq: it.Seq, URL: it.URL, Fetched: resp.StartedAt, Status: resp.Status, Kind: it.Kind, Article: it.Article}
	switch {
	case resp.Err != nil:
		o.Note = resp.Err.Error()
	case resp.Status >= 400:
		o.Note = http.StatusText(resp.Status)
	}
	var digest int64
	switch {
	case ok2xx:
		o.Kind, o.Article = resp.Kind, verdict.Article
		o.ETag, o.LastModified = resp.Header.Get("ETag"), resp.Header.Get("Last-Modified")
		digest = bodyDigest(resp.Body)
		o.Digest = digest
	case resp.Status == http.StatusNotModified:
		o.ETag, o.LastModified = cmp.Or(resp.Header.Get("ETag"), it.ETag), cmp.Or(resp.Header.Get("Last-Modified"), it.LastModified)
	case resp.Status == 0 || resp.Status == 429 || resp.Status >= 500:
		o.ETag, o.LastModified = it.ETag, it.LastModified
	}
	o.NextDue = NextDue(o.Kind, o.Article, resp.Status, it.FirstSeen, resp.StartedAt)
	now := time.Now()
	found, decided := r.discover(it, resp, o.Kind, ok2xx, now)
	if ok2xx && verdict.Article && verdict.Canonical != "" {
		if cu, err := parseAbsolute(verdict.Canonical); err == nil {
			if s, host, err := canonical(cu); err == nil && s != it.URL && (host == it.Host || r.scope.contains(s, host, KindPage)) {
				o.Alias = Item{URL: s, Host: host, Depth: it.Depth, Kind: KindPage, FirstSeen: now}
			}
		}
	}
	requeued, err := r.done(o, found)
	if err != nil {
		r.fail(err)
		ev.abandoned = true
		return
	}
	hashes := decided
	added := 0
	touched := map[string]bool{}
	for _, f := range found {
		if f.Seq != 0 && f.LastFetch.IsZero() {
			added++
			if !touched[f.Host] {
				touched[f.Host] = true
				ev.touched = append(ev.touched, f.Host)
			}
		}
	}
	if o.Alias.URL != "" {
		hashes = append(hashes, r.seen.hash(o.Alias.URL))
	}
	r.seen.add(hashes...)

	r.mu.Lock()
	defer r.mu.Unlock()
	s := &r.stats
	s.Fetched++
	s.New += added
	s.Known += added
	s.Requeued += requeued
	s.Queued += added + requeued - 1
	if !it.LastFetch.IsZero() {
		switch {
		case resp.Status == http.StatusNotModified || (ok2xx && digest == it.Digest):
			s.Unchanged++
		case ok2xx:
			s.Changed++
		}
	}
	if resp.Err != nil || resp.Status >= 400 {
		s.Errors++
	}
}

// done records an outcome and what it led to in the frontier. When found
// has Modified hints, the frontier may queue known URLs again (see
// Frontier.Add); they are taken up before any read of the frontier (see
// run.hintMu). It returns how many were queued again.
func (r *run) done(o Outcome, found []Item) (requeued int, err error) {
	hints := false
	for i := range found {
		if !found[i].Modified.IsZero() {
			hints = true
			break
		}
	}
	if !hints {
		return 0, r.front.Done(r.bg, r.cfg.Job, o, found)
	}
	r.hintMu.Lock()
	defer r.hintMu.Unlock()
	if err := r.front.Done(r.bg, r.cfg.Job, o, found); err != nil {
		return 0, err
	}
	r.dmu.Lock()
	defer r.dmu.Unlock()
	for _, f := range found {
		if f.Seq != 0 && !f.LastFetch.IsZero() {
			r.requeue(f)
			requeued++
		}
	}
	return requeued, nil
}

// bodyDigest is the first 8 bytes of the body's SHA-256 (never 0).
func bodyDigest(b []byte) int64 {
	sum := sha256.Sum256(b)
	d := int64(binary.BigEndian.Uint64(sum[:8]))
	if d == 0 {
		d = 1
	}
	return d
}

// linkVerdict is what admit decides about one link.
type linkVerdict uint8

const (
	linkQueue    linkVerdict = iota
	linkDrop                 // for good, in this run
	linkTooDeep              // here; it may be found again nearer a seed
	linkRedirect             // redirect limit
)

// admit decides whether a discovered URL is queued.
func (r *run) admit(u, host string, kind Kind, depth int, now time.Time) linkVerdict {
	if len(u) > maxURLLength || !r.scope.contains(u, host, kind) || repeatsSegments(u) {
		return linkDrop
	}
	if r.cfg.Depth > 0 && depth > r.cfg.Depth {
		return linkTooDeep
	}
	key, absurd := shape(u, now)
	if absurd {
		return linkDrop
	}
	if key != "" && r.cfg.PatternCap > 0 && !r.traps.admit(key, r.cfg.PatternCap) {
		return linkDrop
	}
	return linkQueue
}

// discover returns the URLs a response leads to that are to be queued, and
// the seen-set keys to remember once they are recorded: the canonical
// URLs decided on (queued, known or dropped for good) and the links as
// written (relative to their page's directory), so that a link repeated
// on every page is not even resolved again.
func (r *run) discover(it *Item, resp *Response, kind Kind, ok2xx bool, now time.Time) (found []Item, decided []uint64) {
	base, err := url.Parse(it.URL)
	if err != nil {
		return nil, nil
	}
	if resp.RedirectTo != "" && resp.Err == nil {
		return r.redirectTarget(it, resp.RedirectTo, now), nil
	}
	if !ok2xx || resp.Truncated && kind != KindPage {
		return nil, nil
	}
	var links []rawLink
	res := resolver{base: base}
	switch kind {
	case KindPage:
		doc := parseHTML(resp.Body)
		links = doc.links
		if doc.base != "" {
			if b, err := url.Parse(doc.base); err == nil {
				res.base = base.ResolveReference(b)
			}
		}
		ct := resp.Header.Get("Content-Type")
		res.enc = sync.OnceValue(func() encoding.Encoding { return docEncoding(ct, doc.charset) })
	case KindSitemap, KindFeed:
		links, err = parseXMLLinks(resp.Body)
		if err != nil {
			r.log.Debug("sitemap or feed partly read", logURL, it.URL, logErr, err)
		}
	default:
		return nil, nil
	}
	dir := res.base.String()
	if i := strings.LastIndexByte(dir, '/'); i >= 0 {
		dir = dir[:i+1]
	}
	// Links already decided on are skipped before they are resolved; the
	// seen-set is asked once per page for each kind of key. A link that a
	// sitemap or feed says changed is not: the frontier decides whether it
	// changed since its last fetch (its hint too far ahead is dropped).
	latest := now.Add(MaxModifiedSkew)
	raws := make([]uint64, len(links))
	for i := range links {
		if links[i].modified.After(latest) {
			links[i].modified = time.Time{}
		}
		raws[i] = r.seen.rawHash(dir, links[i].href)
	}
	known := r.seen.hasAll(raws, nil)
	type candidate struct {
		raw, h   uint64
		u, host  string
		kind     Kind
		modified time.Time
	}
	var cands []candidate
	var hs []uint64
	local := make(map[uint64]struct{}, len(links))
	for i, l := range links {
		if known[i] && l.modified.IsZero() {
			continue
		}
		u, host, ok := res.resolve(l.href)
		if !ok {
			decided = append(decided, raws[i])
			continue
		}
		h := r.seen.hash(u)
		if _, dup := local[h]; dup {
			continue
		}
		local[h] = struct{}{}
		cands = append(cands, candidate{raw: raws[i], h: h, u: u, host: host, kind: l.kind, modified: l.modified})
		hs = append(hs, h)
	}
	known = r.seen.hasAll(hs, known[:0])
	dropCount := 0
	for i, c := range cands {
		if known[i] && c.modified.IsZero() {
			decided = append(decided, c.raw)
			continue
		}
		switch r.admit(c.u, c.host, c.kind, it.Depth+1, now) {
		case linkQueue:
			found = append(found, Item{URL: c.u, Host: c.host, Depth: it.Depth + 1, Kind: c.kind, FirstSeen: now, Modified: c.modified})
			decided = append(decided, c.raw, c.h)
		case linkDrop:
			decided = append(decided, c.raw, c.h)
			if !known[i] {
				dropCount++
			}
		default:
			if !known[i] {
				dropCount++
			}
		}
	}
	if dropCount > 0 {
		r.mu.Lock()
		r.stats.Dropped += dropCount
		r.mu.Unlock()
	}
	return found, decided
}

// redirectTarget returns the target of a redirect as an item to queue, if
// it is within scope and the redirect limit. A seed's redirect to the same
// site (http to https, adding or dropping "www.") brings the target's host
// into scope.
func (r *run) redirectTarget(it *Item, location string, now time.Time) []Item {
	u, err := parseAbsolute(location)
	if err != nil {
		return nil
	}
	s, host, err := canonical(u)
	if err != nil || s == it.URL {
		return nil
	}
	if it.Redirects+1 > r.cfg.MaxRedirects {
		r.log.Warn("redirect limit reached: the target is not fetched", logURL, it.URL, "to", s, "redirects", it.Redirects+1)
		r.mu.Lock()
		r.stats.Dropped++
		r.stats.RedirectsStopped++
		r.mu.Unlock()
		return nil
	}
	if it.Depth == 0 && sameSite(host, it.Host) && !r.scope.denied(s) {
		r.scope.addRoot(host)
	}
	if it.Depth > 0 || !r.scope.isRoot(host) {
		if r.admit(s, host, it.Kind, it.Depth, now) != linkQueue {
			r.mu.Lock()
			r.stats.Dropped++
			r.mu.Unlock()
			return nil
		}
	}
	return []Item{{URL: s, Host: host, Depth: it.Depth, Redirects: it.Redirects + 1, Kind: it.Kind, FirstSeen: now}}
}

// fetchRobots reads a host's robots.txt, following up to five redirects and
// retrying like any URL, then queues the sitemaps it names (or
// /sitemap.xml) when the host is a root host.
func (r *run) fetchRobots(h *hostState, t *task, ev *event) {
	u := t.item.URL
	var resp *Response
	for hops := 0; ; hops++ {
		t.attempt = 0
		for {
			var ok bool
			resp, _, ok = r.attempt(h, t, u, nil)
			if !ok {
				ev.abandoned = true
				return
			}
			if !retryable(resp) {
				break
			}
			retry, wait, pause := r.retryWait(resp, t.attempt)
			if !retry {
				break
			}
			if !pause.IsZero() {
				wait = max(wait, time.Until(pause))
			}
			select {
			case <-r.ctx.Done():
				ev.abandoned = true
				return
			case <-time.After(wait):
			}
		}
		if resp.Err != nil || resp.RedirectTo == "" || resp.Status < 300 || resp.Status >= 400 || hops >= maxRobotsRedirects {
			break
		}
		next, err := parseAbsolute(resp.RedirectTo)
		if err != nil {
			break
		}
		if u, _, err = canonical(next); err != nil {
			break
		}
	}
	var rules robotsRules
	switch {
	case resp.Err != nil || resp.Status == 429 || resp.Status >= 500:
		ev.failure = true
		r.log.Warn("robots.txt unavailable", logHost, h.name, logStatus, resp.Status, logErr, resp.Err)
		return
	case resp.Status >= 300 && resp.Status < 400:
		rules = robotsRules{all: true} // too many redirects: as if there were none (RFC 9309)
	default:
		rules = parseRobots(resp.Status, resp.Body, r.cfg.robotsAgent())
	}
	ev.success = true
	ev.robots = &rules
	if !r.scope.isRoot(h.name) {
		return
	}
	scheme := "http"
	if base, err := url.Parse(t.item.URL); err == nil {
		scheme = base.Scheme
	}
	now := time.Now()
	var items []Item
	for _, sm := range rules.sitemaps {
		su, err := parseAbsolute(sm)
		if err != nil {
			continue
		}
		s, host, err := canonical(su)
		if err != nil || host != h.name || r.scope.denied(s) {
			continue
		}
		items = append(items, Item{URL: s, Host: host, Kind: KindSitemap, FirstSeen: now})
	}
	if len(items) == 0 && !r.cfg.NoSitemapProbe {
		items = append(items, Item{URL: scheme + "://" + h.name + "/sitemap.xml", Host: h.name, Kind: KindSitemap, FirstSeen: now})
	}
	if len(items) == 0 {
		return
	}
	if err := r.front.Add(r.bg, r.cfg.Job, items); err != nil {
		r.fail(err)
		return
	}
	added := 0
	for _, it := range items {
		if it.Seq != 0 {
			added++
		}
	}
	if added > 0 {
		ev.touched = append(ev.touched, h.name)
		r.mu.Lock()
		r.stats.New += added
		r.stats.Known += added
		r.stats.Queued += added
		r.mu.Unlock()
	}
}
