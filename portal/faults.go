package portal

import (
	"errors"
	"fmt"
	"io"
	"net/http"
	"strconv"
	"strings"
	"time"
)

// faultState is what the misbehaving pages remember between requests;
// Reset clears it.
type faultState struct {
	busyStage  int       // 0: next answer is 429 with seconds; 1: 429 with a date; 2: 200
	busyUntil  time.Time // a request before this gets the same 429 again
	busyHeader string    // the Retry-After last sent
	flaky      int       // requests to the flaky page so far
	sessions   int       // session ids handed out so far
}

// faultLinks are the home page's links to the fault pages and traps.
var faultLinks = []link{
	{Title: "网上调查", Href: PathBusy},
	{Title: "政民互动", Href: PathFlaky},
	{Title: "视频直播", Href: PathSlow},
	{Title: "历史文献全文", Href: PathHuge},
	{Title: "活动日历", Href: PathCalendar + "?month=2021-09"},
	{Title: "网友留言", Href: PathEndless + "?page=1"},
	{Title: "西辽河论坛", Href: PathSession},
}

func (p *Portal) faultRoutes() []*route {
	const html = "text/html; charset=utf-8"
	o := p.opts
	return []*route{
		{Page: Page{Path: PathBusy, Kind: KindFault, Status: http.StatusTooManyRequests, ContentType: html,
			Note: fmt.Sprintf("429 with Retry-After: %d, then 429 with Retry-After as an HTTP date, then 200; a request before the time asked gets the same 429 again", int(o.RetryAfter.Seconds()))},
			serve: p.serveBusy},
		{Page: Page{Path: PathFlaky, Kind: KindFault, Status: http.StatusServiceUnavailable, ContentType: html,
			Note: fmt.Sprintf("503 for the first %d requests, then 200", o.FlakyFailures)},
			serve: p.serveFlaky},
		{Page: Page{Path: PathSlow, Kind: KindFault, ContentType: html, Note: fmt.Sprintf("answers after %s", o.SlowDelay)},
			serve: p.serveSlow},
		{Page: Page{Path: PathHuge, Kind: KindFault, ContentType: html, Note: fmt.Sprintf("%d bytes of HTML", o.HugeSize)},
			serve: p.serveHuge},
		{Page: Page{Path: PathCalendar + "?month=2021-09", Kind: KindTrap, ContentType: html, Note: "calendar: each month links the next, forever"},
			anyQuery: true, serve: p.serveCalendar},
		{Page: Page{Path: PathEndless + "?page=1", Kind: KindTrap, ContentType: html, Note: "pagination: each page links the next, forever"},
			anyQuery: true, serve: p.serveEndless},
		{Page: Page{Path: PathSession, Kind: KindTrap, ContentType: html, Note: "links itself with a fresh ;jsessionid= and ?sid= on every response"},
			serve: p.serveSession},
		{Page: Page{Path: "/bbs/forum.jsp?fid=2", Kind: KindTrap, ContentType: html, Note: "forum page of the session-id trap"},
			anyQuery: true, serve: p.serveSession},
	}
}

// serveBusy answers 429 until the client has waited as asked, twice.
func (p *Portal) serveBusy(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	now := p.opts.Now()
	p.mu.Lock()
	st := &p.faults
	header := ""
	switch {
	case now.Before(st.busyUntil):
		header = st.busyHeader // too early: the same answer again
	case st.busyStage == 0:
		st.busyStage = 1
		st.busyUntil = now.Add(p.opts.RetryAfter)
		header = strconv.Itoa(int(p.opts.RetryAfter.Seconds()))
	case st.busyStage == 1:
		st.busyStage = 2
		// HTTP dates have whole seconds: round up so that waiting until
		// the date is always long enough.
		st.busyUntil = now.Add(p.opts.RetryAfter).Truncate(time.Second).Add(time.Second)
		header = st.busyUntil.UTC().Format(http.TimeFormat)
	}
	st.busyHeader = header
	p.mu.Unlock()
	if header == "" {
		serveRendered(w, r, rc, "网上调查", []string{"感谢您参与本次网上调查。"})
		return
	}
	w.Header().Set("Retry-After", header)
	serveError(w, r, rc, http.StatusTooManyRequests, "访问过于频繁", "您的访问过于频繁，请稍后再试。")
}

// serveFlaky fails Options.FlakyFailures times with 503, then succeeds.
func (p *Portal) serveFlaky(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	p.mu.Lock()
	p.faults.flaky++
	fail := p.faults.flaky <= p.opts.FlakyFailures
	p.mu.Unlock()
	if fail {
		serveError(w, r, rc, http.StatusServiceUnavailable, "服务暂时不可用", "服务器繁忙，请稍后再试。")
		return
	}
	serveRendered(w, r, rc, "政民互动", []string{"欢迎通过政民互动平台反映诉求、提出建议。"})
}

// serveSlow answers after Options.SlowDelay, or not at all if the client
// gives up first.
func (p *Portal) serveSlow(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	t := time.NewTimer(p.opts.SlowDelay)
	defer t.Stop()
	select {
	case <-t.C:
	case <-r.Context().Done():
		return
	}
	serveRendered(w, r, rc, "视频直播", []string{"直播信号加载完成。"})
}

// serveHuge streams Options.HugeSize bytes of HTML without holding them in
// memory; range and conditional requests work as for any page.
func (p *Portal) serveHuge(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	h := newHugeReader(p.opts.HugeSize)
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.Header().Set("ETag", fmt.Sprintf(`"huge-%d-%d"`, p.opts.HugeSize, rc.s.edition))
	http.ServeContent(w, r, "", rc.s.generated, h)
}

// hugeReader is a seekable page of exactly size bytes: a head, a paragraph
// repeated, spaces, and a tail.
type hugeReader struct {
	size, off        int64
	head, unit, tail string
}

func newHugeReader(size int64) *hugeReader {
	h := &hugeReader{
		size: size,
		head: "<!DOCTYPE html>\n<html lang=\"zh-CN\"><head><meta charset=\"utf-8\"><title>历史文献全文 - 西辽河新闻网</title></head><body>\n<h1>历史文献全文</h1>\n",
		unit: "<p>西辽河流域地方志资料汇编：本卷收录清代以来科尔沁地区的垦殖、水利、交通与商贸史料，供研究者查阅。</p>\n",
		tail: "</body></html>\n",
	}
	if min := int64(len(h.head) + len(h.tail)); size < min {
		h.size = min
	}
	return h
}

func (h *hugeReader) byteAt(i int64) byte {
	switch mid := h.size - int64(len(h.tail)); {
	case i < int64(len(h.head)):
		return h.head[i]
	case i >= mid:
		return h.tail[i-mid]
	default:
		j := i - int64(len(h.head))
		body := mid - int64(len(h.head))
		whole := body - body%int64(len(h.unit))
		if j >= whole {
			return ' ' // padding, so the page is exactly size bytes
		}
		return h.unit[j%int64(len(h.unit))]
	}
}

func (h *hugeReader) Read(b []byte) (int, error) {
	if h.off >= h.size {
		return 0, io.EOF
	}
	n := int(min(int64(len(b)), h.size-h.off))
	for i := range n {
		b[i] = h.byteAt(h.off + int64(i))
	}
	h.off += int64(n)
	return n, nil
}

func (h *hugeReader) Seek(offset int64, whence int) (int64, error) {
	switch whence {
	case io.SeekStart:
	case io.SeekCurrent:
		offset += h.off
	case io.SeekEnd:
		offset += h.size
	default:
		return 0, errors.New("huge page: bad whence")
	}
	if offset < 0 {
		return 0, errors.New("huge page: negative offset")
	}
	h.off = offset
	return offset, nil
}

// serveCalendar is a month of events linking the months before and after,
// without end.
func (p *Portal) serveCalendar(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	month := r.URL.Query().Get("month")
	if month == "" {
		month = "2021-09"
	}
	t, err := time.Parse("2006-01", month)
	if err != nil {
		serveError(w, r, rc, http.StatusNotFound, "页面不存在", "日期格式不正确。")
		return
	}
	prev, next := t.AddDate(0, -1, 0), t.AddDate(0, 1, 0)
	heading := fmt.Sprintf("活动日历 %d年%d月", t.Year(), t.Month())
	var days []string
	for d := t; d.Month() == t.Month(); d = d.AddDate(0, 0, 1) {
		days = append(days, fmt.Sprintf("%d日", d.Day()))
	}
	links := []link{
		{Title: "上个月", Href: PathCalendar + "?month=" + prev.Format("2006-01")},
		{Title: "下个月", Href: PathCalendar + "?month=" + next.Format("2006-01")},
	}
	serveRenderedLinks(w, r, rc, heading, []string{strings.Join(days, " "), "本月暂无活动安排。"}, links)
}

// serveEndless is a comment list whose every page links the next one.
func (p *Portal) serveEndless(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	page, err := strconv.Atoi(r.URL.Query().Get("page"))
	if err != nil || page < 1 {
		page = 1
	}
	var msgs []string
	for i := range 5 {
		n := (page-1)*5 + i + 1
		msgs = append(msgs, fmt.Sprintf("网友%04d：希望加快老旧小区改造进度，感谢政府的关心。", hashString(strconv.Itoa(n))%10000))
	}
	links := []link{{Title: "下一页", Href: fmt.Sprintf("%s?page=%d", PathEndless, page+1)}}
	if page > 1 {
		links = append([]link{{Title: "上一页", Href: fmt.Sprintf("%s?page=%d", PathEndless, page-1)}}, links...)
	}
	serveRenderedLinks(w, r, rc, fmt.Sprintf("网友留言（第%d页）", page), msgs, links)
}

// serveSession hands out a fresh session id on every response and links
// itself with it, in the path and in the query.
func (p *Portal) serveSession(w http.ResponseWriter, r *http.Request, rc *reqCtx) {
	p.mu.Lock()
	p.faults.sessions++
	n := p.faults.sessions
	p.mu.Unlock()
	id := fmt.Sprintf("%08X%08X", hashString("session"+strconv.Itoa(n)), hashString(strconv.Itoa(n)))
	http.SetCookie(w, &http.Cookie{Name: "JSESSIONID", Value: id, Path: "/bbs"})
	links := []link{
		{Title: "论坛首页", Href: PathSession + ";jsessionid=" + id},
		{Title: "民生话题", Href: "/bbs/forum.jsp?fid=2&sid=" + id},
	}
	serveRenderedLinks(w, r, rc, "西辽河论坛", []string{"欢迎来到西辽河论坛。"}, links)
}
